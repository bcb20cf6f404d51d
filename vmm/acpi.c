/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* acpi.c - the ACPI tables (RSDP, XSDT, FADT, DSDT, MADT) a Linux guest finds its vCPUs in. */
#include <errno.h>
#include <string.h>

#include "acpi.h"
#include "guest_cpuid.h"
#include "mptable.h"

#define ACPI_MAX_CPUS		254	/* as the MP table: the IOAPIC takes the next ID */
#define ACPI_ALIGN		16u
/* Revisions of ACPI 6.3. */
#define ACPI_RSDP_REV		2
#define ACPI_XSDT_REV		1
#define ACPI_FADT_REV		6
#define ACPI_FADT_MINOR_REV	3
#define ACPI_DSDT_REV		2	/* 64-bit AML integers */
#define ACPI_MADT_REV		5
#define ACPI_OEM_REV		1
#define ACPI_CREATOR_REV	1
/* FADT IA-PC boot architecture flags: no VGA, no CMOS RTC (no device at port 0x70). */
#define ACPI_FADT_IAPC_BOOT	109
#define ACPI_FADT_NO_VGA	(1u << 2)
#define ACPI_FADT_NO_CMOS_RTC	(1u << 5)
/* MADT: flags, the local APIC entry's Enabled flag, all processors' UID. */
#define ACPI_MADT_PCAT_COMPAT	1u	/* KVM's irqchip has the dual 8259 */
#define ACPI_LAPIC_ENABLED	1u
#define ACPI_ALL_PROCESSORS	0xff
#define ACPI_INTI_EDGE_HIGH	0x0005	/* polarity active high, trigger edge */
#define ACPI_NMI_LINT		1

/* Offsets of the tables from the RSDP. */
struct acpi_layout {
	size_t xsdt, fadt, dsdt, madt, end;
};

static size_t acpi_align(size_t v)
{
	return (v + ACPI_ALIGN - 1) & ~(size_t)(ACPI_ALIGN - 1);
}

static size_t acpi_madt_size(int nr_cpus)
{
	return ACPI_MADT_HDR_SIZE + (size_t)nr_cpus * ACPI_MADT_LAPIC_LEN + ACPI_MADT_IOAPIC_LEN +
	       ACPI_MADT_ISO_LEN + ACPI_MADT_NMI_LEN;
}

static void acpi_layout(int nr_cpus, struct acpi_layout *l)
{
	l->xsdt = acpi_align(ACPI_RSDP_SIZE);
	l->fadt = acpi_align(l->xsdt + ACPI_HDR_SIZE + 2 * 8);
	l->dsdt = acpi_align(l->fadt + ACPI_FADT_SIZE);
	l->madt = acpi_align(l->dsdt + ACPI_HDR_SIZE);
	l->end = l->madt + acpi_madt_size(nr_cpus);
}

size_t acpi_size(int nr_cpus)
{
	struct acpi_layout l;

	acpi_layout(nr_cpus, &l);
	return l.end;
}

static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, sizeof(v));
}

/* A system description table's header; the checksum is set last (acpi_seal()). */
static void acpi_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "MIGCTL", 6);		/* OEM ID */
	memcpy(t + 16, "MIGCTLVM", 8);		/* OEM table ID */
	put32(t + 24, ACPI_OEM_REV);
	memcpy(t + 28, "MGCT", 4);		/* creator ID */
	put32(t + 32, ACPI_CREATOR_REV);
}

static void acpi_seal(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = mptable_checksum(t, len);
}

static void acpi_fadt(u8 *t, u32 dsdt_gpa)
{
	acpi_header(t, "FACP", ACPI_FADT_SIZE, ACPI_FADT_REV);
	/* No FACS, SCI, SMI command port, PM blocks or GPEs: all zero. */
	put32(t + ACPI_FADT_DSDT, dsdt_gpa);
	put16(t + ACPI_FADT_IAPC_BOOT, ACPI_FADT_NO_VGA | ACPI_FADT_NO_CMOS_RTC);
	put32(t + ACPI_FADT_FLAGS, ACPI_FADT_HW_REDUCED);
	t[ACPI_FADT_MINOR] = ACPI_FADT_MINOR_REV;
	put64(t + ACPI_FADT_X_DSDT, dsdt_gpa);
	acpi_seal(t, ACPI_FADT_SIZE);
}

