/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* smp.h - per-CPU state, INIT-SIPI-SIPI bring-up, running work on every CPU. */
#ifndef GUEST_IMAGE_SMP_H
#define GUEST_IMAGE_SMP_H

#include <migctl/types.h>

typedef void (*smp_work_fn)(void *arg);

/* Sets up the boot CPU (GDT, TSS, IDT, system calls, LAPIC). */
void smp_init_bsp(void);

/*
 * Starts CPUs 1..n-1 (APIC IDs 1..n-1) through the trampoline. Returns the
 * number of CPUs online afterwards; *why names the first that did not
 * come up.
 */
u32 smp_start(u32 n, const char **why);

/* Takes every CPU but the boot CPU offline (CLI; HLT until the next INIT). */
void smp_stop(void);

u32 smp_online(void);
u32 smp_cpu_index(void);

/*
 * Runs fn(arg) on every online CPU, the boot CPU included, and returns when
 * all are done. Called only by the boot CPU.
 */
void smp_run(smp_work_fn fn, void *arg);
/* The same on one CPU (the boot CPU runs it directly). */
void smp_run_on(u32 cpu, smp_work_fn fn, void *arg);

/*
 * TSC ticks per second, measured on the calling CPU against the LAPIC timer
 * (which KVM counts in nanoseconds at divide 1); 0 if the timer stands still.
 * Takes about 10 ms.
 */
u64 smp_tsc_hz(void);

/* Sleeps in HLT (a one-shot LAPIC timer wakes it each ms) until the TSC reaches deadline. */
void smp_sleep_until(u64 deadline);

/* The stack ring-3 tasks of this CPU run on. */
u64 smp_user_stack_top(void);

/* Entry from entry.S for an AP. */
void smp_ap_main(void) __attribute__((noreturn));

#endif /* GUEST_IMAGE_SMP_H */
