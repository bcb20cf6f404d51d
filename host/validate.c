/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* validate.c - checks of ranges, attributes, lists and MSR transport values. */
#include <endian.h>

#include "host-priv.h"
#include "validate.h"
#include "fault.h"

/* Attribute bits a single range may carry: size hint and ENCRYPTED. */
#define RANGE_ATTRS	(MIGCTL_ATTR_SIZE_MASK | MIGCTL_ATTR_ENCRYPTED)
#define PAGE_MASK	(MIGCTL_PAGE_SIZE - 1)

/*
 * The checks are ordered so that no arithmetic can overflow: the end of
 * the range is only formed once gpa < limit and npages fits below it, and
 * the RAM lookup walks regions, never pages (H-12).
 */
int migctl_host_check_request(const struct migctl_host *h, u64 gpa, u64 npages, u64 attrs,
			      bool in_list, struct migctl_host_req *req)
{
	const char *why;

	if (attrs & ~RANGE_ATTRS)
		why = in_list && (attrs & MIGCTL_ATTR_LIST) ? "LIST bit in a list entry" :
			"reserved attribute bits";
	else if ((attrs & MIGCTL_ATTR_SIZE_MASK) > MIGCTL_ATTR_SIZE_MAX)
		why = "size hint > 2";
	else if (gpa & PAGE_MASK)
		why = "gpa not page-aligned";
	else if (!npages)
		why = "zero pages";
#ifndef MIGCTL_FAULT_HC_NO_BOUNDS	/* fault switch: breaks H-8, H-10 */
	else if (gpa >= h->phys_limit || npages > (h->phys_limit - gpa) >> MIGCTL_PAGE_SHIFT)
		why = "range wraps or exceeds the physical address width";
	else if (!migctl_host_log_contains(h->log, gpa >> MIGCTL_PAGE_SHIFT, npages))
		why = "range not entirely in RAM";
#endif
	else
		why = NULL;
	if (why) {
		migctl_host_logf(h, MIGCTL_HOST_LOG_DEBUG,
				 "migctl: rejected range gpa=%#llx npages=%#llx attrs=%#llx: %s",
				 (unsigned long long)gpa, (unsigned long long)npages,
				 (unsigned long long)attrs, why);
		return -MIGCTL_KVM_EINVAL;
	}
	req->gfn = gpa >> MIGCTL_PAGE_SHIFT;
	req->npages = npages;
	req->private = attrs & MIGCTL_ATTR_ENCRYPTED;
	return 0;
}

bool migctl_host_list_attrs_ok(const struct migctl_host *h, u64 attrs)
{
	return (h->offered & MIGCTL_F_LIST) && attrs == MIGCTL_ATTR_LIST;
}

int migctl_host_check_list(const struct migctl_host *h, u64 gpa, u64 count,
			   struct migctl_host_req reqs[MIGCTL_LIST_MAX])
{
	struct migctl_list_entry ents[MIGCTL_LIST_MAX];
	unsigned int i;
	int err;

	if (gpa & PAGE_MASK || !count)
		return -MIGCTL_KVM_EINVAL;
	if (count > MIGCTL_LIST_MAX)
		return -MIGCTL_KVM_E2BIG;
	if (gpa >= h->phys_limit || !migctl_host_log_contains(h->log, gpa >> MIGCTL_PAGE_SHIFT, 1))
		return -MIGCTL_KVM_EFAULT;
	/*
	 * One copy, then every check on the copy: a guest rewriting the page
	 * meanwhile cannot make checked and applied values differ.
	 */
	if (!h->cfg.mem.read ||
	    h->cfg.mem.read(h->cfg.mem.arg, gpa, ents, count * sizeof(ents[0])))
		return -MIGCTL_KVM_EFAULT;
	for (i = 0; i < count; i++) {
		u64 ga = le64toh(ents[i].gpa_attrs);

		err = migctl_host_check_request(h, ga & MIGCTL_LIST_GPA_MASK,
						le64toh(ents[i].npages),
						ga & MIGCTL_LIST_ATTR_MASK, true, &reqs[i]);
		if (err)
			return err;
	}
	return (int)count;
}

int migctl_host_check_psc(const struct migctl_host *h, u64 val,
			  struct migctl_host_req reqs[MIGCTL_LIST_MAX])
{
	u64 attrs = val & MIGCTL_PSC_ATTR_MASK, unit = attrs & MIGCTL_ATTR_SIZE_MASK;
	u64 gfn = MIGCTL_PSC_GET_GFN(val), count = MIGCTL_PSC_GET_COUNT(val), upages;
	int err;

	if (attrs & MIGCTL_ATTR_LIST) {
		if (!migctl_host_list_attrs_ok(h, attrs) || count > MIGCTL_LIST_MAX)
			return -MIGCTL_KVM_EINVAL;
		return migctl_host_check_list(h, gfn << MIGCTL_PAGE_SHIFT, count, reqs);
	}
	if (attrs & ~RANGE_ATTRS || unit > MIGCTL_ATTR_SIZE_MAX)
		return -MIGCTL_KVM_EINVAL;
	upages = MIGCTL_SIZE_PAGES(unit);
	if (gfn & (upages - 1))
		return -MIGCTL_KVM_EINVAL;
	err = migctl_host_check_request(h, gfn << MIGCTL_PAGE_SHIFT, count * upages, attrs,
					false, &reqs[0]);
	return err ? err : 1;
}
