/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migctl-guest.h - the guest role of migctl as an embeddable library. */
#ifndef MIGCTL_GUEST_H
#define MIGCTL_GUEST_H

/*
 * The library a guest kernel or firmware embeds to speak migctl: discovery,
 * version negotiation with read-back, opt-out and re-entry, the boot-time
 * reset, and page status notifications over the transports the host
 * advertises.
 *
 * It is freestanding: no libc, no allocation, no global mutable state. All
 * state lives in one struct migctl_guest the embedder owns; the platform
 * is reached only through struct migctl_guest_ops (guest/arch/x86/ has
 * ready-made ops for a bare-metal x86-64 kernel). The library never links
 * to anything: `nm -u libmigctl-guest.a` is empty.
 *
 * Concurrency: every function taking a struct migctl_guest takes the
 * embedder's lock (ops->lock) around its work, including across the host
 * call, so several CPUs may share one context. A struct migctl_guest_batch
 * belongs to one caller (for example one per CPU) and is not locked.
 *
 * Transports. A notification uses the hypercall (KVM_HC_MAP_GPA_RANGE,
 * CPUID base+1 EAX bit 16) when the host offers it and it has not failed,
 * else the MSR transport (MIGCTL_F_MSR_PSC with a valid index in the
 * versioned leaf), unless MIGCTL_GUEST_PREFER_MSR_PSC reverses the order.
 * After the hypercall answers -KVM_ENOSYS or raises #UD the library never
 * issues it again and resends the same request over the MSR transport if
 * that is in use. When no transport is left, notifications are elided
 * (counted, not sent, and reported as success); if the guest was READY at
 * that moment it withdraws READY (writes 0), because a READY guest that
 * cannot notify would let the host migrate with a stale status log, and
 * the context becomes MIGCTL_GUEST_UNAVAILABLE.
 *
 * Which transports are in use (G-16): before negotiation, the offered ones
 * the guest wants; after a version-2 negotiation, the hypercall plus the
 * features chosen; after a version-1 negotiation, the hypercall only. A
 * host without CPUID base+1 EAX bit 17 offers nothing, not even with bit
 * 16. A range list (MIGCTL_F_LIST) is used when it is in use, the embedder
 * set a list page, and a flush has at least two runs.
 *
 * Life cycle, as the embedder drives it:
 *	boot:		init, [set_list_page], discover, boot_reset
 *	kexec, reboot, shutdown:	opt_out(KEXEC / REBOOT / SHUTDOWN)
 *	S3:		opt_out(SUSPEND) ... resume
 *	S4 resume:	discover, boot_reset (the log is the restoring kernel's)
 *	CPU hotplug:	cpu_offline(cpus_left) ... cpu_online
 * A notification the host refuses is reported to the caller, who should
 * undo the page-table change or, if it cannot, opt_out(ERROR) so that the
 * VM is not migrated with a log known to be wrong; the flag
 * MIGCTL_GUEST_WITHDRAW_ON_ERROR makes the library do the latter itself.
 * Either way the context is then MIGCTL_GUEST_UNAVAILABLE until the next
 * discover and boot_reset, which rebuild the log.
 *
 * Requests. Each contiguous run becomes one hypercall carrying the largest
 * page-size hint to which both its GPA and its length are aligned; the
 * MSR transport splits a run into requests of at most 4096 units, each
 * with the largest unit that fits (4 KiB up to a 2 MiB boundary, 2 MiB up
 * to a 1 GiB boundary, 1 GiB units, then the tail).
 *
 * Return values: 0, or a negative number. -MIGCTL_KVM_EINVAL,
 * -MIGCTL_KVM_E2BIG and -MIGCTL_KVM_EFAULT are host answers to a request
 * (never retried); the -MIGCTL_GUEST_E* codes below are the library's.
 */

#include <migctl/types.h>
#include "migctl.h"

/* Library error numbers (returned negated; same values as Linux errno). */
#define MIGCTL_GUEST_EIO		5	/* #GP on an MSR, or odd answer */
#define MIGCTL_GUEST_ENODEV		19	/* protocol not offered */
#define MIGCTL_GUEST_EINVAL		22	/* bad argument from the caller */
#define MIGCTL_GUEST_EPROTO		71	/* negotiation failed */

