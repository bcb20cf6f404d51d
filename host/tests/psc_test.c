/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* psc_test.c - the MSR transport, its equivalence to the hypercall, hostile input. */
#include <stdlib.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define A	MIGCTL_HOST_ACCEPT
#define GP	MIGCTL_HOST_GP
#define PSC	MIGCTL_MSR_PSC_DEFAULT
#define HC	MIGCTL_HC_MAP_GPA_RANGE
#define ENC	MIGCTL_ATTR_ENCRYPTED
#define LIST	MIGCTL_ATTR_LIST
#define U2M	MIGCTL_ATTR_SIZE_2M
#define U1G	MIGCTL_ATTR_SIZE_1G
#define GFN(gpa)	((gpa) >> 12)
#define TOPGFN	GFN(HT_PHYS_TOP)

enum { PSC_LIST, PSC_ONLY, NR_COLS };

FIXTURE(psc)
{
	struct migctl_host *host;
	struct migctl_host_log *log;
	struct ht_guest guest;
};

FIXTURE_VARIANT(psc)
{
	int col;
	u32 features;
};

FIXTURE_VARIANT_ADD(psc, with_list) { .col = PSC_LIST, .features = MIGCTL_F_ALL };
FIXTURE_VARIANT_ADD(psc, without_list) { .col = PSC_ONLY, .features = MIGCTL_F_MSR_PSC };

FIXTURE_SETUP(psc)
{
	struct migctl_host_config cfg;
	unsigned int k;

	ht_config(&cfg, 2, 2, variant->features, false, &self->guest);
	ASSERT_EQ(0, migctl_host_create(&cfg, &self->host));
	self->log = migctl_host_log(self->host);
	for (k = 0; k < MIGCTL_LIST_MAX; k++)
		ht_list_set(&self->guest, k, 16 * HT_MIB + 2 * k * 0x1000, 1, 0);
}

FIXTURE_TEARDOWN(psc)
{
	migctl_host_destroy(self->host);
}

struct psc_case {
	const char *name;
	u64 val;
	int want[NR_COLS];
	u64 shared;
};

/* Raw values, to test encodings MIGCTL_PSC_VALUE cannot express. */
#define RAW(gfn, count_m1, attrs) (((u64)(count_m1) << 52) | ((u64)(gfn) << 12) | (attrs))

static const struct psc_case psc_cases[] = {
	{ "4K one page", MIGCTL_PSC_VALUE(GFN(HT_MIB), 1, 0), { A, A }, 1 },
	{ "4K 4096 pages", MIGCTL_PSC_VALUE(GFN(16 * HT_MIB), 4096, 0), { A, A }, 4096 },
	{ "2M two units", MIGCTL_PSC_VALUE(GFN(2 * HT_MIB), 2, U2M), { A, A }, 1024 },
	{ "1G two units over adjacent regions", MIGCTL_PSC_VALUE(GFN(4 * HT_GIB), 2, U1G),
	  { A, A }, 2 * 262144 },
	{ "encrypted", MIGCTL_PSC_VALUE(GFN(HT_MIB), 8, ENC), { A, A }, 0 },
	{ "top page", MIGCTL_PSC_VALUE(TOPGFN - 1, 1, 0), { A, A }, 1 },
	{ "2M unit, GFN unaligned", MIGCTL_PSC_VALUE(GFN(2 * HT_MIB) + 1, 1, U2M), { GP, GP } },
	{ "1G unit, GFN 2M-aligned only", MIGCTL_PSC_VALUE(GFN(4 * HT_GIB + 2 * HT_MIB), 1, U1G),
	  { GP, GP } },
	{ "unit 3", MIGCTL_PSC_VALUE(GFN(HT_MIB), 1, 3), { GP, GP } },
	{ "unit 15", MIGCTL_PSC_VALUE(GFN(HT_MIB), 1, 15), { GP, GP } },
	{ "bit 6", MIGCTL_PSC_VALUE(GFN(HT_MIB), 1, 1 << 6), { GP, GP } },
	{ "bit 11", MIGCTL_PSC_VALUE(GFN(HT_MIB), 1, 1 << 11), { GP, GP } },
	{ "into a hole", MIGCTL_PSC_VALUE(GFN(0x9f000), 2, 0), { GP, GP } },
	{ "in a hole", MIGCTL_PSC_VALUE(GFN(3 * HT_GIB), 1, 0), { GP, GP } },
	{ "4096 x 1G", RAW(GFN(4 * HT_GIB), 4095, U1G), { GP, GP } },
	{ "past 2^52", MIGCTL_PSC_VALUE(TOPGFN - 1, 2, 0), { GP, GP } },
	{ "2M past 2^52", MIGCTL_PSC_VALUE(TOPGFN - 512, 2, U2M), { GP, GP } },
	{ "LIST 256 entries", MIGCTL_PSC_VALUE(GFN(HT_LIST_GPA), 256, LIST), { A, GP }, 256 },
	{ "LIST 257 entries", MIGCTL_PSC_VALUE(GFN(HT_LIST_GPA), 257, LIST), { GP, GP } },
	{ "LIST 4096 entries", RAW(GFN(HT_LIST_GPA), 4095, LIST), { GP, GP } },
	{ "LIST page in a hole", MIGCTL_PSC_VALUE(GFN(0xa0000), 1, LIST), { GP, GP } },
	{ "LIST with ENCRYPTED", MIGCTL_PSC_VALUE(GFN(HT_LIST_GPA), 1, LIST | ENC), { GP, GP } },
	{ "LIST with 2M unit", MIGCTL_PSC_VALUE(GFN(HT_LIST_GPA), 1, LIST | U2M), { GP, GP } },
};

