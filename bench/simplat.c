/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* simplat.c - a simulated host for the guest library: free exits that count. */
#include <string.h>

#include "simplat.h"

#define SIMPLAT_BASE		MIGCTL_CPUID_BASE_FIRST


static bool simplat_v2(enum simplat_host h)
{
	return h >= SIMPLAT_V2_MSR;
}

bool simplat_has_list(enum simplat_host h)
{
	return h == SIMPLAT_V2_MSR_LIST || h == SIMPLAT_V2_HC_LIST;
}

const char *simplat_name(enum simplat_host h)
{
	static const char *const names[] = {
		[SIMPLAT_OFF] = "off", [SIMPLAT_V1] = "v1_hypercall",
		[SIMPLAT_V2_MSR] = "v2_msr", [SIMPLAT_V2_MSR_LIST] = "v2_msr_list",
		[SIMPLAT_V2_HC_LIST] = "v2_hypercall_list",
	};

	return names[h];
}

static void simplat_cpuid(void *arg, u32 leaf, u32 subleaf, u32 out[4])
{
	struct simplat *sp = arg;
	enum simplat_host h = sp->host;
	bool hc = h == SIMPLAT_V1 || h == SIMPLAT_V2_HC_LIST;

	sp->other++;
	memset(out, 0, 4 * sizeof(u32));
	if (leaf == MIGCTL_CPUID_HYPERVISOR_LEAF) {
		out[2] = 1u << MIGCTL_CPUID_HYPERVISOR_BIT;
	} else if (leaf == SIMPLAT_BASE) {
		out[0] = SIMPLAT_BASE + (simplat_v2(h) ? MIGCTL_CPUID_LEAF_OFFSET :
					 MIGCTL_CPUID_FEATURES_OFFSET);
		out[1] = MIGCTL_KVM_SIG_EBX;
		out[2] = MIGCTL_KVM_SIG_ECX;
		out[3] = MIGCTL_KVM_SIG_EDX;
	} else if (leaf == SIMPLAT_BASE + MIGCTL_CPUID_FEATURES_OFFSET && h != SIMPLAT_OFF) {
		out[0] = (1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL) |
			 (hc ? 1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE : 0);
	} else if (leaf == SIMPLAT_BASE + MIGCTL_CPUID_LEAF_OFFSET && simplat_v2(h)) {
		bool msr = h != SIMPLAT_V2_HC_LIST;

		out[0] = MIGCTL_LEAF_MAGIC;
		out[1] = (MIGCTL_VERSION_1 << MIGCTL_LEAF_EBX_MIN_SHIFT) |
			 (MIGCTL_VERSION_2 << MIGCTL_LEAF_EBX_MAX_SHIFT);
		out[2] = (msr ? MIGCTL_F_MSR_PSC : 0) | (simplat_has_list(h) ? MIGCTL_F_LIST : 0);
		out[3] = msr ? MIGCTL_MSR_PSC_DEFAULT : 0;
	}
}

static int simplat_rdmsr(void *arg, u32 index, u64 *val)
{
	struct simplat *sp = arg;

	sp->other++;
	if (index != MIGCTL_MSR_CONTROL || sp->host == SIMPLAT_OFF)
		return MIGCTL_GUEST_VEC_GP;
	*val = sp->control;
	return 0;
}

/* A list request names the list page; count its entries' pages. */
static void simplat_list(struct simplat *sp, u64 n)
{
	sp->list_calls++;
	for (u64 i = 0; i < n && i < MIGCTL_LIST_MAX; i++)
		sp->pages += sp->list[i].npages;
}

static int simplat_wrmsr(void *arg, u32 index, u64 val)
{
	struct simplat *sp = arg;

	if (index == MIGCTL_MSR_CONTROL && sp->host != SIMPLAT_OFF) {
		sp->other++;
		sp->control = val;
		return 0;
	}
	if (index != MIGCTL_MSR_PSC_DEFAULT || !simplat_v2(sp->host) ||
	    sp->host == SIMPLAT_V2_HC_LIST)
		return MIGCTL_GUEST_VEC_GP;
	sp->calls++;
	if (val & MIGCTL_ATTR_LIST)
		simplat_list(sp, MIGCTL_PSC_GET_COUNT(val));
	else
		sp->pages += (u64)MIGCTL_PSC_GET_COUNT(val) *
			     MIGCTL_SIZE_PAGES(val & MIGCTL_ATTR_SIZE_MASK);
	return 0;
}

static long simplat_hypercall(void *arg, u32 insn, u64 nr, u64 a0, u64 a1, u64 a2, int *fault)
{
	struct simplat *sp = arg;

	*fault = 0;
	if (sp->host != SIMPLAT_V1 && sp->host != SIMPLAT_V2_HC_LIST) {
		*fault = MIGCTL_GUEST_VEC_UD;
		return 0;
	}
	sp->calls++;
	if (a2 & MIGCTL_ATTR_LIST)
		simplat_list(sp, a1);
	else
		sp->pages += a1;
	return 0;
}

void simplat_init(struct simplat *sp, enum simplat_host host, struct migctl_guest_ops *ops)
{
	memset(sp, 0, sizeof(*sp));
	sp->host = host;
	*ops = (struct migctl_guest_ops){
		.cpuid = simplat_cpuid, .rdmsr = simplat_rdmsr, .wrmsr = simplat_wrmsr,
		.hypercall = simplat_hypercall, .arg = sp,
	};
}
