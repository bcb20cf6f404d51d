/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctl_msr.c - the control MSR: VM-wide READY, version and features. */
#include "host-priv.h"
#include "ctl_msr.h"
#include "fault.h"

const char *migctl_host_ctl_check(const struct migctl_host *h, u64 val)
{
	u32 version = MIGCTL_CTL_GET_VERSION(val), features = MIGCTL_CTL_GET_FEATURES(val);

	if (!val)
		return NULL;
#ifndef MIGCTL_FAULT_ACCEPT_RESERVED_MSR	/* fault switch: breaks H-4 */
	if (val & MIGCTL_CTL_RESERVED)
		return "reserved bits set";
#endif
	if (!(val & MIGCTL_CTL_READY))
		return "READY clear with other bits set";
	/* An upstream (version 1) guest writes 1: field 0 means version 1. */
	if (!version)
		version = MIGCTL_VERSION_1;
	if (version < h->cfg.min_version || version > h->cfg.max_version)
		return "version not offered";
	if (features & ~h->offered)
		return "features not offered";
	if (features && version == MIGCTL_VERSION_1)
		return "features with version 1";
	return NULL;
}

int migctl_host_ctl_read(struct migctl_host *h, u64 *val)
{
	*val = 0;
	if (!migctl_host_enabled(h))
		return MIGCTL_HOST_GP;
	*val = migctl_host_ctl_get(h);
	MIGCTL_HOST_CNT_INC(h, ctl_reads);
	return MIGCTL_HOST_ACCEPT;
}

u64 migctl_host_ctl_get(const struct migctl_host *h)
{
	return __atomic_load_n(&h->control, __ATOMIC_ACQUIRE);
}

/* A READY value of version 2 or later: a guest bound by G-9, G-10 and G-13. */
static bool ctl_v2_ready(u64 val)
{
	return (val & MIGCTL_CTL_READY) && MIGCTL_CTL_GET_VERSION(val) >= MIGCTL_VERSION_2;
}

/*
 * Called with h->lock held. One generation step per call that changes the
 * value or the log's reliability, so that a VMM comparing generations sees
 * every such change (V-7).
 */
static void ctl_store(struct migctl_host *h, u64 val, bool reliable)
{
	bool unreliable = h->unreliable && !reliable;

	if (h->control == val && h->unreliable == unreliable)
		return;
	__atomic_store_n(&h->control, val, __ATOMIC_RELEASE);
	__atomic_store_n(&h->unreliable, unreliable, __ATOMIC_RELEASE);
	__atomic_store_n(&h->generation, h->generation + 1, __ATOMIC_RELEASE);
}

void migctl_host_ctl_refused(struct migctl_host *h, u32 via, unsigned int vcpu, int error,
			     u64 a0, u64 a1, u64 a2)
{
	pthread_mutex_lock(&h->lock);
	if (!h->unreliable && !ctl_v2_ready(h->control)) {
		h->refusal = (struct migctl_host_refusal){
			.via = via, .vcpu = vcpu, .error = error, .control = h->control,
			.a0 = a0, .a1 = a1, .a2 = a2,
		};
		__atomic_store_n(&h->unreliable, true, __ATOMIC_RELEASE);
		__atomic_store_n(&h->generation, h->generation + 1, __ATOMIC_RELEASE);
		migctl_host_logf(h, MIGCTL_HOST_LOG_INFO, "migctl: status log unreliable until "
				 "a version-2 opt-in or a VM reset: vcpu %u's notification was "
				 "refused (%d) while the control MSR held %#llx", vcpu, error,
				 (unsigned long long)h->control);
	}
	pthread_mutex_unlock(&h->lock);
}

void migctl_host_ctl_set(struct migctl_host *h, u64 val)
{
	pthread_mutex_lock(&h->lock);
	ctl_store(h, val, false);
	pthread_mutex_unlock(&h->lock);
}

void migctl_host_ctl_reset(struct migctl_host *h)
{
	pthread_mutex_lock(&h->lock);
	ctl_store(h, 0, true);
	pthread_mutex_unlock(&h->lock);
}

int migctl_host_ctl_write(struct migctl_host *h, unsigned int vcpu, u64 val)
{
	const char *why = NULL;

	if (!migctl_host_enabled(h)) {
		why = "protocol not offered";
		goto err_gp;
	}
	why = migctl_host_ctl_check(h, val);
	if (why)
		goto err_gp;
	pthread_mutex_lock(&h->lock);
	/* H-5: the guest must opt out before it may choose differently. */
	if (val && h->control && h->control != val) {
		pthread_mutex_unlock(&h->lock);
		why = "READY with a different value while READY";
		goto err_gp;
	}
	/* H-16: a version-2 guest opts in only after a complete reset (G-13). */
	ctl_store(h, val, ctl_v2_ready(val));
	pthread_mutex_unlock(&h->lock);
	MIGCTL_HOST_CNT_INC(h, ctl_accepted);
	return MIGCTL_HOST_ACCEPT;

err_gp:
	MIGCTL_HOST_CNT_INC(h, ctl_rejected);
	migctl_host_logf(h, MIGCTL_HOST_LOG_DEBUG, "migctl: vcpu %u: #GP on control write %#llx: %s",
			 vcpu, (unsigned long long)val, why);
	return MIGCTL_HOST_GP;
}
