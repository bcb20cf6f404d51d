/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* statuslog.c - per-page status S and changed set C, lock-free updates. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statuslog.h"

#ifdef __x86_64__
#include <emmintrin.h>
#endif

#define LOG_PAGE_SHIFT	12
#define WORD_BITS	64u

/*
 * One region: S and two buffers of C share one allocation, S first. Bits
 * past the last page of the region are never set in any of them, so
 * word-wide operations need no masking when read back.
 *
 * C is double-buffered: updaters OR into c[cur]; a fetch flips cur and
 * then owns the other buffer, which it reads and clears with plain loads
 * and stores instead of one locked exchange per word (the exchange, not
 * the memory, bounded the scan: docs/performance.adoc). The price is one
 * more bit per page. See migctl_host_log_fetch_changed() for why no change
 * is lost.
 */
struct log_region {
	u64 gfn;
	u64 npages;
	u64 nwords;
	u64 *s;
	u64 *c[2];
	unsigned int cur;		/* the buffer updaters write; atomic */
	pthread_mutex_t fetch_lock;	/* fetches of one region, one at a time */
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
		r->s = calloc(3 * r->nwords, sizeof(u64));
		if (!r->s) {
			err = -ENOMEM;
			goto err_free;
		}
		r->c[0] = r->s + r->nwords;
		r->c[1] = r->c[0] + r->nwords;
		pthread_mutex_init(&r->fetch_lock, NULL);
		fill_region(r, private);
		log->pages += r->npages;
		log->bytes += 3 * r->nwords * sizeof(u64);
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
	for (i = 0; i < log->nr; i++) {
		if (!log->r[i].s)
			continue;
		pthread_mutex_destroy(&log->r[i].fetch_lock);
		free(log->r[i].s);
	}
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

/* The mask of word @w for pages first..last-1 (relative to the region). */
static u64 range_mask(u64 w, u64 first, u64 last)
{
	unsigned int lo = w == first / WORD_BITS ? first % WORD_BITS : 0;
	unsigned int hi = w == (last - 1) / WORD_BITS ?
				  (unsigned int)((last - 1) % WORD_BITS) + 1 : WORD_BITS;

	return word_mask(lo, hi);
}

static void s_range(struct log_region *r, u64 first, u64 last, bool private)
{
	for (u64 w = first / WORD_BITS; w <= (last - 1) / WORD_BITS; w++) {
		u64 m = range_mask(w, first, last);

		if (m == ~0ull)
			__atomic_store_n(&r->s[w], private ? ~0ull : 0, __ATOMIC_RELAXED);
		else if (private)
			__atomic_fetch_or(&r->s[w], m, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&r->s[w], ~m, __ATOMIC_RELAXED);
	}
}

/* Set (release, and sequentially consistent) or clear (acquire) pages in one C buffer. */
static void c_range(u64 *c, u64 first, u64 last, bool set)
{
	for (u64 w = first / WORD_BITS; w <= (last - 1) / WORD_BITS; w++) {
		u64 m = range_mask(w, first, last);

		if (set)
			__atomic_fetch_or(&c[w], m, __ATOMIC_SEQ_CST);
		else
			__atomic_fetch_and(&c[w], ~m, __ATOMIC_ACQ_REL);
	}
}

/*
 * Pages first..last-1, relative to the region: S, then C. The OR into C
 * is followed by a load of cur; migctl_host_log_fetch_changed() explains
 * why that is enough. When a fetch flipped cur meanwhile, the bits go to
 * the new buffer too and come out of the old one (a fetch may have read
 * them there already: then they are reported once more, never lost). The
 * AND comes before the OR into the new buffer, so whatever it acquires
 * from another updater's OR on the same word travels on with this OR.
 * The AND may also take out the bit of an earlier change to the same page
 * that the fetch has not read yet: that page then comes with the next
 * fetch, with the status of this later change, as any racing change does.
 */
static void update_range(struct log_region *r, u64 first, u64 last, bool private)
{
	unsigned int e, now;

	s_range(r, first, last, private);
	e = __atomic_load_n(&r->cur, __ATOMIC_SEQ_CST);
	for (;;) {
		c_range(r->c[e], first, last, true);
		now = __atomic_load_n(&r->cur, __ATOMIC_SEQ_CST);
		if (now == e)
			return;
		c_range(r->c[e], first, last, false);
		e = now;
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
 * Why a concurrent fetch never loses a change. An updater writes S, ORs
 * the page's bit into c[e] for the e it loaded from cur, then loads cur
 * again; both C operations and that load are sequentially consistent. A
 * fetch stores the other index into cur and only then reads c[e], both
 * sequentially consistent too (plain loads on x86). In the single total
 * order of those operations either the updater's second load of cur comes
 * before the fetch's store, so its OR came before the fetch's read of that
 * word, which sees the bit; or it comes after, so the updater sees the
 * flip and ORs the bit into the new buffer, where the next fetch finds it.
 * An OR that lands in c[e] after the fetch read the word (or between its
 * load and its clearing store) is of the second kind. A bit leaves a
 * buffer only through a fetch that returns it or through the updater
 * that put it there after a flip, once it has ORed it into the new one.
 * Fetches of one region take a mutex, so that the buffer a fetch reads
 * is not flipped back under it; updaters never wait for anything.
 *
 * The reads acquire, so the S written before each OR they see is visible
 * to the caller's later reads of S (the ORs are releases).
 */
static unsigned int fetch_begin(struct log_region *r)
{
	unsigned int e;

	pthread_mutex_lock(&r->fetch_lock);
	e = __atomic_load_n(&r->cur, __ATOMIC_RELAXED);
	__atomic_store_n(&r->cur, e ^ 1, __ATOMIC_SEQ_CST);
	return e;
}

static void fetch_end(struct log_region *r)
{
	pthread_mutex_unlock(&r->fetch_lock);
}

/* Read c[w] and clear it if set: a plain load and store on x86 (see above). */
static inline u64 take_word(u64 *c)
{
	u64 v = __atomic_load_n(c, __ATOMIC_SEQ_CST);

	if (v)
		__atomic_store_n(c, 0, __ATOMIC_RELAXED);
	return v;
}

/*
 * Non-temporal stores for a bitmap this large: it will not fit the caches
 * anyway, and a store that misses them costs a read of the line first
 * (memcpy avoids that at these sizes too).
 */
#define FETCH_STREAM_WORDS	(1u << 20)	/* 8 MiB of bitmap, 32 GiB of RAM */
#define FETCH_PREFETCH_WORDS	256u		/* 2 KiB of C ahead of the scan */

static inline __attribute__((always_inline)) void put_pair(u64 *dst, u64 lo, u64 hi, bool stream)
{
#ifdef __x86_64__
	if (stream) {
		_mm_stream_si128((__m128i *)dst, _mm_set_epi64x((long long)hi, (long long)lo));
		return;
	}
#endif
	dst[0] = lo;
	dst[1] = hi;
}

/* Words 0..@nwords-1 (a multiple of 4) of c into @bitmap; @stream is a constant. */
static inline __attribute__((always_inline)) s64 scan_quads(u64 *c, u64 *bitmap, u64 nwords,
							    bool stream)
{
	s64 n = 0;

	for (u64 w = 0; w < nwords; w += 4) {
		/*
		 * Each line of C is read, then written: fetching it for writing
		 * 2 KiB ahead made the scan 10 to 30% faster here than leaving it
		 * to the hardware prefetcher. A prefetch past the end never faults.
		 */
		if (!(w % 8))
			__builtin_prefetch(&c[w + FETCH_PREFETCH_WORDS], 1);
		u64 v0 = __atomic_load_n(&c[w], __ATOMIC_SEQ_CST);
		u64 v1 = __atomic_load_n(&c[w + 1], __ATOMIC_SEQ_CST);
		u64 v2 = __atomic_load_n(&c[w + 2], __ATOMIC_SEQ_CST);
		u64 v3 = __atomic_load_n(&c[w + 3], __ATOMIC_SEQ_CST);

		__atomic_store_n(&c[w], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c[w + 1], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c[w + 2], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c[w + 3], 0, __ATOMIC_RELAXED);
		n += __builtin_popcountll(v0) + __builtin_popcountll(v1) +
		     __builtin_popcountll(v2) + __builtin_popcountll(v3);
		put_pair(&bitmap[w], v0, v1, stream);
		put_pair(&bitmap[w + 2], v2, v3, stream);
	}
	return n;
}

/*
 * The scan of c[e] into @bitmap (@merge: OR'ed in), always inlined into
 * the two builds below: __builtin_popcountll is one instruction where
 * the target has POPCNT and a call into libgcc where it does not, and a
 * full C counts every word.
 *
 * Four words per step, each cleared whether it was set or not: a branch
 * per word or per step mispredicts at the sparse benchmark's density (one
 * word in 16 set) and cost a quarter of the scan; storing a zero over a
 * zero costs a write-back of lines already read, which the scan hides
 * behind its reads (C full, sparse and empty all scan at 0.8 to 0.9 of
 * memcpy, bench/logbench.c). The zero stores come after the flip of
 * fetch_begin(), so they are as safe as the clearing of a set word.
 */
static inline __attribute__((always_inline)) s64 scan_buffer(u64 *c, u64 nwords, u64 *bitmap,
							     bool merge)
{
	bool stream = false;
	s64 n = 0;
	u64 w = 0;

	if (merge) {
		for (; w < nwords; w++) {
			u64 v = take_word(&c[w]);

			if (v) {
				n += __builtin_popcountll(v);
				bitmap[w] |= v;
			}
		}
		return n;
	}
#ifdef __x86_64__
	if (nwords >= FETCH_STREAM_WORDS) {
		stream = true;
		if ((uintptr_t)bitmap & 15) {	/* 16-byte stores, 8-byte aligned words */
			bitmap[0] = take_word(&c[0]);
			n += __builtin_popcountll(bitmap[0]);
			w = 1;
		}
	}
#endif
	if (stream)
		n += scan_quads(&c[w], &bitmap[w], (nwords - w) & ~3ull, true);
	else
		n += scan_quads(&c[w], &bitmap[w], (nwords - w) & ~3ull, false);
	w += (nwords - w) & ~3ull;
#ifdef __x86_64__
	if (stream)
		_mm_sfence();
#endif
	for (; w < nwords; w++) {
		bitmap[w] = take_word(&c[w]);
		n += __builtin_popcountll(bitmap[w]);
	}
	return n;
}

static s64 scan_default(u64 *c, u64 nwords, u64 *bitmap, bool merge)
{
	return scan_buffer(c, nwords, bitmap, merge);
}

#ifdef __x86_64__
__attribute__((target("popcnt"))) static s64 scan_popcnt(u64 *c, u64 nwords, u64 *bitmap,
							 bool merge)
{
	return scan_buffer(c, nwords, bitmap, merge);
}
#endif

/* Read and clear c[e] into @bitmap (@merge: OR'ed in). Return: bits read. */
static s64 fetch_buffer(const struct log_region *r, unsigned int e, u64 *bitmap, bool merge)
{
#ifdef __x86_64__
	if (__builtin_cpu_supports("popcnt"))
		return scan_popcnt(r->c[e], r->nwords, bitmap, merge);
#endif
	return scan_default(r->c[e], r->nwords, bitmap, merge);
}

s64 migctl_host_log_fetch_changed(struct migctl_host_log *log, unsigned int region,
				  u64 *bitmap, size_t nwords)
{
	struct log_region *r;
	s64 n;
	u64 w;

	if (region >= log->nr || nwords < log->r[region].nwords)
		return -EINVAL;
	r = &log->r[region];
	n = fetch_buffer(r, fetch_begin(r), bitmap, false);
	fetch_end(r);
	for (w = r->nwords; w < nwords; w++)
		bitmap[w] = 0;
	return n;
}

s64 migctl_host_log_merge_changed(struct migctl_host_log *log, unsigned int region,
				  u64 *bitmap, size_t nwords)
{
	struct log_region *r;
	s64 n;

	if (region >= log->nr || nwords < log->r[region].nwords)
		return -EINVAL;
	r = &log->r[region];
	n = fetch_buffer(r, fetch_begin(r), bitmap, true);
	fetch_end(r);
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
