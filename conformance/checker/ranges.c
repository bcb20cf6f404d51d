/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ranges.c - a bounded set of page ranges, the checker's memory of the guest's notifications. */
#include <stdlib.h>
#include <string.h>

#include "ranges.h"

void migctl_check_ranges_init(struct migctl_check_ranges *s, u32 max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

void migctl_check_ranges_free(struct migctl_check_ranges *s)
{
	free(s->v);
	s->v = NULL;
	s->nr = s->cap = 0;
}

void migctl_check_ranges_clear(struct migctl_check_ranges *s)
{
	s->nr = 0;
	s->lost = false;
}

/* Index of the first span whose end is >= @start (@adjacent) or > @start. */
static u32 ranges_find(const struct migctl_check_ranges *s, u64 start, bool adjacent)
{
	u32 lo = 0, hi = s->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		bool before = adjacent ? s->v[mid].end < start : s->v[mid].end <= start;

		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Make room for one span at @i; false (and the set lost) when it cannot. */
static bool ranges_insert_slot(struct migctl_check_ranges *s, u32 i)
{
	if (s->nr == s->cap) {
		u32 cap = s->cap ? s->cap * 2 : 16;
		struct migctl_check_span *v;

		if (cap > s->max)
			cap = s->max;
		if (s->nr == cap)
			goto lost;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			goto lost;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->nr - i) * sizeof(s->v[0]));
	s->nr++;
	return true;
lost:
	/* Forgetting is safe: every reader treats a lost set as "unknown". */
	s->lost = true;
	s->nr = 0;
	return false;
}

static void ranges_delete(struct migctl_check_ranges *s, u32 i, u32 j)
{
	memmove(&s->v[i], &s->v[j], (s->nr - j) * sizeof(s->v[0]));
	s->nr -= j - i;
}

void migctl_check_ranges_add(struct migctl_check_ranges *s, u64 start, u64 end)
{
	u32 i, j;

	if (s->lost || start >= end)
		return;
	i = ranges_find(s, start, true);
	for (j = i; j < s->nr && s->v[j].start <= end; j++) {
		if (s->v[j].start < start)
			start = s->v[j].start;
		if (s->v[j].end > end)
			end = s->v[j].end;
	}
	if (j == i && !ranges_insert_slot(s, i))
		return;
	if (j > i + 1)
		ranges_delete(s, i + 1, j);
	s->v[i].start = start;
	s->v[i].end = end;
}

void migctl_check_ranges_remove(struct migctl_check_ranges *s, u64 start, u64 end)
{
	u32 i, j;

	if (s->lost || start >= end)
		return;
	i = ranges_find(s, start, false);
	if (i == s->nr || s->v[i].start >= end)
		return;
	if (s->v[i].start < start && s->v[i].end > end) {
		u64 tail = s->v[i].end;

		if (!ranges_insert_slot(s, i + 1))
			return;
		s->v[i].end = start;
		s->v[i + 1].start = end;
		s->v[i + 1].end = tail;
		return;
	}
	if (s->v[i].start < start)
		s->v[i++].end = start;
	for (j = i; j < s->nr && s->v[j].end <= end; j++)
		;
	ranges_delete(s, i, j);
	if (i < s->nr && s->v[i].start < end)
		s->v[i].start = end;
}

u64 migctl_check_ranges_first_gap(const struct migctl_check_ranges *s, u64 start, u64 end)
{
	u32 i;

	if (s->lost || start >= end)
		return start;
	i = ranges_find(s, start, false);
	if (i == s->nr || s->v[i].start > start)
		return start;
	return s->v[i].end < end ? s->v[i].end : end;
}

bool migctl_check_ranges_covers(const struct migctl_check_ranges *s, u64 start, u64 end)
{
	return !s->lost && migctl_check_ranges_first_gap(s, start, end) == end;
}
