/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state_check.h - is a VM or vCPU state from elsewhere loadable here: every field checked. */
#ifndef MIGCTL_VMM_STATE_CHECK_H
#define MIGCTL_VMM_STATE_CHECK_H

#include <migctl/types.h>

#define STATE_TSS_BUSY		0x2	/* in a TSS descriptor's type: 3 and 11 busy, 1 and 9 not */

/* A system descriptor's type with a TSS's busy bit clear: a TSS is 1 (16-bit) or 9. */
static inline unsigned int state_tss_kind(unsigned int type)
{
	return type & ~STATE_TSS_BUSY;
}

struct vm;
struct vm_state;
struct vcpu_state;

/* The guest TSC rates a state may ask for, in kHz (0: not given). */
#define STATE_TSC_KHZ_MIN	100000u		/* 100 MHz */
#define STATE_TSC_KHZ_MAX	20000000u	/* 20 GHz */

/**
 * vcpu_state_check() - may @st be loaded into vCPU @id of @vm?
 * @why: VCPU_WHY_MAX bytes, receives the first field found wrong, by name
 *
 * Everything is checked against what this VM's KVM and its guest CPUID
 * allow, before any of it reaches KVM (docs/migration-stream.adoc lists
 * the rules): general registers (RFLAGS reserved bits, RIP width), the
 * control registers and EFER (reserved bits, PG/PE, NW/CD, long-mode
 * combinations, CR3 width, CR8), every segment and descriptor table,
 * the APIC base and the pending-interrupt bitmap, XCRs and XCR0, the
 * XSAVE header and MXCSR, the debug registers, the local APIC's ID and
 * timer, pending events, MP state, the TSC rate, and the MSRs (count,
 * indices from KVM_GET_MSR_INDEX_LIST, each once, reserved fields, the
 * values of the MSRs KVM refuses garbage for).
 *
 * Return: 0 or -EINVAL.
 */
int vcpu_state_check(const struct vm *vm, int id, const struct vcpu_state *st, char *why);

/**
 * vm_state_check() - may @st (clock and irqchips) be loaded into @vm?
 * @why: VCPU_WHY_MAX bytes, receives the first field found wrong
 *
 * The chip count against the in-kernel irqchip, each chip's ID and
 * padding, the PIC fields' ranges, the IOAPIC's address, ID and register
 * select; the PIT and COM1's UART present exactly when this VM has them
 * (zero when not), the PIT's flags, reserved words and every channel's
 * fields, the UART's registers (uart_regs_check()).
 *
 * Return: 0 or -EINVAL.
 */
int vm_state_check(const struct vm *vm, const struct vm_state *st, char *why);

#endif /* MIGCTL_VMM_STATE_CHECK_H */
