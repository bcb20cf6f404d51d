/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_model.h - an independent model of the host rules, the oracle of the host_ops harness. */
#ifndef MIGCTL_FUZZ_HOST_MODEL_H
#define MIGCTL_FUZZ_HOST_MODEL_H

/*
 * Written from the rules (H-4..H-11), not from host/: the expected outcome
 * of every request and the expected status of every RAM page. Ranges are
 * checked with 128-bit arithmetic and by summing overlaps with the RAM
 * regions, so that it shares no code path (and no overflow) with
 * host/validate.c. Pages are numbered linearly across the regions.
 */

#include <migctl/types.h>
#include "migctl.h"

#define HOST_MODEL_REGIONS	8

struct host_model_region {
	u64 gfn;
	u64 npages;
	u64 first;	/* linear index of the region's first page */
};

struct host_model_req {
	u64 gfn;
	u64 npages;
	bool private;
};

struct host_model {
	/* The offer. */
	bool enabled;
	u32 min_version, max_version;
	u32 offered;		/* features, 0 below version 2 */
	bool hypercall;		/* hypercall 12 offered */
	bool encrypted;
	u32 psc_msr;
	u32 cpuid_base;
	u32 phys_bits;
	unsigned int nr;
	struct host_model_region r[HOST_MODEL_REGIONS];
	u64 pages;
	/* The state. */
	u8 *s;			/* per page: 1 private, 0 shared */
	u8 *c;			/* per page: written since the last fetch */
	u64 c_lo, c_hi;		/* linear indices [c_lo, c_hi) hold every set c */
	u64 control;
	u64 generation;
	bool unreliable;	/* H-16: a refusal while not READY with version 2 */
};

/* Linear index of page @gfn, or -1 when it is not RAM. */
s64 host_model_index(const struct host_model *m, u64 gfn);

/* Would the host accept this control MSR value now (H-4, H-5)? */
bool host_model_ctl_ok(const struct host_model *m, u64 val);

/* H-8 for one range: 0 or -MIGCTL_KVM_EINVAL; fills @req. */
int host_model_range(const struct host_model *m, u64 gpa, u64 npages, u64 attrs,
		     struct host_model_req *req);

/*
 * H-11 for a list: @ents are the entries the guest page holds (already in
 * host byte order), @read_ok whether reading the page succeeds. Returns
 * the number of requests or a negative KVM error.
 */
int host_model_list(const struct host_model *m, u64 gpa, u64 count,
		    const struct migctl_list_entry *ents, bool read_ok,
		    struct host_model_req reqs[MIGCTL_LIST_MAX]);

/* H-10: the number of requests of an MSR transport write, or < 0 for #GP. */
int host_model_psc(const struct host_model *m, u64 val, const struct migctl_list_entry *ents,
		   bool read_ok, struct host_model_req reqs[MIGCTL_LIST_MAX]);

/* Mark pages [first, first + n) as changed. */
void host_model_changed(struct host_model *m, u64 first, u64 n);

/* Record @n requests in S and C, in order; returns the pages recorded. */
u64 host_model_apply(struct host_model *m, const struct host_model_req *reqs, int n);

#endif /* MIGCTL_FUZZ_HOST_MODEL_H */
