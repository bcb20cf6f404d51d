/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guestcheck.h - judges a foreign guest's protocol traffic, as a VMM sees it, by the G rules. */
#ifndef MIGCTL_GUESTCHECK_H
#define MIGCTL_GUESTCHECK_H

/*
 * The checker of migctl-vmm --check-guest. The VMM feeds it every event of
 * the protocol it handles (control-MSR and PSC-MSR accesses with its own
 * answer, hypercall 12 with its result, the entries of list requests, and
 * VM-level shutdown, reset and suspend); the checker keeps the guest state
 * machine of spec chapter 7 and records each broken guest rule as a
 * violation named by its G-ID. It never prints; the VMM reports.
 *
 * What a VMM cannot see, the checker cannot judge. KVM answers CPUID in the
 * kernel, so discovery (G-1, G-2, the reading side of G-15) is judged by the
 * scripted-host suite; the checker infers it only from its consequences (a
 * PSC access at an index the leaf did not name, a feature bit the leaf did
 * not define). Memory accesses (G-10), which CPU goes offline (G-11's last
 * clause), and the guest-internal events kexec, S3 and S4 resume (G-12) are
 * invisible too. Where the trace is ambiguous the checker gives the guest
 * the benefit of the doubt: a control-MSR read outside a read-back, or a
 * write of 0, may start a new discovery (kexec is silent), so it ends the
 * "until the next discovery" periods of G-7 and G-8.
 *
 * Judged: G-3, G-4, G-5, G-6, G-7, G-8, G-9, G-11 (shutdown, reset and
 * suspend while READY), G-13, G-14, G-16, G-17; G-15 only through G-5 and G-6.
 * Not judged: G-1, G-2, G-10, G-12 (that re-entry happens; its negotiation
 * is judged as G-6/G-7), G-11's CPU-offline clauses.
 *
 * In checking mode the VMM traps, besides the control MSR and the PSC MSR
 * it offers, the rest of the PSC range MIGCTL_MSR_PSC_FIRST..
 * MIGCTL_MSR_PSC_LAST (0x4b564d40..0x4b564d7f), so that a guest using an
 * index the leaf did not name is seen. Other KVM MSRs have other users
 * (upstream's 0x4b564d09 is proposed for MSR_KVM_SUSPEND_STEAL) and are
 * not the checker's business.
 *
 * All functions are thread-safe: vCPU threads may feed events concurrently.
 * The state is VM-wide, like the control MSR; events are numbered in the
 * order they enter the checker.
 */

#include <migctl/types.h>
#include "migctl.h"

struct migctl_check;

/**
 * struct migctl_check_region - one range of guest RAM in the guest's memory map
 * @gpa: first byte, page-aligned.
 * @size: bytes, page-aligned, non-zero.
 */
struct migctl_check_region {
	gpa_t gpa;
	u64 size;
};

/**
 * struct migctl_check_offer - what the VMM installed in CPUID: all the guest can know
 * @min_version: versioned leaf EBX min (1 for a version-1 host); ignored when off.
 * @max_version: versioned leaf EBX max (1 for a version-1 host); 0 = protocol
 *               off, CPUID bit 17 clear.
 * @features: versioned leaf ECX (0 for a version-1 host). Undefined bits are
 *            allowed: the guest must ignore them (G-15).
 * @psc_msr: versioned leaf EDX when %MIGCTL_F_MSR_PSC is offered (0 means
 *           %MIGCTL_MSR_PSC_DEFAULT, as in the host's configuration).
 * @hypercall: CPUID base+1 EAX bit 16.
 * @ram: the RAM ranges of the memory map the VMM gave the guest (E820 or
 *       PVH memmap RAM entries): the ranges the boot-time reset of G-13
 *       must cover. Copied.
 * @nr_ram: number of @ram entries (0..%MIGCTL_CHECK_RAM_MAX).
 */
struct migctl_check_offer {
	u32 min_version;
	u32 max_version;
	u32 features;
	u32 psc_msr;
	bool hypercall;
	const struct migctl_check_region *ram;
	u32 nr_ram;
};

#define MIGCTL_CHECK_RAM_MAX		256
#define MIGCTL_CHECK_VCPUS_MAX		1024
/* Violations kept for the iterator; later ones are only counted. */
#define MIGCTL_CHECK_KEEP_MAX		4096
#define MIGCTL_CHECK_MSG_MAX		160
/* The vcpu of a violation found on a VM-level event. */
#define MIGCTL_CHECK_NO_VCPU		0xffffffffu

/* VM-level events (migctl_check_vm_exit()). */
#define MIGCTL_CHECK_EXIT_SHUTDOWN	1 /* exit port 0xf4, power-off: the VM ends */
#define MIGCTL_CHECK_EXIT_RESET		2 /* reboot, triple fault: a new boot follows */
#define MIGCTL_CHECK_EXIT_SUSPEND	3 /* ACPI S3/S4 entry, if the VMM sees it */

/**
 * struct migctl_check_violation - one broken guest rule
 * @rule: n of G-n.
 * @id: "G-n", a static string.
 * @vcpu: the vCPU whose event broke the rule, or %MIGCTL_CHECK_NO_VCPU.
 * @event: index of that event, counting every event fed from 0.
 * @msg: what happened, with the offending values; no trailing newline.
 */
