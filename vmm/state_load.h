/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state_load.h - load a saved VM and vCPU state through the KVM load calls, checked first. */
#ifndef MIGCTL_VMM_STATE_LOAD_H
#define MIGCTL_VMM_STATE_LOAD_H

#include <linux/kvm.h>

#include <migctl/types.h>

struct vm;
struct vm_state;
struct vcpu;
struct vcpu_state;

/*
 * The KVM calls that load a state, behind a seam: vm_create() points
 * vm->load at vm_kvm_load_ops (the ioctls, in vm.c and vcpu.c); the
 * incoming-path fuzz harness points it at checkers that record what
 * would have reached KVM. Each returns 0 or -errno, except get_tsc_khz
 * (kHz or -errno) and set_msrs (the number of MSRs taken, or -errno).
 */
struct vcpu_load_ops {
	int (*set_sregs)(struct vcpu *vcpu, const struct kvm_sregs *sregs);
	int (*set_regs)(struct vcpu *vcpu, const struct kvm_regs *regs);
	int (*set_xsave)(struct vcpu *vcpu, const struct kvm_xsave *xsave);
	int (*set_xcrs)(struct vcpu *vcpu, const struct kvm_xcrs *xcrs);
	int (*get_tsc_khz)(struct vcpu *vcpu);
	int (*set_tsc_khz)(struct vcpu *vcpu, u32 khz);
	int (*set_msrs)(struct vcpu *vcpu, const struct kvm_msrs *msrs);
	int (*set_lapic)(struct vcpu *vcpu, const struct kvm_lapic_state *lapic);
	int (*set_events)(struct vcpu *vcpu, const struct kvm_vcpu_events *events);
	int (*set_mp_state)(struct vcpu *vcpu, const struct kvm_mp_state *mp);
	int (*set_debugregs)(struct vcpu *vcpu, const struct kvm_debugregs *dr);
};

struct vm_load_ops {
	int (*set_clock)(struct vm *vm, const struct kvm_clock_data *clock);
	int (*set_irqchip)(struct vm *vm, const struct kvm_irqchip *chip);
	int (*set_pit)(struct vm *vm, const struct kvm_pit_state2 *pit);
	const struct vcpu_load_ops *vcpu;
};

/* The ioctls on the VM's and the vCPUs' file descriptors. */
extern const struct vm_load_ops vm_kvm_load_ops;
extern const struct vcpu_load_ops vcpu_kvm_load_ops;

/* KVM takes fewer than 256 MSRs per KVM_GET_MSRS or KVM_SET_MSRS. */
#define STATE_MSR_CHUNK		128

/**
 * vm_restore_state() - load what vm_save_state() saved (vCPUs not running)
 * @why: VCPU_WHY_MAX bytes, receives what failed
 *
 * Checks @st with vm_state_check() first and applies nothing if it is
 * wrong; then the clock value (not the source's flags and host times),
 * the irqchips, the PIT (KVM reloads each channel's count from now on, so
 * the source's load times are not used) and COM1's registers, which set
 * its interrupt line to what they say.
 *
 * Return: 0, -EINVAL for a state that fails the check, or -errno from KVM.
 */
int vm_restore_state(struct vm *vm, const struct vm_state *st, char *why);

/**
 * state_sregs_for_load() - @saved (a vcpu_state's, checked) as KVM_SET_SREGS
 * must take it on @vm: @load, a copy, with TR's busy bit clear on kvm-amd
 * and set elsewhere
 *
 * kvm-amd reports TR as a busy TSS (type 11) whatever the VMCB holds, and
 * takes back whatever it is given; the VMCB of a guest that ran LTR holds
 * an available TSS (type 9), and an SVM implementation may check that type
 * where a user-mode IN or OUT consults the TSS's I/O bitmap (QEMU's does:
 * after a migration, a Linux process's iopl(3) then outb to the exit port
 * took a #GP on the emulated standard KVM). On kvm-intel the bit is set,
 * whatever the source was: VMX enters a 64-bit guest only with a busy TSS.
 * A KVM that reports TR as loaded (the PVM-style one) then saves an
 * available TSS on AMD, so vcpu_state_check() takes either kind.
 */
void state_sregs_for_load(const struct vm *vm, const struct kvm_sregs *saved,
			  struct kvm_sregs *load);

/**
 * vcpu_restore() - load a state saved by vcpu_save() (this or another VM)
 * @why: VCPU_WHY_MAX bytes, receives what failed
 *
 * Checks @st with vcpu_state_check() first and applies nothing if it is
 * wrong. Order: special registers (the APIC base), registers, XSAVE, XCRs,
 * the TSC rate (before the TSC MSR is written), the MSRs except the TSC
 * deadline, the LAPIC, the TSC deadline (KVM drops it unless the LAPIC
 * timer is in TSC-deadline mode), events, MP state, debug registers.
 *
 * Return: 0, -EINVAL for a state that fails the check or an MSR KVM
 * refuses, or the failing call's -errno.
 */
int vcpu_restore(struct vcpu *vcpu, const struct vcpu_state *st, char *why);

#endif /* MIGCTL_VMM_STATE_LOAD_H */
