/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_cpuid.c - the guest's CPUID table, built from what KVM supports. */
#include <errno.h>

#include "migctl.h"
#include "guest_cpuid.h"

#define CPUID_1_ECX_VMX			(1u << 5)
#define CPUID_1_ECX_X2APIC		(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE	(1u << 24)
#define CPUID_1_ECX_HYPERVISOR		(1u << MIGCTL_CPUID_HYPERVISOR_BIT)
#define CPUID_1_EDX_HTT			(1u << 28)
#define CPUID_EXT_FEATURES		0x80000001u
#define CPUID_EXT_ECX_SVM		(1u << 2)
#define CPUID_EXT_ECX_TOPOEXT		(1u << 22)
#define CPUID_AMD_SIZES			0x80000008u
#define CPUID_AMD_CACHE_TOPO		0x8000001du
#define CPUID_AMD_TOPO			0x8000001eu
/* Leaves 0xb and 0x1f: level types in ECX[15:8]. */
#define CPUID_LEVEL_SMT			1u
#define CPUID_LEVEL_CORE		2u
/* Leaves 4 and 0x8000001d, EAX: cache type, level, sharing, cores. */
#define CPUID_CACHE_TYPE(eax)		((eax) & 0x1fu)
#define CPUID_CACHE_LEVEL(eax)		(((eax) >> 5) & 0x7u)
#define CPUID_CACHE_SHARING		(0xfffu << 14)
#define CPUID_CACHE_CORES		(0x3fu << 26)

struct kvm_cpuid_entry2 *guest_cpuid_find(struct kvm_cpuid2 *c, u32 function, u32 index)
{
	for (u32 i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

int guest_cpuid_set(struct kvm_cpuid2 *c, u32 max, const struct kvm_cpuid_entry2 *entry)
{
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(c, entry->function, entry->index);

	if (!e) {
		if (c->nent >= max)
			return -ENOSPC;
		e = &c->entries[c->nent++];
	}
	*e = *entry;
	return 0;
}

void guest_cpuid_remove_range(struct kvm_cpuid2 *c, u32 first, u32 last)
{
	u32 j = 0;

	for (u32 i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function >= first && e->function <= last)
			continue;
		c->entries[j++] = *e;
	}
	c->nent = j;
}

/* Bits of the APIC ID that number the cores: the package has 1 << bits IDs. */
static u32 cpuid_core_bits(int nr_cpus)
{
	u32 bits = 0;

	while ((1 << bits) < nr_cpus)
		bits++;
	return bits;
}

static bool cpuid_is_amd(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(c, 0, 0);

	/* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo" */
	return e && (e->ebx == 0x68747541u || e->ebx == 0x6f677948u);
}

static u32 cpuid_max_leaf(struct kvm_cpuid2 *c, u32 range)
{
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(c, range, 0);

	return e ? e->eax : 0;
}

/* Leaf 1: hypervisor present, no VMX, APIC features this VM has, the package size. */
static void cpuid_leaf1(struct kvm_cpuid2 *c, const struct guest_cpuid_config *cfg, u32 bits)
{
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(c, 1, 0);

	if (!e)
		return;
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	e->ecx &= ~CPUID_1_ECX_VMX;
	if (!cfg->irqchip)
		e->ecx &= ~CPUID_1_ECX_X2APIC;
	if (cfg->irqchip && cfg->tsc_deadline)
		e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	else
		e->ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
	/* EBX[31:24] initial APIC ID (per vCPU), [23:16] IDs in the package. */
	e->ebx = (e->ebx & 0x0000ffffu) | (1u << bits) << 16;
	if (cfg->nr_cpus > 1)
		e->edx |= CPUID_1_EDX_HTT;
	else
		e->edx &= ~CPUID_1_EDX_HTT;
}

/* Caches of levels 1 and 2 belong to one core, level 3 to the package. */
static void cpuid_caches(struct kvm_cpuid2 *c, u32 function, u32 bits)
{
	u32 ids = (1u << bits) - 1;

	for (u32 i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function || !CPUID_CACHE_TYPE(e->eax))
			continue;
		e->eax &= ~CPUID_CACHE_SHARING;
		if (CPUID_CACHE_LEVEL(e->eax) >= 3)
			e->eax |= ids << 14;
		if (function == 4)
			e->eax = (e->eax & ~CPUID_CACHE_CORES) | ids << 26;
	}
}

