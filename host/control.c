/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* control.c - the control MSR: VM-wide READY, version and features. */
#include "host-priv.h"
#include "control.h"
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

/* Called with h->lock held. */
static void ctl_store(struct migctl_host *h, u64 val)
{
	if (h->control == val)
		return;
	__atomic_store_n(&h->control, val, __ATOMIC_RELEASE);
	__atomic_store_n(&h->generation, h->generation + 1, __ATOMIC_RELEASE);
}

void migctl_host_ctl_set(struct migctl_host *h, u64 val)
{
	pthread_mutex_lock(&h->lock);
	ctl_store(h, val);
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
	ctl_store(h, val);
	pthread_mutex_unlock(&h->lock);
	MIGCTL_HOST_CNT_INC(h, ctl_accepted);
	return MIGCTL_HOST_ACCEPT;

err_gp:
	MIGCTL_HOST_CNT_INC(h, ctl_rejected);
	migctl_host_logf(h, MIGCTL_HOST_LOG_DEBUG, "migctl: vcpu %u: #GP on control write %#llx: %s",
			 vcpu, (unsigned long long)val, why);
	return MIGCTL_HOST_GP;
}
