/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* mptable.c - the MP table (MP spec 1.4) a Linux guest finds its vCPUs and IOAPIC in. */
#include <errno.h>
#include <string.h>

#include "guest_cpuid.h"
#include "mptable.h"

#define MPTABLE_SPEC_REV	4	/* 1.4 */
#define MPTABLE_LAPIC_VERSION	0x14	/* an integrated local APIC */
#define MPTABLE_IOAPIC_VERSION	0x11	/* what KVM's IOAPIC reports */
#define MPTABLE_CPU_ENABLED	0x01
#define MPTABLE_CPU_BSP		0x02
#define MPTABLE_IOAPIC_ENABLED	0x01
#define MPTABLE_ALL_LAPICS	0xff
/* CPU signature and feature flags: family 6; FPU and APIC present. */
#define MPTABLE_CPU_SIGNATURE	0x600
#define MPTABLE_CPU_FEATURES	0x201
#define MPTABLE_MAX_CPUS	254	/* the IOAPIC takes the next ID, 0xff is broadcast */

static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

u8 mptable_checksum(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return (u8)-sum;
}

static size_t mptable_nr_entries(int nr_cpus)
{
	/* CPUs, the bus, the IOAPIC, 15 ISA IRQs, LINT0 and LINT1. */
	return nr_cpus + 1 + 1 + (MPTABLE_ISA_IRQS - 1) + 2;
}

static size_t mptable_cfg_size(int nr_cpus)
{
	return MPTABLE_HDR_SIZE + nr_cpus * MPTABLE_CPU_SIZE +
	       (mptable_nr_entries(nr_cpus) - nr_cpus) * MPTABLE_ENTRY_SIZE;
}

size_t mptable_size(int nr_cpus)
{
	return MPTABLE_FLOAT_SIZE + mptable_cfg_size(nr_cpus);
}

static u8 *mptable_cpus(u8 *p, int nr_cpus)
{
	for (int i = 0; i < nr_cpus; i++, p += MPTABLE_CPU_SIZE) {
		p[0] = MPTABLE_PROCESSOR;
		p[1] = (u8)guest_cpuid_apic_id(i);
		p[2] = MPTABLE_LAPIC_VERSION;
		p[3] = MPTABLE_CPU_ENABLED | (i == 0 ? MPTABLE_CPU_BSP : 0);
		put32(p + 4, MPTABLE_CPU_SIGNATURE);
		put32(p + 8, MPTABLE_CPU_FEATURES);
	}
	return p;
}

/* An I/O (type 3) or local (type 4) interrupt entry; flags 0: conforms to the bus. */
static u8 *mptable_intr(u8 *p, u8 type, u8 kind, u8 src_irq, u8 dst_id, u8 dst_pin)
{
	p[0] = type;
	p[1] = kind;
	put16(p + 2, 0);
	p[4] = 0;	/* source bus: the ISA bus */
	p[5] = src_irq;
	p[6] = dst_id;
	p[7] = dst_pin;
	return p + MPTABLE_ENTRY_SIZE;
}

static u8 *mptable_entries(u8 *p, int nr_cpus)
{
	u8 ioapic_id = (u8)nr_cpus;

	p = mptable_cpus(p, nr_cpus);
	p[0] = MPTABLE_BUS;
	p[1] = 0;
	memcpy(p + 2, "ISA   ", 6);
	p += MPTABLE_ENTRY_SIZE;
	p[0] = MPTABLE_IOAPIC;
	p[1] = ioapic_id;
	p[2] = MPTABLE_IOAPIC_VERSION;
	p[3] = MPTABLE_IOAPIC_ENABLED;
	put32(p + 4, MPTABLE_IOAPIC_ADDR);
	p += MPTABLE_ENTRY_SIZE;
	for (u8 irq = 0; irq < MPTABLE_ISA_IRQS; irq++)
		if (irq != 2)
			p = mptable_intr(p, MPTABLE_IOINTR, MPTABLE_INT, irq, ioapic_id, irq);
	p = mptable_intr(p, MPTABLE_LINTR, MPTABLE_EXTINT, 0, MPTABLE_ALL_LAPICS, 0);
	return mptable_intr(p, MPTABLE_LINTR, MPTABLE_NMI, 0, MPTABLE_ALL_LAPICS, 1);
}

int mptable_build(u8 *buf, u8 *cfg, u32 cfg_gpa, int nr_cpus)
{
	size_t len;

	if (nr_cpus < 1 || nr_cpus > MPTABLE_MAX_CPUS)
		return -EINVAL;
	len = mptable_cfg_size(nr_cpus);
	memset(cfg, 0, len);
	memcpy(cfg, "PCMP", 4);
	put16(cfg + 4, (u16)len);
	cfg[6] = MPTABLE_SPEC_REV;
	memcpy(cfg + 8, "MIGCTL  ", 8);		/* OEM ID */
	memcpy(cfg + 16, "MIGCTL-VMM  ", 12);	/* product ID */
	put16(cfg + 34, (u16)mptable_nr_entries(nr_cpus));
	put32(cfg + 36, MPTABLE_LAPIC_ADDR);
	mptable_entries(cfg + MPTABLE_HDR_SIZE, nr_cpus);
	cfg[7] = mptable_checksum(cfg, len);

	memset(buf, 0, MPTABLE_FLOAT_SIZE);
	memcpy(buf, "_MP_", 4);
	put32(buf + 4, cfg_gpa);
	buf[8] = 1;		/* length in 16-byte units */
	buf[9] = MPTABLE_SPEC_REV;
	/* Feature bytes 1..5 zero: the table is there, no IMCR (virtual wire). */
	buf[10] = mptable_checksum(buf, MPTABLE_FLOAT_SIZE);
	return 0;
}