/* Leaf 0xb or 0x1f, if KVM reported it: an SMT level of 1, a core level of all. */
static int cpuid_levels(struct kvm_cpuid2 *c, u32 max, u32 function,
			const struct guest_cpuid_config *cfg, u32 bits)
{
	const struct kvm_cpuid_entry2 lv[] = {
		{ .index = 0, .eax = 0, .ebx = 1, .ecx = CPUID_LEVEL_SMT << 8 | 0 },
		{ .index = 1, .eax = bits, .ebx = cfg->nr_cpus, .ecx = CPUID_LEVEL_CORE << 8 | 1 },
		{ .index = 2, .ecx = 2 },	/* type 0: no more levels */
	};
	int ret = 0;

	if (!guest_cpuid_find(c, function, 0))
		return 0;
	guest_cpuid_remove_range(c, function, function);
	for (u32 i = 0; !ret && i < sizeof(lv) / sizeof(lv[0]); i++) {
		struct kvm_cpuid_entry2 e = lv[i];

		e.function = function;
		e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		ret = guest_cpuid_set(c, max, &e);
	}
	return ret;
}

/* AMD: core count and APIC ID size; one core per compute unit, one node. */
static int cpuid_amd_topology(struct kvm_cpuid2 *c, u32 max,
			      const struct guest_cpuid_config *cfg, u32 bits)
{
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(c, CPUID_AMD_SIZES, 0);
	struct kvm_cpuid_entry2 *ext = guest_cpuid_find(c, CPUID_EXT_FEATURES, 0);

	if (e)	/* ECX[15:12] ApicIdSize, [7:0] cores - 1 */
		e->ecx = (e->ecx & ~0xf0ffu) | bits << 12 | (u32)(cfg->nr_cpus - 1);
	cpuid_caches(c, CPUID_AMD_CACHE_TOPO, bits);
	if (!ext || !(ext->ecx & CPUID_EXT_ECX_TOPOEXT))
		return 0;
	/* A guest with TOPOEXT reads its core ID there: zeros would merge all cores. */
	if (cpuid_max_leaf(c, 0x80000000u) < CPUID_AMD_TOPO) {
		ext->ecx &= ~CPUID_EXT_ECX_TOPOEXT;
		return 0;
	}
	return guest_cpuid_set(c, max, &(struct kvm_cpuid_entry2){ .function = CPUID_AMD_TOPO });
}

/* The KVM signature and features leaves, as KVM itself reports them. */
static int cpuid_kvm_leaves(struct kvm_cpuid2 *c, u32 max)
{
	struct kvm_cpuid_entry2 base = {
		.function = GUEST_CPUID_KVM_BASE, .eax = GUEST_CPUID_KVM_FEATURES,
		.ebx = MIGCTL_KVM_SIG_EBX, .ecx = MIGCTL_KVM_SIG_ECX, .edx = MIGCTL_KVM_SIG_EDX,
	};
	struct kvm_cpuid_entry2 *e = guest_cpuid_find(c, GUEST_CPUID_KVM_BASE, 0);
	int ret;

	if (e && e->eax > base.eax)
		base.eax = e->eax;
	ret = guest_cpuid_set(c, max, &base);
	if (ret || guest_cpuid_find(c, GUEST_CPUID_KVM_FEATURES, 0))
		return ret;
	/* No PV features: KVM did not say which it implements. */
	return guest_cpuid_set(c, max, &(struct kvm_cpuid_entry2){ .function = GUEST_CPUID_KVM_FEATURES });
}

int guest_cpuid_build(struct kvm_cpuid2 *c, u32 max, const struct guest_cpuid_config *cfg)
{
	struct kvm_cpuid_entry2 *ext = guest_cpuid_find(c, CPUID_EXT_FEATURES, 0);
	u32 bits = cpuid_core_bits(cfg->nr_cpus);
	int ret;

	if (cfg->nr_cpus < 1 || bits > 7)	/* 1 << bits fits CPUID.1:EBX[23:16] */
		return -EINVAL;
	cpuid_leaf1(c, cfg, bits);
	if (ext)	/* nested state is not migrated: no nested guests */
		ext->ecx &= ~CPUID_EXT_ECX_SVM;
	cpuid_caches(c, 4, bits);
	ret = cpuid_levels(c, max, 0xb, cfg, bits);
	if (!ret)
		ret = cpuid_levels(c, max, 0x1f, cfg, bits);
	if (!ret && cpuid_is_amd(c))
		ret = cpuid_amd_topology(c, max, cfg, bits);
	if (!ret)
		ret = cpuid_kvm_leaves(c, max);
	return ret;
}

void guest_cpuid_set_apic_id(struct kvm_cpuid2 *c, u32 apic_id)
{
	for (u32 i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x00ffffffu) | apic_id << 24;
			break;
		case 0xb:
		case 0x1f:
			e->edx = apic_id;
			break;
		case CPUID_AMD_TOPO:
			/* EAX extended APIC ID, EBX[7:0] core ID (one thread per core) */
			e->eax = apic_id;
			e->ebx = (e->ebx & ~0xffu) | (apic_id & 0xffu);
			break;
		}
	}
}
