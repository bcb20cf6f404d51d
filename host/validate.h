/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* validate.h - the one validation path of both transports and list entries. */
#ifndef MIGCTL_HOST_VALIDATE_H
#define MIGCTL_HOST_VALIDATE_H

#include <migctl/types.h>
#include "migctl.h"

struct migctl_host;

/* A checked request: every page of gfn..gfn+npages-1 is RAM. */
struct migctl_host_req {
	u64 gfn;
	u64 npages;
	bool private;
};

/*
 * H-8: check one range request (not a list) with attributes @attrs.
 * @in_list: the request is a list entry (the LIST bit is then invalid).
 * Returns 0 and fills @req, or -MIGCTL_KVM_EINVAL.
 */
int migctl_host_check_request(const struct migctl_host *h, u64 gpa, u64 npages, u64 attrs,
			      bool in_list, struct migctl_host_req *req);

/*
 * H-11: copy a list of @count entries from the page at @gpa ONCE, then
 * check every entry. Returns the number of requests in @reqs, or
 * -MIGCTL_KVM_EINVAL / -MIGCTL_KVM_E2BIG / -MIGCTL_KVM_EFAULT.
 */
int migctl_host_check_list(const struct migctl_host *h, u64 gpa, u64 count,
			   struct migctl_host_req reqs[MIGCTL_LIST_MAX]);

/*
 * H-8 for the hypercall's a2 when it carries MIGCTL_ATTR_LIST: returns
 * whether @attrs is a valid list request (only the LIST bit, F_LIST
 * offered).
 */
bool migctl_host_list_attrs_ok(const struct migctl_host *h, u64 attrs);

/*
 * H-10: decode one MSR transport value into @reqs. Returns the number of
 * requests, or a negative value for "raise #GP".
 */
int migctl_host_check_psc(const struct migctl_host *h, u64 val,
			  struct migctl_host_req reqs[MIGCTL_LIST_MAX]);

#endif /* MIGCTL_HOST_VALIDATE_H */
