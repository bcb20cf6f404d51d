/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* statuslog_mt_test.c - updaters against fetches, on many words and on one; memory at 1 TiB. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define NR_UPDATERS	3
#define CHUNK		8	/* pages per ownership chunk: 8 owners share a word */
#define STEPS		300000

/*
 * Two regions with a hole; each updater owns every NR_UPDATERS-th chunk of
 * 8 pages, so threads hit the same 64-bit words all the time but never the
 * same page, and each keeps an exact model of its own pages.
 */
static const struct migctl_host_region mt_ram[] = {
	{ 0, 4096 * 4096ull },
	{ 64 * HT_MIB, 3000 * 4096ull },
};

#define MT_SPAN		((64 * HT_MIB >> 12) + 3000)

struct mt_shared {
	struct migctl_host_log *log;
	u8 model[MT_SPAN];	/* final status per page (written by owners) */
	u8 touched[MT_SPAN];	/* page was changed at least once */
	u8 dest[MT_SPAN];	/* what a migration target received */
	u8 seen[MT_SPAN];	/* page was in some fetched C */
	volatile int running;
	u64 seed;
	u64 fetches;
};

struct mt_updater {
	struct mt_shared *sh;
	unsigned int id;
};

static bool mt_ram_gfn(u64 gfn)
{
	return gfn < 4096 || (gfn >= (64 * HT_MIB >> 12) && gfn < MT_SPAN);
}

static void *mt_update(void *arg)
{
	struct mt_updater *u = arg;
	struct mt_shared *sh = u->sh;
	u64 rng = sh->seed + u->id, i, nchunks = MT_SPAN / CHUNK;

	for (i = 0; i < STEPS; i++) {
		u64 c = ht_rand_below(&rng, nchunks / NR_UPDATERS) * NR_UPDATERS + u->id;
		u64 start = c * CHUNK + ht_rand_below(&rng, CHUNK);
		u64 n = 1 + ht_rand_below(&rng, c * CHUNK + CHUNK - start);
		bool priv = ht_rand(&rng) & 1;
		u64 k;

		if (!mt_ram_gfn(start) || !mt_ram_gfn(start + n - 1))
			continue;
		if (migctl_host_log_set(sh->log, start, n, priv))
			abort();
		for (k = start; k < start + n; k++) {
			sh->model[k] = priv;
			sh->touched[k] = 1;
		}
	}
	return NULL;
}

/* One pre-copy round: fetch C, send each page with its status now (V-2). */
static void mt_round(struct mt_shared *sh, u64 *map, size_t nwords)
{
	struct migctl_host_region r;
	unsigned int i;
	u64 b;

	for (i = 0; migctl_host_log_region(sh->log, i, &r); i++) {
		u64 base = r.gpa >> 12, n = r.size >> 12;

		if (migctl_host_log_fetch_changed(sh->log, i, map, nwords) < 0)
			abort();
		for (b = migctl_host_bitmap_next(map, n, 0, true); b < n;
		     b = migctl_host_bitmap_next(map, n, b + 1, true)) {
			sh->dest[base + b] = (u8)migctl_host_log_get(sh->log, base + b);
			sh->seen[base + b] = 1;
		}
	}
	sh->fetches++;
}