/* Platform operations: the only way the library touches the machine. */
#define MIGCTL_GUEST_INSN_VMCALL	0	/* Intel and others */
#define MIGCTL_GUEST_INSN_VMMCALL	1	/* AMD, Hygon */

#define MIGCTL_GUEST_VEC_UD		6
#define MIGCTL_GUEST_VEC_GP		13

/**
 * struct migctl_guest_ops - platform operations supplied by the embedder
 * @cpuid: execute CPUID(@leaf, @subleaf); out[] = EAX, EBX, ECX, EDX.
 * @rdmsr: read MSR @index into *@val; return 0, or the fault vector
 *	(MIGCTL_GUEST_VEC_GP) with *@val untouched.
 * @wrmsr: write @val to MSR @index; return 0 or the fault vector.
 * @hypercall: execute VMCALL or VMMCALL (@insn, MIGCTL_GUEST_INSN_*) with
 *	RAX = @nr, RBX = @a0, RCX = @a1, RDX = @a2 and return RAX. If the
 *	instruction faults, set *@fault to the vector (MIGCTL_GUEST_VEC_UD)
 *	and return anything; otherwise leave *@fault at 0.
 * @lock: optional (NULL for single-CPU use); taken around every call that
 *	uses a struct migctl_guest, never nested. Must be usable from the
 *	contexts the embedder calls the library in.
 * @unlock: releases @lock.
 * @arg: passed to @cpuid, @rdmsr, @wrmsr and @hypercall.
 * @lock_arg: passed to @lock and @unlock.
 */
struct migctl_guest_ops {
	void (*cpuid)(void *arg, u32 leaf, u32 subleaf, u32 out[4]);
	int (*rdmsr)(void *arg, u32 index, u64 *val);
	int (*wrmsr)(void *arg, u32 index, u64 val);
	long (*hypercall)(void *arg, u32 insn, u64 nr, u64 a0, u64 a1, u64 a2,
			  int *fault);
	void (*lock)(void *lock_arg);
	void (*unlock)(void *lock_arg);
	void *arg;
	void *lock_arg;
};

/* migctl_guest_init() flags: what this guest is willing to use. */
#define MIGCTL_GUEST_NO_V2		(1u << 0) /* behave as a version-1 guest */
#define MIGCTL_GUEST_NO_HYPERCALL	(1u << 1) /* never use the hypercall */
#define MIGCTL_GUEST_NO_MSR_PSC		(1u << 2) /* never use the MSR transport */
#define MIGCTL_GUEST_NO_LIST		(1u << 3) /* never use range lists */
#define MIGCTL_GUEST_PREFER_MSR_PSC	(1u << 4) /* MSR transport first */
#define MIGCTL_GUEST_WITHDRAW_ON_ERROR	(1u << 5) /* opt out when the host refuses */
#define MIGCTL_GUEST_FLAGS_ALL		0x3fu

/*
 * Context states (struct migctl_guest.state), with the guest states of the
 * spec's state machine they stand for.
 */
#define MIGCTL_GUEST_INIT		0 /* DISCOVER not run yet */
#define MIGCTL_GUEST_ABSENT		1 /* OFF: no signature, or bit 17 clear */
#define MIGCTL_GUEST_AVAILABLE		2 /* RESET: offered, not READY yet */
#define MIGCTL_GUEST_READY		3 /* READY: written and read back */
#define MIGCTL_GUEST_OPTED_OUT		4 /* PAUSED or OFF: 0 written (out_reason) */
#define MIGCTL_GUEST_UNAVAILABLE	5 /* UNAVAILABLE: silent until rediscovery */

/* Opt-out reasons (migctl_guest_opt_out()). */
#define MIGCTL_GUEST_OUT_KEXEC		1
#define MIGCTL_GUEST_OUT_REBOOT		2
#define MIGCTL_GUEST_OUT_SHUTDOWN	3
#define MIGCTL_GUEST_OUT_SUSPEND	4 /* S3 or S4; migctl_guest_resume() undoes */
#define MIGCTL_GUEST_OUT_CPU_OFFLINE	5 /* last CPU; migctl_guest_cpu_online() undoes */
#define MIGCTL_GUEST_OUT_ERROR		6 /* log known wrong: unavailable */

