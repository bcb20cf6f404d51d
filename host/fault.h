/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* fault.h - compile-time fault switches of the host library: each breaks one H-rule, self-test only. */
#ifndef MIGCTL_HOST_FAULT_H
#define MIGCTL_HOST_FAULT_H

/*
 * `make conformance-selftest` builds migctl-vmm once per switch
 * (make FAULT=<NAME>, which adds -DMIGCTL_FAULT_<NAME>) and expects the
 * host-role suite (the conformance guest image on that VMM) to fail on a
 * scenario that names the broken rule. A normal build defines none of
 * them; the table of every switch of the project is
 * conformance/selftest/variants.
 *
 * MIGCTL_FAULT_ACCEPT_RESERVED_MSR
 *	A control-MSR write with reserved bits set is accepted (and stored)
 *	instead of raising #GP. Breaks H-4.
 *
 * MIGCTL_FAULT_HC_NO_BOUNDS
 *	A status request is not checked against the physical address width
 *	and guest RAM: ranges outside RAM are accepted (and ignored by the
 *	status log). Breaks H-8, and H-10, whose MSR transport applies the
 *	same checks.
 */

#if defined(MIGCTL_FAULT_ACCEPT_RESERVED_MSR) + defined(MIGCTL_FAULT_HC_NO_BOUNDS) > 1
#error "at most one host MIGCTL_FAULT_* switch at a time"
#endif

#endif /* MIGCTL_HOST_FAULT_H */
