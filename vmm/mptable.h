/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* mptable.h - the MP table (MP spec 1.4) a Linux guest finds its vCPUs and IOAPIC in. */
#ifndef MIGCTL_VMM_MPTABLE_H
#define MIGCTL_VMM_MPTABLE_H

#include <stddef.h>

#include <migctl/types.h>

#define MPTABLE_LAPIC_ADDR	0xfee00000u
#define MPTABLE_IOAPIC_ADDR	0xfec00000u
#define MPTABLE_ISA_IRQS	16
/* Entry types and sizes of the base table. */
#define MPTABLE_PROCESSOR	0
#define MPTABLE_BUS		1
#define MPTABLE_IOAPIC		2
#define MPTABLE_IOINTR		3
#define MPTABLE_LINTR		4
#define MPTABLE_FLOAT_SIZE	16
#define MPTABLE_HDR_SIZE	44
#define MPTABLE_CPU_SIZE	20
#define MPTABLE_ENTRY_SIZE	8	/* every other entry */
/* Interrupt types of I/O and local interrupt entries. */
#define MPTABLE_INT		0
#define MPTABLE_NMI		1
#define MPTABLE_EXTINT		3

/**
 * mptable_size() - bytes the floating pointer and the configuration table
 * take for @nr_cpus vCPUs.
 */
size_t mptable_size(int nr_cpus);

/**
 * mptable_build() - write an MP floating pointer (MPTABLE_FLOAT_SIZE bytes)
 * at @buf and the configuration table it points to at @cfg, which the
 * guest sees at @cfg_gpa (mptable_size() - MPTABLE_FLOAT_SIZE bytes).
 * @nr_cpus: vCPU i has local APIC ID guest_cpuid_apic_id(i), as vcpu_create()
 *           gives its CPUID and KVM its LAPIC; vCPU 0 boots.
 *
 * The table: one processor entry per vCPU, an ISA bus, the IOAPIC (ID
 * @nr_cpus) at MPTABLE_IOAPIC_ADDR, ISA IRQ n on IOAPIC pin n as KVM's
 * default GSI routing wires them (no IRQ 2, the 8259 cascade), LINT0
 * ExtINT and LINT1 NMI on every local APIC.
 *
 * Return: 0, -EINVAL for @nr_cpus out of 1..254.
 */
int mptable_build(u8 *buf, u8 *cfg, u32 cfg_gpa, int nr_cpus);

/** mptable_checksum() - the byte that makes @len bytes of @p sum to zero. */
u8 mptable_checksum(const u8 *p, size_t len);

#endif /* MIGCTL_VMM_MPTABLE_H */
