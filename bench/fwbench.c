/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* fwbench.c - sev-sim firmware path per page: export, import, both ends over loopback TCP. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/channel.h"
#include "migrate/sevsim.h"
#include "migrate/stream.h"
#include "stats.h"

/*
 * A private page inside the sev-sim window goes, on the source, through
 * sevsim_fw_export() (decrypt under the VM's K, seal under the transport
 * key) and, on the destination, through sevsim_fw_import() (open, encrypt
 * under the new K'). Per round this program times, over the same FB_PAGES
 * pages of random guest memory:
 *
 *   export, import  one thread each in turn: CPU ns per page
 *   path            the source thread exports and writes the sealed pages
 *                   to a tcp: channel on 127.0.0.1 in 1 MiB writes while
 *                   the destination (this thread) reads and imports them:
 *                   guest bytes per wall-clock second, and each side's CPU
 *                   ns per page. Both ends run at once, as in a migration
 *                   on one machine, one thread each (as migctl-vmm's send
 *                   and receive loops are).
 *   raw             the same pipeline with the pages copied as they are
 *                   (what a RAW page costs), in the same round, for the
 *                   ratio path / raw.
 *
 * "GB/s on 2 cores by CPU" is 2 * 4096 bytes over the CPU both ends spend
 * per page: what the path moves when it has both cores to itself, which a
 * shared machine's wall clock does not show. Usage: fwbench [ROUNDS [MIB]].
 */

#define FB_CHUNK	(1u << 20)
#define FB_PER_CHUNK	(FB_CHUNK / MIGCTL_SEALED_PAGE_BYTES)

struct fb_ctx {
	u8 key[MIGCTL_SEVSIM_KEY_BYTES], key2[MIGCTL_SEVSIM_KEY_BYTES];
	u8 tkey[MIGCTL_STREAM_KEY_BYTES];
	u8 *src, *dst;		/* guest memory of the two ends */
	u64 pages;
	bool raw;
	struct migrate_uri uri;
	double src_cpu_ns;
	int ret;
};

static u64 fb_gfn(u64 i)
{
	return 0x100 + i;	/* from 1 MiB, inside a window that starts at 0 */
}

static void *fb_source(void *arg)
{
	struct fb_ctx *c = arg;
	size_t per = c->raw ? FB_CHUNK / 4096 : FB_PER_CHUNK;
	size_t bytes = c->raw ? 4096 : MIGCTL_SEALED_PAGE_BYTES;
	u8 *chunk = malloc(FB_CHUNK);
	double t0 = stats_cpu_ns();
	char err[256] = "";
	int fd = migrate_chan_connect(&c->uri, 5000, err, sizeof(err));
	const struct migrate_io *io;
	void *ctx;

	c->ret = fd < 0 || !chunk ? -EIO : 0;
	io = migrate_chan_io(fd, NULL, &ctx);
	for (u64 i = 0; !c->ret && i < c->pages;) {
		size_t n = 0, off = 0;

		for (; n < per && i < c->pages; n++, i++) {
			const u8 *page = c->src + i * 4096;

			if (c->raw)
				memcpy(chunk + n * bytes, page, 4096);
			else if (sevsim_fw_export(c->key, c->tkey, fb_gfn(i), 1, page,
						  chunk + n * bytes))
				c->ret = -EIO;
		}
		while (!c->ret && off < n * bytes) {
			ssize_t w = io->write(ctx, chunk + off, n * bytes - off);

			if (w <= 0)
				c->ret = w ? (int)w : -EIO;
			else
				off += (size_t)w;
		}
	}
	if (c->ret)
		fprintf(stderr, "fwbench: source: %s\n", err[0] ? err : strerror(-c->ret));
	c->src_cpu_ns = stats_cpu_ns() - t0;
	if (fd >= 0)
		close(fd);
	free(chunk);
	return NULL;
}

/* Reads whole pages from @ctx into @buf: up to @max of @bytes each. */
static ssize_t fb_read_pages(const struct migrate_io *io, void *ctx, u8 *buf, size_t bytes,
			     size_t max)
{
	size_t got = 0;

	while (got == 0 || got % bytes) {
		ssize_t n = io->read(ctx, buf + got, bytes * max - got);

		if (n <= 0)
			return n ? n : (got ? -ENODATA : 0);
		got += (size_t)n;
	}
	return (ssize_t)(got / bytes);
}

