/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* simplat.h - a simulated host for the guest library: free exits that count. */
#ifndef MIGCTL_BENCH_SIMPLAT_H
#define MIGCTL_BENCH_SIMPLAT_H

#include <stdbool.h>

#include <migctl/types.h>
#include "migctl-guest.h"

/*
 * The platform operations of struct migctl_guest_ops answered in-process:
 * CPUID describes the chosen host, the control MSR accepts what a
 * conforming host accepts, and every notification (hypercall or MSR
 * transport, single range or list) is counted and answered 0 at once.
 * An exit therefore costs a function call, which isolates the library's
 * own cost, and the counters say how many host calls it made.
 */

/* The guest-physical address the library is told the list page has. */
#define SIMPLAT_LIST_GPA	0x1000ull

enum simplat_host {
	SIMPLAT_OFF,		/* KVM signature, neither bit 16 nor 17 */
	SIMPLAT_V1,		/* upstream: bits 16 and 17, hypercall only */
	SIMPLAT_V2_MSR,		/* v2, MSR transport only */
	SIMPLAT_V2_MSR_LIST,	/* v2, MSR transport and range lists */
	SIMPLAT_V2_HC_LIST,	/* v2, hypercall and range lists */
};

struct simplat {
	enum simplat_host host;
	u64 control;		/* the control MSR */
	u64 calls;		/* notifications: hypercalls + PSC writes */
	u64 list_calls;		/* of which carried a range list */
	u64 pages;		/* 4 KiB pages named by the notifications */
	u64 other;		/* CPUID and control MSR accesses */
	struct migctl_list_entry list[MIGCTL_LIST_MAX] __attribute__((aligned(4096)));
};

/** simplat_init() - a fresh host of kind @host and its ops for the library. */
void simplat_init(struct simplat *sp, enum simplat_host host, struct migctl_guest_ops *ops);

/** simplat_has_list() - does @host offer range lists. */
bool simplat_has_list(enum simplat_host host);

/** simplat_name() - short name of @host for the results. */
const char *simplat_name(enum simplat_host host);

#endif /* MIGCTL_BENCH_SIMPLAT_H */
