/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-dirty.c - scenario for the migration benchmark: dirty N MiB from ring 3, or idle, until killed. */
#include "check.h"
#include "cpu.h"
#include "ktap.h"
#include "smp.h"
#include "user.h"

#define DIRTY_PAGE	4096ull
#define DIRTY_ALIGN	(2ull << 20)
#define DIRTY_CHECK	1024u	/* stores between looks at the TSC */
#define DIRTY_REPORT_MS	10u	/* a rate report at most this often */

extern const char __image_end[];

/* One CPU's share of the dirtied range; read by its ring-3 task. */
struct dirty_slice {
	u64 base;
	u64 npages;
	u64 report_ticks;	/* TSC ticks between rate reports; 0: none */
};

static struct dirty_slice dirty_slices[MAX_CPUS];
static u64 dirty_tsc_hz;

/*
 * SYS_SCENARIO from a dirtying task: @stores pages written in @ticks.
 * The line is the workload's own dirty rate, the same under any VMM:
 * bench/migbench.py reads the source's lines during a migration to show
 * how fast the guest dirtied memory under each (docs/performance.adoc).
 */
static u64 dirty_report(u64 stores, u64 ticks, u64 unused)
{
	(void)unused;
	if (ticks && dirty_tsc_hz)
		report_info("dirty: rate %lu pages/s (%lu pages in %lu us)",
			    stores * dirty_tsc_hz / ticks, stores, ticks * 1000000 / dirty_tsc_hz);
	return 0;
}

/*
 * Ring 3, natively run on our test KVM: one 8-byte store per page, page
 * after page, forever. A store per page dirties the page as surely as a
 * page of stores would, so the dirty rate is bounded by the dirty-log
 * write faults and not by memory bandwidth. The pass number keeps every
 * page non-zero, so that neither VMM can send it as a zero page. Every
 * report_ticks it reports how many pages it wrote; the time the report
 * takes is not counted.
 */
static u64 dirty_task(void *arg)
{
	const struct dirty_slice *s = arg;
	u64 pass, i, stores = 0, t0 = cpu_rdtsc();

	for (pass = 1;; pass++) {
		for (i = 0; i < s->npages; i++) {
			u64 now;

			*(volatile u64 *)(s->base + i * DIRTY_PAGE) = pass;
			if (++stores % DIRTY_CHECK || !s->report_ticks)
				continue;
			now = cpu_rdtsc();
			if (now - t0 < s->report_ticks)
				continue;
			user_syscall(SYS_SCENARIO, stores, now - t0, 0);
			stores = 0;
			t0 = cpu_rdtsc();
		}
	}
	return 0;
}

static void dirty_on_cpu(void *arg)
{
	struct dirty_slice *slices = arg;

	user_call(dirty_task, &slices[smp_cpu_index()]);
}

/*
 * Under --sev-sim the VMM refuses to migrate a guest that is not READY
 * (V-6), so opt in where the protocol is offered; under QEMU it is not,
 * and the guest runs as any guest would.
 */
static void dirty_opt_in(struct scenario_env *env)
{
	struct check_life l = { .env = env };
	int r;

	if (!env->offer.ctl) {
		report_info("dirty: the protocol is not offered: running without it");
		return;
	}
	r = check_life_boot_reset(&l);
	report_info("dirty: opt-in: %d (%s)", r, r ? "not READY" : "READY");
}

/*
 * Ring 3, like the dirtying task: every byte of the slice, once, as
 * non-zero 8-byte words that depend only on the address, so that runs
 * with sev-sim and without move the same contents and neither VMM can
 * send a page as zero.
 */
static u64 dirty_fill_task(void *arg)
{
	const struct dirty_slice *s = arg;

	for (u64 a = s->base; a < s->base + s->npages * DIRTY_PAGE; a += 8)
		*(volatile u64 *)a = (a ^ 0x9e3779b97f4a7c15ull) | 1;
	return 0;
}

static const char *dirty_run(struct scenario_env *env)
{
	const struct params *p = env->params;
	u64 base = ((u64)__image_end + DIRTY_ALIGN - 1) & ~(DIRTY_ALIGN - 1);
	u64 pages = (u64)p->dirty_mib << 8, per_cpu = pages / env->cpus;
	u64 fill = (u64)p->dirty_fill_mib << 8;
	u32 i;

	if (!p->dirty_set)
		return "runs until killed: give dirty.mib=N to run it (benchmarks only)";
	if (pages && !report(machine_is_ram(env->machine, base, pages), "%u MiB from %#lx are RAM",
			     p->dirty_mib, base))
		return NULL;
	if (fill && !report(machine_is_ram(env->machine, base, fill), "%u MiB from %#lx are RAM",
			    p->dirty_fill_mib, base))
		return NULL;
	dirty_opt_in(env);
	if (fill) {
		struct dirty_slice all = { base, fill, 0 };

		user_call(dirty_fill_task, &all);
		report_info("dirty: filled %u MiB from %#lx", p->dirty_fill_mib, base);
	}
	if (!pages) {
		report_info("dirty: idle: halting until killed");
		for (;;)
			cpu_sti_hlt_cli();
	}
	dirty_tsc_hz = smp_tsc_hz();
	user_set_scenario(dirty_report);
	for (i = 0; i < env->cpus; i++)
		dirty_slices[i] = (struct dirty_slice){ base + i * per_cpu * DIRTY_PAGE, per_cpu,
							dirty_tsc_hz * DIRTY_REPORT_MS / 1000 };
	report_info("dirty: writing %u MiB from %#lx round-robin on %u CPUs until killed",
		    p->dirty_mib, base, env->cpus);
	smp_run(dirty_on_cpu, dirty_slices);
	return "the dirtying tasks returned";
}

const struct scenario sc_dirty = {
	.name = "dirty",
	.case_name = "dirty-workload",
	.summary = "benchmarks: ring-3 writes to dirty.mib MiB (0: idle) until killed",
	.run = dirty_run,
};