/* One pipelined transfer; wall and CPU ns of each side. */
static int fb_path(struct fb_ctx *c, u8 *chunk, double *wall, double *src, double *dst)
{
	size_t bytes = c->raw ? 4096 : MIGCTL_SEALED_PAGE_BYTES;
	size_t per = c->raw ? FB_CHUNK / 4096 : FB_PER_CHUNK;
	double t0 = stats_now_ns(), c0 = stats_cpu_ns();
	const struct migrate_io *io;
	char err[256] = "";
	u64 i = 0;
	pthread_t t;
	void *ctx;
	int lfd, fd, ret;

	c->uri = (struct migrate_uri){ .kind = MIGRATE_URI_TCP, .host = "127.0.0.1" };
	lfd = migrate_chan_listen(&c->uri, err, sizeof(err));
	if (lfd < 0 || (ret = migrate_chan_local_port(lfd)) < 0) {
		fprintf(stderr, "fwbench: listen: %s\n", err);
		return -1;
	}
	c->uri.port = (u16)ret;
	if (pthread_create(&t, NULL, fb_source, c))
		return -1;
	fd = migrate_chan_accept(lfd, 5000, err, sizeof(err));
	close(lfd);
	ret = fd < 0 ? fd : 0;
	io = migrate_chan_io(fd, NULL, &ctx);
	while (!ret && i < c->pages) {
		ssize_t n = fb_read_pages(io, ctx, chunk, bytes, per);

		if (n <= 0 || (u64)n > c->pages - i) {
			ret = n < 0 ? (int)n : -EPROTO;
			break;
		}
		for (ssize_t k = 0; k < n && !ret; k++, i++) {
			u8 *page = c->dst + i * 4096;

			if (c->raw)
				memcpy(page, chunk + k * bytes, 4096);
			else
				ret = sevsim_fw_import(c->key2, c->tkey, fb_gfn(i), 1,
						       chunk + k * bytes, page);
		}
	}
	*dst = stats_cpu_ns() - c0;
	*wall = stats_now_ns() - t0;
	if (ret)
		fprintf(stderr, "fwbench: destination: %s\n", strerror(-ret));
	if (fd >= 0)
		close(fd);
	pthread_join(t, NULL);
	*src = c->src_cpu_ns;
	return ret || c->ret ? -1 : 0;
}

/* The destination must hold the source's plaintext under K': checks one page in 64. */
static int fb_verify(const struct fb_ctx *c)
{
	u8 a[4096], b[4096];

	for (u64 i = 0; i < c->pages; i += 64) {
		memcpy(a, c->src + i * 4096, 4096);
		memcpy(b, c->dst + i * 4096, 4096);
		sevsim_prf_page_xor(c->key, fb_gfn(i) << 12, a);
		sevsim_prf_page_xor(c->key2, fb_gfn(i) << 12, b);
		if (memcmp(a, b, 4096))
			return -1;
	}
	return 0;
}

struct fb_figures {
	struct stats export_ns, import_ns, path_gbps, path_src_ns, path_dst_ns, path_cpu_gbps;
	struct stats raw_gbps, raw_src_ns, raw_dst_ns, path_over_raw;
};

/* Export cost alone: CPU ns per page. */
static double fb_export_each(struct fb_ctx *c, u8 *sealed)
{
	double t0 = stats_cpu_ns();

	for (u64 i = 0; i < c->pages; i++)
		if (sevsim_fw_export(c->key, c->tkey, fb_gfn(i), 1, c->src + i * 4096,
				     sealed + (i % FB_PER_CHUNK) * MIGCTL_SEALED_PAGE_BYTES))
			return -1;
	return (stats_cpu_ns() - t0) / c->pages;
}

/* Import cost alone: seal a batch untimed, then open it timed. */
static double fb_import_each(struct fb_ctx *c, u8 *sealed)
{
	double ns = 0;

	for (u64 i = 0; i < c->pages; i += FB_PER_CHUNK) {
		u64 n = c->pages - i < FB_PER_CHUNK ? c->pages - i : FB_PER_CHUNK;
		double t0;

		for (u64 k = 0; k < n; k++)
			if (sevsim_fw_export(c->key, c->tkey, fb_gfn(i + k), 1,
					     c->src + (i + k) * 4096,
					     sealed + k * MIGCTL_SEALED_PAGE_BYTES))
				return -1;
		t0 = stats_cpu_ns();
		for (u64 k = 0; k < n; k++)
			if (sevsim_fw_import(c->key2, c->tkey, fb_gfn(i + k), 1,
					     sealed + k * MIGCTL_SEALED_PAGE_BYTES,
					     c->dst + (i + k) * 4096))
				return -1;
		ns += stats_cpu_ns() - t0;
	}
	return ns / c->pages;
}