struct migctl_check_violation {
	u32 rule;
	const char *id;
	u32 vcpu;
	u64 event;
	char msg[MIGCTL_CHECK_MSG_MAX];
};

/**
 * migctl_check_create() - start checking a VM from its creation
 * @offer: the offer; copied.
 * @nr_vcpus: vCPUs of the VM, 1..%MIGCTL_CHECK_VCPUS_MAX.
 * @out: the new checker.
 *
 * Return: 0, -EINVAL for an offer no conforming host makes (min > max,
 * min 0, features or a PSC index outside the H-2 ranges while offered, bad RAM
 * ranges), or -ENOMEM.
 */
int migctl_check_create(const struct migctl_check_offer *offer, u32 nr_vcpus,
			struct migctl_check **out);

/** migctl_check_destroy() - free a checker (NULL is fine) */
void migctl_check_destroy(struct migctl_check *c);

/**
 * migctl_check_msr_read() - the guest read an MSR
 * @c: checker.
 * @vcpu: vCPU index.
 * @index: MSR index; other than the control MSR, the index the leaf named
 *         and 0x4b564d40..0x4b564d7f are ignored.
 * @val: the value the host returned (ignored with @gp).
 * @gp: the host raised #GP.
 *
 * Return: the number of violations this event added, or -EINVAL for a bad
 * @vcpu. The same holds for every migctl_check_* event function.
 */
int migctl_check_msr_read(struct migctl_check *c, u32 vcpu, u32 index, u64 val, bool gp);

/**
 * migctl_check_msr_write() - the guest wrote an MSR
 * @c: checker.
 * @vcpu: vCPU index.
 * @index: MSR index; the control MSR, the PSC MSR, or another index in
 *         0x4b564d40..0x4b564d7f that the VMM traps in checking mode (an
 *         access there is a guest using an index the leaf did not name).
 * @val: the value written.
 * @gp: the host refused it with #GP.
 *
 * For a PSC list request call migctl_check_list() first.
 * Return: as migctl_check_msr_read().
 */
int migctl_check_msr_write(struct migctl_check *c, u32 vcpu, u32 index, u64 val, bool gp);

/**
 * migctl_check_list() - the entries the host copied for the next list request
 * @c: checker.
 * @vcpu: the vCPU about to report the list request.
 * @entries: the copied entries.
 * @n: their number, at most %MIGCTL_LIST_MAX.
 *
 * Call before the migctl_check_hypercall() or migctl_check_msr_write() of
 * the list request on the same vCPU; a list request without entries (the
 * host refused it before copying) is judged by its header only.
 * Return: 0, -EINVAL for a bad @vcpu or @n, -ENOMEM.
 */
int migctl_check_list(struct migctl_check *c, u32 vcpu,
		      const struct migctl_list_entry *entries, u32 n);

/**
 * migctl_check_hypercall() - the guest's hypercall reached the VMM
 * @c: checker.
 * @vcpu: vCPU index.
 * @nr: hypercall number; only %MIGCTL_HC_MAP_GPA_RANGE is judged.
 * @a0: GPA (or list page GPA).
 * @a1: page count (or list entry count).
 * @a2: attributes.
 * @ret: the result the guest got: 0 or a negative KVM error. A hypercall that
 *       raised #UD never reaches the VMM and is not an event.
 *
 * Return: as migctl_check_msr_read().
 */
int migctl_check_hypercall(struct migctl_check *c, u32 vcpu, u64 nr, u64 a0, u64 a1, u64 a2,
			   s64 ret);

/**
 * migctl_check_vm_exit() - a VM-level event
 * @c: checker.
 * @reason: %MIGCTL_CHECK_EXIT_*. After %MIGCTL_CHECK_EXIT_RESET the checker
 *          expects a new boot (new discovery, boot-time reset, opt-in).
 *
 * Return: as migctl_check_msr_read(); -EINVAL for an unknown @reason.
 */
int migctl_check_vm_exit(struct migctl_check *c, u32 reason);

/**
 * migctl_check_next() - iterate over the violations found so far
 * @c: checker.
 * @cursor: 0 to start; advanced past the violation returned.
 * @out: a copy of the violation.
 *
 * Safe while events are still fed; a VMM may drain after every exit.
 * Return: 0, or -ENOENT when no violation is left to read.
 */
int migctl_check_next(struct migctl_check *c, u64 *cursor, struct migctl_check_violation *out);

/**
 * migctl_check_count() - violations found, including those not kept
 * @c: checker.
 * @rule: n of G-n, or 0 for every rule.
 *
 * Return: the number; more than migctl_check_next() returns once
 * %MIGCTL_CHECK_KEEP_MAX is passed.
 */
u64 migctl_check_count(struct migctl_check *c, u32 rule);

/**
 * migctl_check_nr_events() - events judged so far (a VMM's "checked N events")
 * @c: checker.
 *
 * Return: the number of MSR, hypercall and VM-level events fed.
 */
u64 migctl_check_nr_events(struct migctl_check *c);

#endif /* MIGCTL_GUESTCHECK_H */