/* Covers: H-10, H-11, V-1 */
TEST_F(psc, write_table)
{
	unsigned int i, k;

	for (i = 0; i < sizeof(psc_cases) / sizeof(psc_cases[0]); i++) {
		const struct psc_case *c = &psc_cases[i];
		int want = c->want[variant->col], got;
		u64 changed;

		got = migctl_host_msr_write(self->host, i, PSC, c->val);
		EXPECT_MSG(got == want, "%s (%#llx): got %d want %d", c->name,
			   (unsigned long long)c->val, got, want);
		changed = ht_log_drain_changed(self->log);
		EXPECT_MSG(want == GP ? changed == 0 : changed > 0, "%s: %llu in C", c->name,
			   (unsigned long long)changed);
		EXPECT_MSG(migctl_host_log_count(self->log, false) == (want == A ? c->shared : 0),
			   "%s: %llu shared", c->name,
			   (unsigned long long)migctl_host_log_count(self->log, false));
		for (k = 0; k < HT_NR_HOLEY; k++)
			migctl_host_log_set(self->log, ht_holey[k].gpa >> 12,
					    ht_holey[k].size >> 12, true);
		ht_log_drain_changed(self->log);
	}
}

/* Covers: H-10 */
TEST_F(psc, read_gp)
{
	u64 v = 1;

	EXPECT_EQ(GP, migctl_host_msr_read(self->host, 0, PSC, &v));
	EXPECT_EQ(0, v);
}

/* Covers: H-10, H-3 */
TEST(psc, not_offered_gp)
{
	static const struct { u32 min, max, features; } offers[] = {
		{ 0, 0, 0 }, { 1, 1, 0 }, { 1, 2, 0 }, { 1, 2, MIGCTL_F_LIST },
	};
	struct migctl_host_config cfg;
	struct ht_guest g = { 0 };
	struct migctl_host_counters c;
	struct migctl_host *h;
	unsigned int i;
	u64 v;

	for (i = 0; i < 4; i++) {
		ht_config(&cfg, offers[i].min, offers[i].max, offers[i].features, true, &g);
		ASSERT_EQ(0, migctl_host_create(&cfg, &h));
		EXPECT_EQ(GP, migctl_host_msr_write(h, 0, PSC, MIGCTL_PSC_VALUE(GFN(HT_MIB), 1, 0)));
		EXPECT_EQ(GP, migctl_host_msr_read(h, 0, PSC, &v));
		EXPECT_EQ(0, ht_log_drain_changed(migctl_host_log(h)));
		migctl_host_counters(h, &c);
		EXPECT_EQ(2, c.psc_gp);
		migctl_host_destroy(h);
	}
}

/*
 * An independent statement of H-8 for plain ranges, written from the rule
 * text with loops instead of the library's arithmetic.
 */
static s64 oracle(u64 a0, u64 a1, u64 a2)
{
	u64 end_pages, gfn;
	unsigned int k;

	if ((a2 & ~0x1full) || (a2 & 0xf) > 2 || (a0 & 0xfff) || a1 == 0)
		return -MIGCTL_KVM_EINVAL;
	gfn = a0 >> 12;
	if (gfn >= HT_PHYS_TOP >> 12 || a1 > (HT_PHYS_TOP >> 12) - gfn)
		return -MIGCTL_KVM_EINVAL;
	end_pages = gfn + a1;
	/* Walk the range region by region; any page outside RAM fails. */
	while (gfn < end_pages) {
		for (k = 0; k < HT_NR_HOLEY; k++) {
			u64 s = ht_holey[k].gpa >> 12, e = s + (ht_holey[k].size >> 12);

			if (gfn >= s && gfn < e) {
				gfn = e;
				break;
			}
		}
		if (k == HT_NR_HOLEY)
			return -MIGCTL_KVM_EINVAL;
	}
	return 0;
}

