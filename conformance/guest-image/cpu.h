/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* cpu.h - privileged x86 instructions the image's kernel uses (no fault recovery). */
#ifndef GUEST_IMAGE_CPU_H
#define GUEST_IMAGE_CPU_H

#include <migctl/types.h>

struct cpu_regs4 {
	u32 eax, ebx, ecx, edx;
};

static inline void cpu_outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void cpu_outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void cpu_cpuid(u32 leaf, u32 sub, struct cpu_regs4 *r)
{
	asm volatile("cpuid"
		     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
		     : "a"(leaf), "c"(sub));
}

/* Architectural MSRs only: protocol MSRs go through the fault-safe helpers (probe.h). */
static inline u64 cpu_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((u64)hi << 32);
}

static inline void cpu_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* Also from ring 3: the image leaves CR4.TSD clear. */
static inline u64 cpu_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (u64)hi << 32;
}

static inline u32 cpu_mmio_read32(u64 addr)
{
	return *(volatile u32 *)addr;
}

static inline void cpu_mmio_write32(u64 addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

/* Sleep until an interrupt; the STI shadow makes the check-then-sleep race-free. */
static inline void cpu_sti_hlt_cli(void)
{
	asm volatile("sti; hlt; cli" : : : "memory");
}

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

static inline void cpu_barrier(void)
{
	asm volatile("" : : : "memory");
}

#endif /* GUEST_IMAGE_CPU_H */
