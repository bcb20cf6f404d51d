/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ranges.h - a bounded set of page ranges, the checker's memory of the guest's notifications. */
#ifndef MIGCTL_CHECK_RANGES_H
#define MIGCTL_CHECK_RANGES_H

#include <migctl/types.h>

/*
 * A sorted array of disjoint, non-adjacent half-open page ranges
 * [start, end). The array never grows past its cap: a guest that makes the
 * set too fragmented turns it "lost", and the rules that need it stop
 * judging (a checker may miss a violation, it must not invent one).
 */
struct migctl_check_ranges {
	struct migctl_check_span *v;
	u32 nr, cap, max;
	bool lost;
};

struct migctl_check_span {
	u64 start, end;
};

void migctl_check_ranges_init(struct migctl_check_ranges *s, u32 max);
void migctl_check_ranges_free(struct migctl_check_ranges *s);
void migctl_check_ranges_clear(struct migctl_check_ranges *s);
/* Add or remove [start, end); on allocation failure the set becomes lost. */
void migctl_check_ranges_add(struct migctl_check_ranges *s, u64 start, u64 end);
void migctl_check_ranges_remove(struct migctl_check_ranges *s, u64 start, u64 end);
/* Whether every page of [start, end) is in the set (false when lost). */
bool migctl_check_ranges_covers(const struct migctl_check_ranges *s, u64 start, u64 end);
/* The first page of [start, end) not in the set, or @end if none. */
u64 migctl_check_ranges_first_gap(const struct migctl_check_ranges *s, u64 start, u64 end);

#endif /* MIGCTL_CHECK_RANGES_H */
