/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* converge.h - when pre-copy stops: dirty rate, bandwidth, expected downtime, throttle. */
#ifndef MIGCTL_VMM_CONVERGE_H
#define MIGCTL_VMM_CONVERGE_H

#include <stdbool.h>

#include <migctl/types.h>

/*
 * docs/performance.adoc ("When pre-copy stops") is the prose. After each
 * pre-copy round the source harvests the dirty log and asks
 * converge_round() whether to send another round or to pause:
 *
 *	bandwidth	= bytes the round sent / its duration (the last round
 *			  of at least CONVERGE_SAMPLE_BYTES: a few pages time
 *			  the round's fixed costs, not the link)
 *	dirty rate	= pages harvested / time since the previous harvest
 *			  (pages the round held back unsent are not counted)
 *	expected	= pages left * page size / bandwidth
 *
 * A round pays when it left at most CONVERGE_PAYS_NUM/_DEN of the pages
 * the round before it left; after round 0, which has no round before it,
 * when the next round is expected to: the dirty rate in bytes is at most
 * CONVERGE_PAYS_NUM/_DEN of the bandwidth (the next round sends the
 * pages left while the guest dirties more). Pre-copy goes on while rounds
 * pay and the
 * expected downtime is above CONVERGE_FLOOR_US, and always after a round
 * that held pages back: those go before the pause, not in it; it stops when the
 * expected downtime fits the target and another round would not pay (or
 * nothing is left). When rounds stop paying above the target, the guest
 * dirties memory about as fast as it is sent: the vCPUs are throttled
 * (auto-converge), CONVERGE_THROTTLE_FIRST percent of each interval
 * asleep, CONVERGE_THROTTLE_STEP more after every further round that
 * does not pay, up to the configured maximum. The round limit ends
 * pre-copy in any case.
 */

#define CONVERGE_PAGE_BYTES	 4096ull
#define CONVERGE_PAYS_NUM	 2	/* a round pays: left <= 2/3 of before */
#define CONVERGE_PAYS_DEN	 3
#define CONVERGE_FLOOR_US	 1000	/* below it another round gains nothing */
#define CONVERGE_THROTTLE_FIRST	 20	/* percent */
#define CONVERGE_THROTTLE_STEP	 10
#define CONVERGE_THROTTLE_MAX	 99
#define CONVERGE_INTERVAL_US	 20000	/* a throttled vCPU sleeps its share of each */
#define CONVERGE_SAMPLE_BYTES	 (1u << 20)	/* a shorter round keeps the last bandwidth */

/* What one round did; times in microseconds. */
struct converge_sample {
	u64 pages_left;		/* harvested after the round: the next round's set */
	u64 round_bytes;	/* stream bytes the round sent */
	u64 round_us;		/* how long the round took to send */
	u64 harvest_us;		/* since the previous harvest */
	u64 deferred;		/* of pages_left: held back by the round, not dirtied */
};

struct converge {
	/* Set by the caller before the first round. */
	u64 target_us;		/* downtime target */
	unsigned int throttle_max;	/* percent, 0: no auto-converge */
	unsigned int max_rounds;	/* pre-copy rounds, the final one included */
	/* Kept by converge_round(). */
	u64 rounds;		/* rounds sent so far */
	u64 prev_left;		/* pages left after the round before; 0 before any */
	u64 bandwidth;		/* bytes/s, the last measured round */
	u64 dirty_rate;		/* pages/s */
	u64 expected_us;	/* the downtime if the VM paused now */
	unsigned int throttle;	/* percent of each interval the vCPUs sleep */
	bool converged;		/* the expected downtime fit the target at the end */
	bool round_limit;	/* stopped by max_rounds */
};

/**
 * converge_init() - a policy for a downtime target and limits
 * @throttle_max: 0 turns auto-converge off; above CONVERGE_THROTTLE_MAX
 *		  is taken as that.
 */
void converge_init(struct converge *cv, u64 target_us, unsigned int max_rounds,
		   unsigned int throttle_max);

/**
 * converge_round() - account for a round that was sent and harvested
 *
 * Updates the bandwidth, dirty rate, expected downtime and throttle.
 * Return: true to send another round, false to pause the VM now (the
 * final round then sends @s->pages_left and what was dirtied since).
 */
bool converge_round(struct converge *cv, const struct converge_sample *s);

#endif /* MIGCTL_VMM_CONVERGE_H */
