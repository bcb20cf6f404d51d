/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vm.h - one KVM virtual machine: RAM, vCPUs, CPUID, I/O ports, lifetime. */
#ifndef MIGCTL_VMM_VM_H
#define MIGCTL_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <linux/kvm.h>

#include <migctl/types.h>

#include "dev/uart.h"
#include "mem.h"

#define VM_MAX_CPUS		64
#define VM_MAX_IOPORTS		8
#define VM_MAX_FILTER_MSRS	256

struct vcpu;
struct vm_load_ops;

struct vm_config {
	u64 mem_size;
	int nr_cpus;
	bool irqchip;		/* in-kernel LAPIC/IOAPIC/PIC: INIT/SIPI for APs */
};

/* What this KVM can do, found at vm_create() and by the enable calls. */
struct vm_caps {
	u64 hypercall_exit_mask;	/* KVM_CHECK_EXTENSION(EXIT_HYPERCALL) */
	bool hypercall_exit;		/* enabled for hypercall 12 */
	bool quirk_fix_hypercall_off;	/* FIX_HYPERCALL_INSN disabled */
	bool user_space_msr;		/* KVM_CAP_X86_USER_SPACE_MSR enabled */
	bool msr_filter;		/* filter installed */
	int xsave_size;			/* KVM_CAP_XSAVE2: bytes of a vCPU's XSAVE state */
	bool debugregs;			/* KVM_GET/SET_DEBUGREGS */
	bool pit;			/* the in-kernel PIT (KVM_CREATE_PIT2) */
};

/* How the VM ended; the first reason wins. */
enum vm_end_kind {
	VM_END_NONE,
	VM_END_GUEST,		/* exit port: code = guest value */
	VM_END_SHUTDOWN,	/* triple fault */
	VM_END_ERROR,		/* KVM or VMM error */
	VM_END_TIMEOUT,
	VM_END_SIGNAL,		/* code = signal number */
	VM_END_MIGRATED,	/* the destination has the VM (or the snapshot is written) */
	VM_END_QUIT,		/* the control socket's quit command */
};

/* VM-wide KVM state besides RAM and vCPUs, for migration. */
struct vm_state {
	struct kvm_clock_data clock;
	u32 nr_chips;			/* 0 without the in-kernel irqchip */
	u32 reserved;
	struct kvm_irqchip chips[3];	/* PIC master, PIC slave, IOAPIC */
	u32 has_pit;			/* 1: @pit holds the in-kernel PIT's state */
	u32 has_uart;			/* 1: @uart holds COM1's registers */
	struct kvm_pit_state2 pit;
	struct uart_regs uart;
};

/* A device model whose registers travel in struct vm_state (COM1's UART). */
struct vm_uart_ops {
	void (*save)(void *opaque, struct uart_regs *r);
	void (*load)(void *opaque, const struct uart_regs *r);
};

typedef void (*vm_ioport_fn)(void *opaque, int cpu, u16 port, bool out, u32 size,
			     u32 *data);

struct vm_ioport {
	u16 base;
	u16 len;
	vm_ioport_fn fn;
	void *opaque;
};

/*
 * Exits the VMM's protocol glue answers. msr() returns 0 or -EPERM (the
 * guest gets #GP); hypercall() returns the value for the guest's RAX. Both
 * run in the exiting vCPU's thread before it re-enters KVM_RUN, so what
 * they record is recorded before the guest can observe the result (V-1).
 */
struct vm_exit_ops {
	void *opaque;
	int (*msr)(void *opaque, int cpu, bool write, u32 index, u64 *data);
	u64 (*hypercall)(void *opaque, int cpu, u64 nr, u64 a0, u64 a1, u64 a2);
};

struct vm {
	int sys_fd;			/* /dev/kvm */
	int fd;				/* the VM */
	int run_size;			/* mmap size of struct kvm_run */
	struct vm_config cfg;
	struct vm_caps caps;
	struct mem mem;
	struct kvm_cpuid2 *cpuid;	/* template for every vCPU (guest_cpuid_build()) */
	u32 *msr_indices;		/* KVM_GET_MSR_INDEX_LIST: vCPU state MSRs */
	u32 nr_msr_indices;
	struct vcpu *vcpus[VM_MAX_CPUS];
	int nr_vcpus;
	struct vm_ioport ioports[VM_MAX_IOPORTS];
	int nr_ioports;
	struct vm_exit_ops exit_ops;
	const struct vm_load_ops *load;	/* vm_kvm_load_ops (state_load.h) */
	const struct vm_uart_ops *uart;	/* NULL: no UART state to migrate */
	void *uart_opaque;

