/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* statuslog.c - per-page status S and changed set C, lock-free updates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "statuslog.h"

#define LOG_PAGE_SHIFT	12
#define WORD_BITS	64u

/*
 * One region: S and C share one allocation, S first. Bits past the last
 * page of the region are never set in either bitmap, so word-wide
 * operations need no masking when read back.
 */
struct log_region {
	u64 gfn;
	u64 npages;
	u64 nwords;
	u64 *s;
	u64 *c;
};

struct migctl_host_log {
	unsigned int nr;
	u64 pages;
	size_t bytes;
	struct log_region r[];
};

static u64 words_for(u64 npages)
{
	return (npages + WORD_BITS - 1) / WORD_BITS;
}

/* Bits lo..hi-1 of one word, 0 <= lo < hi <= 64. */
static u64 word_mask(unsigned int lo, unsigned int hi)
{
	u64 m = hi == WORD_BITS ? ~0ull : (1ull << hi) - 1;

	return m & ~((1ull << lo) - 1);
}

static int check_layout(const struct migctl_host_region *ram, unsigned int nr)
{
	u64 prev_end = 0;
	unsigned int i;

	if (!ram || nr == 0 || nr > MIGCTL_HOST_LOG_REGIONS_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		u64 gpa = ram[i].gpa, size = ram[i].size;

		if ((gpa | size) & ((1ull << LOG_PAGE_SHIFT) - 1) || !size)
			return -EINVAL;
		if (gpa + size < gpa || (i && gpa < prev_end))
			return -EINVAL;
		prev_end = gpa + size;
	}
	return 0;
}

static void fill_region(struct log_region *r, bool private)
{
	u64 tail = r->npages % WORD_BITS;

	memset(r->s, private ? 0xff : 0, r->nwords * sizeof(u64));
	if (private && tail)
		r->s[r->nwords - 1] = word_mask(0, tail);
}

int migctl_host_log_create(const struct migctl_host_region *ram, unsigned int nr,
			   bool private, struct migctl_host_log **out)
{
	struct migctl_host_log *log;
	unsigned int i;
	int err;

	err = check_layout(ram, nr);
	if (err)
		return err;
	log = calloc(1, sizeof(*log) + nr * sizeof(log->r[0]));
	if (!log)
		return -ENOMEM;
	log->nr = nr;
	log->bytes = sizeof(*log) + nr * sizeof(log->r[0]);
	for (i = 0; i < nr; i++) {
		struct log_region *r = &log->r[i];

		r->gfn = ram[i].gpa >> LOG_PAGE_SHIFT;
		r->npages = ram[i].size >> LOG_PAGE_SHIFT;
		r->nwords = words_for(r->npages);
		/* calloc: C starts empty and the kernel hands out zero pages. */
		r->s = calloc(2 * r->nwords, sizeof(u64));
		if (!r->s) {
			err = -ENOMEM;
			goto err_free;
		}
		r->c = r->s + r->nwords;
		fill_region(r, private);
		log->pages += r->npages;
		log->bytes += 2 * r->nwords * sizeof(u64);
	}
	*out = log;
	return 0;

err_free:
	migctl_host_log_destroy(log);
	return err;
}

void migctl_host_log_destroy(struct migctl_host_log *log)
{
	unsigned int i;

	if (!log)
		return;
	for (i = 0; i < log->nr; i++)
		free(log->r[i].s);
	free(log);
}

u64 migctl_host_log_pages(const struct migctl_host_log *log)
{
	return log->pages;
}

size_t migctl_host_log_bytes(const struct migctl_host_log *log)
{
	return log->bytes;
}

unsigned int migctl_host_log_nr_regions(const struct migctl_host_log *log)
{
	return log->nr;
}

bool migctl_host_log_region(const struct migctl_host_log *log, unsigned int i,
			    struct migctl_host_region *r)
{
	if (i >= log->nr)
		return false;
	r->gpa = log->r[i].gfn << LOG_PAGE_SHIFT;
	r->size = log->r[i].npages << LOG_PAGE_SHIFT;
	return true;
}

