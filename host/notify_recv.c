/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* notify_recv.c - status notifications: hypercall 12 and the MSR transport. */
#include "host-priv.h"
#include "ctl_msr.h"
#include "notify_recv.h"
#include "validate.h"

/* All requests were checked: record every one (all or none, H-11, V-1). */
static void apply(struct migctl_host *h, const struct migctl_host_req *reqs, int nr)
{
	u64 pages = 0;
	int i;

	for (i = 0; i < nr; i++) {
		migctl_host_log_set(h->log, reqs[i].gfn, reqs[i].npages, reqs[i].private);
		pages += reqs[i].npages;
	}
	MIGCTL_HOST_CNT_INC(h, ok);
	MIGCTL_HOST_CNT_ADD(h, pages, pages);
}

static s64 hc_error(struct migctl_host *h, int err)
{
	switch (-err) {
	case MIGCTL_KVM_EINVAL:
		MIGCTL_HOST_CNT_INC(h, einval);
		break;
	case MIGCTL_KVM_E2BIG:
		MIGCTL_HOST_CNT_INC(h, e2big);
		break;
	case MIGCTL_KVM_EFAULT:
		MIGCTL_HOST_CNT_INC(h, efault);
		break;
	case MIGCTL_KVM_ENOSYS:
		MIGCTL_HOST_CNT_INC(h, enosys);
		break;
	}
	return err;
}

s64 migctl_host_hypercall(struct migctl_host *h, unsigned int vcpu, u64 nr,
			  u64 a0, u64 a1, u64 a2)
{
	struct migctl_host_req reqs[MIGCTL_LIST_MAX];
	int n;

	/* H-14: KVM's own exits for SNP and TDX are conversions, not notifications. */
	if (!migctl_host_vm_type_governed(h->cfg.vm_type)) {
		MIGCTL_HOST_CNT_INC(h, not_migctl);
		return MIGCTL_HOST_HC_NOT_MIGCTL;
	}
	MIGCTL_HOST_CNT_INC(h, hc_calls);
	if (!h->hc_offered || nr != MIGCTL_HC_MAP_GPA_RANGE)
		return hc_error(h, -MIGCTL_KVM_ENOSYS);
	if (a2 & MIGCTL_ATTR_LIST) {
		MIGCTL_HOST_CNT_INC(h, lists);
		if (!migctl_host_list_attrs_ok(h, a2))
			n = -MIGCTL_KVM_EINVAL;
		else
			n = migctl_host_check_list(h, a0, a1, reqs);
	} else {
		n = migctl_host_check_request(h, a0, a1, a2, false, reqs);
		if (!n)
			n = 1;
	}
	if (n < 0) {
		migctl_host_logf(h, MIGCTL_HOST_LOG_DEBUG,
				 "migctl: vcpu %u: hypercall gpa=%#llx n=%#llx attrs=%#llx: %d",
				 vcpu, (unsigned long long)a0, (unsigned long long)a1,
				 (unsigned long long)a2, n);
		migctl_host_ctl_refused(h, MIGCTL_HOST_VIA_HYPERCALL, vcpu, n, a0, a1, a2);
		return hc_error(h, n);
	}
	apply(h, reqs, n);
	return 0;
}

int migctl_host_psc_write(struct migctl_host *h, unsigned int vcpu, u64 val)
{
	struct migctl_host_req reqs[MIGCTL_LIST_MAX];
	int n;

	MIGCTL_HOST_CNT_INC(h, msr_psc_writes);
	if (!(h->offered & MIGCTL_F_MSR_PSC)) {
		n = -MIGCTL_KVM_ENOSYS;
	} else {
		if (val & MIGCTL_ATTR_LIST)
			MIGCTL_HOST_CNT_INC(h, lists);
		n = migctl_host_check_psc(h, val, reqs);
		if (n < 0)
			migctl_host_ctl_refused(h, MIGCTL_HOST_VIA_MSR, vcpu, n, val, 0, 0);
	}
	if (n < 0) {
		MIGCTL_HOST_CNT_INC(h, psc_gp);
		migctl_host_logf(h, MIGCTL_HOST_LOG_DEBUG,
				 "migctl: vcpu %u: #GP on MSR transport write %#llx (%d)",
				 vcpu, (unsigned long long)val, n);
		return MIGCTL_HOST_GP;
	}
	apply(h, reqs, n);
	return MIGCTL_HOST_ACCEPT;
}
