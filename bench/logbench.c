/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* logbench.c - the host's status log at scale: updates, fetch-and-clear, stream, memcpy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl-host.h"
#include "mem.h"
#include "stats.h"

/*
 * For each RAM size, the log of migctl-vmm's RAM layout (mem_layout():
 * the legacy hole and the 3..4 GiB hole) is created in-process and timed:
 * single-page and 2 MiB updates at random places, an update of all RAM,
 * fetch-and-clear of the changed set C (full and sparse), the stream
 * encoding of S and its decoding, and memcpy over as many bytes as C has,
 * in the same run, for the ratio. The scans, the model and memcpy each
 * start from cold caches (lb_evict()): otherwise whichever ran last on its
 * bytes wins, and at small sizes the ratio compared cache against memory.
 */

#define LB_UPDATES		200000
#define LB_UPDATES_2M		20000
#define LB_SPARSE_PER_GIB	256	/* changed pages per GiB for the sparse fetch */
#define LB_SHARED_EVERY		512	/* one shared run per 2 MiB ... */
#define LB_SHARED_LEN		16	/* ... of 16 pages (a typical DMA pool) */
#define LB_EVICT_BYTES		(64u << 20)	/* twice the largest last-level cache seen */

struct lb_layout {
	struct migctl_host_region ram[MEM_MAX_BANKS];
	unsigned int nr;
	u64 pages;
};

static u64 lb_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int lb_layout_of(u64 size, struct lb_layout *l)
{
	struct mem_bank banks[MEM_MAX_BANKS];
	int n = mem_layout(size, banks);

	if (n < 1)
		return -1;
	l->nr = n;
	l->pages = 0;
	for (int i = 0; i < n; i++) {
		l->ram[i] = (struct migctl_host_region){ banks[i].gpa, banks[i].size };
		l->pages += banks[i].size >> 12;
	}
	return 0;
}

/* The GFN of RAM page number @i (0 .. pages-1) across the banks. */
static u64 lb_gfn(const struct lb_layout *l, u64 i)
{
	for (unsigned int b = 0; b < l->nr; b++) {
		u64 n = l->ram[b].size >> 12;

		if (i < n)
			return (l->ram[b].gpa >> 12) + i;
		i -= n;
	}
	return 0;
}

/* Every figure of one RAM size. */
struct lb_size {
	u64 gib;
	u64 pages;
	size_t log_bytes;
	u64 c_bytes;		/* bytes of C: what a sync scan reads */
	struct stats create_ms, set1_ns, set2m_ns, setall_ms, fetch_full_ms, fetch_sparse_ms;
	struct stats memcpy_ms, model_sparse_ms, save_ms, load_ms;
	size_t stream_bytes;
	u64 stream_runs;
};

/*
 * Reads and writes every line of a buffer larger than the caches, so that
 * the next timed loop starts from memory. Not memset: for sizes like this
 * it uses non-temporal stores, which leave the caches as they were.
 */
static void lb_evict(void)
{
	static volatile u8 *buf;

	if (!buf)
		buf = calloc(1, LB_EVICT_BYTES);
	for (size_t i = 0; buf && i < LB_EVICT_BYTES; i += 64)
		buf[i]++;
}

/*
 * Each region into a bitmap of its own size, as migctl-vmm fetches a bank:
 * the scan then writes as many bytes as memcpy does. (Passing the largest
 * bank's size for every bank made the scan zero the rest of the bitmap
 * once per small bank, 64 MiB more at 1 TiB.)
 */
static double lb_fetch_all(struct migctl_host_log *log, u64 *bitmap)
{
	struct migctl_host_region reg;
	double t0;

	lb_evict();
	t0 = stats_cpu_ns();
	for (unsigned int r = 0; migctl_host_log_region(log, r, &reg); r++)
		migctl_host_log_fetch_changed(log, r, bitmap, ((reg.size >> 12) + 63) / 64);
	return (stats_cpu_ns() - t0) / 1e6;
}

/*
 * A model of a cheaper fetch for sparse C: read each word and exchange
 * only the non-zero ones. Not the library's code; it shows what the
 * sparse case could cost.
 */
static double lb_model_sparse(u64 *c, u64 *out, size_t nwords)
{
	double t0;

	lb_evict();
	t0 = stats_cpu_ns();
	for (size_t w = 0; w < nwords; w++) {
		u64 v = __atomic_load_n(&c[w], __ATOMIC_RELAXED);

		out[w] = v ? __atomic_exchange_n(&c[w], 0, __ATOMIC_ACQ_REL) : 0;
	}
	return (stats_cpu_ns() - t0) / 1e6;
}

