/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* notify_test.c - hypercall 12 and range lists: every validation rule and return code. */
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define HC	MIGCTL_HC_MAP_GPA_RANGE
#define EINV	(-MIGCTL_KVM_EINVAL)
#define E2BIG_	(-MIGCTL_KVM_E2BIG)
#define EFAULT_	(-MIGCTL_KVM_EFAULT)
#define ENOSYS_	(-MIGCTL_KVM_ENOSYS)
#define ENC	MIGCTL_ATTR_ENCRYPTED
#define LIST	MIGCTL_ATTR_LIST
#define TOP	HT_PHYS_TOP

/* Offers with the hypercall; the index is the column of the tables. */
enum { V1, V2, V2NOLIST, NR_COLS };

FIXTURE(hc)
{
	struct migctl_host *host;
	struct migctl_host_log *log;
	struct ht_guest guest;
};

FIXTURE_VARIANT(hc)
{
	int col;
	u32 min, max, features;
};

FIXTURE_VARIANT_ADD(hc, v1) { .col = V1, .min = 1, .max = 1 };
FIXTURE_VARIANT_ADD(hc, v2) { .col = V2, .min = 1, .max = 2, .features = MIGCTL_F_ALL };
FIXTURE_VARIANT_ADD(hc, v2_nolist) {
	.col = V2NOLIST, .min = 1, .max = 2, .features = MIGCTL_F_MSR_PSC,
};

FIXTURE_SETUP(hc)
{
	struct migctl_host_config cfg;

	ht_config(&cfg, variant->min, variant->max, variant->features, true, &self->guest);
	ASSERT_EQ(0, migctl_host_create(&cfg, &self->host));
	self->log = migctl_host_log(self->host);
	/* A valid one-entry list in the list page for the LIST cases. */
	ht_list_set(&self->guest, 0, 2 * HT_MIB, 4, 0);
}

FIXTURE_TEARDOWN(hc)
{
	migctl_host_destroy(self->host);
}

struct hc_case {
	const char *name;
	u64 nr, a0, a1, a2;
	s64 want[NR_COLS];
	u64 shared;	/* pages that become shared when accepted */
};

static const struct hc_case hc_cases[] = {
	/* Valid ranges: 0 everywhere. */
	{ "one page", HC, HT_MIB, 1, 0, { 0, 0, 0 }, 1 },
	{ "2M hint, aligned", HC, 2 * HT_MIB, 512, MIGCTL_ATTR_SIZE_2M, { 0, 0, 0 }, 512 },
	{ "1G hint on a small unaligned range", HC, HT_MIB + 0x1000, 3, MIGCTL_ATTR_SIZE_1G,
	  { 0, 0, 0 }, 3 },
	{ "encrypted", HC, HT_MIB, 16, ENC, { 0, 0, 0 }, 0 },
	{ "spans two adjacent regions", HC, 5 * HT_GIB - 0x1000, 2, 0, { 0, 0, 0 }, 2 },
	{ "last page below 2^52", HC, TOP - 0x1000, 1, 0, { 0, 0, 0 }, 1 },
	{ "all of low RAM", HC, 0, 160, 0, { 0, 0, 0 }, 160 },
	/* H-9: other hypercall numbers are not ours. */
	{ "hypercall 11", 11, HT_MIB, 1, 0, { ENOSYS_, ENOSYS_, ENOSYS_ } },
	{ "hypercall 12 + 2^32", HC + (1ull << 32), HT_MIB, 1, 0,
	  { ENOSYS_, ENOSYS_, ENOSYS_ } },
	/* H-8 alignment and size. */
	{ "a0 unaligned", HC, HT_MIB + 0x800, 1, 0, { EINV, EINV, EINV } },
	{ "a0 low bit", HC, HT_MIB + 1, 1, 0, { EINV, EINV, EINV } },
	{ "a1 zero", HC, HT_MIB, 0, 0, { EINV, EINV, EINV } },
	{ "wrap: a1 = ~0", HC, HT_MIB, ~0ull, 0, { EINV, EINV, EINV } },
	{ "wrap: a1 = 2^52", HC, HT_MIB, 1ull << 52, 0, { EINV, EINV, EINV } },
	{ "wrap: top of 64-bit", HC, ~0xfffull, 2, 0, { EINV, EINV, EINV } },
	{ "beyond 2^52 by one page", HC, TOP - 0x1000, 2, 0, { EINV, EINV, EINV } },
	{ "at 2^52", HC, TOP, 1, 0, { EINV, EINV, EINV } },
	/* H-8 holes. */
	{ "in the hole at 640K", HC, 0xa0000, 1, 0, { EINV, EINV, EINV } },
	{ "into the hole at 640K", HC, 0x9f000, 2, 0, { EINV, EINV, EINV } },
	{ "across the hole at 640K", HC, 0, 0x200, 0, { EINV, EINV, EINV } },
	{ "end of 2G into hole", HC, 2 * HT_GIB - 0x1000, 2, 0, { EINV, EINV, EINV } },
	{ "in the hole below 4G", HC, 3 * HT_GIB, 1, 0, { EINV, EINV, EINV } },
	{ "past the last adjacent region", HC, 6 * HT_GIB - 0x1000, 2, 0,
	  { EINV, EINV, EINV } },
	{ "below the top region", HC, TOP - 3 * HT_MIB, 1, 0, { EINV, EINV, EINV } },
	/* H-8 attributes. */
	{ "size hint 3", HC, HT_MIB, 1, 3, { EINV, EINV, EINV } },
	{ "size hint 15", HC, HT_MIB, 1, 0xf, { EINV, EINV, EINV } },
	{ "reserved bit 6", HC, HT_MIB, 1, 1ull << 6, { EINV, EINV, EINV } },
	{ "reserved bit 11", HC, HT_MIB, 1, 1ull << 11, { EINV, EINV, EINV } },
	{ "reserved bit 63", HC, HT_MIB, 1, 1ull << 63, { EINV, EINV, EINV } },
	/* Bit 5 is reserved unless F_LIST is offered; then a0/a1 name a list. */
	{ "LIST, one entry", HC, HT_LIST_GPA, 1, LIST, { EINV, 0, EINV }, 4 },
	{ "LIST with ENCRYPTED", HC, HT_LIST_GPA, 1, LIST | ENC, { EINV, EINV, EINV } },
	{ "LIST with size hint", HC, HT_LIST_GPA, 1, LIST | 1, { EINV, EINV, EINV } },
};

