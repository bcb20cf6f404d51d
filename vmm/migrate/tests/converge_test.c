/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* converge_test.c - the pre-copy policy against a simulated guest and link. */

#include "test.h"
#include "converge.h"

/*
 * A guest that rewrites @ws pages over and over at @rate pages/s while it
 * runs (a throttled guest runs 100 - throttle percent of the time), and a
 * link of @bw bytes/s. Round 0 sends @ram pages; each round after sends
 * what the round before left, and leaves what the guest dirtied meanwhile.
 */
struct sim {
	u64 ram, ws, rate, bw;
	u64 left;		/* at the pause */
	u64 bytes;		/* pre-copy */
	unsigned int max_throttle_seen;
};

static u64 sim_round(struct sim *s, struct converge *cv, u64 send_pages,
		     struct converge_sample *smp)
{
	u64 us = send_pages * CONVERGE_PAGE_BYTES * 1000000 / s->bw + 1;
	u64 dirtied = s->rate * (100 - cv->throttle) / 100 * us / 1000000;

	s->bytes += send_pages * CONVERGE_PAGE_BYTES;
	*smp = (struct converge_sample){ dirtied < s->ws ? dirtied : s->ws,
					 send_pages * CONVERGE_PAGE_BYTES, us, us, 0 };
	return smp->pages_left;
}

/* Run the policy to the pause; the number of pre-copy rounds it sent. */
static u64 sim_run(struct sim *s, struct converge *cv)
{
	struct converge_sample smp;
	u64 send = s->ram;

	for (;;) {
		send = sim_round(s, cv, send, &smp);
		if (!converge_round(cv, &smp))
			break;
		if (cv->throttle > s->max_throttle_seen)
			s->max_throttle_seen = cv->throttle;
	}
	s->left = send;
	return cv->rounds;
}

