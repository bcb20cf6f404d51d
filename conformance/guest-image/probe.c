/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* probe.c - raw access to the host under test: CPUID as read, MSRs and hypercall 12 with faults. */
#include "probe.h"

#include "migctl-x86.h"
#include "migctl.h"

static void cpuid(u32 leaf, u32 out[4])
{
	migctl_x86_cpuid(NULL, leaf, 0, out);
}

static u32 probe_find_base(u32 *max_leaf)
{
	u32 b, r[4];

	for (b = MIGCTL_CPUID_BASE_FIRST; b <= MIGCTL_CPUID_BASE_LAST;
	     b += MIGCTL_CPUID_BASE_STEP) {
		cpuid(b, r);
		if (r[1] == MIGCTL_KVM_SIG_EBX && r[2] == MIGCTL_KVM_SIG_ECX &&
		    r[3] == MIGCTL_KVM_SIG_EDX) {
			*max_leaf = r[0];
			return b;
		}
	}
	return 0;
}

static void probe_leaf(struct probe_offer *o)
{
	u32 *l = o->leaf;
	u32 min = (l[1] >> MIGCTL_LEAF_EBX_MIN_SHIFT) & MIGCTL_LEAF_EBX_VERSION_MASK;
	u32 max = (l[1] >> MIGCTL_LEAF_EBX_MAX_SHIFT) & MIGCTL_LEAF_EBX_VERSION_MASK;

	o->leaf_valid = l[0] == MIGCTL_LEAF_MAGIC && !(l[1] & MIGCTL_LEAF_EBX_RESERVED) &&
			min >= 1 && min <= max;
	if (!o->leaf_valid)
		return;
	o->min = min;
	o->max = max;
	o->offered = l[2];
	if (l[2] & MIGCTL_F_MSR_PSC)
		o->psc_index = l[3];
}

void probe_host(struct probe_offer *o)
{
	u32 r[4];

	*o = (struct probe_offer){ 0 };
	cpuid(MIGCTL_CPUID_HYPERVISOR_LEAF, r);
	o->hypervisor = r[2] >> MIGCTL_CPUID_HYPERVISOR_BIT & 1;
	if (!o->hypervisor)
		return;
	o->base = probe_find_base(&o->raw_max_leaf);
	if (!o->base)
		return;
	o->max_leaf = o->raw_max_leaf ? o->raw_max_leaf : o->base + MIGCTL_CPUID_FEATURES_OFFSET;
	cpuid(o->base + MIGCTL_CPUID_FEATURES_OFFSET, r);
	o->features = r[0];
	o->hc = r[0] >> MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE & 1;
	o->ctl = r[0] >> MIGCTL_KVM_FEATURE_MIGRATION_CONTROL & 1;
	if (o->ctl) {
		o->min = MIGCTL_VERSION_1;
		o->max = MIGCTL_VERSION_1;
	}
	o->leaf_present = o->ctl && o->max_leaf >= o->base + MIGCTL_CPUID_LEAF_OFFSET;
	if (o->leaf_present) {
		cpuid(o->base + MIGCTL_CPUID_LEAF_OFFSET, o->leaf);
		probe_leaf(o);
	}
}

bool probe_same(const struct probe_offer *a, const struct probe_offer *b)
{
	return a->hypervisor == b->hypervisor && a->base == b->base &&
	       a->raw_max_leaf == b->raw_max_leaf && a->features == b->features &&
	       a->leaf[0] == b->leaf[0] && a->leaf[1] == b->leaf[1] && a->leaf[2] == b->leaf[2] &&
	       a->leaf[3] == b->leaf[3];
}

int probe_rdmsr(u32 index, u64 *val)
{
	*val = 0;
	return migctl_x86_rdmsr(NULL, index, val);
}

int probe_wrmsr(u32 index, u64 val)
{
	return migctl_x86_wrmsr(NULL, index, val);
}

u32 probe_hypercall_insn(void)
{
	u32 r[4];

	cpuid(0, r);
	/* "AuthenticAMD" and "HygonGenuine" use VMMCALL. */
	if ((r[1] == 0x68747541 && r[3] == 0x69746e65) ||
	    (r[1] == 0x6f677948 && r[3] == 0x6e65476e))
		return MIGCTL_GUEST_INSN_VMMCALL;
	return MIGCTL_GUEST_INSN_VMCALL;
}

long probe_hypercall(u64 a0, u64 a1, u64 a2, int *fault)
{
	return migctl_x86_hypercall(NULL, probe_hypercall_insn(), MIGCTL_HC_MAP_GPA_RANGE, a0, a1, a2, fault);
}

const char *probe_vec_name(int vec)
{
	switch (vec) {
	case 0:
		return "no fault";
	case 6:
		return "UD";
	case 13:
		return "GP";
	default:
		return "another fault";
	}
}
