/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* proto.h - the migctl protocol on a VM: host library wired to KVM exits. */
#ifndef MIGCTL_VMM_PROTO_H
#define MIGCTL_VMM_PROTO_H

#include <stdbool.h>
#include <stdio.h>

#include <migctl/types.h>

struct vm;
struct proto;
struct migctl_host;

struct proto_config {
	u32 max_version;	/* 0 off, 1, 2 */
	u32 features;		/* MIGCTL_F_* wanted (version 2) */
	bool hypercall_works;	/* probe: KVM_EXIT_HYPERCALL delivered */
	bool msr_works;		/* probe: filtered MSR exits delivered */
	bool trace;		/* one stderr line per exchange */
	bool encrypted;		/* sev-sim: RAM starts private (H-13), V-6 applies */
	bool check_guest;	/* also trap the free rest of the KVM MSR range (#GP) */
};

/* Sees every protocol exit after the host answered (--check-guest). */
struct proto_observer {
	void *arg;
	void (*msr)(void *arg, int cpu, bool write, u32 index, u64 val, bool gp);
	void (*hypercall)(void *arg, int cpu, u64 nr, u64 a0, u64 a1, u64 a2, s64 ret);
};

/**
 * proto_create() - set up the protocol on @vm before its vCPUs exist
 *
 * Creates the host engine with what the configuration asks for AND the
 * probe found working (V-10): no MSR exits means nothing is offered, no
 * hypercall exits means no bit 16. Installs the MSR filter, enables
 * hypercall exits, patches the VM's CPUID template and routes the exits.
 * @note receives a static message when the offer had to be reduced.
 *
 * Return: 0 or -errno.
 */
int proto_create(struct vm *vm, const struct proto_config *pc, struct proto **out,
		 const char **note);

/** proto_destroy() - free the engine (after the vCPUs stopped). */
void proto_destroy(struct proto *p);

/**
 * proto_observe() - show every MSR and hypercall exit to @obs, with the
 * answer the guest gets, in the vCPU's thread before it re-enters. Set it
 * before the vCPUs run.
 */
void proto_observe(struct proto *p, const struct proto_observer *obs);

/** proto_host() - the engine, for migration. */
struct migctl_host *proto_host(struct proto *p);

/**
 * proto_print_stats() - one "# stats: key=value ..." line: exits, MSR
 * reads/writes per index, hypercalls, #GPs, the engine's counters and state.
 */
void proto_print_stats(struct proto *p, FILE *f);

#endif /* MIGCTL_VMM_PROTO_H */