static void lb_updates(struct migctl_host_log *log, const struct lb_layout *l, struct lb_size *z,
		       u64 *seed)
{
	double t0 = stats_cpu_ns();

	for (int i = 0; i < LB_UPDATES; i++)
		migctl_host_log_set(log, lb_gfn(l, lb_rand(seed) % l->pages), 1, i & 1);
	stats_add(&z->set1_ns, (stats_cpu_ns() - t0) / LB_UPDATES);
	t0 = stats_cpu_ns();
	for (int i = 0; i < LB_UPDATES_2M; i++) {
		u64 gfn = lb_gfn(l, lb_rand(seed) % l->pages) & ~511ull;

		migctl_host_log_set(log, gfn, 512, i & 1);	/* may fail in a hole: cheap */
	}
	stats_add(&z->set2m_ns, (stats_cpu_ns() - t0) / LB_UPDATES_2M);
	t0 = stats_cpu_ns();
	for (unsigned int b = 0; b < l->nr; b++)
		migctl_host_log_set(log, l->ram[b].gpa >> 12, l->ram[b].size >> 12, true);
	stats_add(&z->setall_ms, (stats_cpu_ns() - t0) / 1e6);
}

static size_t lb_max_words(const struct lb_layout *l)
{
	size_t m = 0;

	for (unsigned int b = 0; b < l->nr; b++) {
		size_t w = ((l->ram[b].size >> 12) + 63) / 64;

		m = w > m ? w : m;
	}
	return m;
}

/* C full (after the all-RAM update) and sparse; memcpy and the model over C's bytes. */
static void lb_fetches(struct migctl_host_log *log, const struct lb_layout *l, struct lb_size *z,
		       u64 *seed)
{
	size_t nwords = lb_max_words(l), cwords = z->c_bytes / 8;
	u64 *bitmap = malloc(nwords * 8), *src = malloc(z->c_bytes), *dst = malloc(z->c_bytes);
	u64 sparse = LB_SPARSE_PER_GIB * z->gib;
	double t0;

	/*
	 * Non-zero fills, so that no page of either output is first touched in
	 * a timed loop (the compiler turns malloc + memset 0 into calloc, and
	 * the scan then took a page fault per 4 KiB of its bitmap).
	 */
	memset(bitmap, 0xa5, nwords * 8);
	memset(src, 0, z->c_bytes);
	memset(dst, 1, z->c_bytes);
	stats_add(&z->fetch_full_ms, lb_fetch_all(log, bitmap));
	for (u64 i = 0; i < sparse; i++)
		migctl_host_log_set(log, lb_gfn(l, lb_rand(seed) % l->pages), 1, true);
	stats_add(&z->fetch_sparse_ms, lb_fetch_all(log, bitmap));
	for (u64 i = 0; i < sparse; i++)
		src[lb_rand(seed) % cwords] |= 1ull << (lb_rand(seed) % 64);
	stats_add(&z->model_sparse_ms, lb_model_sparse(src, dst, cwords));
	lb_evict();
	t0 = stats_cpu_ns();
	memcpy(dst, src, z->c_bytes);
	stats_add(&z->memcpy_ms, (stats_cpu_ns() - t0) / 1e6);
	/* Keep the copy observable so that it is not optimised away. */
	if (((volatile u64 *)dst)[cwords / 2] == 0x5a5a5a5a5a5a5a5aull)
		fputs("", stderr);
	free(bitmap);
	free(src);
	free(dst);
}

/* Stream S with one 16-page shared run per 2 MiB; decode into a fresh log. */
static int lb_stream(struct migctl_host_log *log, const struct lb_layout *l, struct lb_size *z)
{
	struct migctl_host_log *dst;
	size_t len, used;
	void *buf;
	double t0;
	int ret;

	for (unsigned int b = 0; b < l->nr; b++) {
		u64 gfn = l->ram[b].gpa >> 12, end = gfn + (l->ram[b].size >> 12);

		migctl_host_log_set(log, gfn, end - gfn, true);
		for (u64 g = (gfn + LB_SHARED_EVERY - 1) & ~(u64)(LB_SHARED_EVERY - 1);
		     g + LB_SHARED_LEN <= end; g += LB_SHARED_EVERY)
			migctl_host_log_set(log, g, LB_SHARED_LEN, false);
	}
	len = migctl_host_log_stream_size(log);
	buf = malloc(len);
	if (!buf || migctl_host_log_create(l->ram, l->nr, true, &dst)) {
		free(buf);
		return -1;
	}
	t0 = stats_cpu_ns();
	ret = migctl_host_log_save(log, buf, len, &used);
	stats_add(&z->save_ms, (stats_cpu_ns() - t0) / 1e6);
	t0 = stats_cpu_ns();
	if (!ret)
		ret = migctl_host_log_load(dst, buf, used);
	stats_add(&z->load_ms, (stats_cpu_ns() - t0) / 1e6);
	z->stream_bytes = used;
	z->stream_runs = (used - MIGCTL_HOST_LOG_STREAM_HDR - MIGCTL_HOST_LOG_STREAM_TRAILER) /
			 MIGCTL_HOST_LOG_STREAM_RUN;
	migctl_host_log_destroy(dst);
	free(buf);
	return ret;
}