/* Covers: V-1, V-2, V-4, V-14 */
TEST_TIMEOUT(log, concurrent_updates_lose_nothing, 300)
{
	struct mt_shared *sh = calloc(1, sizeof(*sh));
	struct mt_updater u[NR_UPDATERS];
	pthread_t t[NR_UPDATERS];
	bool joined[NR_UPDATERS] = { false };
	size_t nwords = 4096 / 64;
	u64 *map = calloc(nwords, 8), g, lost = 0, wrong = 0;
	unsigned int i;

	ASSERT_TRUE(sh && map);
	ASSERT_EQ(0, migctl_host_log_create(mt_ram, 2, true, &sh->log));
	sh->seed = test_seed();
	/* Round 0 of a migration sent every page as private. */
	for (g = 0; g < MT_SPAN; g++)
		sh->model[g] = sh->dest[g] = 1;
	for (i = 0; i < NR_UPDATERS; i++) {
		u[i] = (struct mt_updater){ sh, i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, mt_update, &u[i]));
	}
	/* Rounds while the vCPUs run; join = pause (V-3); then the final round. */
	for (unsigned int left = NR_UPDATERS; left;) {
		mt_round(sh, map, nwords);
		for (i = 0; i < NR_UPDATERS; i++) {
			if (!joined[i] && !pthread_tryjoin_np(t[i], NULL)) {
				joined[i] = true;
				left--;
			}
		}
	}
	mt_round(sh, map, nwords);
	test_diag("%llu rounds while %d threads updated", (unsigned long long)sh->fetches,
		  NR_UPDATERS);
	for (g = 0; g < MT_SPAN; g++) {
		if (!mt_ram_gfn(g))
			continue;
		lost += sh->touched[g] && !sh->seen[g];
		wrong += sh->dest[g] != sh->model[g] ||
			 migctl_host_log_get(sh->log, g) != sh->model[g];
	}
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, wrong);
	EXPECT_GT(sh->fetches, 2);
	EXPECT_EQ(0, ht_log_drain_changed(sh->log));
	migctl_host_log_destroy(sh->log);
	free(map);
	free(sh);
}

/*
 * The hardest race for a fetch: every updater on the pages of one word of
 * C, flipping its pages' status as fast as it can, while fetches (both
 * kinds, alternating) flip C's buffers under them. Each updater owns
 * OW_PAGES pages of the word; after each round the "destination" holds,
 * for every page fetched, its status read then (V-2). When all have
 * stopped, one more round must leave the destination equal to the
 * updaters' last statuses (a lost change leaves it stale), and C empty.
 */
#define OW_UPDATERS	4
#define OW_PAGES	16
#define OW_STEPS	400000

struct ow_shared {
	struct migctl_host_log *log;
	u8 model[64];
	u8 dest[64];
	u64 rounds, reported;
};

struct ow_updater {
	struct ow_shared *sh;
	unsigned int id;
	u64 seed;
};

static void *ow_update(void *arg)
{
	struct ow_updater *u = arg;
	u64 rng = u->seed, i;

	for (i = 0; i < OW_STEPS; i++) {
		u64 page = u->id * OW_PAGES + ht_rand_below(&rng, OW_PAGES);
		u64 n = 1 + ht_rand_below(&rng, u->id * OW_PAGES + OW_PAGES - page);
		bool priv = !u->sh->model[page];

		if (migctl_host_log_set(u->sh->log, page, n, priv))
			abort();
		for (u64 k = page; k < page + n; k++)
			u->sh->model[k] = priv;
	}
	return NULL;
}

static void ow_round(struct ow_shared *sh)
{
	u64 map = 0;
	s64 n = sh->rounds & 1 ? migctl_host_log_merge_changed(sh->log, 0, &map, 1) :
				 migctl_host_log_fetch_changed(sh->log, 0, &map, 1);

	if (n < 0 || n != __builtin_popcountll(map))
		abort();
	for (unsigned int b = 0; b < 64; b++)
		if (map >> b & 1)
			sh->dest[b] = (u8)migctl_host_log_get(sh->log, b);
	sh->reported += (u64)n;
	sh->rounds++;
}

/* Covers: V-1, V-2 */
TEST_TIMEOUT(log, one_word_races_lose_nothing, 300)
{
	static const struct migctl_host_region ram = { 0, 64 * 4096 };
	struct ow_shared *sh = calloc(1, sizeof(*sh));
	struct ow_updater u[OW_UPDATERS];
	pthread_t t[OW_UPDATERS];
	bool joined[OW_UPDATERS] = { false };
	unsigned int i, left, wrong = 0;
	u64 seed = test_seed();

	ASSERT_NONNULL(sh);
	ASSERT_EQ(0, migctl_host_log_create(&ram, 1, false, &sh->log));
	for (i = 0; i < OW_UPDATERS; i++) {
		u[i] = (struct ow_updater){ sh, i, seed + i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, ow_update, &u[i]));
	}
	for (left = OW_UPDATERS; left;) {
		ow_round(sh);
		for (i = 0; i < OW_UPDATERS; i++) {
			if (!joined[i] && !pthread_tryjoin_np(t[i], NULL)) {
				joined[i] = true;
				left--;
			}
		}
	}
	ow_round(sh);
	for (i = 0; i < 64; i++)
		wrong += sh->dest[i] != sh->model[i];
	test_diag("%llu rounds, %llu pages reported", (unsigned long long)sh->rounds,
		  (unsigned long long)sh->reported);
	EXPECT_EQ(0, wrong);
	EXPECT_GT(sh->rounds, 100);
	EXPECT_EQ(0, ht_log_drain_changed(sh->log));
	migctl_host_log_destroy(sh->log);
	free(sh);
}