/* A fast link: rounds shrink until another one would gain nothing. */
TEST(converge, fast_link_shrinks_to_the_floor)
{
	struct sim s = { .ram = 262144, .ws = 8192, .rate = 100000, .bw = 2000000000 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	sim_run(&s, &cv);
	EXPECT_LE(cv.expected_us, (u64)CONVERGE_FLOOR_US);
	EXPECT_GE(cv.rounds, 3u);
	EXPECT_LT(cv.rounds, 10u);
	EXPECT_EQ(0u, s.max_throttle_seen);
	EXPECT_TRUE(cv.converged);
	EXPECT_TRUE(!cv.round_limit);
	/* The estimate is what the simulated link would take. */
	EXPECT_EQ(s.left * CONVERGE_PAGE_BYTES * 1000000 / cv.bandwidth, cv.expected_us);
}

/* Rounds stop paying but the rest fits the target: pause, no throttle. */
TEST(converge, steady_set_within_target_stops)
{
	struct sim s = { .ram = 65536, .ws = 8192, .rate = 400000, .bw = 400000000 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	sim_run(&s, &cv);
	EXPECT_EQ(s.ws, s.left);
	EXPECT_LE(cv.rounds, 3u);
	EXPECT_EQ(0u, s.max_throttle_seen);
	EXPECT_TRUE(cv.converged);
	EXPECT_GT(cv.dirty_rate, 0u);
}

/*
 * After round 0 a guest that dirties about as fast as the link sends, with
 * a working set that fits the target: pause at once, no round that would
 * resend the same pages.
 */
TEST(converge, round0_no_round_that_would_not_pay)
{
	struct converge_sample r0 = { 8192, 34ull << 20, 100000, 100000, 0 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(!converge_round(&cv, &r0));
	EXPECT_EQ(81920u, cv.dirty_rate);
	EXPECT_TRUE(cv.converged);
	/* The same harvest from a link three times faster: another round pays. */
	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	r0.round_us = 33333;
	r0.harvest_us = 100000;
	EXPECT_TRUE(converge_round(&cv, &r0));
}

/* The guest outruns the link above the target: throttle until it fits. */
TEST(converge, outrun_link_throttles_until_it_fits)
{
	struct sim s = { .ram = 65536, .ws = 65536, .rate = 400000, .bw = 800000000 };
	struct converge cv;

	converge_init(&cv, 20000, 30, CONVERGE_THROTTLE_MAX);
	sim_run(&s, &cv);
	EXPECT_GE(s.max_throttle_seen, (unsigned int)CONVERGE_THROTTLE_FIRST);
	EXPECT_TRUE(cv.converged);
	EXPECT_TRUE(!cv.round_limit);
	EXPECT_LE(cv.expected_us, 20000u);
	EXPECT_LE(s.left * CONVERGE_PAGE_BYTES * 1000000 / s.bw, 20000u);
}

/* The throttle grows by steps, never past the maximum given. */
TEST(converge, throttle_steps_and_cap)
{
	struct converge_sample smp = { 65536, 65536 * 4096ull, 1000000, 1000000, 0 };
	struct converge cv;

	converge_init(&cv, 1000, 30, 45);
	/* Round 0: the guest dirties as fast as the link sends, a round would not pay. */
	EXPECT_TRUE(converge_round(&cv, &smp));
	EXPECT_EQ((unsigned int)CONVERGE_THROTTLE_FIRST, cv.throttle);
	EXPECT_TRUE(converge_round(&cv, &smp));
	EXPECT_EQ((unsigned int)(CONVERGE_THROTTLE_FIRST + CONVERGE_THROTTLE_STEP), cv.throttle);
	for (int i = 0; i < 5; i++)
		EXPECT_TRUE(converge_round(&cv, &smp));
	EXPECT_EQ(45u, cv.throttle);
	converge_init(&cv, 1000, 30, 250);
	EXPECT_EQ((unsigned int)CONVERGE_THROTTLE_MAX, cv.throttle_max);
}

/* Auto-converge off: the round limit ends a migration that cannot converge. */
TEST(converge, no_throttle_stops_at_round_limit)
{
	struct sim s = { .ram = 65536, .ws = 65536, .rate = 400000, .bw = 800000000 };
	struct converge cv;

	converge_init(&cv, 20000, 7, 0);
	EXPECT_EQ(7u, sim_run(&s, &cv));
	EXPECT_EQ(0u, s.max_throttle_seen);
	EXPECT_TRUE(!cv.converged);
	EXPECT_TRUE(cv.round_limit);
	EXPECT_GT(cv.expected_us, 20000u);
}

/* Nothing left to send: pause at once, expecting no RAM downtime. */
TEST(converge, nothing_left_stops)
{
	struct converge_sample smp = { 0, 4096, 10, 10, 0 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(!converge_round(&cv, &smp));
	EXPECT_EQ(0u, cv.expected_us);
	EXPECT_TRUE(cv.converged);
}

/* No bandwidth measured yet: the estimate is the worst, not zero. */
TEST(converge, unmeasured_link_keeps_iterating)
{
	struct converge_sample smp = { 100, 0, 0, 1000, 0 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(converge_round(&cv, &smp));
	EXPECT_EQ(UINT64_MAX, cv.expected_us);
	EXPECT_EQ(100000u, cv.dirty_rate);
	EXPECT_TRUE(!cv.converged);
}

/* A round of a few pages times its fixed costs: the last real estimate stays. */
TEST(converge, short_round_keeps_bandwidth)
{
	struct converge_sample big = { 8192, 32ull << 20, 100000, 1000000, 0 };
	struct converge_sample tiny = { 40, 64 * 4096, 10, 10, 0 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(converge_round(&cv, &big));
	EXPECT_EQ((32ull << 20) * 10, cv.bandwidth);
	converge_round(&cv, &tiny);
	EXPECT_EQ((32ull << 20) * 10, cv.bandwidth);
	EXPECT_EQ(40 * 4096 * 1000000ull / ((32ull << 20) * 10), cv.expected_us);
}

/* A round limit of 1: round 0 and the final round, whatever the estimate. */
TEST(converge, round_limit_one)
{
	struct converge_sample smp = { 5000, 4096 * 65536ull, 1000, 1000, 0 };
	struct converge cv;

	converge_init(&cv, 1, 1, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(!converge_round(&cv, &smp));
	EXPECT_TRUE(cv.round_limit);
}

/*
 * Round 0 held its pages with contents back for round 1 (send.c): the
 * policy sends another round whatever its estimates say, and does not
 * take the held pages for the guest's dirtying.
 */
TEST(converge, held_back_pages_go_before_the_pause)
{
	/* 4 GiB of ZERO markers in 80 ms; 8192 pages held, 6000 of them dirtied too. */
	struct converge_sample r0 = { 8192, 8ull << 20, 80000, 80000, 8192 };
	struct converge_sample r1 = { 1500, 8192 * 4096ull, 12000, 12000, 0 };
	struct converge cv;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(converge_round(&cv, &r0));
	EXPECT_EQ(0u, cv.dirty_rate);
	EXPECT_EQ(0u, cv.throttle);
	/* Round 1 measures the link and the guest: 1500 of 8192 left pays. */
	EXPECT_TRUE(converge_round(&cv, &r1));
	EXPECT_EQ(125000u, cv.dirty_rate);
	EXPECT_EQ(8192 * 4096ull * 1000000 / 12000, cv.bandwidth);
	/* Without anything held, the same round 0 would pause at once. */
	r0.deferred = 0;
	r0.round_bytes = 32ull << 20;
	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(!converge_round(&cv, &r0));
	/* Held pages or not, the round limit ends pre-copy. */
	r0.deferred = 8192;
	converge_init(&cv, 300000, 1, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(!converge_round(&cv, &r0));
	EXPECT_EQ(1u, cv.rounds);
}

/*
 * The dirtying benchmark's guest at 4 GiB: the working set, rewritten
 * faster than round 0 scans RAM, goes once in round 1 rather than twice,
 * and the rounds after it shrink the final one below the floor.
 */
TEST(converge, held_working_set_goes_once)
{
	struct sim s = { .ram = 1u << 20, .ws = 8192, .rate = 160000, .bw = 2500000000u };
	struct converge_sample smp = { s.ws, 8ull << 20, 80000, 80000, s.ws };
	struct converge cv;
	u64 send = s.ws;

	converge_init(&cv, 300000, 30, CONVERGE_THROTTLE_MAX);
	EXPECT_TRUE(converge_round(&cv, &smp));
	for (;;) {
		send = sim_round(&s, &cv, send, &smp);
		if (!converge_round(&cv, &smp))
			break;
	}
	/* Round 1 sent the working set, the rounds after it less than half of it again. */
	EXPECT_LT(s.bytes, s.ws * CONVERGE_PAGE_BYTES * 3 / 2);
	EXPECT_LE(cv.expected_us, (u64)CONVERGE_FLOOR_US);
	EXPECT_LT(send * CONVERGE_PAGE_BYTES * 1000000 / s.bw, 2000u);
	EXPECT_TRUE(cv.converged);
}