/* Covers: H-8, H-9, V-1 */
TEST_F(hc, hypercall_table)
{
	unsigned int i;

	for (i = 0; i < sizeof(hc_cases) / sizeof(hc_cases[0]); i++) {
		const struct hc_case *c = &hc_cases[i];
		s64 want = c->want[variant->col], got;
		u64 changed;

		got = migctl_host_hypercall(self->host, i, c->nr, c->a0, c->a1, c->a2);
		EXPECT_MSG(got == want, "%s: got %lld, want %lld", c->name, (long long)got,
			   (long long)want);
		/* V-1: recorded in S and C on return; an error records nothing. */
		changed = ht_log_drain_changed(self->log);
		if (want) {
			EXPECT_MSG(changed == 0, "%s: %llu pages changed on error", c->name,
				   (unsigned long long)changed);
			continue;
		}
		EXPECT_MSG(changed >= c->shared && changed > 0, "%s: %llu pages in C", c->name,
			   (unsigned long long)changed);
		EXPECT_MSG(migctl_host_log_count(self->log, false) == c->shared,
			   "%s: %llu shared", c->name,
			   (unsigned long long)migctl_host_log_count(self->log, false));
		/* Back to all private for the next case. */
		for (unsigned int k = 0; k < HT_NR_HOLEY; k++)
			migctl_host_log_set(self->log, ht_holey[k].gpa >> 12, ht_holey[k].size >> 12,
					    true);
		ht_log_drain_changed(self->log);
	}
}

/* Covers: H-9, H-12 */
TEST_F(hc, whole_region_and_counters)
{
	struct migctl_host_counters c;
	u64 n = (2 * HT_GIB - HT_MIB) >> 12;

	EXPECT_EQ(0, migctl_host_hypercall(self->host, 0, HC, HT_MIB, n, MIGCTL_ATTR_SIZE_1G));
	EXPECT_EQ(n, migctl_host_log_count(self->log, false));
	EXPECT_EQ(1, migctl_host_log_get(self->log, HT_MIB >> 12) == 0);
	EXPECT_EQ(EINV, migctl_host_hypercall(self->host, 0, HC, HT_MIB, 0, 0));
	EXPECT_EQ(ENOSYS_, migctl_host_hypercall(self->host, 0, 13, HT_MIB, 1, 0));
	migctl_host_counters(self->host, &c);
	EXPECT_EQ(3, c.hc_calls);
	EXPECT_EQ(1, c.ok);
	EXPECT_EQ(n, c.pages);
	EXPECT_EQ(1, c.einval);
	EXPECT_EQ(1, c.enosys);
}

