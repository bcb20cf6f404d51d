/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vcpu.h - one virtual CPU: its fd, its kvm_run, its thread and exit loop. */
#ifndef MIGCTL_VMM_VCPU_H
#define MIGCTL_VMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/kvm.h>

#include <migctl/types.h>

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;	/* mmap'd, shared with KVM */
	pthread_t thread;
	bool thread_started;	/* vcpu_start() created the thread: join it */
	pthread_t self;		/* the thread, as it sees itself */
	atomic_bool kickable;	/* the thread runs its loop: a kick must signal it */
};

/* 32-bit flat protected-mode start state (PVH entry, probe code). */
struct vcpu_flat32 {
	u32 eip;
	u32 esp;
	u32 ebx;
	u32 gdt_base;		/* 0: no GDT (limit 0) */
	u16 gdt_limit;
	u32 idt_base;
	u16 idt_limit;
};

/* 64-bit long mode start state, paging on (the Linux 64-bit boot protocol). */
struct vcpu_long64 {
	u64 rip;
	u64 rsp;
	u64 rsi;
	u64 cr3;		/* identity page tables covering what the entry touches */
	u64 gdt_base;		/* VCPU_FLAT_CS: 64-bit code, VCPU_FLAT_DS: data */
	u16 gdt_limit;
};

/*
 * Room for the MSRs of KVM's save list (KVM_GET_MSR_INDEX_LIST), which
 * has 40 to about 250 entries depending on the kernel and the CPU; a
 * vCPU with more readable MSRs is not saved (vcpu_save() fails).
 */
#define VCPU_MAX_MSRS		512

/*
 * Everything KVM keeps for one vCPU, for snapshots and migration. Save it
 * only while the vCPU is parked (vm_pause()), so no exit is half done.
 * A state from elsewhere (a migration stream) is checked by
 * vcpu_state_check() (state_check.h) before any of it is applied, and
 * loaded by vcpu_restore() (state_load.h).
 */
struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs debugregs;	/* zero where KVM lacks KVM_CAP_DEBUGREGS */
	u32 tsc_khz;			/* the guest's TSC rate; 0: KVM did not say */
	u32 nr_msrs;			/* 0..VCPU_MAX_MSRS */
	struct kvm_msr_entry msrs[VCPU_MAX_MSRS];
};

/* Room for a message of vcpu_save(), vcpu_state_check(), vcpu_restore(). */
#define VCPU_WHY_MAX		160

/* Selectors of the flat descriptors the VMM assumes (QEMU's PVH values). */
#define VCPU_FLAT_CS		0x10
#define VCPU_FLAT_DS		0x18
#define VCPU_FLAT_TR		0x20

/**
 * vcpu_signal_init() - install the no-op handler of the kick signal
 * (SIGUSR1) so that it interrupts KVM_RUN. Call once before any vCPU runs.
 */
int vcpu_signal_init(void);

/**
 * vcpu_create() - create vCPU @id of @vm, map its kvm_run and give it the
 * VM's CPUID template with its own APIC ID.
 */
int vcpu_create(struct vm *vm, int id, struct vcpu **out);

/** vcpu_destroy() - close the vCPU (its thread must have been joined). */
void vcpu_destroy(struct vcpu *vcpu);

/** vcpu_set_flat32() - registers for 32-bit protected mode, paging off. */
int vcpu_set_flat32(struct vcpu *vcpu, const struct vcpu_flat32 *st);

/** vcpu_set_long64() - registers for 64-bit mode, interrupts off. */
int vcpu_set_long64(struct vcpu *vcpu, const struct vcpu_long64 *st);

/** vcpu_set_rip() - move the instruction pointer (probe steps). */
int vcpu_set_rip(struct vcpu *vcpu, u64 rip);

/**
 * vcpu_run_once() - one KVM_RUN.
 *
 * Return: 0 with run->exit_reason set, -EINTR when kicked (also via
 * immediate_exit), another -errno on failure.
 */
int vcpu_run_once(struct vcpu *vcpu);

/**
 * vcpu_complete() - finish the instruction of a pending MSR, I/O or
 * hypercall exit and let KVM inject its queued events, without running
 * guest code (one KVM_RUN with a kick pending), so that a saved vCPU state
 * holds no half-done exit and no event KVM_GET_VCPU_EVENTS cannot report.
 * Call only from the vCPU's own thread (vcpu_start()).
 *
 * Return: 0, 1 when KVM returned an exit first (handle it, call again),
 * or -errno.
 */
int vcpu_complete(struct vcpu *vcpu);

/** vcpu_kick() - make the vCPU leave KVM_RUN soon (any thread). */
void vcpu_kick(struct vcpu *vcpu);

/** vcpu_start() / vcpu_join() - the vCPU's thread running its exit loop. */
int vcpu_start(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);

/**
 * vcpu_save() - read the vCPU's whole state into @st
 * @why: VCPU_WHY_MAX bytes, receives what failed
 *
 * Every MSR of the VM's index list that KVM can read for this vCPU is
 * saved (those its CPUID does not enable are left out, as the destination
 * leaves them out too), and the guest's TSC rate.
 *
 * Return: 0, -E2BIG when the state does not fit struct vcpu_state (more
 * than VCPU_MAX_MSRS MSRs, or an XSAVE area over 4 KiB), or the failing
 * ioctl's -errno.
 */
int vcpu_save(struct vcpu *vcpu, struct vcpu_state *st, char *why);

/** vcpu_dump() - general and segment registers, for fatal exits. */
void vcpu_dump(struct vcpu *vcpu, FILE *f);

/**
 * vcpu_describe() - where a stopped vCPU is: its MP state (halted,
 * runnable, ...), its last exit, its pending events and vcpu_dump()'s
 * registers. For a guest that did not finish in time; only while the
 * vCPU's thread is out of KVM_RUN.
 */
void vcpu_describe(struct vcpu *vcpu, FILE *f);

/** vcpu_exit_name() - readable name of a KVM_EXIT_* reason. */
const char *vcpu_exit_name(u32 reason);

#endif /* MIGCTL_VMM_VCPU_H */
