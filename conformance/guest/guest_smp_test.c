/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_smp_test.c - one guest library context shared by several CPUs (threads). */
#include <pthread.h>
#include <stdlib.h>

#include "sim.h"
#include "../lib/test.h"

#define SMP_THREADS	4
#define SMP_PAGES	2048		/* pages each thread owns */
#define SMP_STRIDE	(64ull << 20)	/* 64 MiB between the threads' regions */
#define SMP_ROUNDS	3000
#define LIST_GPA	0x7000ull

struct smp_thread {
	pthread_t tid;
	struct migctl_guest *g;
	struct sim_host *h;
	u32 index;
	u64 seed;
	bool lifecycle;			/* also opts out and back in */
	u8 want[SMP_PAGES];		/* the last status this thread set */
	u64 requests;
	int errors;
};

static void smp_lock(void *arg)
{
	pthread_mutex_lock(arg);
}

static void smp_unlock(void *arg)
{
	pthread_mutex_unlock(arg);
}

static u64 smp_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static gpa_t smp_gpa(const struct smp_thread *t, u64 page)
{
	return 0x1000000ull + t->index * SMP_STRIDE + (page << MIGCTL_PAGE_SHIFT);
}

static void smp_note(struct smp_thread *t, u64 first, u64 n, bool enc)
{
	u64 i;

	for (i = first; i < first + n; i++)
		t->want[i] = enc ? SIM_PRIVATE : SIM_SHARED;
	t->requests++;
}

/* A single notification, or a batch of up to 8, on this thread's pages. */
static void smp_round(struct smp_thread *t, struct migctl_guest_batch *b)
{
	u64 r = smp_rand(&t->seed), first, n;
	u32 i, adds = 1 + (r >> 8) % 8;
	bool enc;

	if (r & 1) {
		first = (r >> 16) % SMP_PAGES;
		n = 1 + (r >> 32) % (SMP_PAGES - first < 600 ? SMP_PAGES - first : 600);
		enc = r & 2;
		t->errors += migctl_guest_set_status(t->g, smp_gpa(t, first), n, enc) != 0;
		smp_note(t, first, n, enc);
		return;
	}
	migctl_guest_batch_init(b);
	for (i = 0; i < adds; i++) {
		r = smp_rand(&t->seed);
		first = (r >> 16) % SMP_PAGES;
		n = 1 + (r >> 32) % (SMP_PAGES - first < 64 ? SMP_PAGES - first : 64);
		enc = r & 2;
		t->errors += migctl_guest_batch_add(t->g, b, smp_gpa(t, first), n, enc) != 0;
		smp_note(t, first, n, enc);
	}
	t->errors += migctl_guest_batch_flush(t->g, b) != 0;
}

static void *smp_main(void *arg)
{
	struct smp_thread *t = arg;
	struct migctl_guest_batch b;
	u32 round;

	for (round = 0; round < SMP_ROUNDS; round++) {
		smp_round(t, &b);
		if (t->lifecycle && round % 100 == 50) {
			t->errors += migctl_guest_opt_out(t->g, MIGCTL_GUEST_OUT_SUSPEND) != 0;
			t->errors += migctl_guest_resume(t->g) != 0;
		}
	}
	return NULL;
}

FIXTURE(smp) {
	struct sim_host *h;
	struct migctl_guest g;
	struct migctl_guest_ops ops;
	pthread_mutex_t lock;
	struct migctl_list_entry *list;
	struct smp_thread t[SMP_THREADS];
};

FIXTURE_VARIANT(smp) {
	u32 features;
	bool hypercall;
};

FIXTURE_VARIANT_ADD(smp, hypercall) { .features = 0, .hypercall = true };
FIXTURE_VARIANT_ADD(smp, msr_transport) { .features = MIGCTL_F_MSR_PSC, .hypercall = false };
FIXTURE_VARIANT_ADD(smp, lists) { .features = MIGCTL_F_ALL, .hypercall = true };

FIXTURE_SETUP(smp)
{
	u32 i;

	self->h = sim_create();
	sim_v2(self->h, 1, 2, variant->features, variant->hypercall);
	self->list = aligned_alloc(MIGCTL_PAGE_SIZE, MIGCTL_PAGE_SIZE);
	self->h->list_va = self->list;
	self->h->list_gpa = LIST_GPA;
	pthread_mutex_init(&self->lock, NULL);
	self->ops = self->h->ops;
	self->ops.lock = smp_lock;
	self->ops.unlock = smp_unlock;
	self->ops.lock_arg = &self->lock;
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->ops, 0));
	ASSERT_EQ(0, migctl_guest_set_list_page(&self->g, self->list, LIST_GPA));
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	sim_clear_log(self->h);
	self->h->check_serialized = true;
	for (i = 0; i < SMP_THREADS; i++) {
		self->t[i].g = &self->g;
		self->t[i].h = self->h;
		self->t[i].index = i;
		self->t[i].seed = (test_seed() | 1) * (2 * i + 1);
		memset(self->t[i].want, SIM_PRIVATE, SMP_PAGES);
	}
}

FIXTURE_TEARDOWN(smp)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
	pthread_mutex_destroy(&self->lock);
	free(self->list);
}

static void smp_run(struct smp_thread *t, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&t[i].tid, NULL, smp_main, &t[i]));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_join(t[i].tid, NULL));
}

/* Covers: G-10, G-14 */
TEST_F_TIMEOUT(smp, concurrent_notifiers, 120)
{
	struct migctl_guest_counters c;
	u64 requests = 0, page, wrong = 0;
	u32 i;

	smp_run(self->t, SMP_THREADS);
	EXPECT_FALSE(self->h->overlapped);
	for (i = 0; i < SMP_THREADS; i++) {
		EXPECT_EQ(0, self->t[i].errors);
		requests += self->t[i].requests;
		for (page = 0; page < SMP_PAGES; page++)
			wrong += sim_status(self->h, smp_gpa(&self->t[i], page) >> 12) !=
				 self->t[i].want[page];
	}
	EXPECT_EQ(0ull, wrong);
	migctl_guest_counters(&self->g, &c);
	EXPECT_EQ(requests, c.requests);
	EXPECT_EQ((u64)sim_count(self->h, SIM_HC), c.hypercalls);
	EXPECT_EQ((u64)sim_count_msr(self->h, SIM_WRMSR, SIM_PSC), c.psc_writes);
	EXPECT_EQ(0ull, c.errors);
	EXPECT_EQ(0ull, c.elided);
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
}

/* Covers: G-10, G-11, G-12 */
TEST_F_TIMEOUT(smp, notifiers_during_suspend_cycles, 120)
{
	u64 page, wrong = 0;
	u32 i;

	self->t[0].lifecycle = true;
	smp_run(self->t, SMP_THREADS);
	EXPECT_FALSE(self->h->overlapped);
	for (i = 0; i < SMP_THREADS; i++) {
		EXPECT_EQ(0, self->t[i].errors);
		for (page = 0; page < SMP_PAGES; page++)
			wrong += sim_status(self->h, smp_gpa(&self->t[i], page) >> 12) !=
				 self->t[i].want[page];
	}
	EXPECT_EQ(0ull, wrong);
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	EXPECT_EQ(self->g.ctl_value, self->h->ctl);
	/* 30 cycles, each one write of 0 and one write and read of READY. */
	EXPECT_EQ(60u, sim_count_msr(self->h, SIM_WRMSR, SIM_CTL));
	EXPECT_EQ(30u, sim_count_msr(self->h, SIM_RDMSR, SIM_CTL));
}
