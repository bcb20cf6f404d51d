/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* floodgen.h - the hostile guest in ring 3: random requests and the answer the spec gives. */
#ifndef GUEST_IMAGE_FLOODGEN_H
#define GUEST_IMAGE_FLOODGEN_H

#include <migctl/types.h>
#include "migctl-guest.h"

/*
 * Each CPU's ring-3 task fills a batch of requests of every shape (MSR
 * transport, control MSR, hypercall 12 and other numbers), works out the
 * answer the spec prescribes for each (#GP, accepted, a KVM error code),
 * has the kernel execute the batch (SYS_SCENARIO: ring 0 only issues the
 * instructions, since ring 0 is emulated on our test KVM), and compares.
 *
 * No valid request may touch the guard pages: the scenario set their
 * status and content before the flood and checks both afterwards, so a
 * request that should have changed nothing but did shows there. A valid
 * request that would touch them is made invalid by a reserved bit.
 */

#define FLOOD_BATCH		64u
#define FLOOD_LIST_PAGES	4u	/* list pages per CPU */
#define FLOOD_GUARD_PAGES	64u
#define FLOOD_BAD_MAX		4u	/* mismatches described per CPU */

/* What the kernel executes. */
#define FLOOD_OP_WRMSR		0
#define FLOOD_OP_RDMSR		1
#define FLOOD_OP_HC		2

struct flood_op {
	u32 kind;		/* FLOOD_OP_* */
	u32 index;		/* MSR */
	u64 nr;			/* hypercall number */
	u64 a0, a1, a2;		/* WRMSR value in a0 */
	u64 val;		/* RDMSR value, hypercall result */
	s32 vec;		/* fault vector: 0, 6 (#UD), 13 (#GP) */
	u32 pad;
};

/* Classes of request, for the figures (errors by kind). */
enum flood_class {
	FC_PSC_OK,		/* valid range: accepted */
	FC_PSC_RESERVED,	/* reserved bits 11:6 */
	FC_PSC_UNIT,		/* unit above 2 */
	FC_PSC_ALIGN,		/* GFN not aligned to the unit */
	FC_PSC_RANGE,		/* outside RAM, in a hole, past the address width */
	FC_PSC_GUARD,		/* would cross the guard pages and run out of RAM */
	FC_LIST_OK,		/* valid list: accepted */
	FC_LIST_SHAPE,		/* list with a unit or ENCRYPTED, or without F_LIST */
	FC_LIST_COUNT,		/* more than 256 entries */
	FC_LIST_PAGE,		/* list page outside RAM */
	FC_LIST_ENTRY,		/* an invalid entry (others valid, some on guard pages) */
	FC_PSC_READ,		/* RDMSR of the transport MSR */
	FC_CTL_SAME,		/* the accepted value again: idempotent */
	FC_CTL_BAD,		/* any other non-zero value */
	FC_CTL_READ,		/* RDMSR of the control MSR */
	FC_HC_12,		/* hypercall 12, any arguments */
	FC_HC_OTHER,		/* another hypercall number */
	FC_NR
};

/* Hypercall answers a request with several faults may give (the spec orders no checks). */
#define FLOOD_E_INVAL		(1u << 0)
#define FLOOD_E_2BIG		(1u << 1)
#define FLOOD_E_FAULT		(1u << 2)

/* The answer the spec prescribes for one op. */
struct flood_want {
	u8 cls;			/* enum flood_class */
	s8 vec;			/* 0 or 13; -1: 6 or the hypercall's answer (see floodgen.c) */
	u8 errs;		/* hypercall: any of these codes will do (FLOOD_E_*) */
	u8 pad;
	u64 pages;		/* pages changed when accepted */
};

struct flood_bad {
	u32 kind;
	u32 cls;
	u64 a0, a1, a2, nr;
	s64 got;
	s32 vec;
	s32 want_vec;
};

/* Everything a CPU's task reads and writes; only that CPU touches it. */
struct flood_cpu {
	/* Set by the kernel before the task runs. */
	u32 cpu;
	u32 count;			/* requests to send */
	u64 rng;
	u32 psc_index;			/* 0: the transport is not offered */
	u32 offered;			/* MIGCTL_F_* */
	bool hc;			/* hypercall 12 offered */
	u64 ready;			/* the accepted control value; 0: not READY */
	u32 vmin, vmax;			/* offered versions */
	const struct migctl_guest_range *ram;
	u32 nram;
	u64 ram_end;
	u64 guard_lo, guard_hi;		/* guard pages, byte addresses */
	u64 text_page;			/* a page of this image's code: constant garbage */
	u8 *lists;			/* FLOOD_LIST_PAGES pages of its own */
	/* Results. */
	u64 sent;
	u64 by_class[FC_NR];
	u64 accepted;			/* requests the host had to apply */
	u64 pages;			/* their pages */
	u64 psc_gp, ctl_ok, ctl_gp, ud, enosys;
	u64 mismatches;
	u32 nbad;
	struct flood_bad bad[FLOOD_BAD_MAX];
	u64 tsc_start, tsc_end;
	struct flood_op ops[FLOOD_BATCH];
	struct flood_want want[FLOOD_BATCH];
};

/* Names of the classes, for the report. */
extern const char *const flood_class_names[FC_NR];

/* The ring-3 task: sends c->count requests in batches (user_call). */
u64 flood_task(void *arg);

#endif /* GUEST_IMAGE_FLOODGEN_H */
