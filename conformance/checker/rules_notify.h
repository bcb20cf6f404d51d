/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* rules_notify.h - the notification rules: G-5, G-7, G-8, G-9, G-13, G-14, G-16. */
#ifndef MIGCTL_CHECK_RULES_NOTIFY_H
#define MIGCTL_CHECK_RULES_NOTIFY_H

#include <migctl/types.h>

struct migctl_check;
struct check_note;

/*
 * Judge one notification on a transport the guest may know of (G-4 and
 * G-5's index rule are the caller's), then record its effect when the host
 * accepted it. Called with the lock held.
 */
void migctl_check_note(struct migctl_check *c, u32 vcpu, const struct check_note *n);

#endif /* MIGCTL_CHECK_RULES_NOTIFY_H */
