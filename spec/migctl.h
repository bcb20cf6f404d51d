/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migctl.h - the ABI of the migctl protocol: every number of the spec. */
#ifndef MIGCTL_H
#define MIGCTL_H

/*
 * This header is the single definition of the numbers in spec/migctl.adoc.
 * It compiles alone, in user space and with -ffreestanding, and uses only
 * <stdint.h>. Nothing here is a host pointer, a bool or an enum, so the
 * layouts are the same for every compiler and both sides of the wire.
 *
 * Version 1 of the protocol is exactly the upstream KVM ABI
 * (KVM_FEATURE_HC_MAP_GPA_RANGE, KVM_FEATURE_MIGRATION_CONTROL,
 * MSR_KVM_MIGRATION_CONTROL, KVM_HC_MAP_GPA_RANGE). Version 2 adds the
 * versioned CPUID leaf, the version and feature fields of the control MSR,
 * the MSR transport and range lists.
 */

#include <stdint.h>

/* --- Discovery (spec chapter "Discovery") ------------------------------- */

/* CPUID.1:ECX bit 31: running under a hypervisor. */
#define MIGCTL_CPUID_HYPERVISOR_LEAF		0x00000001u
#define MIGCTL_CPUID_HYPERVISOR_BIT		31

/* The KVM leaves start at one of 256 bases, 0x100 apart. */
#define MIGCTL_CPUID_BASE_FIRST			0x40000000u
#define MIGCTL_CPUID_BASE_LAST			0x4000ff00u
#define MIGCTL_CPUID_BASE_STEP			0x00000100u

/* Leaf base+0: EAX = max leaf, EBX:ECX:EDX = "KVMKVMKVM\0\0\0". */
#define MIGCTL_KVM_SIG_EBX			0x4b4d564bu /* "KVMK" */
#define MIGCTL_KVM_SIG_ECX			0x564b4d56u /* "VMKV" */
#define MIGCTL_KVM_SIG_EDX			0x0000004du /* "M\0\0\0" */

/* Leaf base+1: EAX = KVM feature bits. */
#define MIGCTL_CPUID_FEATURES_OFFSET		0x01u
#define MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE	16 /* hypercall transport */
#define MIGCTL_KVM_FEATURE_MIGRATION_CONTROL	17 /* control MSR */

/*
 * Leaf base+0x4d ('M'): the versioned leaf, version 2 and later. A guest
 * reads it only when base+0 EAX >= base+0x4d and bit 17 of base+1 EAX is
 * set, and believes it only when EAX holds the magic, 1 <= min <= max and
 * every reserved bit is zero.
 *   EAX    = MIGCTL_LEAF_MAGIC
 *   EBX    = bits 7:0 min version, bits 15:8 max version, bits 31:16 MBZ
 *   ECX    = offered feature flags (MIGCTL_F_*)
 *   EDX    = index of the MSR transport's MSR when MIGCTL_F_MSR_PSC is
 *            offered, 0 otherwise
 */
#define MIGCTL_CPUID_LEAF_OFFSET		0x4du
#define MIGCTL_LEAF_MAGIC			0x4c54434du /* "MCTL" */
#define MIGCTL_LEAF_EBX_MIN_SHIFT		0
#define MIGCTL_LEAF_EBX_MAX_SHIFT		8
#define MIGCTL_LEAF_EBX_VERSION_MASK		0xffu
#define MIGCTL_LEAF_EBX_RESERVED		0xffff0000u
/* The same fields as masks in place. */
#define MIGCTL_LEAF_EBX_MIN_MASK		0x000000ffu
#define MIGCTL_LEAF_EBX_MAX_MASK		0x0000ff00u

/* --- Versions and features ---------------------------------------------- */

#define MIGCTL_VERSION_1			1u
#define MIGCTL_VERSION_2			2u
#define MIGCTL_VERSION_MAX			MIGCTL_VERSION_2

/* Feature flags: leaf ECX (offered) and control MSR bits 63:32 (chosen). */
#define MIGCTL_F_MSR_PSC			(1u << 0) /* MSR transport */
#define MIGCTL_F_LIST				(1u << 1) /* range lists */
#define MIGCTL_F_ALL				(MIGCTL_F_MSR_PSC | MIGCTL_F_LIST)

/* --- The control MSR (MSR_KVM_MIGRATION_CONTROL) ------------------------ */

#define MIGCTL_MSR_CONTROL			0x4b564d08u

/*
 *   bit 0      READY: the guest notifies status changes; migratable
 *   bits 7:1   MBZ
 *   bits 15:8  VERSION chosen; 0 means version 1 (an upstream guest
 *              writes 1)
 *   bits 31:16 MBZ
 *   bits 63:32 FEATURES chosen, a subset of the offer; 0 in version 1
 * A value with READY clear must be 0 (opt-out).
 */
#define MIGCTL_CTL_READY			(1ull << 0)
#define MIGCTL_CTL_VERSION_SHIFT		8
#define MIGCTL_CTL_VERSION_MASK			(0xffull << MIGCTL_CTL_VERSION_SHIFT)
#define MIGCTL_CTL_FEATURES_SHIFT		32
#define MIGCTL_CTL_FEATURES_MASK		(0xffffffffull << MIGCTL_CTL_FEATURES_SHIFT)
#define MIGCTL_CTL_RESERVED			0x00000000ffff00feull

