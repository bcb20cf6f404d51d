/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_cpuid.h - the guest's CPUID table, built from what KVM supports. */
#ifndef MIGCTL_VMM_GUEST_CPUID_H
#define MIGCTL_VMM_GUEST_CPUID_H

#include <stdbool.h>
#include <linux/kvm.h>

#include <migctl/types.h>

/* The KVM leaves every VMM on KVM exposes (the protocol's default base). */
#define GUEST_CPUID_KVM_BASE		0x40000000u
#define GUEST_CPUID_KVM_FEATURES	0x40000001u

/* The VM the table describes. */
struct guest_cpuid_config {
	int nr_cpus;		/* APIC IDs 0..nr_cpus - 1: one core each, one package */
	bool irqchip;		/* in-kernel local APIC: x2APIC may be offered */
	bool tsc_deadline;	/* KVM_CAP_TSC_DEADLINE_TIMER */
};

/**
 * guest_cpuid_build() - turn KVM_GET_SUPPORTED_CPUID's table into the template
 * every vCPU of a VM gets (before guest_cpuid_set_apic_id())
 * @c: the table, edited in place
 * @max: room in @c->entries
 * @cfg: the VM
 *
 * KVM's table describes the host, not a guest: it never sets the
 * hypervisor bit (CPUID.1:ECX[31]), it copies the topology and APIC ID of
 * the host CPU the ioctl ran on, and it offers nested virtualization,
 * whose state this VMM does not migrate. The template gets: the
 * hypervisor bit; VMX and SVM hidden; x2APIC and the TSC-deadline timer
 * only with the in-kernel LAPIC (and the latter only with its capability);
 * a topology of @cfg->nr_cpus cores of one thread in one package, in
 * leaves 1, 4, 0xb, 0x1f, 0x80000008, 0x8000001d and 0x8000001e, with
 * every APIC ID field 0; the KVM signature leaf and the KVM features
 * leaf, added if KVM left them out. Everything else stays as KVM reported.
 *
 * Return: 0, or -ENOSPC when @max entries do not suffice.
 */
int guest_cpuid_build(struct kvm_cpuid2 *c, u32 max, const struct guest_cpuid_config *cfg);

/**
 * guest_cpuid_apic_id() - the initial (x2)APIC ID of vCPU @index, which its
 * CPUID, its local APIC and the MP and ACPI tables all give it.
 */
static inline u32 guest_cpuid_apic_id(int index)
{
	return (u32)index;
}

/**
 * guest_cpuid_set_apic_id() - make a copy of the template the table of the vCPU
 * with initial (x2)APIC ID @apic_id (leaves 1, 0xb, 0x1f, 0x8000001e).
 */
void guest_cpuid_set_apic_id(struct kvm_cpuid2 *c, u32 apic_id);

/** guest_cpuid_find() - the entry for (@function, @index), or NULL. */
struct kvm_cpuid_entry2 *guest_cpuid_find(struct kvm_cpuid2 *c, u32 function, u32 index);

/** guest_cpuid_set() - replace or append the entry for @e's (function, index). */
int guest_cpuid_set(struct kvm_cpuid2 *c, u32 max, const struct kvm_cpuid_entry2 *e);

/** guest_cpuid_remove_range() - drop every entry of the functions @first..@last. */
void guest_cpuid_remove_range(struct kvm_cpuid2 *c, u32 first, u32 last);

#endif /* MIGCTL_VMM_GUEST_CPUID_H */
