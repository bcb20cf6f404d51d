/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* probe.h - find out at start-up which protocol transports this KVM delivers. */
#ifndef MIGCTL_VMM_PROBE_H
#define MIGCTL_VMM_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include <migctl/types.h>

#define PROBE_WHY_MAX	160

struct probe_result {
	bool hypercall;		/* hypercall 12 arrives as KVM_EXIT_HYPERCALL */
	bool msr_filter;	/* filtered MSRs arrive as KVM_EXIT_X86_RDMSR */
	bool quirk_off;		/* KVM_X86_QUIRK_FIX_HYPERCALL_INSN disabled */
	u64 hypercall_cap;	/* KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL) */
	const char *insn;	/* "vmmcall" (AMD, Hygon) or "vmcall" */
	long usec;		/* what the probe cost */
	char hypercall_why[PROBE_WHY_MAX];
	char msr_why[PROBE_WHY_MAX];
};

/**
 * probe_run() - run a tiny 1-vCPU probe VM (V-10)
 *
 * The guest reads the control MSR and the MSR transport's default index
 * (both behind an MSR filter), then issues hypercall 12 with the host
 * CPU's native instruction. Each step is bounded by a timer that kicks
 * the vCPU out of KVM_RUN, so the probe always ends with a definite answer
 * and a reason: the exit seen, the exception the guest took, or the
 * timeout.
 *
 * Return: 0 (answers in @r), or -errno if no probe VM could be built (the
 * answers are then "no" with the reason).
 */
int probe_run(struct probe_result *r);

/** probe_print() - the findings, one "key: value" line each. */
void probe_print(const struct probe_result *r, FILE *f);

#endif /* MIGCTL_VMM_PROBE_H */