static void acpi_madt(u8 *t, int nr_cpus)
{
	u32 len = (u32)acpi_madt_size(nr_cpus);
	u8 *p = t + ACPI_MADT_HDR_SIZE;

	acpi_header(t, "APIC", len, ACPI_MADT_REV);
	put32(t + 36, MPTABLE_LAPIC_ADDR);
	put32(t + 40, ACPI_MADT_PCAT_COMPAT);
	for (int i = 0; i < nr_cpus; i++, p += ACPI_MADT_LAPIC_LEN) {
		p[0] = ACPI_MADT_LAPIC;
		p[1] = ACPI_MADT_LAPIC_LEN;
		p[2] = (u8)i;					/* processor UID */
		p[3] = (u8)guest_cpuid_apic_id(i);
		put32(p + 4, ACPI_LAPIC_ENABLED);
	}
	p[0] = ACPI_MADT_IOAPIC;
	p[1] = ACPI_MADT_IOAPIC_LEN;
	p[2] = (u8)nr_cpus;					/* IOAPIC ID */
	p[3] = 0;
	put32(p + 4, MPTABLE_IOAPIC_ADDR);
	put32(p + 8, 0);					/* GSI base */
	p += ACPI_MADT_IOAPIC_LEN;
	p[0] = ACPI_MADT_ISO;
	p[1] = ACPI_MADT_ISO_LEN;
	p[2] = 0;						/* bus: ISA */
	p[3] = 0;						/* IRQ 0 */
	put32(p + 4, 0);					/* GSI 0 */
	put16(p + 8, ACPI_INTI_EDGE_HIGH);
	p += ACPI_MADT_ISO_LEN;
	p[0] = ACPI_MADT_LAPIC_NMI;
	p[1] = ACPI_MADT_NMI_LEN;
	p[2] = ACPI_ALL_PROCESSORS;
	put16(p + 3, ACPI_INTI_EDGE_HIGH);
	p[5] = ACPI_NMI_LINT;
	acpi_seal(t, len);
}

int acpi_build(u8 *buf, u64 gpa, int nr_cpus)
{
	struct acpi_layout l;
	u8 *rsdp = buf, *xsdt;
	u32 xsdt_len = ACPI_HDR_SIZE + 2 * 8;

	if (nr_cpus < 1 || nr_cpus > ACPI_MAX_CPUS || gpa % ACPI_ALIGN)
		return -EINVAL;
	acpi_layout(nr_cpus, &l);
	if (gpa + l.end > (1ull << 32))
		return -EINVAL;
	memset(buf, 0, l.end);

	xsdt = buf + l.xsdt;
	acpi_header(xsdt, "XSDT", xsdt_len, ACPI_XSDT_REV);
	put64(xsdt + ACPI_HDR_SIZE, gpa + l.fadt);
	put64(xsdt + ACPI_HDR_SIZE + 8, gpa + l.madt);
	acpi_seal(xsdt, xsdt_len);
	acpi_fadt(buf + l.fadt, (u32)(gpa + l.dsdt));
	/* An empty AML body: no devices, no processor objects (the MADT has them). */
	acpi_header(buf + l.dsdt, "DSDT", ACPI_HDR_SIZE, ACPI_DSDT_REV);
	acpi_seal(buf + l.dsdt, ACPI_HDR_SIZE);
	acpi_madt(buf + l.madt, nr_cpus);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "MIGCTL", 6);
	rsdp[15] = ACPI_RSDP_REV;
	put32(rsdp + 16, 0);		/* no RSDT: the XSDT is the root */
	put32(rsdp + 20, ACPI_RSDP_SIZE);
	put64(rsdp + 24, gpa + l.xsdt);
	rsdp[8] = mptable_checksum(rsdp, 20);
	rsdp[32] = mptable_checksum(rsdp, ACPI_RSDP_SIZE);
	return 0;
}
