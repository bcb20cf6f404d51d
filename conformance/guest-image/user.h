/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* user.h - ring-3 tasks and their system calls (INT3 in, IRETQ out). */
#ifndef GUEST_IMAGE_USER_H
#define GUEST_IMAGE_USER_H

#include <migctl/types.h>
#include "layout.h"

/*
 * Heavy loops run in ring 3, which our test KVM executes natively, while
 * ring 0 is emulated. A task is a function of this image run on the
 * calling CPU's user stack until it returns; it asks the kernel for work
 * through user_syscall().
 */
typedef u64 (*user_fn)(void *arg);

/* The kernel's side of SYS_CONVERT: notify a status change, return 0 or -errno. */
typedef long (*user_convert_fn)(u64 gpa, u64 npages, bool encrypted);

/* Installed once by the boot CPU before any task runs. */
void user_set_convert(user_convert_fn fn);

/* Runs fn(arg) in ring 3 on this CPU; returns its result. */
u64 user_call(user_fn fn, void *arg);

/* Called from entry.S. */
u64 syscall_dispatch(u64 nr, u64 a0, u64 a1, u64 a2);

/* For ring-3 code only. */
static inline long user_syscall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	long ret;

	asm volatile("int3"
		     : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2)
		     : "a"(nr)
		     : "rcx", "r8", "r9", "r10", "r11", "memory");
	return ret;
}

#endif /* GUEST_IMAGE_USER_H */
