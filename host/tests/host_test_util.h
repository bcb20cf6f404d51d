/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_test_util.h - shared fixtures of the host library tests: layouts, rng, fake guest memory. */
#ifndef MIGCTL_HOST_TEST_UTIL_H
#define MIGCTL_HOST_TEST_UTIL_H

#include <stddef.h>

#include <migctl/types.h>
#include "migctl-host.h"

#define HT_GIB		(1ull << 30)
#define HT_MIB		(1ull << 20)
#define HT_PHYS_TOP	(1ull << 52)

/*
 * The layout most tests use: low RAM, a hole up to 1 MiB, RAM to 2 GiB, a
 * hole up to 4 GiB, two adjacent 1 GiB regions, and 2 MiB at the very top
 * of the 52-bit physical address space.
 */
#define HT_NR_HOLEY	5
extern const struct migctl_host_region ht_holey[HT_NR_HOLEY];

/* Fake guest memory: one list page at a fixed GPA. */
#define HT_LIST_GPA	0x100000ull

struct ht_guest {
	u8 page[4096];		/* contents of the list page at HT_LIST_GPA */
	unsigned int reads;	/* calls of the read callback */
	int fail;		/* if non-zero, the callback returns it */
	/* if set, called after the copy: a guest racing with the host */
	void (*after_copy)(struct ht_guest *g);
};

/* The struct migctl_host_mem read callback over a struct ht_guest. */
int ht_guest_read(void *arg, gpa_t gpa, void *buf, size_t len);

/* Writes list entry @i of the list page. */
void ht_list_set(struct ht_guest *g, unsigned int i, u64 gpa, u64 npages, u64 attrs);

/* splitmix64 */
u64 ht_rand(u64 *state);
/* Uniform in [0, n), n > 0. */
u64 ht_rand_below(u64 *state, u64 n);

/* A config for the holey layout: version range, features, hypercall. */
void ht_config(struct migctl_host_config *cfg, u32 min, u32 max, u32 features,
	       bool hypercall, struct ht_guest *g);

/* Saves the log into a malloc'd buffer; *len gets its size. */
u8 *ht_log_snapshot(const struct migctl_host_log *log, size_t *len);

/* Total pages in C over all regions (fetch-and-clear!). */
u64 ht_log_drain_changed(struct migctl_host_log *log);

#endif /* MIGCTL_HOST_TEST_UTIL_H */
