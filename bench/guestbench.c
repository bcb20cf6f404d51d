/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guestbench.c - the guest library in-process: coalescing and the cost of a call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl-guest.h"
#include "simplat.h"
#include "stats.h"

/*
 * Two measurements of the guest library against struct simplat (free,
 * counting exits): how many host calls a conversion pattern costs
 * (coalescing), and what one status change costs the guest in
 * each protocol state when the exit itself is free.
 */

#define GB_REGION_GPA		(1ull << 30)
#define GB_REGION_PAGES		65536ull	/* 256 MiB */
#define GB_RAM_PAGES		(4ull << 18)	/* 4 GiB of RAM from 0 */
#define GB_RUNS			4096
#define GB_RUN_MAX		64

struct gb_guest {
	struct simplat *sp;
	struct migctl_guest_ops ops;
	struct migctl_guest g;
};

/* Boot the library against a fresh simulated host: discover, reset, opt in. */
static int gb_boot(struct gb_guest *gg, enum simplat_host host)
{
	struct migctl_guest_range ram = { 0, GB_RAM_PAGES };
	struct migctl_guest_range list = { SIMPLAT_LIST_GPA, 1 };
	int ret;

	simplat_init(gg->sp, host, &gg->ops);
	ret = migctl_guest_init(&gg->g, &gg->ops, 0);
	if (!ret && simplat_has_list(host))
		ret = migctl_guest_set_list_page(&gg->g, gg->sp->list, SIMPLAT_LIST_GPA);
	if (ret)
		return ret;
	ret = migctl_guest_discover(&gg->g);
	if (ret)
		return host == SIMPLAT_OFF ? 0 : ret;
	return migctl_guest_boot_reset(&gg->g, &ram, 1, &list, 1);
}

/* A conversion pattern: ranges in the order the guest converts them. */
struct gb_pattern {
	const char *name;
	const char *what;
	struct migctl_guest_range *r;
	u32 n;
	u64 pages;	/* pages converted: the sum of the ranges' lengths */
	u64 distinct;	/* distinct pages among them */
};

static u64 gb_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void gb_add(struct gb_pattern *p, u64 first, u64 npages)
{
	p->r[p->n++] = (struct migctl_guest_range){ GB_REGION_GPA + (first << 12), npages };
}

/* Count distinct pages: ranges may overlap in the random-runs pattern. */
static u64 gb_distinct(const struct gb_pattern *p)
{
	u8 *seen = calloc(GB_REGION_PAGES, 1);
	u64 n = 0;

	for (u32 i = 0; seen && i < p->n; i++)
		for (u64 j = 0; j < p->r[i].npages; j++) {
			u64 pg = ((p->r[i].gpa - GB_REGION_GPA) >> 12) + j;

			n += !seen[pg];
			seen[pg] = 1;
		}
	free(seen);
	return n;
}

static struct gb_pattern *gb_new(struct gb_pattern *pt, int *k, const char *name,
				 const char *what)
{
	struct gb_pattern *p = &pt[(*k)++];

	*p = (struct gb_pattern){ .name = name, .what = what,
				  .r = malloc(GB_REGION_PAGES * sizeof(p->r[0])) };
	if (!p->r)
		abort();
	return p;
}

