/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* rules_ctl_msr.h - the control MSR rules: G-6 (choice), G-7 (read-back), G-13 (opt-in after reset). */
#ifndef MIGCTL_CHECK_RULES_CTL_MSR_H
#define MIGCTL_CHECK_RULES_CTL_MSR_H

#include <migctl/types.h>

struct migctl_check;

/* A WRMSR of the control MSR on a bit-17 host; called with the lock held. */
void migctl_check_ctl_write(struct migctl_check *c, u32 vcpu, u64 val, bool gp);
/* An RDMSR of it; @read_back: the vCPU's previous protocol event was a READY write. */
void migctl_check_ctl_read(struct migctl_check *c, u32 vcpu, u64 val, bool gp,
			   bool read_back);

#endif /* MIGCTL_CHECK_RULES_CTL_MSR_H */