	pthread_mutex_t lock;		/* end state, pause state */
	pthread_cond_t cond;
	atomic_bool stopping;		/* vCPUs leave their loop */
	enum vm_end_kind end_kind;
	int end_code;
	int done_fd;			/* eventfd, readable once the VM ended */

	/* vm_pause(): vCPUs park between exits, with every exit completed. */
	atomic_bool pause_req;
	int nr_parked;
};

/**
 * vm_create() - open /dev/kvm, create a VM with RAM and (optionally) the
 * in-kernel irqchip and PIT (the PIT where KVM has KVM_CAP_PIT2), place
 * kvm-intel's identity map and TSS pages, disable KVM's FIX_HYPERCALL
 * quirk where possible, and build the guest CPUID template from KVM's
 * supported table (guest_cpuid_build()).
 *
 * Return: 0 or -errno: -ENOENT no /dev/kvm, -EACCES no permission,
 * -EINVAL bad size, -ENOMEM, or the failing ioctl's error.
 */
int vm_create(struct vm **out, const struct vm_config *cfg);

/** vm_destroy() - stop and free the vCPUs, the RAM and the VM. */
void vm_destroy(struct vm *vm);

/** vm_enable_hypercall_exit() - forward hypercall 12 as KVM_EXIT_HYPERCALL. */
int vm_enable_hypercall_exit(struct vm *vm);

/**
 * vm_set_msr_filter() - send every access to @msrs to user space.
 *
 * Enables KVM_CAP_X86_USER_SPACE_MSR with KVM_MSR_EXIT_REASON_FILTER and
 * installs a default-allow filter denying @msrs (read and write), so each
 * access exits as KVM_EXIT_X86_RDMSR/WRMSR. Runs of consecutive indices
 * take one filter range each (KVM has 16). Return: 0 or -errno.
 */
int vm_set_msr_filter(struct vm *vm, const u32 *msrs, int n);

/** vm_cpuid_set() - replace or add one CPUID entry of the vCPU template. */
int vm_cpuid_set(struct vm *vm, const struct kvm_cpuid_entry2 *entry);

/** vm_cpuid_find() - the template's entry for (function, index), or NULL. */
struct kvm_cpuid_entry2 *vm_cpuid_find(struct vm *vm, u32 function, u32 index);

/** vm_cpuid_remove_range() - drop the template's leaves first..last. */
void vm_cpuid_remove_range(struct vm *vm, u32 first, u32 last);

/** vm_ioport_register() - route port I/O in [base, base + len) to @fn. */
int vm_ioport_register(struct vm *vm, u16 base, u16 len, vm_ioport_fn fn, void *opaque);

/** vm_ioport_dispatch() - run the handler of @port; false if none. */
bool vm_ioport_dispatch(struct vm *vm, int cpu, u16 port, bool out, u32 size, u32 *data);

/**
 * vm_irq_line() - set ISA line @irq of the in-kernel PIC and IOAPIC to
 * @level (KVM_IRQ_LINE). Return: 0, -ENOTSUP without the irqchip, -errno.
 */
int vm_irq_line(struct vm *vm, u32 irq, bool level);

/** vm_create_vcpus() - create cfg.nr_cpus vCPUs with the CPUID template. */
int vm_create_vcpus(struct vm *vm);

/** vm_start() - start one thread per vCPU. Return: 0 or -errno. */
int vm_start(struct vm *vm);

/**
 * vm_end() - record why the VM ends (first caller wins), make every vCPU
 * leave KVM_RUN and wake vm_wait(). Safe from any thread.
 */
void vm_end(struct vm *vm, enum vm_end_kind kind, int code);

/**
 * vm_wait() - wait for the VM to end, at most @timeout_ms (-1: forever),
 * also returning early when @sig_fd (a signalfd, or -1) becomes readable.
 *
 * Return: 1 the VM ended, 0 timeout, 2 @sig_fd readable, -errno.
 */
int vm_wait(struct vm *vm, int timeout_ms, int sig_fd);

/** vm_join() - wait for every vCPU thread to leave (after vm_end()). */
void vm_join(struct vm *vm);

/**
 * vm_pause() - stop every vCPU outside KVM_RUN with its pending exit
 * completed (V-3); vm_resume() lets them run again.
 */
int vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);

/** vm_save_state() - the clock, the irqchips, the PIT and COM1 (VM paused). */
int vm_save_state(struct vm *vm, struct vm_state *st);

/** vm_is_paused() - a pause is in effect */
bool vm_is_paused(struct vm *vm);

/* Used by vcpu.c: park here while a pause is requested. */
void vm_park(struct vm *vm);

#endif /* MIGCTL_VMM_VM_H */
