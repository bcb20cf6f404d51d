/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* round_test.c - one round's fetch of every dirty log and C; the generation of the protocol state. */
#include <errno.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define REGION	0		/* ht_holey's 0..640 KiB: 160 pages, 3 words */
#define WORDS	3
#define A	MIGCTL_HOST_ACCEPT

/*
 * A record of writes as a VMM keeps one: KVM's dirty log of a memslot, a
 * vhost log, the VMM's own record of what its devices wrote. Fetching ORs
 * the pages out and clears them, so that a later write is recorded anew.
 */
struct fake_log {
	u64 dirty[WORDS];
	int fail;			/* returned by the next fetch */
	unsigned int fetches;
	struct migctl_host_log *log;	/* a notification during the fetch */
	u64 notify_gfn;
	char *order;			/* where each fetch appends its letter */
	char letter;
};

static int fake_fetch(void *arg, unsigned int region, u64 *bitmap, size_t nwords)
{
	struct fake_log *f = arg;
	size_t w;

	if (region != REGION || nwords < WORDS)
		return -EINVAL;
	f->fetches++;
	if (f->order)
		strncat(f->order, &f->letter, 1);
	if (f->fail)
		return f->fail;
	for (w = 0; w < WORDS; w++) {
		bitmap[w] |= f->dirty[w];
		f->dirty[w] = 0;	/* cleared before the caller reads a page */
	}
	/* A vCPU converts a page while this log is fetched. */
	if (f->log)
		migctl_host_log_set(f->log, f->notify_gfn, 1, false);
	return 0;
}

static void fake_write(struct fake_log *f, u64 page)
{
	f->dirty[page / 64] |= 1ull << (page % 64);
}

static bool has(const u64 *map, u64 page)
{
	return map[page / 64] >> (page % 64) & 1;
}

static struct migctl_host *round_host(void)
{
	struct migctl_host_config cfg;
	struct migctl_host *h = NULL;

	ht_config(&cfg, 1, 2, 0, true, NULL);
	if (migctl_host_create(&cfg, &h))
		return NULL;
	ht_log_drain_changed(migctl_host_log(h));
	return h;
}

/* Covers: V-2, V-13 */
TEST(round, union_of_every_log_then_c)
{
	struct migctl_host *h = round_host();
	struct migctl_host_log *log;
	char order[8] = "";
	struct fake_log kvm = { .order = order, .letter = 'k' };
	struct fake_log vhost = { .order = order, .letter = 'v' };
	struct fake_log devices = { .order = order, .letter = 'd' };
	struct migctl_host_dirty_source src[] = {
		{ fake_fetch, &kvm, "KVM dirty log" },
		{ fake_fetch, &vhost, "vhost log" },
		{ fake_fetch, &devices, "VMM devices" },
	};
	u64 send[WORDS] = { 0 };

	ASSERT_NONNULL(h);
	log = migctl_host_log(h);
	fake_write(&kvm, 1);
	fake_write(&kvm, 5);
	fake_write(&vhost, 7);			/* a shared page a back end filled */
	fake_write(&vhost, 100);
	fake_write(&devices, 159);
	migctl_host_log_set(log, 42, 1, false);	/* a notification */
	/* A notification while the last log is fetched: C comes after it. */
	devices.log = log;
	devices.notify_gfn = 50;
	EXPECT_EQ(7, migctl_host_round_collect(log, REGION, src, 3, send, WORDS, NULL));
	EXPECT_STREQ("kvd", order);
	EXPECT_TRUE(has(send, 1) && has(send, 5) && has(send, 7) && has(send, 100));
	EXPECT_TRUE(has(send, 159) && has(send, 42) && has(send, 50));
	/* Pages still pending stay; nothing new: nothing added. */
	devices.log = NULL;
	kvm.order = vhost.order = devices.order = NULL;
	EXPECT_EQ(7, migctl_host_round_collect(log, REGION, src, 3, send, WORDS, NULL));
	memset(send, 0, sizeof(send));
	EXPECT_EQ(0, migctl_host_round_collect(log, REGION, src, 3, send, WORDS, NULL));
	migctl_host_destroy(h);
}

/* A failing source ends the round; the changes in C stay for the next. */
/* Covers: V-2 */
TEST(round, failing_source_leaves_c)
{
	struct migctl_host *h = round_host();
	struct fake_log kvm = { 0 }, vhost = { .fail = -EIO };
	struct migctl_host_dirty_source src[] = {
		{ fake_fetch, &kvm, "KVM dirty log" }, { fake_fetch, &vhost, "vhost log" },
	};
	u64 send[WORDS] = { 0 };
	unsigned int failed = 99;

	ASSERT_NONNULL(h);
	migctl_host_log_set(migctl_host_log(h), 42, 1, false);
	EXPECT_EQ(-EIO, migctl_host_round_collect(migctl_host_log(h), REGION, src, 2, send, WORDS,
						  &failed));
	EXPECT_EQ(1, failed);
	vhost.fail = 0;
	EXPECT_EQ(1, migctl_host_round_collect(migctl_host_log(h), REGION, src, 2, send, WORDS,
					       NULL));
	EXPECT_TRUE(has(send, 42));
	migctl_host_destroy(h);
}

/*
 * Clear before read: every log is cleared by the fetch, before the VMM
 * reads the pages; a write or a status change after that is in the next
 * round, never lost between the read and a later clear.
 */
