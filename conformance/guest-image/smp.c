/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* smp.c - per-CPU state, INIT-SIPI-SIPI bring-up, running work on every CPU. */
#include "smp.h"

#include <stddef.h>

#include "console.h"
#include "cpu.h"
#include "layout.h"
#include "machine.h"
#include "trap.h"

#define LAPIC_BASE		0xfee00000ull
#define LAPIC_ID		0x020
#define LAPIC_SVR		0x0f0
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
#define LVT_MASKED		0x10000
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_CUR		0x390
#define LAPIC_TIMER_DIV		0x3e0
#define ICR_INIT		0x00004500
#define ICR_SIPI		0x00004600
#define ICR_BUSY		(1u << 12)

#define MSR_GS_BASE		0xc0000101

/* KVM's LAPIC timer counts nanoseconds: one tick of the wait loop is ~1 ms. */
#define WAIT_TICK		1000000u
#define WAIT_TICKS_MAX		10000u
/* Calibration interval of the TSC against the LAPIC timer (ticks = ns). */
#define CALIBRATE_TICKS		10000000u

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct percpu {
	struct percpu *self;	/* PERCPU_SELF */
	u64 ksaved_rsp;		/* PERCPU_KSAVED_RSP */
	u32 index;
	u32 apic_id;
	volatile u32 online;
	volatile u32 work_seq;
	volatile u32 done_seq;
	smp_work_fn work_fn;
	void *work_arg;
	u64 gdt[GDT_ENTRIES];
	struct tss tss;
};

_Static_assert(offsetof(struct percpu, self) == PERCPU_SELF, "percpu layout");
_Static_assert(offsetof(struct percpu, ksaved_rsp) == PERCPU_KSAVED_RSP, "percpu layout");

extern const u64 boot_gdt[];
extern const char trampoline_start[], trampoline_end[];
extern u8 ap_stacks[], trap_stacks[], user_stacks[];

static struct percpu cpus[MAX_CPUS];
static u32 bsp_apic_id;
/* Read by entry.S and smp_ap_main(): the AP being started and its stack. */
u64 smp_ap_stack;
static volatile u32 smp_ap_cpu;

static u32 lapic_read(u32 reg)
{
	return cpu_mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	cpu_mmio_write32(LAPIC_BASE + reg, v);
}

static void lapic_icr(u32 apic_id, u32 lo)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY)
		asm volatile("pause");
}

static struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

u32 smp_cpu_index(void)
{
	return this_cpu()->index;
}

static void gdt_load(struct percpu *p)
{
	u64 t = (u64)&p->tss;
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) d = { sizeof(p->gdt) - 1, (u64)p->gdt };
	u32 i;

	for (i = 0; i < TSS_SEL / 8; i++)
		p->gdt[i] = boot_gdt[i];
	p->gdt[TSS_SEL / 8] = (sizeof(p->tss) - 1) | ((t & 0xffffff) << 16) | (0x89ull << 40) |
			      ((t >> 24 & 0xff) << 56);
	p->gdt[TSS_SEL / 8 + 1] = t >> 32;
	p->tss.rsp[0] = (u64)trap_stacks + KSTACK_SIZE * (p->index + 1);
	p->tss.iomap_base = sizeof(p->tss);
	asm volatile("lgdt %0; ltr %w1" : : "m"(d), "r"(TSS_SEL) : "memory");
}

/* Everything a CPU needs before it runs scenario code, boot CPU or AP. */
static void cpu_setup(struct percpu *p)
{
	p->self = p;
	/* A null GS selector, which IRETQ to ring 3 keeps, then the base. */
	asm volatile("movl %0, %%gs" : : "r"(0));
	cpu_wrmsr(MSR_GS_BASE, (u64)p);
	gdt_load(p);
	trap_load();
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	/* The firmware may have left the 8259 wired to LINT0; only our vectors may arrive. */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_TIMER_DIV, 0xb);	/* divide by 1 */
	p->apic_id = lapic_read(LAPIC_ID) >> 24;
}

void smp_init_bsp(void)
{
	trap_init();
	cpus[0].index = 0;
	cpu_setup(&cpus[0]);
	bsp_apic_id = cpus[0].apic_id;
	cpus[0].online = 1;
}