static int fb_round(struct fb_ctx *c, u8 *chunk, struct fb_figures *f)
{
	double wall, s, d, e = fb_export_each(c, chunk), im = fb_import_each(c, chunk);
	double gb = c->pages * 4096.0, path_wall;

	if (e < 0 || im < 0 || fb_verify(c))
		return -1;
	stats_add(&f->export_ns, e);
	stats_add(&f->import_ns, im);
	memset(c->dst, 0, c->pages * 4096);
	c->raw = false;
	if (fb_path(c, chunk, &wall, &s, &d) || fb_verify(c))
		return -1;
	path_wall = wall;
	stats_add(&f->path_gbps, gb / wall);
	stats_add(&f->path_src_ns, s / c->pages);
	stats_add(&f->path_dst_ns, d / c->pages);
	stats_add(&f->path_cpu_gbps, 2 * gb / (s + d));
	c->raw = true;
	if (fb_path(c, chunk, &wall, &s, &d) || memcmp(c->src, c->dst, c->pages * 4096))
		return -1;
	stats_add(&f->raw_gbps, gb / wall);
	stats_add(&f->raw_src_ns, s / c->pages);
	stats_add(&f->raw_dst_ns, d / c->pages);
	stats_add(&f->path_over_raw, path_wall / wall);
	return 0;
}

static void fb_print(const struct fb_figures *f)
{
	const struct { const char *name; const struct stats *s; } rows[] = {
		{ "export_ns_per_page", &f->export_ns },
		{ "import_ns_per_page", &f->import_ns },
		{ "path_gbps", &f->path_gbps },
		{ "path_source_cpu_ns_per_page", &f->path_src_ns },
		{ "path_destination_cpu_ns_per_page", &f->path_dst_ns },
		{ "path_gbps_2_cores_by_cpu", &f->path_cpu_gbps },
		{ "raw_gbps", &f->raw_gbps },
		{ "raw_source_cpu_ns_per_page", &f->raw_src_ns },
		{ "raw_destination_cpu_ns_per_page", &f->raw_dst_ns },
		{ "path_time_over_raw", &f->path_over_raw },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		printf(",\n ");
		stats_json(stdout, rows[i].name, rows[i].s);
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	unsigned int mib = argc > 2 ? (unsigned int)atoi(argv[2]) : 64;
	struct fb_figures *f = calloc(1, sizeof(*f));
	struct fb_ctx c = { .pages = (u64)mib << 8 };
	u8 *chunk = malloc(FB_CHUNK);

	if (rounds < 1 || rounds > STATS_MAX_SAMPLES || !mib || mib > 4096) {
		fprintf(stderr, "usage: fwbench [ROUNDS [MIB]] (ROUNDS 1..%d, MIB 1..4096)\n",
			STATS_MAX_SAMPLES);
		return 2;
	}
	c.src = malloc(c.pages * 4096);
	c.dst = malloc(c.pages * 4096);
	if (!f || !chunk || !c.src || !c.dst || sevsim_init() || sevsim_key_generate(c.key) ||
	    sevsim_key_generate(c.key2) || sevsim_key_generate(c.tkey) ||
	    sevsim_key_generate(c.src) < 0)
		return 1;
	/* Guest memory: ciphertext under K, which looks like random bytes. */
	for (u64 i = 0; i < c.pages * 4096; i += MIGCTL_SEVSIM_KEY_BYTES)
		memcpy(c.src + i, c.key2, MIGCTL_SEVSIM_KEY_BYTES);
	for (u64 i = 0; i < c.pages; i++)
		sevsim_prf_page_xor(c.key, fb_gfn(i) << 12, c.src + i * 4096);
	for (int r = 0; r < rounds; r++)
		if (fb_round(&c, chunk, f)) {
			fprintf(stderr, "fwbench: round %d failed\n", r);
			return 1;
		}
	printf("{\"pages\": %llu, \"page_bytes\": 4096, \"sealed_bytes\": %u, "
	       "\"transport\": \"tcp:127.0.0.1\", \"threads_per_side\": 1",
	       (unsigned long long)c.pages, MIGCTL_SEALED_PAGE_BYTES);
	fb_print(f);
	printf("}\n");
	free(c.src);
	free(c.dst);
	free(chunk);
	free(f);
	return 0;
}
