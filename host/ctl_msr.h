/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctl_msr.h - the control MSR: VM-wide READY, version and features. */
#ifndef MIGCTL_HOST_CTL_MSR_H
#define MIGCTL_HOST_CTL_MSR_H

#include <migctl/types.h>

struct migctl_host;

/* H-7: RDMSR; MIGCTL_HOST_ACCEPT with *val, or MIGCTL_HOST_GP when off. */
int migctl_host_ctl_read(struct migctl_host *h, u64 *val);

/* H-4..H-6: WRMSR; MIGCTL_HOST_ACCEPT or MIGCTL_HOST_GP (nothing changed). */
int migctl_host_ctl_write(struct migctl_host *h, unsigned int vcpu, u64 val);

/* H-4: NULL if @val is a value this host accepts when not READY, else why not. */
const char *migctl_host_ctl_check(const struct migctl_host *h, u64 val);

/* The current value (0 when not READY). */
u64 migctl_host_ctl_get(const struct migctl_host *h);

/* Replace the value without guest checks (import); bumps generation. */
void migctl_host_ctl_set(struct migctl_host *h, u64 val);

/* VM reset: value 0 and a reliable log again; bumps generation. */
void migctl_host_ctl_reset(struct migctl_host *h);

/*
 * H-16: a notification was refused with @error. Marks the status log
 * unreliable unless the guest is READY with version 2 or later.
 */
void migctl_host_ctl_refused(struct migctl_host *h, u32 via, unsigned int vcpu, int error,
			     u64 a0, u64 a1, u64 a2);

#endif /* MIGCTL_HOST_CTL_MSR_H */
