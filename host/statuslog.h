/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* statuslog.h - per-page encryption status log (S) and changed set (C). */
#ifndef MIGCTL_HOST_STATUSLOG_H
#define MIGCTL_HOST_STATUSLOG_H

/*
 * Bitmaps per RAM region, one bit per 4 KiB page each: S (1 = private,
 * 0 = shared) and C (status written since the last fetch), C in two
 * buffers so that a fetch reads and clears one with plain loads and
 * stores while updates go to the other. Memory is three bits per page of
 * RAM plus a constant, never per page of address span. Updates are
 * lock-free and safe from many threads; fetching C is safe while updates
 * run (V-1, V-2). GFNs are guest-physical page numbers.
 */

#include <stdbool.h>
#include <stddef.h>

#include <migctl/types.h>

/* At most this many RAM regions, so that lookups stay cheap (H-12). */
#define MIGCTL_HOST_LOG_REGIONS_MAX	64

/**
 * struct migctl_host_region - one range of guest RAM
 * @gpa: first byte, page-aligned.
 * @size: bytes, page-aligned, non-zero.
 */
struct migctl_host_region {
	gpa_t gpa;
	u64 size;
};

struct migctl_host_log;

/**
 * migctl_host_log_create() - allocate S and C for a RAM layout
 * @ram: regions, sorted, page-aligned, non-empty, not overlapping.
 * @nr: 1..MIGCTL_HOST_LOG_REGIONS_MAX.
 * @private: initial status of every page (C starts empty).
 * @out: the new log.
 *
 * Return: 0, -EINVAL (bad layout), -ENOMEM.
 */
int migctl_host_log_create(const struct migctl_host_region *ram, unsigned int nr,
			   bool private, struct migctl_host_log **out);

/** migctl_host_log_destroy() - free the log; NULL is allowed. */
void migctl_host_log_destroy(struct migctl_host_log *log);

/** migctl_host_log_pages() - RAM pages covered (not the address span). */
u64 migctl_host_log_pages(const struct migctl_host_log *log);

/** migctl_host_log_bytes() - bytes allocated by the log in total. */
size_t migctl_host_log_bytes(const struct migctl_host_log *log);

/** migctl_host_log_nr_regions() - number of regions. */
unsigned int migctl_host_log_nr_regions(const struct migctl_host_log *log);

/**
 * migctl_host_log_region() - one region of the layout
 * Return: false if @i is out of range.
 */
bool migctl_host_log_region(const struct migctl_host_log *log, unsigned int i,
			    struct migctl_host_region *r);

/**
 * migctl_host_log_contains() - are all pages @gfn..@gfn+@npages-1 RAM
 *
 * Costs O(log regions + regions spanned). @npages 0 or a wrapping range is
 * false.
 */
bool migctl_host_log_contains(const struct migctl_host_log *log, u64 gfn, u64 npages);

/**
 * migctl_host_log_set() - record a status for a range: S then C
 * @private: the new status.
 *
 * Time proportional to @npages / 64. Safe concurrently with every other
 * function except create/destroy/load.
 *
 * Return: 0, or -EINVAL if not every page is RAM (nothing changed).
 */
int migctl_host_log_set(struct migctl_host_log *log, u64 gfn, u64 npages, bool private);

/** migctl_host_log_get() - 1 private, 0 shared, -EINVAL not RAM. */
int migctl_host_log_get(const struct migctl_host_log *log, u64 gfn);

/** migctl_host_log_count() - number of RAM pages with status @private. */
u64 migctl_host_log_count(const struct migctl_host_log *log, bool private);

/**
 * migctl_host_log_fetch_changed() - fetch and clear C of one region
 * @region: region index.
 * @bitmap: receives C, bit i = page (region start + i); bits past the
 *          region's end are 0.
 * @nwords: words in @bitmap, at least ceil(region pages / 64).
 *
 * A change made concurrently is either in @bitmap or in C for the next
 * fetch, never lost; in a race it may be reported by both, and a page
 * changed again while the fetch runs may move to the next fetch. Updaters
 * never wait; fetches of one region wait for each other. Time and memory
 * traffic are those of a copy of the region's C.
 *
 * Return: number of pages fetched, or -EINVAL.
 */