/* Transports (struct migctl_guest.disabled bits). */
#define MIGCTL_GUEST_T_HYPERCALL	(1u << 0)
#define MIGCTL_GUEST_T_MSR_PSC		(1u << 1)

/**
 * struct migctl_guest_counters - what the library did, for diagnostics
 * @requests: ranges the caller asked to notify (set_status, batch_add)
 * @hypercalls: hypercall instructions executed (including failed ones)
 * @psc_writes: WRMSRs to the MSR transport (including faulting ones)
 * @list_calls: host calls (either transport) that carried a range list
 * @pages: 4 KiB pages covered by host calls that succeeded
 * @ctl_reads: RDMSRs of the control MSR
 * @ctl_writes: WRMSRs of the control MSR (including faulting ones)
 * @elided: ranges not sent because no transport was in use
 * @errors: errors returned to callers
 * @faults: #GP and #UD taken
 * @enosys: -KVM_ENOSYS answers
 */
struct migctl_guest_counters {
	u64 requests;
	u64 hypercalls;
	u64 psc_writes;
	u64 list_calls;
	u64 pages;
	u64 ctl_reads;
	u64 ctl_writes;
	u64 elided;
	u64 errors;
	u64 faults;
	u64 enosys;
};

/* A range of 4 KiB pages. */
struct migctl_guest_range {
	gpa_t gpa;
	u64 npages;
};

/* Pending runs of one batch; also the notification buffer of a context. */
#define MIGCTL_GUEST_BATCH_MAX		32

struct migctl_guest_run {
	gpa_t gpa;
	u64 npages;
	u32 encrypted;
	u32 pad;
};

/**
 * struct migctl_guest_batch - requests not yet sent, coalesced
 * @n: pending runs in @run
 * @requests: additions since the last flush (for the counters)
 * @run: disjoint runs; runs with the same status never touch
 *
 * Initialise with migctl_guest_batch_init(). Owned by one caller.
 */
struct migctl_guest_batch {
	u32 n;
	u32 requests;
	struct migctl_guest_run run[MIGCTL_GUEST_BATCH_MAX];
};

/**
 * struct migctl_guest - all state of the guest side, owned by the embedder
 *
 * Fields are readable by the embedder (diagnostics, tests); only the
 * library writes them. Bits the spec leaves undefined in a value read from
 * the host are dropped before it is stored.
 */
struct migctl_guest {
	const struct migctl_guest_ops *ops;
	u32 flags;		/* MIGCTL_GUEST_NO_* etc. */
	u32 insn;		/* MIGCTL_GUEST_INSN_*, from the CPU vendor */
	u32 state;		/* MIGCTL_GUEST_INIT ... _UNAVAILABLE */
	u32 out_reason;		/* last MIGCTL_GUEST_OUT_*, 0 if none */

	/* Discovery (migctl_guest_discover()). */
	u32 base;		/* KVM CPUID base, 0 if none */
	u32 max_leaf;		/* after the max-leaf-0 rule */
	u32 kvm_features;	/* base+1 EAX bits 16 and 17 only */
	u32 leaf_valid;		/* versioned leaf present and believed */
	u32 host_min;		/* offered version range; 1..1 for v1 */
	u32 host_max;
	u32 offered;		/* MIGCTL_F_* offered (defined bits only) */
	u32 psc_index;		/* MSR transport index, 0 if not usable */

	/* Negotiation (migctl_guest_opt_in()). */
	u32 version;		/* negotiated version, 0 before */
	u32 features;		/* negotiated features */
	u64 ctl_value;		/* the READY value written and read back */
	u32 disabled;		/* MIGCTL_GUEST_T_* that failed at run time */
	u32 pad;

	/* Range lists: a shared page the embedder supplies. */
	struct migctl_list_entry *list_va;
	gpa_t list_gpa;