static int lb_round(const struct lb_layout *l, struct lb_size *z, u64 *seed)
{
	struct migctl_host_log *log;
	double t0 = stats_cpu_ns();
	int ret;

	if (migctl_host_log_create(l->ram, l->nr, true, &log))
		return -1;
	stats_add(&z->create_ms, (stats_cpu_ns() - t0) / 1e6);
	z->log_bytes = migctl_host_log_bytes(log);
	lb_updates(log, l, z, seed);
	lb_fetches(log, l, z, seed);
	ret = lb_stream(log, l, z);
	migctl_host_log_destroy(log);
	return ret;
}

static void lb_print(FILE *f, const struct lb_size *z, const char *sep)
{
	double gb = z->c_bytes / 1e9;

	fprintf(f, "    {\"ram_gib\": %llu, \"ram_pages\": %llu, \"log_bytes\": %zu, "
		"\"log_bytes_per_gib\": %.1f, \"log_bits_per_page\": %.4f, \"c_bytes\": %llu, "
		"\"stream_bytes\": %zu, \"stream_runs\": %llu,\n     ",
		(unsigned long long)z->gib, (unsigned long long)z->pages, z->log_bytes,
		(double)z->log_bytes / z->gib, z->log_bytes * 8.0 / z->pages,
		(unsigned long long)z->c_bytes, z->stream_bytes, (unsigned long long)z->stream_runs);
	fprintf(f, "\"fetch_full_gbps\": %.4g, \"fetch_sparse_gbps\": %.4g, \"memcpy_gbps\": %.4g, "
		"\"model_sparse_gbps\": %.4g,\n     ", gb / (stats_median(&z->fetch_full_ms) / 1e3),
		gb / (stats_median(&z->fetch_sparse_ms) / 1e3),
		gb / (stats_median(&z->memcpy_ms) / 1e3),
		gb / (stats_median(&z->model_sparse_ms) / 1e3));
	fprintf(f, "\"scan_over_memcpy_full\": %.4g, \"scan_over_memcpy_sparse\": %.4g, "
		"\"model_over_memcpy_sparse\": %.4g,\n     ",
		stats_median(&z->memcpy_ms) / stats_median(&z->fetch_full_ms),
		stats_median(&z->memcpy_ms) / stats_median(&z->fetch_sparse_ms),
		stats_median(&z->memcpy_ms) / stats_median(&z->model_sparse_ms));
	stats_json(f, "create_ms", &z->create_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "set_1page_ns", &z->set1_ns);
	fprintf(f, ",\n     ");
	stats_json(f, "set_2mib_ns", &z->set2m_ns);
	fprintf(f, ",\n     ");
	stats_json(f, "set_all_ram_ms", &z->setall_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "fetch_full_ms", &z->fetch_full_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "fetch_sparse_ms", &z->fetch_sparse_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "model_sparse_ms", &z->model_sparse_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "memcpy_ms", &z->memcpy_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "save_ms", &z->save_ms);
	fprintf(f, ",\n     ");
	stats_json(f, "load_ms", &z->load_ms);
	fprintf(f, "}%s\n", sep);
}

int main(int argc, char **argv)
{
	static const u64 sizes_gib[] = { 1, 4, 16, 64, 256, 1024 };
	const int nsizes = sizeof(sizes_gib) / sizeof(sizes_gib[0]);
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	u64 seed = 0x2545f4914f6cdd1dull;

	if (rounds < 1 || rounds > STATS_MAX_SAMPLES) {
		fprintf(stderr, "usage: logbench [ROUNDS]\n");
		return 2;
	}
	printf("{\n  \"sparse_changed_per_gib\": %d, \"shared_run\": {\"every_pages\": %d, "
	       "\"len_pages\": %d},\n  \"sizes\": [\n", LB_SPARSE_PER_GIB, LB_SHARED_EVERY,
	       LB_SHARED_LEN);
	for (int s = 0; s < nsizes; s++) {
		struct lb_size *z = calloc(1, sizeof(*z));
		struct lb_layout l;

		if (!z || lb_layout_of(sizes_gib[s] << 30, &l))
			return 1;
		z->gib = sizes_gib[s];
		z->pages = l.pages;
		for (unsigned int b = 0; b < l.nr; b++)
			z->c_bytes += (((l.ram[b].size >> 12) + 63) / 64) * 8;
		for (int r = 0; r < rounds; r++)
			if (lb_round(&l, z, &seed)) {
				fprintf(stderr, "logbench: %llu GiB failed\n",
					(unsigned long long)z->gib);
				return 1;
			}
		lb_print(stdout, z, s + 1 < nsizes ? "," : "");
		fflush(stdout);
		free(z);
	}
	printf("  ]\n}\n");
	return 0;
}