/*
 * Heap bytes in use: the sanitizer allocator's count under ASan (where
 * mallinfo2 sees nothing), glibc's otherwise. 0 when neither can tell.
 */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static size_t heap_in_use(void)
{
	struct mallinfo2 mi;

	if (__sanitizer_get_current_allocated_bytes)
		return __sanitizer_get_current_allocated_bytes();
	mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

struct mem_case {
	const char *name;
	struct migctl_host_region r[3];
	unsigned int nr;
};

/* 1 TiB of RAM, dense and with holes; and 2 GiB spread over 2^50 bytes. */
static const struct mem_case mem_cases[] = {
	{ "1 TiB in one region", { { 0, 1ull << 40 } }, 1 },
	{ "1 TiB around holes",
	  { { 0, 3 * HT_GIB }, { 4 * HT_GIB, 512 * HT_GIB }, { 1ull << 41, 509 * HT_GIB } }, 3 },
	{ "2 GiB sparse over 2^50", { { 0, HT_GIB }, { 1ull << 50, HT_GIB } }, 2 },
};

/*
 * At most 3 bits per RAM page (S and C's two buffers), plus this much per
 * log and per region; the
 * heap may round each region's block up to whole pages (mmap'd chunks).
 */
#define LOG_CONST	256
#define REGION_CONST	64
#define HEAP_SLACK	8192

/* Covers: H-12, H-13 */
TEST_TIMEOUT(log, memory_bound_1tib, 120)
{
	unsigned int i;

	for (i = 0; i < sizeof(mem_cases) / sizeof(mem_cases[0]); i++) {
		const struct mem_case *c = &mem_cases[i];
		struct migctl_host_log *log;
		u64 pages = 0, bound, *map;
		size_t before, after, words;
		unsigned int k;

		for (k = 0; k < c->nr; k++)
			pages += c->r[k].size >> 12;
		bound = 3 * pages / 8 + LOG_CONST + REGION_CONST * c->nr;
		before = heap_in_use();
		ASSERT_EQ(0, migctl_host_log_create(c->r, c->nr, true, &log));
		after = heap_in_use();
		test_diag("%s: %llu pages, log %zu bytes, heap +%zu, bound %llu", c->name,
			  (unsigned long long)pages, migctl_host_log_bytes(log), after - before,
			  (unsigned long long)bound);
		EXPECT_EQ(pages, migctl_host_log_pages(log));
		EXPECT_LE(migctl_host_log_bytes(log), bound);
		if (before || after)
			EXPECT_LE(after - before, bound + HEAP_SLACK * c->nr);
		else
			test_diag("no heap statistics in this build; accounting only");
		/* The whole log works at this size: one change, found by a fetch. */
		ASSERT_EQ(0, migctl_host_log_set(log, (c->r[c->nr - 1].gpa >> 12) + 77, 3, false));
		EXPECT_EQ(pages - 3, migctl_host_log_count(log, true));
		words = (c->r[c->nr - 1].size >> 12) / 64;
		map = malloc(words * 8);
		ASSERT_NONNULL(map);
		EXPECT_EQ(3, migctl_host_log_fetch_changed(log, c->nr - 1, map, words));
		EXPECT_EQ(77, migctl_host_bitmap_next(map, words * 64, 0, true));
		EXPECT_EQ(80, migctl_host_bitmap_next(map, words * 64, 78, false));
		free(map);
		migctl_host_log_destroy(log);
	}
}
