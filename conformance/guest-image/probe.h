/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* probe.h - raw access to the host under test: CPUID as read, MSRs and hypercall 12 with faults. */
#ifndef GUEST_IMAGE_PROBE_H
#define GUEST_IMAGE_PROBE_H

#include <migctl/types.h>

/*
 * The host-role scenarios judge the host by what it really answers, so
 * they read CPUID themselves instead of through the guest library, which
 * falls back on anything odd (G-15) and would hide a broken host.
 */
struct probe_offer {
	bool hypervisor;	/* CPUID.1:ECX[31] */
	u32 base;		/* first base with the KVM signature, 0 if none */
	u32 raw_max_leaf;	/* base+0 EAX as read */
	u32 max_leaf;		/* after the max-leaf-0 rule */
	u32 features;		/* base+1 EAX as read */
	bool hc;		/* bit 16: hypercall 12 offered */
	bool ctl;		/* bit 17: control MSR offered */
	bool leaf_present;	/* ctl and max_leaf >= base+0x4d */
	u32 leaf[4];		/* base+0x4d EAX..EDX as read (0 if absent) */
	bool leaf_valid;	/* the leaf passes the G-2 checks */
	u32 min, max;		/* offered versions: the leaf's, or 1..1 */
	u32 offered;		/* MIGCTL_F_* from the leaf */
	u32 psc_index;		/* MSR transport index (0 if none) */
};

void probe_host(struct probe_offer *o);
/* True when two CPUs saw the same values. */
bool probe_same(const struct probe_offer *a, const struct probe_offer *b);

/* Each returns 0 or the fault vector (6 #UD, 13 #GP). */
int probe_rdmsr(u32 index, u64 *val);
int probe_wrmsr(u32 index, u64 val);
/* The vendor's hypercall instruction (MIGCTL_GUEST_INSN_VMMCALL or _VMCALL). */
u32 probe_hypercall_insn(void);
/* Hypercall 12 with the vendor's instruction; *fault as above. */
long probe_hypercall(u64 a0, u64 a1, u64 a2, int *fault);

/* A vector as text without "#" (KTAP descriptions must not contain it). */
const char *probe_vec_name(int vec);

#endif /* GUEST_IMAGE_PROBE_H */