	struct migctl_guest_counters counters;
	struct migctl_guest_batch batch;	/* used under the lock */
};

/**
 * migctl_guest_init() - prepare a context; issues CPUID leaf 0 only
 * @g: the context; fully overwritten
 * @ops: platform operations; must outlive @g
 * @flags: MIGCTL_GUEST_NO_* and MIGCTL_GUEST_PREFER_MSR_PSC
 *
 * Picks VMMCALL for AMD and Hygon CPUs, VMCALL otherwise.
 * Return: 0, or -MIGCTL_GUEST_EINVAL for a missing op or unknown flag.
 */
int migctl_guest_init(struct migctl_guest *g, const struct migctl_guest_ops *ops,
		      u32 flags);

/**
 * migctl_guest_set_list_page() - give the library a page for range lists
 * @g: the context
 * @va: the page as the guest kernel addresses it, 4 KiB aligned
 * @gpa: its guest-physical address, 4 KiB aligned
 *
 * The page must be shared (decrypted) and already notified as such (list
 * it among the shared ranges of migctl_guest_boot_reset()). Call before
 * migctl_guest_opt_in() so that MIGCTL_F_LIST can be chosen.
 * Return: 0 or -MIGCTL_GUEST_EINVAL.
 */
int migctl_guest_set_list_page(struct migctl_guest *g, void *va, gpa_t gpa);

/**
 * migctl_guest_discover() - find the KVM leaves and read what is offered
 * @g: the context
 *
 * Runs the discovery of the spec (G-1, G-2, G-5, G-15) and resets the run
 * time state, forgetting any earlier failure: the state becomes
 * MIGCTL_GUEST_AVAILABLE, _ABSENT (nothing offered) or _UNAVAILABLE (no
 * version in common). Never touches an MSR.
 * Return: 0 when available, -MIGCTL_GUEST_ENODEV when nothing is offered,
 * -MIGCTL_GUEST_EPROTO when there is no common version.
 */
int migctl_guest_discover(struct migctl_guest *g);

/**
 * migctl_guest_opt_in() - negotiate and declare READY
 * @g: the context
 *
 * Writes the highest common version with the wanted subset of the offered
 * features, reads it back, and on #GP or a mismatch retries once with the
 * version-1 value when the host offers version 1 (a mismatch is first
 * withdrawn by writing 0). Without a valid versioned leaf it never reads
 * the control MSR (G-17): the write of 1 decides. Only opts in when a transport is in use for the
 * chosen configuration. Already READY: returns 0 without any access.
 * Return: 0 when READY; -MIGCTL_GUEST_ENODEV when nothing is offered, the
 * context is unavailable, or no transport is left (the context is then
 * MIGCTL_GUEST_UNAVAILABLE); -MIGCTL_GUEST_EPROTO when negotiation failed
 * (likewise unavailable).
 */
int migctl_guest_opt_in(struct migctl_guest *g);

/**
 * migctl_guest_opt_out() - withdraw READY before kexec, reboot, etc.
 * @g: the context
 * @reason: MIGCTL_GUEST_OUT_*
 *
 * Writes 0 to the control MSR if READY; otherwise does nothing (a second
 * opt-out keeps the first reason, except that MIGCTL_GUEST_OUT_ERROR
 * replaces it). Notifications continue, so that the
 * host's status log stays right for a later re-entry.
 * Return: 0, -MIGCTL_GUEST_EINVAL (reason), -MIGCTL_GUEST_EIO (#GP).
 */
int migctl_guest_opt_out(struct migctl_guest *g, u32 reason);

/**
 * migctl_guest_cpu_offline() - a CPU is about to go offline
 * @g: the context
 * @cpus_left: online CPUs that remain after this one is gone
 *
 * Only when @cpus_left is 0 does it opt out (the MSR is VM-wide).
 * Return: as migctl_guest_opt_out().
 */
int migctl_guest_cpu_offline(struct migctl_guest *g, u32 cpus_left);

/**
 * migctl_guest_cpu_online() - a CPU came online
 * @g: the context
 *
 * Opts in again if the last CPU going offline had opted out.
 * Return: 0 or as migctl_guest_opt_in().
 */