#define MIGCTL_CTL_VALUE(version, features)				\
	(MIGCTL_CTL_READY |						\
	 ((uint64_t)(version) << MIGCTL_CTL_VERSION_SHIFT) |		\
	 ((uint64_t)(features) << MIGCTL_CTL_FEATURES_SHIFT))
#define MIGCTL_CTL_GET_VERSION(v)					\
	((uint32_t)(((v) & MIGCTL_CTL_VERSION_MASK) >> MIGCTL_CTL_VERSION_SHIFT))
#define MIGCTL_CTL_GET_FEATURES(v)	((uint32_t)((v) >> MIGCTL_CTL_FEATURES_SHIFT))

/* --- Status notification: page attributes ------------------------------- */

/* Bits 3:0: page-size hint (hypercall) or unit (MSR transport). */
#define MIGCTL_ATTR_SIZE_MASK			0xfull
#define MIGCTL_ATTR_SIZE_4K			0x0ull
#define MIGCTL_ATTR_SIZE_2M			0x1ull
#define MIGCTL_ATTR_SIZE_1G			0x2ull
#define MIGCTL_ATTR_SIZE_MAX			MIGCTL_ATTR_SIZE_1G
/* Bit 4: 1 = encrypted (private), 0 = decrypted (shared). */
#define MIGCTL_ATTR_ENCRYPTED			(1ull << 4)
/* Bit 5 (MIGCTL_F_LIST): the request names a list of ranges. */
#define MIGCTL_ATTR_LIST			(1ull << 5)
/* Bits 63:6 (and bit 5 unless MIGCTL_F_LIST is offered): MBZ. */
#define MIGCTL_ATTR_RESERVED			(~0x3full)

#define MIGCTL_PAGE_SHIFT			12
#define MIGCTL_PAGE_SIZE			(1ull << MIGCTL_PAGE_SHIFT)
/* 4 KiB pages in one unit of size hint s: 1, 512, 262144. */
#define MIGCTL_SIZE_PAGES(s)			(1ull << (9 * (s)))

/* --- Transport 1: the hypercall (KVM_HC_MAP_GPA_RANGE) ------------------- */

/*
 * RAX = 12, RBX = a0 = page-aligned GPA, RCX = a1 = number of 4 KiB
 * pages, RDX = a2 = attributes. Result in RAX: 0 or a negative KVM error.
 * With MIGCTL_ATTR_LIST, a0 is the GPA of a list page and a1 the number of
 * entries in it.
 */
#define MIGCTL_HC_MAP_GPA_RANGE			12u

/* KVM hypercall error numbers (returned negated). */
#define MIGCTL_KVM_EPERM			1
#define MIGCTL_KVM_E2BIG			7
#define MIGCTL_KVM_EFAULT			14
#define MIGCTL_KVM_EINVAL			22
#define MIGCTL_KVM_ENOSYS			1000

/* --- Transport 2: the MSR transport (MIGCTL_F_MSR_PSC) ------------------- */

/*
 * One WRMSR to the index named in leaf EDX carries one request:
 *   bits 3:0   unit: MIGCTL_ATTR_SIZE_4K, _2M or _1G
 *   bit 4      MIGCTL_ATTR_ENCRYPTED
 *   bit 5      MIGCTL_ATTR_LIST: GFN names a list page, COUNT its entries
 *   bits 11:6  MBZ
 *   bits 51:12 GFN of the first 4 KiB page, aligned to the unit
 *   bits 63:52 COUNT - 1, in units (1..4096) or list entries (1..256)
 * The write completes when the change is recorded; an invalid request
 * raises #GP and changes nothing. RDMSR of the index raises #GP.
 */
#define MIGCTL_MSR_KVM_FIRST			0x4b564d00u
#define MIGCTL_MSR_KVM_LAST			0x4b564dffu
/* Indices upstream KVM defines (0x4b564d00..0x4b564d08): never the PSC. */
#define MIGCTL_MSR_KVM_UPSTREAM_LAST		0x4b564d08u
/*
 * The indices a PSC MSR may have (leaf EDX): far above upstream's, which
 * grow from 0x4b564d00 and have a proposal at 0x4b564d09, and far below
 * PVM's 0x4b564df0..0x4b564dff. A guest refuses any other index.
 */
#define MIGCTL_MSR_PSC_FIRST			0x4b564d40u
#define MIGCTL_MSR_PSC_LAST			0x4b564d7fu
#define MIGCTL_MSR_PSC_DEFAULT			MIGCTL_MSR_PSC_FIRST

#define MIGCTL_PSC_ATTR_MASK			0xfffull
/* Bits 11:6 of a PSC request: MBZ. */
#define MIGCTL_PSC_RESERVED			0x0000000000000fc0ull
#define MIGCTL_PSC_GFN_SHIFT			12
#define MIGCTL_PSC_GFN_MASK			0x000ffffffffff000ull
#define MIGCTL_PSC_COUNT_SHIFT			52
#define MIGCTL_PSC_COUNT_MAX			4096u
#define MIGCTL_PSC_COUNT_MASK			0xfff0000000000000ull