/* Addresses near the interesting edges of the layout. */
static u64 pick_gpa(u64 *rng)
{
	static const u64 edges[] = {
		0, 0xa0000, HT_MIB, 2 * HT_GIB, 4 * HT_GIB, 5 * HT_GIB, 6 * HT_GIB,
		HT_PHYS_TOP - 2 * HT_MIB, HT_PHYS_TOP, 1ull << 63,
	};
	u64 base = edges[ht_rand_below(rng, 10)];
	s64 delta = (s64)ht_rand_below(rng, 64) - 32;

	switch (ht_rand_below(rng, 4)) {
	case 0:
		return ht_rand(rng);
	case 1:
		return (base + (u64)(delta * 4096)) | (ht_rand_below(rng, 8) ? 0 : 0x800);
	default:
		return base + (u64)(delta * 4096);
	}
}

static u64 pick_count(u64 *rng)
{
	static const u64 sizes[] = { 0, 1, 2, 31, 512, 4096, 262144, 1ull << 40, ~0ull };

	if (ht_rand_below(rng, 3))
		return 1 + ht_rand_below(rng, 64);
	return sizes[ht_rand_below(rng, 9)];
}

static u64 pick_attrs(u64 *rng)
{
	u64 a = ht_rand_below(rng, 2) ? ENC : 0;

	a |= ht_rand_below(rng, 4);
	if (!ht_rand_below(rng, 8))
		a |= ht_rand(rng) & ~0x1full;
	return a;
}

/* Covers: H-8, H-12 */
TEST_TIMEOUT(hc, hostile_flood_matches_oracle, 120)
{
	struct migctl_host_config cfg;
	struct migctl_host *h;
	u64 rng = test_seed(), i, ok = 0;

	ht_config(&cfg, 1, 1, 0, true, NULL);
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	for (i = 0; i < 200000; i++) {
		u64 a0 = pick_gpa(&rng), a1 = pick_count(&rng), a2 = pick_attrs(&rng);
		s64 want = oracle(a0, a1, a2), got;

		got = migctl_host_hypercall(h, 0, HC, a0, a1, a2);
		ASSERT_MSG(got == want, "step %llu: (%#llx, %#llx, %#llx) got %lld want %lld",
			   (unsigned long long)i, (unsigned long long)a0,
			   (unsigned long long)a1, (unsigned long long)a2, (long long)got,
			   (long long)want);
		ok += !got;
		if (!got)
			ASSERT_EQ(!!(a2 & ENC), migctl_host_log_get(migctl_host_log(h), a0 >> 12));
	}
	test_diag("%llu of 200000 requests valid", (unsigned long long)ok);
	EXPECT_GT(ok, 1000);
	migctl_host_destroy(h);
}

/* Covers: H-10, H-8 */
TEST_TIMEOUT(psc, same_as_hypercall, 120)
{
	struct migctl_host_config cfg;
	struct migctl_host *hm, *hh;
	u64 rng = test_seed(), i, accepted = 0;
	u8 *sm, *sh;
	size_t lm, lh;

	ht_config(&cfg, 1, 2, MIGCTL_F_MSR_PSC, true, NULL);
	ASSERT_EQ(0, migctl_host_create(&cfg, &hm));
	ASSERT_EQ(0, migctl_host_create(&cfg, &hh));
	for (i = 0; i < 100000; i++) {
		u64 unit = ht_rand_below(&rng, 3), upages = MIGCTL_SIZE_PAGES(unit);
		u64 count = ht_rand_below(&rng, 4) ? 1 + ht_rand_below(&rng, 8) :
						     1 + ht_rand_below(&rng, 4096);
		u64 gfn = pick_gpa(&rng) >> 12 & (MIGCTL_PSC_GFN_MASK >> 12);
		u64 attrs = unit | (ht_rand_below(&rng, 2) ? ENC : 0);
		int rm;
		s64 rh;

		if (ht_rand_below(&rng, 4))
			gfn &= ~(upages - 1);
		rm = migctl_host_msr_write(hm, 0, PSC, MIGCTL_PSC_VALUE(gfn, count, attrs));
		/* The equivalent hypercall, plus the unit alignment rule. */
		if (gfn & (upages - 1))
			rh = -MIGCTL_KVM_EINVAL;
		else
			rh = migctl_host_hypercall(hh, 0, HC, gfn << 12, count * upages, attrs);
		ASSERT_MSG((rm == A) == (rh == 0), "step %llu: gfn %#llx count %llu unit %llu: "
			   "msr %d, hypercall %lld", (unsigned long long)i,
			   (unsigned long long)gfn, (unsigned long long)count,
			   (unsigned long long)unit, rm, (long long)rh);
		accepted += rm == A;
	}
	test_diag("%llu of 100000 requests valid", (unsigned long long)accepted);
	EXPECT_GT(accepted, 1000);
	sm = ht_log_snapshot(migctl_host_log(hm), &lm);
	sh = ht_log_snapshot(migctl_host_log(hh), &lh);
	ASSERT_NONNULL(sm);
	ASSERT_NONNULL(sh);
	EXPECT_EQ(lh, lm);
	EXPECT_TRUE(lm == lh && !memcmp(sm, sh, lm));
	free(sm);
	free(sh);
	migctl_host_destroy(hm);
	migctl_host_destroy(hh);
}