int migctl_guest_cpu_online(struct migctl_guest *g);

/**
 * migctl_guest_resume() - the guest resumed from suspend
 * @g: the context
 *
 * Opts in again, with negotiation and read-back, if suspend opted out.
 * Return: 0 or as migctl_guest_opt_in().
 */
int migctl_guest_resume(struct migctl_guest *g);

/**
 * migctl_guest_boot_reset() - the boot-time reset of the host's status log
 * @g: a discovered context
 * @ram: every RAM range of the memory map
 * @nram: entries in @ram
 * @shared: the ranges this kernel keeps shared (decrypted)
 * @nshared: entries in @shared
 *
 * For every boot, kexec'd or not, and after resume from hibernation: if
 * the control MSR reads non-zero it writes 0 first (without a valid
 * versioned leaf it writes 0 without reading, G-17); then it notifies all
 * of @ram encrypted, coalesced into the fewest calls (one per contiguous
 * run, or one list call per 32 runs), then @shared decrypted, then opts
 * in. It does not opt in if any notification failed. On a host that
 * offers nothing it does nothing and returns 0.
 * Return: 0 when READY (or nothing offered), -MIGCTL_GUEST_EINVAL for a bad
 * range (nothing sent), a notification error, -MIGCTL_GUEST_EIO when the
 * control MSR faults, or as migctl_guest_opt_in().
 */
int migctl_guest_boot_reset(struct migctl_guest *g,
			    const struct migctl_guest_range *ram, u32 nram,
			    const struct migctl_guest_range *shared, u32 nshared);

/**
 * migctl_guest_set_status() - notify one range's new encryption status
 * @g: the context
 * @gpa: first page, 4 KiB aligned
 * @npages: number of 4 KiB pages, at least 1
 * @encrypted: true for private, false for shared
 *
 * Returns after the host has the change; the caller must not access the
 * pages under their new status before that (G-10).
 * Return: 0 when notified or elided; -MIGCTL_GUEST_EINVAL for a bad
 * range; a host error (-MIGCTL_KVM_*, or -MIGCTL_GUEST_EIO for a #GP of
 * the MSR transport).
 */
int migctl_guest_set_status(struct migctl_guest *g, gpa_t gpa, u64 npages,
			    bool encrypted);

/**
 * migctl_guest_batch_init() - empty a batch
 * @b: the batch
 */
void migctl_guest_batch_init(struct migctl_guest_batch *b);

/**
 * migctl_guest_batch_add() - queue a status change, merging runs
 * @g: the context (used only when the batch is full and must flush)
 * @b: the batch
 * @gpa: first page, 4 KiB aligned
 * @npages: number of 4 KiB pages, at least 1
 * @encrypted: true for private, false for shared
 *
 * Adjacent and overlapping requests with the same status merge into one
 * run. A request that overlaps a pending run with the other status, or
 * finds the batch full, flushes the batch first, so the host always sees
 * the last status asked for. The pages must not be accessed under their
 * new status until migctl_guest_batch_flush() returns.
 * Return: 0, -MIGCTL_GUEST_EINVAL, or the error of an implied flush.
 */
int migctl_guest_batch_add(struct migctl_guest *g, struct migctl_guest_batch *b,
			   gpa_t gpa, u64 npages, bool encrypted);

/**
 * migctl_guest_batch_flush() - send every pending run and empty the batch
 * @g: the context
 * @b: the batch
 *
 * One call per run, or one list call for all runs when lists are in use.
 * Every run is sent even if one fails.
 * Return: 0 or the first error, as migctl_guest_set_status().
 */
int migctl_guest_batch_flush(struct migctl_guest *g, struct migctl_guest_batch *b);

/**
 * migctl_guest_counters() - copy the counters
 * @g: the context
 * @out: where to copy them
 */
void migctl_guest_counters(struct migctl_guest *g, struct migctl_guest_counters *out);

/**
 * migctl_guest_state() - the context's MIGCTL_GUEST_* state
 * @g: the context
 * Return: the state.
 */
u32 migctl_guest_state(struct migctl_guest *g);

#endif /* MIGCTL_GUEST_H */
