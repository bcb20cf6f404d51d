/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* trace.h - event traces for the checker's tests: what a VMM would feed it, as tables. */
#ifndef MIGCTL_CHECK_TRACE_H
#define MIGCTL_CHECK_TRACE_H

#include <migctl/types.h>
#include "../guestcheck.h"

#define TR_END		0
#define TR_RD		1
#define TR_WR		2
#define TR_HC		3
#define TR_LIST		4
#define TR_EXIT		5

/* One event of a trace; a trace ends with an all-zero event. */
struct tr_ev {
	u32 kind;
	u32 vcpu;
	u32 index;		/* MSR index */
	u64 val;		/* MSR value */
	bool gp;		/* the host raised #GP */
	u64 nr, a0, a1, a2;	/* hypercall */
	s64 ret;
	const struct migctl_list_entry *list;
	u32 n;			/* list entries, or the VM exit reason */
};

/* The RAM of every test VM: two ranges, as a PC memory map has them. */
#define TR_LOW_GPA	0x0ull
#define TR_LOW_PAGES	160ull				/* 0 .. 640 KiB */
#define TR_HIGH_GPA	0x100000ull
#define TR_HIGH_PAGES	16128ull			/* 1 MiB .. 64 MiB */
#define TR_SHARED_GPA	0x200000ull			/* a 2 MiB shared buffer */
#define TR_LIST_GPA	0x7000ull			/* the list page */

#define TR_CTL		MIGCTL_MSR_CONTROL
#define TR_PSC		MIGCTL_MSR_PSC_DEFAULT
#define TR_ENC		MIGCTL_ATTR_ENCRYPTED
#define TR_V(v, f)	MIGCTL_CTL_VALUE(v, f)

/* Events on vCPU @c. */
#define RD_C(c, v)	{ .kind = TR_RD, .vcpu = (c), .index = TR_CTL, .val = (v) }
#define RD_GP_C(c)	{ .kind = TR_RD, .vcpu = (c), .index = TR_CTL, .gp = true }
#define WR_C(c, v)	{ .kind = TR_WR, .vcpu = (c), .index = TR_CTL, .val = (v) }
#define WR_GP_C(c, v)	{ .kind = TR_WR, .vcpu = (c), .index = TR_CTL, .val = (v), .gp = true }
#define HC_RET_C(c, x, y, z, r)							\
	{ .kind = TR_HC, .vcpu = (c), .nr = MIGCTL_HC_MAP_GPA_RANGE, .a0 = (x), .a1 = (y), \
	  .a2 = (z), .ret = (r) }
#define PSC_C(c, v)	{ .kind = TR_WR, .vcpu = (c), .index = TR_PSC, .val = (v) }
#define PSC_GP_C(c, v)	{ .kind = TR_WR, .vcpu = (c), .index = TR_PSC, .val = (v), .gp = true }
#define LIST_C(c, l)							\
	{ .kind = TR_LIST, .vcpu = (c), .list = (l), .n = sizeof(l) / sizeof((l)[0]) }

/* The same on vCPU 0. */
#define RD(v)		RD_C(0, v)
#define RD_GP		RD_GP_C(0)
#define WR(v)		WR_C(0, v)
#define WR_GP(v)	WR_GP_C(0, v)
#define HC_RET(x, y, z, r) HC_RET_C(0, x, y, z, r)
#define HC(x, y, z)	HC_RET(x, y, z, 0)
#define PSC(v)		PSC_C(0, v)
#define PSC_GP(v)	PSC_GP_C(0, v)
#define LIST(l)		LIST_C(0, l)
#define MSR_RD(i, v)	{ .kind = TR_RD, .index = (i), .val = (v) }
#define MSR_WR(i, v)	{ .kind = TR_WR, .index = (i), .val = (v) }
#define MSR_WR_GP(i, v)	{ .kind = TR_WR, .index = (i), .val = (v), .gp = true }
#define VM_EXIT(r)	{ .kind = TR_EXIT, .n = (r) }
#define PSC_REQ(gpa, count, attrs) MIGCTL_PSC_VALUE((gpa) >> MIGCTL_PAGE_SHIFT, count, attrs)

/* Boot-time resets (G-13) by each transport: all RAM encrypted, the buffer shared. */
#define RESET_HC								\
	HC(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC),					\
	HC(TR_HIGH_GPA, TR_HIGH_PAGES, TR_ENC),					\
	HC(TR_SHARED_GPA, 512, MIGCTL_ATTR_SIZE_2M)
#define RESET_PSC								\
	PSC(PSC_REQ(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC)),				\
	PSC(PSC_REQ(TR_HIGH_GPA, 256, TR_ENC)),					\
	PSC(PSC_REQ(0x200000ull, 31, TR_ENC | MIGCTL_ATTR_SIZE_2M)),		\
	PSC(PSC_REQ(TR_SHARED_GPA, 1, MIGCTL_ATTR_SIZE_2M))

/* A boot as a conforming guest does it: discovery read, then the reset. */
#define BOOT_HC		RD(0), RESET_HC
#define BOOT_PSC	RD(0), RESET_PSC
/* The same without a versioned leaf: write 0, never read (G-17). */
#define BOOT_V1		WR(0), RESET_HC

/* A table of traces: each must produce exactly @want, e.g. "G-7" or "". */
struct tr_case {
	const char *name;
	u32 host;		/* enum tr_host */
	u32 cpus;		/* 0 means 1 */
	const struct tr_ev *ev;
	const char *want;
};

#define TRACE(...)	((const struct tr_ev[]){ __VA_ARGS__, { 0 } })

/* Run every case of @t, failing (EXPECT) on each mismatch; returns the failures. */
int tr_cases(const struct tr_case *t, size_t n);
#define TR_CASES(t)	tr_cases(t, sizeof(t) / sizeof((t)[0]))

/* Host offers. */
enum tr_host { TR_OFF, TR_V1, TR_V1_NOHC, TR_V2, TR_V2_PSC, TR_V2_HC, TR_V2_ONLY, TR_NR_HOSTS };

/* The offer of host @h with the test RAM. */
void tr_offer(struct migctl_check_offer *o, enum tr_host h);

/* Feed @ev to a new checker of @nr_vcpus for @o; NULL on a harness error. */
struct migctl_check *tr_run(const struct migctl_check_offer *o, u32 nr_vcpus,
			    const struct tr_ev *ev);
/* Feed @ev to @c; 0 or the first negative return. */
int tr_feed(struct migctl_check *c, const struct tr_ev *ev);

/* The violations' IDs in order, comma-separated ("" for none), into @buf. */
const char *tr_ids(struct migctl_check *c, char *buf, size_t len);
/* Print every violation as a "# " diagnostic. */
void tr_dump(struct migctl_check *c);

#endif /* MIGCTL_CHECK_TRACE_H */