/* Index of the first region that ends after @gfn, or nr if none. */
static unsigned int region_after(const struct migctl_host_log *log, u64 gfn)
{
	unsigned int lo = 0, hi = log->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct log_region *r = &log->r[mid];

		if (r->gfn + r->npages <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the region holding @gfn, or -1. */
static int region_of(const struct migctl_host_log *log, u64 gfn)
{
	unsigned int i = region_after(log, gfn);

	if (i == log->nr || log->r[i].gfn > gfn)
		return -1;
	return (int)i;
}

bool migctl_host_log_contains(const struct migctl_host_log *log, u64 gfn, u64 npages)
{
	u64 end = gfn + npages, cur;
	int i;

	if (!npages || end < gfn)
		return false;
	i = region_of(log, gfn);
	if (i < 0)
		return false;
	/* Walk adjacent regions only: bounded by the layout, not by npages. */
	for (;;) {
		cur = log->r[i].gfn + log->r[i].npages;
		if (end <= cur)
			return true;
		if (++i == (int)log->nr || log->r[i].gfn != cur)
			return false;
	}
}

/*
 * Record @private for bits lo..hi-1 of word @w: S first, then C. The C
 * update is a release, and migctl_host_log_fetch_changed() exchanges C with
 * acquire semantics, so whoever fetches the C bit also sees the new S.
 */
static void update_word(struct log_region *r, u64 w, unsigned int lo, unsigned int hi,
			bool private)
{
	u64 m = word_mask(lo, hi);

	if (m == ~0ull) {
		__atomic_store_n(&r->s[w], private ? ~0ull : 0, __ATOMIC_RELAXED);
		__atomic_fetch_or(&r->c[w], m, __ATOMIC_RELEASE);
		return;
	}
	if (private)
		__atomic_fetch_or(&r->s[w], m, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&r->s[w], ~m, __ATOMIC_RELAXED);
	__atomic_fetch_or(&r->c[w], m, __ATOMIC_RELEASE);
}

/* Pages first..last-1, relative to the region, 64 per step. */
static void update_range(struct log_region *r, u64 first, u64 last, bool private)
{
	u64 w = first / WORD_BITS, lw = (last - 1) / WORD_BITS;
	unsigned int lo = first % WORD_BITS;

	for (; w <= lw; w++, lo = 0) {
		unsigned int hi = w == lw ? (unsigned int)((last - 1) % WORD_BITS) + 1 : WORD_BITS;

		update_word(r, w, lo, hi, private);
	}
}

int migctl_host_log_set(struct migctl_host_log *log, u64 gfn, u64 npages, bool private)
{
	u64 end = gfn + npages;
	int i;

	if (!migctl_host_log_contains(log, gfn, npages))
		return -EINVAL;
	for (i = region_of(log, gfn); gfn < end; i++) {
		struct log_region *r = &log->r[i];
		u64 stop = r->gfn + r->npages < end ? r->gfn + r->npages : end;

		update_range(r, gfn - r->gfn, stop - r->gfn, private);
		gfn = stop;
	}
	return 0;
}

int migctl_host_log_get(const struct migctl_host_log *log, u64 gfn)
{
	int i = region_of(log, gfn);
	const struct log_region *r;
	u64 off;

	if (i < 0)
		return -EINVAL;
	r = &log->r[i];
	off = gfn - r->gfn;
	return (__atomic_load_n(&r->s[off / WORD_BITS], __ATOMIC_ACQUIRE) >> (off % WORD_BITS)) & 1;
}

u64 migctl_host_log_count(const struct migctl_host_log *log, bool private)
{
	u64 set = 0, w;
	unsigned int i;

	for (i = 0; i < log->nr; i++) {
		const struct log_region *r = &log->r[i];

		for (w = 0; w < r->nwords; w++)
			set += (u64)__builtin_popcountll(__atomic_load_n(&r->s[w],
									 __ATOMIC_RELAXED));
	}
	return private ? set : log->pages - set;
}

/*
 * Clears @v's word of C if @v, the word as just read, holds a change.
 * Most words are zero between rounds: they cost a load, not a locked
 * exchange. A bit set after the load is not lost: it stays in C for the
 * next fetch, exactly as if it had come after the exchange.
 */
static u64 fetch_word(u64 *c, u64 v)
{
	return v ? __atomic_exchange_n(c, 0, __ATOMIC_ACQ_REL) : 0;
}

/*
 * Why a concurrent fetch never loses a change: an updater writes S, then
 * ORs the page's bit into C (release). The fetch swaps each C word with 0
 * in one atomic step (acquire). The OR and the swap on one word are
 * totally ordered: if the OR came first its bit is in the swapped-out
 * value, and the acquire makes the matching S visible to the caller's
 * later reads of S; if the swap came first the bit is set in C afterwards
 * and the next fetch returns it. No bit is cleared except by a swap that
 * returns it. A word read as zero is not swapped: see fetch_word().
 */
s64 migctl_host_log_fetch_changed(struct migctl_host_log *log, unsigned int region,
				  u64 *bitmap, size_t nwords)
{
	struct log_region *r;
	s64 n = 0;
	u64 w;

	if (region >= log->nr || nwords < log->r[region].nwords)
		return -EINVAL;
	r = &log->r[region];
	/*
	 * Two words per step, one branch for a pair of zero words: the scan
	 * of a sparse C runs from the caches about twice as fast as one word
	 * per step (bench/logbench.c; docs/performance.adoc).
	 */
	for (w = 0; w + 2 <= r->nwords; w += 2) {
		u64 lo = __atomic_load_n(&r->c[w], __ATOMIC_RELAXED);
		u64 hi = __atomic_load_n(&r->c[w + 1], __ATOMIC_RELAXED);

		if (!(lo | hi)) {
			bitmap[w] = 0;
			bitmap[w + 1] = 0;
			continue;
		}
		bitmap[w] = fetch_word(&r->c[w], lo);
		bitmap[w + 1] = fetch_word(&r->c[w + 1], hi);
		n += __builtin_popcountll(bitmap[w]) + __builtin_popcountll(bitmap[w + 1]);
	}
	if (w < r->nwords) {
		bitmap[w] = fetch_word(&r->c[w], __atomic_load_n(&r->c[w], __ATOMIC_RELAXED));
		n += __builtin_popcountll(bitmap[w]);
		w++;
	}
	for (; w < nwords; w++)
		bitmap[w] = 0;
	return n;
}

s64 migctl_host_log_merge_changed(struct migctl_host_log *log, unsigned int region,
				  u64 *bitmap, size_t nwords)
{
	struct log_region *r;
	s64 n = 0;
	u64 w;

	if (region >= log->nr || nwords < log->r[region].nwords)
		return -EINVAL;
	r = &log->r[region];
	for (w = 0; w < r->nwords; w++) {
		u64 c = __atomic_load_n(&r->c[w], __ATOMIC_RELAXED);

		if (!c)
			continue;
		c = fetch_word(&r->c[w], c);
		bitmap[w] |= c;
		n += __builtin_popcountll(c);
	}
	return n;
}

s64 migctl_host_round_collect(struct migctl_host_log *log, unsigned int region,
			      const struct migctl_host_dirty_source *src, unsigned int nsrc,
			      u64 *send, size_t nwords, unsigned int *failed)
{
	s64 n = 0;
	unsigned int i;
	u64 w;
	int err;

	if (region >= log->nr || nwords < log->r[region].nwords || !nsrc ||
	    nsrc > MIGCTL_HOST_ROUND_SOURCES_MAX)
		return -EINVAL;
	for (i = 0; i < nsrc; i++)
		if (!src[i].fetch)
			return -EINVAL;
	/* V-2: every dirty log first, C last. */
	for (i = 0; i < nsrc; i++) {
		err = src[i].fetch(src[i].arg, region, send, nwords);
		if (err) {
			if (failed)
				*failed = i;
			return err < 0 ? err : -EIO;
		}
	}
	migctl_host_log_merge_changed(log, region, send, nwords);
	for (w = 0; w < log->r[region].nwords; w++)
		n += __builtin_popcountll(send[w]);
	return n;
}

u64 migctl_host_bitmap_next(const u64 *map, u64 nbits, u64 from, bool set)
{
	u64 w, word;

	if (from >= nbits)
		return nbits;
	w = from / WORD_BITS;
	word = (set ? map[w] : ~map[w]) & ~((1ull << (from % WORD_BITS)) - 1);
	for (;;) {
		if (word) {
			u64 bit = w * WORD_BITS + (u64)__builtin_ctzll(word);

			return bit < nbits ? bit : nbits;
		}
		if (++w * WORD_BITS >= nbits)
			return nbits;
		word = set ? map[w] : ~map[w];
	}
}

/* Like migctl_host_bitmap_next() on S, with atomic loads. */
static u64 s_next(const struct log_region *r, u64 from, bool set)
{
	u64 w = from / WORD_BITS, word;

	word = __atomic_load_n(&r->s[w], __ATOMIC_ACQUIRE);
	word = (set ? word : ~word) & ~((1ull << (from % WORD_BITS)) - 1);
	for (;;) {
		if (word) {
			u64 bit = w * WORD_BITS + (u64)__builtin_ctzll(word);

			return bit < r->npages ? bit : r->npages;
		}
		if (++w >= r->nwords)
			return r->npages;
		word = __atomic_load_n(&r->s[w], __ATOMIC_ACQUIRE);
		word = set ? word : ~word;
	}
}

bool migctl_host_log_next_run(const struct migctl_host_log *log, u64 *gfn, u64 *npages,
			      bool *private)
{
	unsigned int i = region_after(log, *gfn);
	const struct log_region *r;
	u64 off, end;
	bool status;

	if (i == log->nr)
		return false;
	r = &log->r[i];
	off = *gfn > r->gfn ? *gfn - r->gfn : 0;
	status = (__atomic_load_n(&r->s[off / WORD_BITS], __ATOMIC_ACQUIRE) >>
		  (off % WORD_BITS)) & 1;
	end = s_next(r, off, !status);
	*gfn = r->gfn + off;
	*npages = end - off;
	*private = status;
	return true;
}
