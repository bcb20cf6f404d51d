/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* converge.c - when pre-copy stops: dirty rate, bandwidth, expected downtime, throttle. */
#include "converge.h"

void converge_init(struct converge *cv, u64 target_us, unsigned int max_rounds,
		   unsigned int throttle_max)
{
	*cv = (struct converge){ .target_us = target_us, .max_rounds = max_rounds,
				 .throttle_max = throttle_max > CONVERGE_THROTTLE_MAX ?
						 CONVERGE_THROTTLE_MAX : throttle_max };
}

/* The next throttle after a round that did not pay above the target. */
static unsigned int converge_more_throttle(const struct converge *cv)
{
	unsigned int t = cv->throttle ? cv->throttle + CONVERGE_THROTTLE_STEP :
					 CONVERGE_THROTTLE_FIRST;

	return t > cv->throttle_max ? cv->throttle_max : t;
}

bool converge_round(struct converge *cv, const struct converge_sample *s)
{
	bool pays, fits;
	u64 dirtied;

	cv->rounds++;
	/* A round too short to time keeps the last estimate. */
	if (s->round_us && s->round_bytes &&
	    (s->round_bytes >= CONVERGE_SAMPLE_BYTES || !cv->bandwidth))
		cv->bandwidth = s->round_bytes * 1000000 / s->round_us;
	dirtied = s->pages_left - (s->deferred < s->pages_left ? s->deferred : s->pages_left);
	cv->dirty_rate = s->harvest_us ? dirtied * 1000000 / s->harvest_us : 0;
	if (!s->pages_left)
		cv->expected_us = 0;
	else if (cv->bandwidth)
		cv->expected_us = s->pages_left * CONVERGE_PAGE_BYTES * 1000000 / cv->bandwidth;
	else
		cv->expected_us = UINT64_MAX;	/* nothing measured: assume the worst */
	fits = cv->expected_us <= cv->target_us;
	if (cv->prev_left)
		pays = s->pages_left * CONVERGE_PAYS_DEN <= cv->prev_left * CONVERGE_PAYS_NUM;
	else	/* after round 0: what the next round would leave, dirty rate / bandwidth */
		pays = !cv->bandwidth || cv->dirty_rate * CONVERGE_PAGE_BYTES * CONVERGE_PAYS_DEN <=
						 cv->bandwidth * CONVERGE_PAYS_NUM;
	cv->prev_left = s->pages_left;
	cv->converged = fits;
	if (cv->rounds >= cv->max_rounds) {
		cv->round_limit = !fits;
		return false;
	}
	if (s->deferred)
		return true;	/* no estimate yet: the round held back, the guest did not dirty */
	if (fits && (!pays || cv->expected_us <= CONVERGE_FLOOR_US))
		return false;
	if (!fits && !pays && cv->throttle_max)
		cv->throttle = converge_more_throttle(cv);
	return true;
}
