/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host-priv.h - the engine's private state, shared by the library's files. */
#ifndef MIGCTL_HOST_PRIV_H
#define MIGCTL_HOST_PRIV_H

#include <pthread.h>

#include "migctl-host.h"

/*
 * @cfg is the caller's configuration after defaults were applied, with
 * @cfg.ram cleared (the layout lives in @log). @control, @generation,
 * @unreliable and @refusal change under @lock; readers outside it use
 * atomic loads (@refusal only under @lock). @cnt is only touched with
 * atomic adds and loads.
 */
struct migctl_host {
	struct migctl_host_config cfg;
	u64 phys_limit;
	bool hc_offered;
	u32 offered;
	struct migctl_host_log *log;
	pthread_mutex_t lock;
	u64 control;
	u64 generation;
	bool unreliable;
	struct migctl_host_refusal refusal;
	struct migctl_host_counters cnt;
};

#define MIGCTL_HOST_CNT_ADD(h, field, n)					\
	__atomic_fetch_add(&(h)->cnt.field, (n), __ATOMIC_RELAXED)
#define MIGCTL_HOST_CNT_INC(h, field)	MIGCTL_HOST_CNT_ADD(h, field, 1)

/* Calls cfg.log if set. */
void migctl_host_logf(const struct migctl_host *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The protocol is offered at all (max_version != 0). */
static inline bool migctl_host_enabled(const struct migctl_host *h)
{
	return h->cfg.max_version != 0;
}

#endif /* MIGCTL_HOST_PRIV_H */
