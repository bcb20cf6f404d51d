/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* checker_api_test.c - the checker's API: arguments, output, bounded memory, vCPU threads. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ranges.h"
#include "trace.h"
#include "test.h"

#define BUF		0x400000ull
#define THREADS		4
#define PER_THREAD	20000

TEST(api, create_rejects_bad_arguments)
{
	struct migctl_check_region bad_ram[] = { { 0x1000, 0x800 } };
	struct migctl_check_region wrap_ram[] = { { 0xfffffffffffff000ull, 0x2000 } };
	struct migctl_check_offer o;
	struct migctl_check *c = NULL;

	tr_offer(&o, TR_V2);
	EXPECT_EQ(-EINVAL, migctl_check_create(&o, 0, &c));
	EXPECT_EQ(-EINVAL, migctl_check_create(&o, MIGCTL_CHECK_VCPUS_MAX + 1, &c));
	EXPECT_EQ(-EINVAL, migctl_check_create(NULL, 1, &c));
	o.max_version = 256;
	EXPECT_EQ(-EINVAL, migctl_check_create(&o, 1, &c));
	tr_offer(&o, TR_V2);
	o.ram = bad_ram;
	o.nr_ram = 1;
	EXPECT_EQ(-EINVAL, migctl_check_create(&o, 1, &c));
	o.ram = wrap_ram;
	EXPECT_EQ(-EINVAL, migctl_check_create(&o, 1, &c));
	o.nr_ram = MIGCTL_CHECK_RAM_MAX + 1;
	EXPECT_EQ(-EINVAL, migctl_check_create(&o, 1, &c));
	EXPECT_NULL(c);
	migctl_check_destroy(NULL);
}

TEST(api, events_reject_bad_vcpu_and_reason)
{
	struct migctl_list_entry e = { BUF, 1 };
	struct migctl_check_offer o;
	struct migctl_check *c;

	tr_offer(&o, TR_V2);
	ASSERT_EQ(0, migctl_check_create(&o, 2, &c));
	EXPECT_EQ(-EINVAL, migctl_check_msr_write(c, 2, MIGCTL_MSR_CONTROL, 1, false));
	EXPECT_EQ(-EINVAL, migctl_check_msr_read(c, MIGCTL_CHECK_NO_VCPU, MIGCTL_MSR_CONTROL,
						 0, false));
	EXPECT_EQ(-EINVAL, migctl_check_hypercall(c, 5, 12, BUF, 1, 0, 0));
	EXPECT_EQ(-EINVAL, migctl_check_list(c, 0, &e, MIGCTL_LIST_MAX + 1));
	EXPECT_EQ(-EINVAL, migctl_check_list(c, 2, &e, 1));
	EXPECT_EQ(-EINVAL, migctl_check_vm_exit(c, 0));
	EXPECT_EQ(-EINVAL, migctl_check_vm_exit(c, 4));
	EXPECT_EQ(0, migctl_check_count(c, 0));
	migctl_check_destroy(c);
}

/* Covers: G-4, G-11 */
TEST(api, violation_records)
{
	struct migctl_check_violation v;
	struct migctl_check_offer o;
	struct migctl_check *c;
	u64 cursor = 0;

	tr_offer(&o, TR_V2_PSC);
	ASSERT_EQ(0, migctl_check_create(&o, 2, &c));
	/* Event 0 is fine, event 1 breaks G-4 on vCPU 1. */
	EXPECT_EQ(0, migctl_check_msr_read(c, 0, MIGCTL_MSR_CONTROL, 0, false));
	EXPECT_EQ(1, migctl_check_hypercall(c, 1, 12, 0x1234000, 7, 0x11, -MIGCTL_KVM_ENOSYS));
	ASSERT_EQ(0, migctl_check_next(c, &cursor, &v));
	EXPECT_EQ(4, v.rule);
	EXPECT_STREQ("G-4", v.id);
	EXPECT_EQ(1, v.vcpu);
	EXPECT_EQ(1, v.event);
	/* The message names the offending values. */
	EXPECT_NONNULL(strstr(v.msg, "0x1234000"));
	EXPECT_NONNULL(strstr(v.msg, "bit 16"));
	EXPECT_EQ(-ENOENT, migctl_check_next(c, &cursor, &v));
	/* A VM-level violation carries no vCPU. */
	EXPECT_EQ(1, migctl_check_msr_write(c, 0, MIGCTL_MSR_CONTROL, 1, false));
	EXPECT_EQ(1, migctl_check_vm_exit(c, MIGCTL_CHECK_EXIT_SHUTDOWN));
	EXPECT_EQ(3, migctl_check_count(c, 0));	/* G-4, G-13 (no reset), G-11 */
	EXPECT_EQ(1, migctl_check_count(c, 11));
	ASSERT_EQ(0, migctl_check_next(c, &cursor, &v));
	EXPECT_STREQ("G-13", v.id);
	ASSERT_EQ(0, migctl_check_next(c, &cursor, &v));
	EXPECT_STREQ("G-11", v.id);
	EXPECT_EQ(MIGCTL_CHECK_NO_VCPU, v.vcpu);
	EXPECT_EQ(3, v.event);
	migctl_check_destroy(c);
}

