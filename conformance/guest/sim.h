/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sim.h - a scripted host that plays CPUID, the MSRs and the hypercall for the guest library. */
#ifndef MIGCTL_GUEST_SIM_H
#define MIGCTL_GUEST_SIM_H

/*
 * The host side of the guest-role suite. A struct sim_host answers the
 * platform operations of the guest library (struct migctl_guest_ops) from
 * a script: a CPUID table, a control MSR that checks writes like a spec
 * host (H-4..H-7), the MSR transport and the hypercall with the checks of
 * H-8, H-10 and H-11, plus knobs that make it misbehave. It records every
 * operation so that tests can assert the exact sequence, keeps the status
 * of every page of its RAM, and counts guest-rule violations it can see
 * (an access the spec forbids, a request G-14 calls invalid, a read of the
 * control MSR that G-17 forbids).
 */

#include <pthread.h>
#include <migctl/types.h>
#include "migctl-guest.h"

#define SIM_CPUID		1
#define SIM_RDMSR		2
#define SIM_WRMSR		3
#define SIM_HC			4

/* One operation the guest performed, with the host's answer. */
struct sim_op {
	u32 kind;		/* SIM_* */
	u32 index;		/* CPUID leaf or MSR index */
	u64 val;		/* MSR value written or read */
	u64 a0, a1, a2;		/* hypercall arguments */
	long ret;		/* hypercall result */
	int fault;		/* vector raised, 0 if none */
	u32 insn;		/* MIGCTL_GUEST_INSN_* of a hypercall */
};

#define SIM_PRIVATE		1
#define SIM_SHARED		2

/* Hypercall behaviour. */
#define SIM_HC_WORKS		0 /* validates and applies */
#define SIM_HC_ENOSYS		1 /* always -KVM_ENOSYS */
#define SIM_HC_UD		2 /* raises #UD */

struct sim_host {
	/* CPUID */
	bool amd;			/* vendor AuthenticAMD, else GenuineIntel */
	bool hypervisor;		/* CPUID.1:ECX[31] */
	bool hyperv_leaves;		/* "Microsoft Hv" at 0x40000000 */
	u32 base;			/* KVM base, 0 for none */
	u32 max_leaf;			/* base+0 EAX */
	u32 kvm_features;		/* base+1 EAX */
	u32 leaf[4];			/* base+0x4d, answered even past max_leaf */

	/* What the host accepts (its own view, independent of the leaf). */
	u32 min, max;			/* versions accepted in the control MSR */
	u32 offered;			/* features accepted */
	u32 psc_index;			/* MSR transport index, 0 for none */
	u32 reject_features;		/* #GP on a version-2 write choosing these */
	bool gp_all_wrmsr;		/* every WRMSR raises #GP */
	bool ctl_write_only;		/* RDMSR of the control MSR raises #GP */
	u64 readback_xor;		/* RDMSR of the control MSR lies */

	/* Hypercall */
	u32 hc_mode;			/* SIM_HC_* */
	u32 hc_limit;			/* >0: after this many calls, -KVM_ENOSYS */
	long hc_ret;			/* non-zero: every call answers this */

	/* Guest calls must not overlap (the guest library holds its lock). */
	bool check_serialized;
	int in_call;
	bool overlapped;		/* two guest calls were seen at once */

	/* State */
	u64 ctl;			/* control MSR */
	u64 ram_pages;			/* pages [0, ram_pages) are RAM */
	u8 *status;			/* SIM_PRIVATE / SIM_SHARED per page */
	struct migctl_list_entry *list_va; /* the guest's list page... */
	gpa_t list_gpa;			/* ...and where it lives */
	u32 hc_calls;			/* hypercalls answered so far */
	u32 violations;			/* guest-rule violations seen */
	char why[160];			/* the first violation */

	struct sim_op *log;
	u32 nlog, cap;
	pthread_mutex_t lock;

	struct migctl_guest_ops ops;	/* points at this host */
};

/* Presets: the hosts of the suite. */
#define SIM_V2_LEAF(min, max, features, psc)				\
	{ MIGCTL_LEAF_MAGIC, (u32)(min) | ((u32)(max) << 8), (features), (psc) }

struct sim_host *sim_create(void);
void sim_destroy(struct sim_host *h);

/* Host presets; each sets every knob it needs on a fresh host. */
void sim_none(struct sim_host *h);		/* no hypervisor bit */
void sim_v1(struct sim_host *h, bool hypercall);
void sim_v2(struct sim_host *h, u32 min, u32 max, u32 features, bool hypercall);
/*
 * A version-1 host built to the letter of KVM's documentation: it filters
 * only writes of the control MSR, so a read raises #GP.
 */
void sim_v1_write_only(struct sim_host *h);
/* Move the KVM leaves to @base, keeping max leaf relative to it. */
void sim_move_base(struct sim_host *h, u32 base);

/* migctl_guest_init() and _discover() on @h, then an empty log. */
int sim_guest(struct sim_host *h, struct migctl_guest *g, u32 flags);

/* The operation log. */
void sim_clear_log(struct sim_host *h);
u32 sim_count(struct sim_host *h, u32 kind);
u32 sim_count_msr(struct sim_host *h, u32 kind, u32 index);
/* Index of the first difference from @want[0..n), or -1 if equal. */
int sim_match(struct sim_host *h, const struct sim_op *want, u32 n);
void sim_dump(struct sim_host *h);

/* Page status as the host recorded it. */
u8 sim_status(struct sim_host *h, u64 gfn);
void sim_set_all(struct sim_host *h, u8 status);

/* Operations as tests write them in expected sequences. */
#define OP_CPUID(l)		{ .kind = SIM_CPUID, .index = (l) }
#define OP_RD(i, v)		{ .kind = SIM_RDMSR, .index = (i), .val = (v) }
#define OP_RD_GP(i)		{ .kind = SIM_RDMSR, .index = (i), .fault = 13 }
#define OP_WR(i, v)		{ .kind = SIM_WRMSR, .index = (i), .val = (v) }
#define OP_WR_GP(i, v)		{ .kind = SIM_WRMSR, .index = (i), .val = (v), .fault = 13 }
#define OP_HC(x, y, z)		{ .kind = SIM_HC, .a0 = (x), .a1 = (y), .a2 = (z) }
#define OP_HC_RET(x, y, z, r)	{ .kind = SIM_HC, .a0 = (x), .a1 = (y), .a2 = (z), .ret = (r) }
#define OP_HC_UD(x, y, z)	{ .kind = SIM_HC, .a0 = (x), .a1 = (y), .a2 = (z), .fault = 6 }

#define SIM_CTL			MIGCTL_MSR_CONTROL
#define SIM_PSC			MIGCTL_MSR_PSC_DEFAULT
#define SIM_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* MIGCTL_GUEST_SIM_H */