s64 migctl_host_log_fetch_changed(struct migctl_host_log *log, unsigned int region,
				  u64 *bitmap, size_t nwords);

/**
 * migctl_host_log_merge_changed() - fetch and clear C of one region, OR'ed in
 * @region: region index.
 * @bitmap: C is OR'ed into it, bit i = page (region start + i); other bits
 *          are left as they are.
 * @nwords: words in @bitmap, at least ceil(region pages / 64).
 *
 * As migctl_host_log_fetch_changed(), for a bitmap that already holds a
 * round's dirty pages (V-2).
 *
 * Return: number of pages fetched from C, or -EINVAL.
 */
s64 migctl_host_log_merge_changed(struct migctl_host_log *log, unsigned int region,
				  u64 *bitmap, size_t nwords);

/*
 * One pre-copy round sends every page some writer dirtied and every page
 * whose status changed (V-2). vCPUs are not the only writers: the VMM's
 * emulated devices, vhost and other back ends, and the VMM's own threads
 * write guest memory too, shared pages above all, and KVM's dirty log sees
 * none of them (V-13). The VMM describes each record of writes as a
 * source; migctl_host_round_collect() fetches all of them, then C.
 */
/* Sources one round may merge (KVM, vhost back ends, the VMM's devices). */
#define MIGCTL_HOST_ROUND_SOURCES_MAX	16

/**
 * struct migctl_host_dirty_source - one record of writes to guest memory
 * @fetch: OR the pages this source saw written in region @region into
 *         @bitmap (bit i = page region start + i, @nwords words) and clear
 *         them at the source before returning, so that a write after the
 *         clear is recorded again (V-14): KVM_GET_DIRTY_LOG, or with manual
 *         protect KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG; the dirty rings
 *         of every vCPU harvested and KVM_RESET_DIRTY_RINGS; a vhost log
 *         read and zeroed. Return 0 or -errno.
 * @arg: passed to @fetch.
 * @name: what it is, for the caller's messages.
 */
struct migctl_host_dirty_source {
	int (*fetch)(void *arg, unsigned int region, u64 *bitmap, size_t nwords);
	void *arg;
	const char *name;
};

/**
 * migctl_host_round_collect() - the pages one round sends from one region
 * @log: the status log.
 * @region: region index.
 * @src: every source of writes to this region's memory.
 * @nsrc: 1..MIGCTL_HOST_ROUND_SOURCES_MAX.
 * @send: the pages to send: every source's dirty pages and then C are
 *        OR'ed into it (pass zeros, or pages still pending).
 * @nwords: words in @send, at least ceil(region pages / 64).
 * @failed: if not NULL, set to the index of the source that failed.
 *
 * Fetches the sources in order, then C (V-2: the status read for a page
 * is at least as fresh as every write the round reports for it). The
 * caller then reads each page's status and contents and sends it; a write
 * or a change after the fetches is in the next round. In the final round,
 * call it only after the pause stopped every writer (V-3, V-13).
 *
 * Return: the pages set in @send, or -EINVAL, or the first source's error
 * (C not fetched then: its changes stay for the next round).
 */
s64 migctl_host_round_collect(struct migctl_host_log *log, unsigned int region,
			      const struct migctl_host_dirty_source *src, unsigned int nsrc,
			      u64 *send, size_t nwords, unsigned int *failed);

/**
 * migctl_host_log_next_run() - the next run of equal status
 * @gfn: in: where to start; out: first page of the run (first RAM page at
 *       or after the input).
 * @npages: out: length of the run; runs end at region ends.
 * @private: out: the run's status.
 *
 * Return: false when there is no RAM at or after @gfn.
 */
bool migctl_host_log_next_run(const struct migctl_host_log *log, u64 *gfn, u64 *npages,
			      bool *private);

/**
 * migctl_host_bitmap_next() - next bit equal to @set at or after @from
 * Return: its index, or @nbits if none.
 */
u64 migctl_host_bitmap_next(const u64 *map, u64 nbits, u64 from, bool set);

#endif /* MIGCTL_HOST_STATUSLOG_H */