/* Sleeps in HLT until *p == want; a one-shot timer bounds each sleep. */
static bool wait_for(volatile u32 *p, u32 want)
{
	u32 ticks = 0;

	while (*p != want) {
		if (ticks++ == WAIT_TICKS_MAX)
			return false;
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
		lapic_write(LAPIC_TIMER_INIT, WAIT_TICK);
		cpu_sti_hlt_cli();
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	return true;
}

static void wake(u32 apic_id)
{
	lapic_icr(apic_id, VEC_WAKE);
}

void smp_ap_main(void)
{
	struct percpu *p = &cpus[smp_ap_cpu];
	u32 seen;

	cpu_setup(p);
	seen = p->work_seq;
	__atomic_store_n(&p->online, 1, __ATOMIC_RELEASE);
	wake(bsp_apic_id);
	for (;;) {
		while (p->work_seq == seen)
			cpu_sti_hlt_cli();
		seen = p->work_seq;
		p->work_fn(p->work_arg);
		__atomic_store_n(&p->done_seq, seen, __ATOMIC_RELEASE);
		wake(bsp_apic_id);
	}
}

u32 smp_start(u32 n, const char **why)
{
	u8 *tramp = (u8 *)(u64)TRAMPOLINE_BASE;
	u32 i;

	if (n > MAX_CPUS)
		n = MAX_CPUS;
	for (i = 0; trampoline_start + i < trampoline_end; i++)
		tramp[i] = trampoline_start[i];
	for (i = 1; i < n; i++) {
		if (cpus[i].online)
			continue;
		cpus[i].index = i;
		smp_ap_cpu = i;
		smp_ap_stack = (u64)ap_stacks + KSTACK_SIZE * (i + 1);
		lapic_icr(i, ICR_INIT);
		lapic_icr(i, ICR_SIPI | (TRAMPOLINE_BASE >> 12));
		lapic_icr(i, ICR_SIPI | (TRAMPOLINE_BASE >> 12));
		if (!wait_for(&cpus[i].online, 1)) {
			*why = "a secondary CPU did not come up after INIT-SIPI-SIPI";
			break;
		}
	}
	return smp_online();
}

u32 smp_online(void)
{
	u32 i, n = 0;

	for (i = 0; i < MAX_CPUS; i++)
		n += cpus[i].online;
	return n;
}

static void post(struct percpu *p, smp_work_fn fn, void *arg)
{
	p->work_fn = fn;
	p->work_arg = arg;
	__atomic_store_n(&p->work_seq, p->work_seq + 1, __ATOMIC_RELEASE);
	wake(p->apic_id);
}

static void collect(struct percpu *p)
{
	if (!wait_for(&p->done_seq, p->work_seq)) {
		con_printf("Bail out! cpu %u did not finish its work\n", p->index);
		machine_exit(MACHINE_EXIT_FAIL);
	}
}

void smp_run(smp_work_fn fn, void *arg)
{
	u32 i;

	for (i = 1; i < MAX_CPUS; i++)
		if (cpus[i].online)
			post(&cpus[i], fn, arg);
	fn(arg);
	for (i = 1; i < MAX_CPUS; i++)
		if (cpus[i].online)
			collect(&cpus[i]);
}

void smp_run_on(u32 cpu, smp_work_fn fn, void *arg)
{
	if (cpu == 0 || cpu >= MAX_CPUS || !cpus[cpu].online) {
		fn(arg);
		return;
	}
	post(&cpus[cpu], fn, arg);
	collect(&cpus[cpu]);
}

static void go_offline(void *arg)
{
	struct percpu *p = this_cpu();

	if (!p->index)
		return;
	__atomic_store_n(&p->online, 0, __ATOMIC_RELEASE);
	wake(bsp_apic_id);
	cpu_halt_forever();
}

void smp_stop(void)
{
	u32 i;

	for (i = 1; i < MAX_CPUS; i++) {
		if (!cpus[i].online)
			continue;
		post(&cpus[i], go_offline, NULL);
		if (!wait_for(&cpus[i].online, 0)) {
			con_printf("Bail out! cpu %u did not go offline\n", i);
			machine_exit(MACHINE_EXIT_FAIL);
		}
	}
}

u64 smp_user_stack_top(void)
{
	return (u64)user_stacks + USTACK_SIZE * (this_cpu()->index + 1);
}

void smp_sleep_until(u64 deadline)
{
	while ((s64)(cpu_rdtsc() - deadline) < 0) {
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
		lapic_write(LAPIC_TIMER_INIT, WAIT_TICK);
		cpu_sti_hlt_cli();
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
}

u64 smp_tsc_hz(void)
{
	u32 start, now;
	u64 t0, t1;

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	start = lapic_read(LAPIC_TIMER_CUR);
	t0 = cpu_rdtsc();
	do
		now = lapic_read(LAPIC_TIMER_CUR);
	while (start - now < CALIBRATE_TICKS && now);
	t1 = cpu_rdtsc();
	lapic_write(LAPIC_TIMER_INIT, 0);
	if (start == now)
		return 0;
	return (t1 - t0) * 1000000000ull / (start - now);
}
