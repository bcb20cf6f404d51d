/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_test_util.c - shared fixtures of the host library tests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_test_util.h"

const struct migctl_host_region ht_holey[HT_NR_HOLEY] = {
	{ 0, 0xa0000 },
	{ HT_MIB, 2 * HT_GIB - HT_MIB },
	{ 4 * HT_GIB, HT_GIB },
	{ 5 * HT_GIB, HT_GIB },
	{ HT_PHYS_TOP - 2 * HT_MIB, 2 * HT_MIB },
};

int ht_guest_read(void *arg, gpa_t gpa, void *buf, size_t len)
{
	struct ht_guest *g = arg;

	g->reads++;
	if (g->fail)
		return g->fail;
	if (gpa != HT_LIST_GPA || len > sizeof(g->page))
		return -EFAULT;
	memcpy(buf, g->page, len);
	if (g->after_copy)
		g->after_copy(g);
	return 0;
}

void ht_list_set(struct ht_guest *g, unsigned int i, u64 gpa, u64 npages, u64 attrs)
{
	struct migctl_list_entry e = { gpa | attrs, npages };

	memcpy(g->page + i * sizeof(e), &e, sizeof(e));
}

u64 ht_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

u64 ht_rand_below(u64 *state, u64 n)
{
	return ht_rand(state) % n;
}

void ht_config(struct migctl_host_config *cfg, u32 min, u32 max, u32 features,
	       bool hypercall, struct ht_guest *g)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_version = min;
	cfg->max_version = max;
	cfg->features = features;
	cfg->hypercall = hypercall;
	cfg->encrypted = true;
	cfg->ram = ht_holey;
	cfg->nr_ram = HT_NR_HOLEY;
	if (g) {
		cfg->mem.read = ht_guest_read;
		cfg->mem.arg = g;
	}
}

u8 *ht_log_snapshot(const struct migctl_host_log *log, size_t *len)
{
	size_t need = migctl_host_log_stream_size(log);
	u8 *buf = malloc(need);

	if (!buf || migctl_host_log_save(log, buf, need, len)) {
		free(buf);
		return NULL;
	}
	return buf;
}

u64 ht_log_drain_changed(struct migctl_host_log *log)
{
	struct migctl_host_region r;
	u64 total = 0;
	unsigned int i;

	for (i = 0; migctl_host_log_region(log, i, &r); i++) {
		size_t nwords = (r.size / 4096 + 63) / 64;
		u64 *map = calloc(nwords, sizeof(u64));
		s64 n;

		if (!map)
			abort();
		n = migctl_host_log_fetch_changed(log, i, map, nwords);
		if (n < 0)
			abort();
		total += (u64)n;
		free(map);
	}
	return total;
}
