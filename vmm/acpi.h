/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* acpi.h - the ACPI tables (RSDP, XSDT, FADT, DSDT, MADT) a Linux guest finds its vCPUs in. */
#ifndef MIGCTL_VMM_ACPI_H
#define MIGCTL_VMM_ACPI_H

#include <stddef.h>

#include <migctl/types.h>

/* Table sizes (ACPI 6.3). */
#define ACPI_RSDP_SIZE		36
#define ACPI_HDR_SIZE		36	/* every system description table's header */
#define ACPI_FADT_SIZE		276
#define ACPI_MADT_HDR_SIZE	44	/* the header, the local APIC address and flags */
/* MADT entry types and lengths. */
#define ACPI_MADT_LAPIC		0
#define ACPI_MADT_IOAPIC	1
#define ACPI_MADT_ISO		2
#define ACPI_MADT_LAPIC_NMI	4
#define ACPI_MADT_LAPIC_LEN	8
#define ACPI_MADT_IOAPIC_LEN	12
#define ACPI_MADT_ISO_LEN	10
#define ACPI_MADT_NMI_LEN	6
/* FADT fields. */
#define ACPI_FADT_DSDT		40
#define ACPI_FADT_FLAGS		112
#define ACPI_FADT_MINOR		131
#define ACPI_FADT_X_DSDT	140
#define ACPI_FADT_HW_REDUCED	(1u << 20)

/**
 * acpi_size() - bytes acpi_build() writes for @nr_cpus vCPUs.
 */
size_t acpi_size(int nr_cpus);

/**
 * acpi_build() - write the ACPI tables at @buf, which the guest sees at @gpa
 * (acpi_size() bytes, 16-byte aligned): the RSDP (revision 2) first, then
 * the XSDT listing the FADT and the MADT, the FADT (HW_REDUCED_ACPI: no
 * PM timer, no SCI, no FACS) pointing at a DSDT of a header only, and the
 * MADT.
 * @nr_cpus: vCPU i gets a Local APIC entry with processor UID i and the
 *           APIC ID guest_cpuid_apic_id(i), as the MP table and its CPUID.
 *
 * The MADT says what the MP table says: the local APICs at
 * MPTABLE_LAPIC_ADDR, the IOAPIC (ID @nr_cpus) at MPTABLE_IOAPIC_ADDR with
 * GSI base 0, ISA IRQ 0 on GSI 0 as KVM's default GSI routing wires the
 * PIT (an explicit identity override, edge, active high), and LINT1 of
 * every local APIC as NMI.
 *
 * Return: 0, -EINVAL for @nr_cpus out of 1..254 or @gpa not 16-byte aligned
 * below 4 GiB.
 */
int acpi_build(u8 *buf, u64 gpa, int nr_cpus);

#endif /* MIGCTL_VMM_ACPI_H */
