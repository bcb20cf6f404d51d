/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* machine.c - what the loader told the image (PVH start info) and how the image ends. */
#include "machine.h"

#include <migctl/pvh.h>

#include "cpu.h"

static void machine_add_ram(struct machine *m, u64 start, u64 end)
{
	u32 i, j;

	start = (start + 0xfff) & ~0xfffull;
	end &= ~0xfffull;
	if (end <= start || m->nram == MACHINE_RAM_MAX)
		return;
	for (i = 0; i < m->nram && m->ram[i].gpa < start; i++)
		;
	for (j = m->nram; j > i; j--)
		m->ram[j] = m->ram[j - 1];
	m->ram[i] = (struct migctl_guest_range){ start, (end - start) >> 12 };
	m->nram++;
	if (end > m->ram_end)
		m->ram_end = end;
}

int machine_init(struct machine *m, u32 start_info, const char **why)
{
	const struct hvm_start_info *si = (const void *)(u64)start_info;
	const struct hvm_memmap_table_entry *e;
	struct cpu_regs4 r;
	const char *s;
	u32 i;

	/* Mask the 8259s: firmware (SeaBIOS under QEMU) leaves the PIT on IRQ 0 at vector 8. */
	cpu_outb(0x21, 0xff);
	cpu_outb(0xa1, 0xff);
	m->start_info = start_info;
	if (si->magic != MIGCTL_PVH_START_MAGIC || si->version < 1) {
		*why = "no PVH start info (bad magic or version 0)";
		return -1;
	}
	s = si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
	for (i = 0; s[i] && i < MACHINE_CMDLINE_MAX - 1; i++)
		m->cmdline[i] = s[i];
	m->cmdline[i] = '\0';
	e = (const void *)si->memmap_paddr;
	for (i = 0; i < si->memmap_entries; i++)
		if (e[i].type == MIGCTL_PVH_MEMMAP_RAM)
			machine_add_ram(m, e[i].addr, e[i].addr + e[i].size);
	cpu_cpuid(0x80000000, 0, &r);
	m->phys_bits = 36;
	if (r.eax >= 0x80000008) {
		cpu_cpuid(0x80000008, 0, &r);
		m->phys_bits = r.eax & 0xff;
	}
	return 0;
}

bool machine_is_ram(const struct machine *m, u64 gpa, u64 npages)
{
	u32 i;

	for (i = 0; i < m->nram; i++) {
		u64 end = m->ram[i].gpa + (m->ram[i].npages << 12);

		if (gpa >= m->ram[i].gpa && gpa < end)
			return npages <= (end - gpa) >> 12;
	}
	return false;
}

u64 machine_hole(const struct machine *m)
{
	u32 i;

	for (i = 0; i + 1 < m->nram; i++) {
		u64 end = m->ram[i].gpa + (m->ram[i].npages << 12);

		if (end < m->ram[i + 1].gpa)
			return end;
	}
	return m->ram_end;
}

void machine_exit(u32 code)
{
	cpu_outl(MIGCTL_PVH_EXIT_PORT, code);
	cpu_halt_forever();
}
