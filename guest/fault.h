/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* fault.h - compile-time fault switches of the guest library: each breaks one G-rule, self-test only. */
#ifndef MIGCTL_GUEST_FAULT_H
#define MIGCTL_GUEST_FAULT_H

/*
 * `make conformance-selftest` builds the library once per switch
 * (make FAULT=<NAME>, which adds -DMIGCTL_FAULT_<NAME>) and expects the
 * guest-role suite to fail on a test that names the broken rule. A normal
 * build defines none of them; the table of every switch of the project is
 * conformance/selftest/variants.
 *
 * MIGCTL_FAULT_NO_ELISION
 *	A hypercall answered -KVM_ENOSYS (or #UD) does not disable the
 *	hypercall transport, and the transport is used without bit 16 of
 *	base+1 EAX. Breaks G-8 (and G-4).
 *
 * MIGCTL_FAULT_NO_OPT_OUT_KEXEC
 *	An opt-out for kexec writes nothing, and the boot-time reset leaves a
 *	READY value set by the previous kernel in place while it resets the
 *	status log. Breaks G-11 and G-13.
 *
 * MIGCTL_FAULT_NO_READ_BACK
 *	The guest treats its READY write as accepted without reading the
 *	control MSR back. Breaks G-7.
 *
 * MIGCTL_FAULT_GUEST_RESERVED_BITS
 *	The version-2 READY value carries a reserved bit. Breaks G-6.
 */

#if defined(MIGCTL_FAULT_NO_ELISION) + defined(MIGCTL_FAULT_NO_OPT_OUT_KEXEC) + \
	defined(MIGCTL_FAULT_NO_READ_BACK) + defined(MIGCTL_FAULT_GUEST_RESERVED_BITS) > 1
#error "at most one guest MIGCTL_FAULT_* switch at a time"
#endif

#endif /* MIGCTL_GUEST_FAULT_H */
