/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* internal.h - what the guest library's files share; not for embedders. */
#ifndef MIGCTL_GUEST_INTERNAL_H
#define MIGCTL_GUEST_INTERNAL_H

#include "migctl-guest.h"
#include "fault.h"

#define MIGCTL_GUEST_BIT(n)		(1u << (n))
#define MIGCTL_GUEST_HC_BIT		MIGCTL_GUEST_BIT(MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE)
#define MIGCTL_GUEST_CTL_BIT		MIGCTL_GUEST_BIT(MIGCTL_KVM_FEATURE_MIGRATION_CONTROL)

/* Highest GPA end the library sends: the x86-64 architectural maximum. */
#define MIGCTL_GUEST_GPA_LIMIT		(1ull << 52)

/* The embedder's lock; every entry point that uses a context takes it. */
static inline void migctl_guest__lock(struct migctl_guest *g)
{
	if (g->ops->lock)
		g->ops->lock(g->ops->lock_arg);
}

static inline void migctl_guest__unlock(struct migctl_guest *g)
{
	if (g->ops->unlock)
		g->ops->unlock(g->ops->lock_arg);
}

/* notify_send.c */
u32 migctl_guest__wanted(const struct migctl_guest *g);
u32 migctl_guest__transports(const struct migctl_guest *g);
int migctl_guest__check_range(gpa_t gpa, u64 npages);
int migctl_guest__add_locked(struct migctl_guest *g, struct migctl_guest_batch *b,
			     gpa_t gpa, u64 npages, bool encrypted);
int migctl_guest__flush_locked(struct migctl_guest *g, struct migctl_guest_batch *b);

/* guest.c */
int migctl_guest__ctl_write(struct migctl_guest *g, u64 value);
void migctl_guest__lost_transport(struct migctl_guest *g);
void migctl_guest__notify_failed(struct migctl_guest *g);

#endif /* MIGCTL_GUEST_INTERNAL_H */