/* A hostile guest flooding bad calls: counted without bound, kept up to a cap. */
/* Covers: G-4 */
TEST(api, flood_is_bounded)
{
	struct migctl_check_violation v;
	struct migctl_check_offer o;
	struct migctl_check *c;
	u64 cursor = 0, kept = 0;
	u32 i;

	tr_offer(&o, TR_OFF);
	ASSERT_EQ(0, migctl_check_create(&o, 1, &c));
	for (i = 0; i < 3 * MIGCTL_CHECK_KEEP_MAX; i++)
		ASSERT_EQ(1, migctl_check_hypercall(c, 0, 12, BUF, 1, 0, -MIGCTL_KVM_ENOSYS));
	while (!migctl_check_next(c, &cursor, &v))
		kept++;
	EXPECT_EQ(MIGCTL_CHECK_KEEP_MAX, kept);
	EXPECT_EQ(3 * MIGCTL_CHECK_KEEP_MAX, migctl_check_count(c, 4));
	migctl_check_destroy(c);
}

/* Thousands of scattered shared pages: the range sets stay bounded and the checker judges on. */
/* Covers: G-14 */
TEST(api, fragmented_log_is_bounded)
{
	struct migctl_check_offer o;
	struct migctl_check *c;
	u64 i;

	tr_offer(&o, TR_V1);
	ASSERT_EQ(0, migctl_check_create(&o, 1, &c));
	for (i = 0; i < TR_HIGH_PAGES; i += 2)
		ASSERT_EQ(0, migctl_check_hypercall(c, 0, 12, TR_HIGH_GPA + (i << 12), 1, 0, 0));
	EXPECT_EQ(1, migctl_check_hypercall(c, 0, 12, BUF + 1, 1, 0, -MIGCTL_KVM_EINVAL));
	migctl_check_destroy(c);
}

TEST(api, ranges)
{
	struct migctl_check_ranges s;

	migctl_check_ranges_init(&s, 4);
	migctl_check_ranges_add(&s, 10, 20);
	migctl_check_ranges_add(&s, 30, 40);
	migctl_check_ranges_add(&s, 20, 30);		/* joins both */
	EXPECT_EQ(1, s.nr);
	EXPECT_TRUE(migctl_check_ranges_covers(&s, 10, 40));
	EXPECT_FALSE(migctl_check_ranges_covers(&s, 9, 40));
	migctl_check_ranges_remove(&s, 15, 25);		/* splits */
	EXPECT_EQ(2, s.nr);
	EXPECT_EQ(15, migctl_check_ranges_first_gap(&s, 10, 40));
	EXPECT_EQ(20, migctl_check_ranges_first_gap(&s, 20, 40));
	EXPECT_EQ(40, migctl_check_ranges_first_gap(&s, 25, 40));
	migctl_check_ranges_remove(&s, 0, 12);
	EXPECT_EQ(12, s.v[0].start);
	migctl_check_ranges_remove(&s, 14, 100);
	EXPECT_EQ(1, s.nr);
	EXPECT_EQ(14, s.v[0].end);
	/* Past the cap the set is lost: it covers nothing, and stays lost. */
	migctl_check_ranges_add(&s, 50, 51);
	migctl_check_ranges_add(&s, 60, 61);
	migctl_check_ranges_add(&s, 70, 71);
	migctl_check_ranges_add(&s, 80, 81);
	EXPECT_TRUE(s.lost);
	EXPECT_FALSE(migctl_check_ranges_covers(&s, 12, 13));
	migctl_check_ranges_clear(&s);
	EXPECT_FALSE(s.lost);
	migctl_check_ranges_free(&s);
}