/* Covers: H-1, H-9, V-10 */
TEST(hc, not_offered_enosys)
{
	static const struct { u32 min, max, features; } offers[] = {
		{ 0, 0, 0 }, { 1, 1, 0 }, { 1, 2, MIGCTL_F_ALL },
	};
	struct migctl_host_config cfg;
	struct ht_guest g = { 0 };
	struct migctl_host *h;
	unsigned int i;
	u32 r[4] = { 0 };

	for (i = 0; i < 3; i++) {
		ht_config(&cfg, offers[i].min, offers[i].max, offers[i].features, false, &g);
		ASSERT_EQ(0, migctl_host_create(&cfg, &h));
		EXPECT_EQ(ENOSYS_, migctl_host_hypercall(h, 0, HC, HT_MIB, 1, 0));
		EXPECT_EQ(ENOSYS_, migctl_host_hypercall(h, 0, HC, HT_LIST_GPA, 1, LIST));
		EXPECT_EQ(0, ht_log_drain_changed(migctl_host_log(h)));
		EXPECT_EQ(0, g.reads);
		migctl_host_cpuid(h, MIGCTL_CPUID_BASE_FIRST + 1, 0, r);
		EXPECT_EQ(0, r[0] & (1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE));
		migctl_host_destroy(h);
	}
}

/* Range lists need MIGCTL_F_LIST: one offer. */
FIXTURE(lst)
{
	struct migctl_host *host;
	struct migctl_host_log *log;
	struct ht_guest guest;
};

FIXTURE_SETUP(lst)
{
	struct migctl_host_config cfg;

	ht_config(&cfg, 1, 2, MIGCTL_F_ALL, true, &self->guest);
	ASSERT_EQ(0, migctl_host_create(&cfg, &self->host));
	self->log = migctl_host_log(self->host);
}

FIXTURE_TEARDOWN(lst)
{
	migctl_host_destroy(self->host);
}

/* A list request and its expected outcome (F_LIST offered). */
struct list_case {
	const char *name;
	u64 a0, count;
	int guest_fail;
	/* entries written before the call: gpa, npages, attrs */
	struct { u64 gpa, npages, attrs; } e[3];
	unsigned int nr_e;
	s64 want;
	unsigned int reads;	/* read callback calls expected */
	u64 shared;		/* pages shared afterwards */
};

static const struct list_case list_cases[] = {
	{ "three valid entries", HT_LIST_GPA, 3, 0,
	  { { HT_MIB * 3, 2, 0 }, { 0, 1, 0 }, { 4 * HT_GIB, 512, MIGCTL_ATTR_SIZE_2M } }, 3,
	  0, 1, 515 },
	{ "count 0", HT_LIST_GPA, 0, 0, { { HT_MIB * 3, 2, 0 } }, 1, EINV, 0, 0 },
	{ "count 257", HT_LIST_GPA, 257, 0, { { HT_MIB * 3, 2, 0 } }, 1, E2BIG_, 0, 0 },
	{ "count 2^40", HT_LIST_GPA, 1ull << 40, 0, { { HT_MIB * 3, 2, 0 } }, 1, E2BIG_, 0, 0 },
	{ "list page unaligned", HT_LIST_GPA + 8, 1, 0, { { HT_MIB * 3, 2, 0 } }, 1, EINV, 0, 0 },
	{ "list page in a hole", 0xa0000, 1, 0, { { HT_MIB * 3, 2, 0 } }, 1, EFAULT_, 0, 0 },
	{ "list page at 2^52", TOP, 1, 0, { { HT_MIB * 3, 2, 0 } }, 1, EFAULT_, 0, 0 },
	{ "list page above 2^64-4K", ~0xfffull, 1, 0, { { HT_MIB * 3, 2, 0 } }, 1, EFAULT_, 0, 0 },
	{ "guest memory read fails", HT_LIST_GPA, 1, -14, { { HT_MIB * 3, 2, 0 } }, 1, EFAULT_,
	  1, 0 },
	{ "last entry invalid: all or none", HT_LIST_GPA, 3, 0,
	  { { HT_MIB * 3, 2, 0 }, { 0, 1, 0 }, { 0xa0000, 1, 0 } }, 3, EINV, 1, 0 },
	{ "entry with LIST bit", HT_LIST_GPA, 2, 0,
	  { { HT_MIB * 3, 2, 0 }, { HT_LIST_GPA, 1, LIST } }, 2, EINV, 1, 0 },
	{ "entry npages 0", HT_LIST_GPA, 1, 0, { { HT_MIB * 3, 0, 0 } }, 1, EINV, 1, 0 },
	{ "entry wraps", HT_LIST_GPA, 1, 0, { { HT_MIB * 3, ~0ull, 0 } }, 1, EINV, 1, 0 },
	{ "entry beyond 2^52", HT_LIST_GPA, 1, 0, { { TOP - 0x1000, 2, 0 } }, 1, EINV, 1, 0 },
	{ "entry GPA bits 63:52", HT_LIST_GPA, 1, 0, { { 1ull << 60, 1, 0 } }, 1, EINV, 1, 0 },
	{ "entry size hint 3", HT_LIST_GPA, 1, 0, { { HT_MIB * 3, 1, 3 } }, 1, EINV, 1, 0 },
	{ "entry reserved bit 6", HT_LIST_GPA, 1, 0, { { HT_MIB * 3, 1, 1 << 6 } }, 1, EINV, 1, 0 },
	{ "entry reserved bit 11", HT_LIST_GPA, 1, 0, { { HT_MIB * 3, 1, 1 << 11 } }, 1, EINV, 1,
	  0 },
	{ "entry encrypted", HT_LIST_GPA, 1, 0, { { HT_MIB * 3, 4, ENC } }, 1, 0, 1, 0 },
};