static void gb_shuffle(u64 *perm, u64 n, u64 *seed)
{
	for (u64 i = 0; i < n; i++)
		perm[i] = i;
	for (u64 i = n - 1; i > 0; i--) {
		u64 j = gb_rand(seed) % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
}

static void gb_make_patterns(struct gb_pattern *pt, int *np)
{
	u64 seed = 0x9e3779b97f4a7c15ull;
	u64 *perm = malloc(GB_REGION_PAGES * sizeof(*perm));
	struct gb_pattern *p;
	int k = 0;

	p = gb_new(pt, &k, "contiguous_pages", "256 MiB page by page, ascending");
	for (u64 i = 0; i < GB_REGION_PAGES; i++)
		gb_add(p, i, 1);
	p = gb_new(pt, &k, "contiguous_range", "256 MiB as one range");
	gb_add(p, 0, GB_REGION_PAGES);
	p = gb_new(pt, &k, "strided_2", "every second page, ascending");
	for (u64 i = 0; i < GB_REGION_PAGES; i += 2)
		gb_add(p, i, 1);
	p = gb_new(pt, &k, "strided_8of16", "8-page runs every 16 pages, page by page");
	for (u64 i = 0; i < GB_REGION_PAGES; i++)
		if ((i & 15) < 8)
			gb_add(p, i, 1);
	p = gb_new(pt, &k, "random_pages", "half of the pages, one by one, random order");
	gb_shuffle(perm, GB_REGION_PAGES, &seed);
	for (u64 i = 0; i < GB_REGION_PAGES / 2; i++)
		gb_add(p, perm[i], 1);
	p = gb_new(pt, &k, "random_runs", "4096 runs of 1..64 pages at random places");
	for (int i = 0; i < GB_RUNS; i++) {
		u64 len = 1 + gb_rand(&seed) % GB_RUN_MAX;

		gb_add(p, gb_rand(&seed) % (GB_REGION_PAGES - len), len);
	}
	*np = k;
	for (int i = 0; i < k; i++) {
		for (u32 j = 0; j < pt[i].n; j++)
			pt[i].pages += pt[i].r[j].npages;
		pt[i].distinct = gb_distinct(&pt[i]);
	}
	free(perm);
}

#define GB_API_BATCH	0	/* migctl_guest_batch_add() per range, one flush */
#define GB_API_DIRECT	1	/* migctl_guest_set_status() per range */

/* Convert @p to shared on a fresh @host; one JSON row. */
static int gb_coalesce(FILE *f, struct gb_guest *gg, const struct gb_pattern *p,
		       enum simplat_host host, int api, const char *sep)
{
	struct migctl_guest_batch b;
	u64 calls0, lists0, pages0;
	int ret = gb_boot(gg, host);

	if (ret)
		return ret;
	calls0 = gg->sp->calls, lists0 = gg->sp->list_calls, pages0 = gg->sp->pages;
	migctl_guest_batch_init(&b);
	for (u32 i = 0; !ret && i < p->n; i++)
		ret = api == GB_API_BATCH ?
		      migctl_guest_batch_add(&gg->g, &b, p->r[i].gpa, p->r[i].npages, false) :
		      migctl_guest_set_status(&gg->g, p->r[i].gpa, p->r[i].npages, false);
	if (!ret && api == GB_API_BATCH)
		ret = migctl_guest_batch_flush(&gg->g, &b);
	if (ret)
		return ret;
	fprintf(f, "    {\"pattern\": \"%s\", \"what\": \"%s\", \"host\": \"%s\", \"api\": \"%s\", "
		"\"requests\": %u, \"pages\": %llu, \"distinct_pages\": %llu, "
		"\"host_calls\": %llu, \"list_calls\": %llu, "
		"\"pages_notified\": %llu, \"calls_per_page\": %.6g, "
		"\"per_page_baseline_calls\": %llu, \"ratio_to_per_page\": %.6g}%s\n",
		p->name, p->what, simplat_name(host), api == GB_API_BATCH ? "batch" : "direct",
		p->n, (unsigned long long)p->pages, (unsigned long long)p->distinct,
		(unsigned long long)(gg->sp->calls - calls0),
		(unsigned long long)(gg->sp->list_calls - lists0),
		(unsigned long long)(gg->sp->pages - pages0),
		(double)(gg->sp->calls - calls0) / (double)p->pages,
		(unsigned long long)p->pages,
		(double)(gg->sp->calls - calls0) / (double)p->pages, sep);
	return 0;
}

static int gb_coalescing(FILE *f, struct gb_guest *gg)
{
	static const enum simplat_host hosts[] = {
		SIMPLAT_V1, SIMPLAT_V2_MSR, SIMPLAT_V2_MSR_LIST, SIMPLAT_V2_HC_LIST,
	};
	struct gb_pattern pt[8];
	int np, ret = 0;

	gb_make_patterns(pt, &np);
	fprintf(f, "  \"coalescing\": [\n");
	for (int i = 0; !ret && i < np; i++) {
		for (size_t h = 0; !ret && h < sizeof(hosts) / sizeof(hosts[0]); h++)
			ret = gb_coalesce(f, gg, &pt[i], hosts[h], GB_API_BATCH, ",");
		for (size_t h = 0; !ret && h < 2; h++)
			ret = gb_coalesce(f, gg, &pt[i], hosts[h], GB_API_DIRECT,
					  i + 1 == np && h == 1 ? "" : ",");
	}
	fprintf(f, "  ],\n");
	for (int i = 0; i < np; i++)
		free(pt[i].r);
	return ret;
}

/* What the embedder calls when the protocol is compiled out: a no-op hook. */
static int gb_nop_hook(struct migctl_guest *g, gpa_t gpa, u64 npages, bool encrypted)
{
	__asm__ volatile("" ::: "memory");
	return 0;
}

struct gb_mode {
	const char *name;
	const char *what;
	enum simplat_host host;
	bool opt_out;
	bool nop;
};

/* What one mode measured. */
struct gb_measure {
	struct stats ns;
	u64 calls_per_iter_x1000;
	u64 elided;
};

static const struct gb_mode gb_modes[] = {
	{ .name = "on_msr", .what = "READY, v2, MSR transport", .host = SIMPLAT_V2_MSR },
	{ .name = "on_hypercall", .what = "READY, v1, hypercall", .host = SIMPLAT_V1 },
	{ .name = "opted_out", .what = "v2 after opt-out (suspend): still notifies",
	  .host = SIMPLAT_V2_MSR, .opt_out = true },
	{ .name = "elided", .what = "host offers nothing: library elides",
	  .host = SIMPLAT_OFF },
	{ .name = "off", .what = "library not called: a no-op hook",
	  .host = SIMPLAT_OFF, .nop = true },
};

#define GB_NR_MODES	(sizeof(gb_modes) / sizeof(gb_modes[0]))
#define GB_ITERS	2000000ull

static int gb_time_mode(struct gb_guest *gg, const struct gb_mode *m, struct gb_measure *out)
{
	int (*volatile call)(struct migctl_guest *, gpa_t, u64, bool) =
		m->nop ? gb_nop_hook : migctl_guest_set_status;
	struct migctl_guest_counters c;
	u64 calls0;
	double t0, t1;
	int ret = gb_boot(gg, m->host);

	if (!ret && m->opt_out)
		ret = migctl_guest_opt_out(&gg->g, MIGCTL_GUEST_OUT_SUSPEND);
	if (ret)
		return ret;
	calls0 = gg->sp->calls;
	t0 = stats_cpu_ns();
	for (u64 i = 0; i < GB_ITERS; i++)
		ret |= call(&gg->g, GB_REGION_GPA + ((i & 255) << 12), 1, i & 1);
	t1 = stats_cpu_ns();
	if (ret)
		return ret;
	migctl_guest_counters(&gg->g, &c);
	stats_add(&out->ns, (t1 - t0) / GB_ITERS);
	out->calls_per_iter_x1000 = (gg->sp->calls - calls0) * 1000 / GB_ITERS;
	out->elided = c.elided;
	return 0;
}

static int gb_cost(FILE *f, struct gb_guest *gg, int rounds)
{
	struct gb_measure cost[GB_NR_MODES] = { 0 };

	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < GB_NR_MODES; i++)
			if (gb_time_mode(gg, &gb_modes[i], &cost[i]))
				return -1;
	fprintf(f, "  \"guest_cost\": {\n    \"iters\": %llu,\n", GB_ITERS);
	for (size_t i = 0; i < GB_NR_MODES; i++) {
		const struct gb_mode *m = &gb_modes[i];
		const struct gb_measure *c = &cost[i];

		fprintf(f, "    \"%s\": {\"what\": \"%s\", \"host_calls_per_iter\": %.3f, "
			"\"elided\": %llu, ", m->name, m->what, c->calls_per_iter_x1000 / 1000.0,
			(unsigned long long)c->elided);
		stats_json(f, "ns_per_call", &c->ns);
		fprintf(f, "}%s\n", i + 1 < GB_NR_MODES ? "," : "");
	}
	fprintf(f, "  }\n");
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	struct gb_guest gg;
	int ret;

	if (rounds < 1 || rounds > STATS_MAX_SAMPLES) {
		fprintf(stderr, "usage: guestbench [ROUNDS]\n");
		return 2;
	}
	gg.sp = aligned_alloc(4096, (sizeof(*gg.sp) + 4095) & ~4095ul);
	if (!gg.sp)
		return 1;
	printf("{\n");
	ret = gb_coalescing(stdout, &gg);
	if (!ret)
		ret = gb_cost(stdout, &gg, rounds);
	printf("}\n");
	free(gg.sp);
	if (ret)
		fprintf(stderr, "guestbench: the guest library failed: %d\n", ret);
	return ret ? 1 : 0;
}