struct feeder {
	struct migctl_check *c;
	u32 vcpu;
	bool bad;
	int errors;
};

/* One vCPU converting its own 16-page slice back and forth. */
static void *feeder_run(void *arg)
{
	struct feeder *f = arg;
	gpa_t gpa = BUF + (u64)f->vcpu * 0x10000;
	u32 i;

	for (i = 0; i < PER_THREAD; i++) {
		u64 attrs = (i & 1) ? MIGCTL_ATTR_ENCRYPTED : 0;
		int ret;

		if (f->bad)
			ret = migctl_check_msr_write(f->c, f->vcpu, MIGCTL_MSR_PSC_DEFAULT,
						     MIGCTL_PSC_VALUE(gpa >> 12, 16, attrs), true);
		else if (i % 64 == 0)
			ret = migctl_check_msr_read(f->c, f->vcpu, MIGCTL_MSR_CONTROL,
						    MIGCTL_CTL_VALUE(2, MIGCTL_F_MSR_PSC), false);
		else
			ret = migctl_check_msr_write(f->c, f->vcpu, MIGCTL_MSR_PSC_DEFAULT,
						     MIGCTL_PSC_VALUE(gpa >> 12, 16, attrs), false);
		if (ret != (f->bad ? 1 : 0))
			f->errors++;
	}
	return NULL;
}

static void feed_concurrently(struct migctl_check *c, bool bad)
{
	struct feeder f[THREADS];
	pthread_t t[THREADS];
	u32 i;

	for (i = 0; i < THREADS; i++) {
		f[i] = (struct feeder){ .c = c, .vcpu = i, .bad = bad };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, feeder_run, &f[i]));
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, f[i].errors);
	}
}

/* Covers: G-5, G-16 */
TEST_TIMEOUT(api, concurrent_vcpus, 120)
{
	static const struct tr_ev boot[] = {
		RD(0), RESET_PSC, WR(MIGCTL_CTL_VALUE(2, MIGCTL_F_MSR_PSC)),
		RD(MIGCTL_CTL_VALUE(2, MIGCTL_F_MSR_PSC)), { 0 }
	};
	struct migctl_check_violation v;
	struct migctl_check_offer o;
	struct migctl_check *c;
	u64 cursor = 0, last = 0;

	/* A READY guest converting on 4 vCPUs at once: nothing to report. */
	tr_offer(&o, TR_V2_PSC);
	ASSERT_EQ(0, migctl_check_create(&o, THREADS, &c));
	ASSERT_EQ(0, tr_feed(c, boot));
	feed_concurrently(c, false);
	EXPECT_EQ(0, migctl_check_count(c, 0));
	tr_dump(c);
	migctl_check_destroy(c);

	/* The same on a host without the MSR transport: every write is G-5, each once. */
	tr_offer(&o, TR_V2_HC);
	o.nr_ram = 0;
	ASSERT_EQ(0, migctl_check_create(&o, THREADS, &c));
	feed_concurrently(c, true);
	EXPECT_EQ((u64)THREADS * PER_THREAD, migctl_check_count(c, 5));
	EXPECT_EQ((u64)THREADS * PER_THREAD, migctl_check_count(c, 0));
	/* Kept records are in event order, one per event. */
	while (!migctl_check_next(c, &cursor, &v)) {
		EXPECT_TRUE(cursor == 1 || v.event > last);
		EXPECT_LT(v.vcpu, THREADS);
		last = v.event;
	}
	EXPECT_EQ(MIGCTL_CHECK_KEEP_MAX, cursor);
	migctl_check_destroy(c);
}