/* Covers: V-14 */
TEST(round, cleared_before_the_pages_are_read)
{
	struct migctl_host *h = round_host();
	struct migctl_host_log *log;
	struct fake_log kvm = { 0 };
	struct migctl_host_dirty_source src[] = { { fake_fetch, &kvm, "KVM dirty log" } };
	u64 send[WORDS] = { 0 };

	ASSERT_NONNULL(h);
	log = migctl_host_log(h);
	fake_write(&kvm, 9);
	migctl_host_log_set(log, 10, 1, false);
	EXPECT_EQ(2, migctl_host_round_collect(log, REGION, src, 1, send, WORDS, NULL));
	EXPECT_EQ(0, kvm.dirty[0]);
	/* The VMM now reads page 9 and 10 ... while the guest writes 9 and converts 10 back. */
	fake_write(&kvm, 9);
	migctl_host_log_set(log, 10, 1, true);
	memset(send, 0, sizeof(send));
	EXPECT_EQ(2, migctl_host_round_collect(log, REGION, src, 1, send, WORDS, NULL));
	EXPECT_TRUE(has(send, 9) && has(send, 10));
	EXPECT_EQ(1, migctl_host_log_get(log, 10));
	migctl_host_destroy(h);
}

/* Covers: V-13 */
TEST(round, bad_arguments)
{
	struct migctl_host *h = round_host();
	struct fake_log kvm = { 0 };
	struct migctl_host_dirty_source src[MIGCTL_HOST_ROUND_SOURCES_MAX + 1];
	struct migctl_host_dirty_source none = { NULL, NULL, "no fetch" };
	u64 send[WORDS] = { 0 };
	struct migctl_host_log *log;
	unsigned int i;

	ASSERT_NONNULL(h);
	log = migctl_host_log(h);
	for (i = 0; i <= MIGCTL_HOST_ROUND_SOURCES_MAX; i++)
		src[i] = (struct migctl_host_dirty_source){ fake_fetch, &kvm, "KVM" };
	EXPECT_EQ(-EINVAL, migctl_host_round_collect(log, REGION, src, 0, send, WORDS, NULL));
	EXPECT_EQ(-EINVAL, migctl_host_round_collect(log, REGION, src,
						     MIGCTL_HOST_ROUND_SOURCES_MAX + 1, send,
						     WORDS, NULL));
	EXPECT_EQ(-EINVAL, migctl_host_round_collect(log, REGION, &none, 1, send, WORDS, NULL));
	EXPECT_EQ(-EINVAL, migctl_host_round_collect(log, HT_NR_HOLEY, src, 1, send, WORDS, NULL));
	EXPECT_EQ(-EINVAL, migctl_host_round_collect(log, REGION, src, 1, send, WORDS - 1, NULL));
	EXPECT_EQ(0, kvm.fetches);
	EXPECT_EQ(0, migctl_host_round_collect(log, REGION, src, MIGCTL_HOST_ROUND_SOURCES_MAX,
					       send, WORDS, NULL));
	EXPECT_EQ(MIGCTL_HOST_ROUND_SOURCES_MAX, kvm.fetches);
	migctl_host_destroy(h);
}

static u64 gen(struct migctl_host *h)
{
	struct migctl_host_state st;

	migctl_host_state(h, &st);
	return st.generation;
}

/*
 * The epoch behind V-7: READY at the start and READY at the end is not
 * enough; an opt-out and a new opt-in in between (a kexec into a kernel
 * that may negotiate differently) show only in the generation.
 */
/* Covers: V-15, V-7, H-16 */
TEST(generation, every_change_counts)
{
	struct migctl_host *h = round_host();
	struct migctl_host_saved s;
	struct migctl_host_state st;
	u64 g0, g;

	ASSERT_NONNULL(h);
	g0 = gen(h);
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, MIGCTL_CTL_VALUE(2, 0)));
	EXPECT_EQ(g0 + 1, gen(h));
	/* The migration starts: READY, generation g. */
	g = gen(h);
	EXPECT_EQ(A, migctl_host_msr_write(h, 1, MIGCTL_MSR_CONTROL, MIGCTL_CTL_VALUE(2, 0)));
	EXPECT_EQ(g, gen(h));			/* idempotent: no change */
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, 0));
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, MIGCTL_CTL_VALUE(2, 0)));
	/* The pause: READY again, same value, but two changes later. */
	migctl_host_state(h, &st);
	EXPECT_TRUE(st.ready);
	EXPECT_EQ(g + 2, st.generation);
	/* A refusal that marks the log unreliable is a change too. */
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, 0));
	g = gen(h);
	EXPECT_EQ(-MIGCTL_KVM_EINVAL,
		  migctl_host_hypercall(h, 0, MIGCTL_HC_MAP_GPA_RANGE, 0x1800, 1, 0));
	EXPECT_EQ(g + 1, gen(h));
	EXPECT_EQ(-MIGCTL_KVM_EINVAL,
		  migctl_host_hypercall(h, 0, MIGCTL_HC_MAP_GPA_RANGE, 0x1800, 1, 0));
	EXPECT_EQ(g + 1, gen(h));		/* already marked */
	/* A VM reset clears the mark: one change. */
	migctl_host_reset(h);
	EXPECT_EQ(g + 2, gen(h));
	migctl_host_reset(h);
	EXPECT_EQ(g + 2, gen(h));		/* nothing left to change */
	/* An import that installs a value is a change. */
	migctl_host_export(h, &s);
	s.control = MIGCTL_CTL_READY;
	EXPECT_EQ(0, migctl_host_import(h, &s, NULL));
	EXPECT_EQ(g + 3, gen(h));
	migctl_host_destroy(h);
}