/* Covers: H-8, H-11, H-12 */
TEST_F(lst, list_table)
{
	unsigned int i, k;

	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		s64 got;

		memset(self->guest.page, 0, sizeof(self->guest.page));
		for (k = 0; k < c->nr_e; k++)
			ht_list_set(&self->guest, k, c->e[k].gpa, c->e[k].npages, c->e[k].attrs);
		self->guest.reads = 0;
		self->guest.fail = c->guest_fail;
		got = migctl_host_hypercall(self->host, 0, HC, c->a0, c->count, LIST);
		EXPECT_MSG(got == c->want, "%s: got %lld want %lld", c->name, (long long)got,
			   (long long)c->want);
		/* H-11: copied once, and only after the cheap checks passed. */
		EXPECT_MSG(self->guest.reads == c->reads, "%s: %u reads", c->name,
			   self->guest.reads);
		EXPECT_MSG(migctl_host_log_count(self->log, false) == c->shared, "%s: %llu shared",
			   c->name, (unsigned long long)migctl_host_log_count(self->log, false));
		EXPECT_MSG(!c->want == !!ht_log_drain_changed(self->log), "%s: C", c->name);
		for (k = 0; k < HT_NR_HOLEY; k++)
			migctl_host_log_set(self->log, ht_holey[k].gpa >> 12, ht_holey[k].size >> 12,
					    true);
		ht_log_drain_changed(self->log);
	}
}

/* Covers: H-11 */
TEST_F(lst, list_full_page)
{
	unsigned int k;

	/* 256 entries, every other page of 512 pages at 4 MiB. */
	for (k = 0; k < MIGCTL_LIST_MAX; k++)
		ht_list_set(&self->guest, k, 4 * HT_MIB + 2 * k * 0x1000, 1, 0);
	EXPECT_EQ(0, migctl_host_hypercall(self->host, 0, HC, HT_LIST_GPA, 256, LIST));
	EXPECT_EQ(256, migctl_host_log_count(self->log, false));
	EXPECT_EQ(0, migctl_host_log_get(self->log, (4 * HT_MIB >> 12) + 510));
	EXPECT_EQ(1, migctl_host_log_get(self->log, (4 * HT_MIB >> 12) + 511));
	EXPECT_EQ(1, self->guest.reads);
}

/* After the copy the guest rewrites the page: valid -> invalid and back. */
static void race_to_invalid(struct ht_guest *g)
{
	ht_list_set(g, 0, 0xa0000, 1, 0);
	ht_list_set(g, 1, 8 * HT_MIB, 1ull << 40, 0);
}

static void race_to_valid(struct ht_guest *g)
{
	ht_list_set(g, 1, 8 * HT_MIB, 1, 0);
}

/* Covers: H-11, H-12 */
TEST_F(lst, list_rewritten_after_copy)
{
	/* The copy is valid: exactly the copied entries are applied. */
	ht_list_set(&self->guest, 0, 6 * HT_MIB, 3, 0);
	ht_list_set(&self->guest, 1, 8 * HT_MIB, 2, 0);
	self->guest.after_copy = race_to_invalid;
	EXPECT_EQ(0, migctl_host_hypercall(self->host, 0, HC, HT_LIST_GPA, 2, LIST));
	EXPECT_EQ(5, migctl_host_log_count(self->log, false));
	EXPECT_EQ(0, migctl_host_log_get(self->log, (8 * HT_MIB >> 12) + 1));
	EXPECT_EQ(1, migctl_host_log_get(self->log, (8 * HT_MIB >> 12) + 2));
	EXPECT_EQ(1, self->guest.reads);
	/* Now the page holds an invalid list; the copy is invalid, then fixed. */
	self->guest.after_copy = race_to_valid;
	ht_log_drain_changed(self->log);
	EXPECT_EQ(EINV, migctl_host_hypercall(self->host, 0, HC, HT_LIST_GPA, 2, LIST));
	EXPECT_EQ(5, migctl_host_log_count(self->log, false));
	EXPECT_EQ(0, ht_log_drain_changed(self->log));
	EXPECT_EQ(2, self->guest.reads);
}
