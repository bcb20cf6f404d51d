/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* notify_recv.h - status notifications through the MSR transport. */
#ifndef MIGCTL_HOST_NOTIFY_RECV_H
#define MIGCTL_HOST_NOTIFY_RECV_H

#include <migctl/types.h>

struct migctl_host;

/* H-10: WRMSR of the MSR transport; MIGCTL_HOST_ACCEPT or MIGCTL_HOST_GP. */
int migctl_host_psc_write(struct migctl_host *h, unsigned int vcpu, u64 val);

#endif /* MIGCTL_HOST_NOTIFY_RECV_H */