#define MIGCTL_PSC_VALUE(gfn, count, attrs)				\
	(((uint64_t)(attrs) & MIGCTL_PSC_ATTR_MASK) |			\
	 (((uint64_t)(gfn) << MIGCTL_PSC_GFN_SHIFT) & MIGCTL_PSC_GFN_MASK) | \
	 ((uint64_t)((count) - 1) << MIGCTL_PSC_COUNT_SHIFT))
#define MIGCTL_PSC_GET_GFN(v)	(((v) & MIGCTL_PSC_GFN_MASK) >> MIGCTL_PSC_GFN_SHIFT)
#define MIGCTL_PSC_GET_COUNT(v)	((uint32_t)((v) >> MIGCTL_PSC_COUNT_SHIFT) + 1)

/* --- Range lists (MIGCTL_F_LIST) ----------------------------------------- */

/*
 * A list page is a page-aligned, shared (decrypted) 4 KiB page holding
 * 1..MIGCTL_LIST_MAX entries. The host copies the entries it was told of
 * before checking them, checks all, and applies all or none.
 */
struct migctl_list_entry {
	/* bits 63:12 page-aligned GPA, bits 11:0 attributes (no LIST bit) */
	uint64_t gpa_attrs;
	/* number of 4 KiB pages, at least 1 */
	uint64_t npages;
};

#define MIGCTL_LIST_MAX		(MIGCTL_PAGE_SIZE / sizeof(struct migctl_list_entry))
#define MIGCTL_LIST_GPA_MASK	(~0xfffull)
#define MIGCTL_LIST_ATTR_MASK	0xfffull

_Static_assert(sizeof(struct migctl_list_entry) == 16, "list entry is 16 bytes");
_Static_assert(MIGCTL_PAGE_SIZE / sizeof(struct migctl_list_entry) == 256,
	       "a list page holds 256 entries");
_Static_assert((MIGCTL_CTL_READY | MIGCTL_CTL_VERSION_MASK |
		MIGCTL_CTL_FEATURES_MASK | MIGCTL_CTL_RESERVED) == ~0ull,
	       "control MSR fields cover 64 bits");
_Static_assert(((MIGCTL_CTL_READY | MIGCTL_CTL_VERSION_MASK |
		 MIGCTL_CTL_FEATURES_MASK) & MIGCTL_CTL_RESERVED) == 0,
	       "control MSR fields do not overlap");
_Static_assert((MIGCTL_PSC_ATTR_MASK & MIGCTL_PSC_GFN_MASK) == 0,
	       "PSC fields do not overlap");
_Static_assert((MIGCTL_PSC_RESERVED & ~MIGCTL_PSC_ATTR_MASK) == 0 &&
	       (MIGCTL_PSC_RESERVED & (MIGCTL_ATTR_SIZE_MASK | MIGCTL_ATTR_ENCRYPTED |
				       MIGCTL_ATTR_LIST)) == 0,
	       "PSC reserved bits are the undefined attribute bits");
_Static_assert(MIGCTL_LEAF_EBX_MIN_MASK ==
	       (MIGCTL_LEAF_EBX_VERSION_MASK << MIGCTL_LEAF_EBX_MIN_SHIFT) &&
	       MIGCTL_LEAF_EBX_MAX_MASK ==
	       (MIGCTL_LEAF_EBX_VERSION_MASK << MIGCTL_LEAF_EBX_MAX_SHIFT) &&
	       (MIGCTL_LEAF_EBX_MIN_MASK | MIGCTL_LEAF_EBX_MAX_MASK |
		MIGCTL_LEAF_EBX_RESERVED) == 0xffffffffu,
	       "leaf EBX fields cover 32 bits");
_Static_assert((MIGCTL_PSC_ATTR_MASK | MIGCTL_PSC_GFN_MASK | MIGCTL_PSC_COUNT_MASK) == ~0ull &&
	       (MIGCTL_PSC_COUNT_MASK >> MIGCTL_PSC_COUNT_SHIFT) == MIGCTL_PSC_COUNT_MAX - 1,
	       "PSC fields cover 64 bits");
_Static_assert(MIGCTL_PSC_COUNT_MAX == (1u << (64 - MIGCTL_PSC_COUNT_SHIFT)),
	       "PSC count field holds COUNT-1 for 1..MAX");
_Static_assert(MIGCTL_MSR_PSC_FIRST > MIGCTL_MSR_KVM_UPSTREAM_LAST + 1 &&
	       MIGCTL_MSR_PSC_FIRST <= MIGCTL_MSR_PSC_DEFAULT &&
	       MIGCTL_MSR_PSC_DEFAULT <= MIGCTL_MSR_PSC_LAST &&
	       MIGCTL_MSR_PSC_LAST <= MIGCTL_MSR_KVM_LAST,
	       "the PSC MSR range lies in the KVM range, above upstream's indices");

#endif /* MIGCTL_H */
