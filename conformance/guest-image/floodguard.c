/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* floodguard.c - the hostile guest's guard pages, checked after the flood (ring 3). */
#include "floodguard.h"

#include "mem.h"
#include "sevsim_prf.h"

#define PAGE		4096ull

/* Keeps the compiler from moving page accesses across the generation reads. */
#define FG_BARRIER() asm volatile("" ::: "memory")

static void guard_pattern(const struct flood_guard *g, u32 i, u64 *w)
{
	u64 gpa = g->lo + i * PAGE;
	u32 j;

	for (j = 0; j < PAGE / 8; j++)
		w[j] = gpa ^ (g->seed << 20) ^ ((u64)j * 0x9e3779b97f4a7c15ull);
}

/* The key and generation now (a copy under the seqlock of sevsim_prf.h). */
static u64 guard_key(const struct flood_guard *g, u8 key[MIGCTL_SEVSIM_KEY_BYTES])
{
	u64 gen;
	u32 k;

	gen = g->kp->generation;
	FG_BARRIER();
	for (k = 0; k < MIGCTL_SEVSIM_KEY_BYTES; k++)
		key[k] = g->kp->key[k];
	return gen;
}

static bool guard_private(const struct flood_guard *g, u32 i)
{
	return g->kp && (g->private_mask >> i & 1);
}

u64 flood_guard_write(void *arg)
{
	struct flood_guard *g = arg;
	u8 key[MIGCTL_SEVSIM_KEY_BYTES];
	u64 gen;
	u32 i;

	for (i = 0; i < g->npages; i++) {
		u8 *page = (u8 *)(g->lo + i * PAGE);

		if (!guard_private(g, i)) {
			guard_pattern(g, i, (u64 *)page);
			continue;
		}
		do {
			gen = guard_key(g, key);
			guard_pattern(g, i, (u64 *)g->bounce);
			sevsim_prf_page_xor_copy(key, (u64)page, page, g->bounce);
			FG_BARRIER();
		} while (g->kp->generation != gen);
	}
	return 0;
}

u64 flood_guard_check(void *arg)
{
	struct flood_guard *g = arg;
	u8 key[MIGCTL_SEVSIM_KEY_BYTES];
	u64 want[PAGE / 8], gen = 0;
	u32 i;

	g->bad = 0;
	for (i = 0; i < g->npages; i++) {
		const u8 *page = (const u8 *)(g->lo + i * PAGE);

		do {
			if (guard_private(g, i)) {
				gen = guard_key(g, key);
				sevsim_prf_page_xor_copy(key, (u64)page, g->bounce, page);
			} else {
				memcpy(g->bounce, page, PAGE);
			}
			FG_BARRIER();
		} while (guard_private(g, i) && g->kp->generation != gen);
		guard_pattern(g, i, want);
		if (memcmp(want, g->bounce, PAGE) && !g->bad++)
			g->first_bad = (u64)page;
	}
	if (g->kp)
		g->gen = g->kp->generation;
	return g->bad;
}

u64 flood_wait_generation(void *arg)
{
	struct flood_guard *g = arg;

	while (g->kp->generation == g->gen)
		asm volatile("pause" ::: "memory");
	return g->kp->generation;
}
