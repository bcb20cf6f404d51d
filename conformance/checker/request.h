/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* request.h - the range rules of G-14, judged on one notification request. */
#ifndef MIGCTL_CHECK_REQUEST_H
#define MIGCTL_CHECK_REQUEST_H

#include <stddef.h>
#include <migctl/types.h>
#include "migctl.h"

/* Room for the reason a request breaks G-14. */
#define MIGCTL_CHECK_WHY_MAX	96

/*
 * Each function returns true when the request breaks G-14 and then writes
 * the reason, with the offending values, to @why (MIGCTL_CHECK_WHY_MAX
 * bytes). None of them looks at RAM membership: that is the host's check
 * (H-8), not a guest rule.
 */

/* A hypercall range request (LIST clear); bit 5 is the caller's business. */
bool migctl_check_bad_range(gpa_t gpa, u64 npages, u64 attrs, char *why);
/* A list request's a0/a1/a2 (LIST set). */
bool migctl_check_bad_list_head(gpa_t gpa, u64 count, u64 attrs, char *why);
/* A PSC MSR value, range or list form (the LIST bit is the caller's business). */
bool migctl_check_bad_psc(u64 val, char *why);
/* One entry of a list. */
bool migctl_check_bad_entry(const struct migctl_list_entry *e, char *why);

/* The 4 KiB pages a valid PSC range request names. */
void migctl_check_psc_range(u64 val, u64 *gfn, u64 *npages);

#endif /* MIGCTL_CHECK_REQUEST_H */
