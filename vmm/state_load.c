/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state_load.c - load a saved VM and vCPU state through the KVM load calls, checked first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_cpuid.h"
#include "state_check.h"
#include "state_load.h"
#include "vcpu.h"
#include "vm.h"

#define STATE_MSR_TSC_DEADLINE	0x6e0u

int vm_restore_state(struct vm *vm, const struct vm_state *st, char *why)
{
	struct kvm_clock_data clock = { .clock = st->clock.clock };
	int ret = vm_state_check(vm, st, why);

	if (ret)
		return ret;
	/* Only the clock value: the flags and host times are the source's. */
	ret = vm->load->set_clock(vm, &clock);
	for (u32 i = 0; !ret && i < st->nr_chips; i++)
		ret = vm->load->set_irqchip(vm, &st->chips[i]);
	if (!ret && st->has_pit)
		ret = vm->load->set_pit(vm, &st->pit);
	if (ret) {
		snprintf(why, VCPU_WHY_MAX, "KVM refuses the clock, irqchips or PIT: %s",
			 strerror(-ret));
		return ret;
	}
	/* After the irqchips: the line it raises reaches their restored state. */
	if (st->has_uart)
		vm->uart->load(vm->uart_opaque, &st->uart);
	return 0;
}

struct state_msr_req {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[STATE_MSR_CHUNK];
};

/* KVM_SET_MSRS in chunks; every one must be taken. */
static int state_set_msrs(struct vcpu *vcpu, const struct kvm_msr_entry *e, u32 n, char *why)
{
	struct state_msr_req req;

	for (u32 done = 0; done < n;) {
		u32 k = n - done < STATE_MSR_CHUNK ? n - done : STATE_MSR_CHUNK;
		int got;

		req.hdr = (struct kvm_msrs){ .nmsrs = k };
		memcpy(req.e, e + done, k * sizeof(*e));
		got = vcpu->vm->load->vcpu->set_msrs(vcpu, &req.hdr);
		if (got < 0) {
			snprintf(why, VCPU_WHY_MAX, "KVM_SET_MSRS: %s", strerror(-got));
			return got;
		}
		if ((u32)got != k) {
			snprintf(why, VCPU_WHY_MAX, "KVM refuses MSR %#x = %#llx", e[done + got].index,
				 (unsigned long long)e[done + got].data);
			return -EINVAL;
		}
		done += k;
	}
	return 0;
}

/*
 * The guest's TSC runs at the source's rate: a guest that calibrated its
 * TSC (or was given invariant TSC) would otherwise see time run wrong.
 */
static int state_set_tsc_khz(struct vcpu *vcpu, u32 khz, char *why)
{
	const struct vcpu_load_ops *ops = vcpu->vm->load->vcpu;
	int ret;

	if (!khz || ops->get_tsc_khz(vcpu) == (int)khz)
		return 0;
	ret = ops->set_tsc_khz(vcpu, khz);
	if (ret)
		snprintf(why, VCPU_WHY_MAX, "this KVM cannot run the guest's TSC at %u kHz "
			 "(KVM_SET_TSC_KHZ: %s; no TSC scaling?)", khz, strerror(-ret));
	return ret;
}

void state_sregs_for_load(const struct vm *vm, const struct kvm_sregs *saved,
			  struct kvm_sregs *load)
{
	const struct kvm_cpuid_entry2 *e = vm->cpuid ? guest_cpuid_find(vm->cpuid, 0, 0) : NULL;
	/* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo" */
	bool svm = e && (e->ebx == 0x68747541u || e->ebx == 0x6f677948u);

	*load = *saved;
	if (load->tr.s || (state_tss_kind(load->tr.type) != 1 && state_tss_kind(load->tr.type) != 9))
		return;
	if (svm)
		load->tr.type &= ~STATE_TSS_BUSY;
	else if (e)
		load->tr.type |= STATE_TSS_BUSY;
}

/* Everything up to and including the MSRs; the TSC deadline goes to *deadline. */
static int state_load_cpu(struct vcpu *vcpu, const struct vcpu_state *st,
			  const struct kvm_msr_entry **deadline, char *why)
{
	const struct vcpu_load_ops *ops = vcpu->vm->load->vcpu;
	struct kvm_msr_entry *msrs = malloc((st->nr_msrs + 1) * sizeof(*msrs));
	struct kvm_sregs sregs;
	u32 n = 0;
	int ret;

	if (!msrs)
		return -ENOMEM;
	for (u32 i = 0; i < st->nr_msrs; i++) {
		if (st->msrs[i].index == STATE_MSR_TSC_DEADLINE)
			*deadline = &st->msrs[i];
		else
			msrs[n++] = st->msrs[i];
	}
	/* SREGS first: it carries the APIC base the LAPIC state depends on. */
	state_sregs_for_load(vcpu->vm, &st->sregs, &sregs);
	ret = ops->set_sregs(vcpu, &sregs);
	if (!ret)
		ret = ops->set_regs(vcpu, &st->regs);
	if (!ret)
		ret = ops->set_xsave(vcpu, &st->xsave);
	if (!ret)
		ret = ops->set_xcrs(vcpu, &st->xcrs);
	if (ret)
		snprintf(why, VCPU_WHY_MAX, "KVM refuses the registers: %s", strerror(-ret));
	if (!ret)
		ret = state_set_tsc_khz(vcpu, st->tsc_khz, why);
	if (!ret)
		ret = state_set_msrs(vcpu, msrs, n, why);
	free(msrs);
	return ret;
}

int vcpu_restore(struct vcpu *vcpu, const struct vcpu_state *st, char *why)
{
	const struct vcpu_load_ops *ops = vcpu->vm->load->vcpu;
	const struct kvm_msr_entry *deadline = NULL;
	int ret = vcpu_state_check(vcpu->vm, vcpu->id, st, why);

	if (!ret)
		ret = state_load_cpu(vcpu, st, &deadline, why);
	if (ret)
		return ret;
	ret = ops->set_lapic(vcpu, &st->lapic);
	if (ret) {
		snprintf(why, VCPU_WHY_MAX, "KVM refuses the local APIC: %s", strerror(-ret));
		return ret;
	}
	if (deadline) {
		ret = state_set_msrs(vcpu, deadline, 1, why);
		if (ret)
			return ret;
	}
	ret = ops->set_events(vcpu, &st->events);
	if (!ret)
		ret = ops->set_mp_state(vcpu, &st->mp);
	if (!ret && vcpu->vm->caps.debugregs)
		ret = ops->set_debugregs(vcpu, &st->debugregs);
	if (ret)
		snprintf(why, VCPU_WHY_MAX, "KVM refuses the events, MP state or debug "
			 "registers: %s", strerror(-ret));
	return ret;
}
