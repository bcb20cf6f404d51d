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

/* The kernel's side of SYS_SCENARIO: whatever the running scenario needs. */
typedef u64 (*user_scenario_fn)(u64 a0, u64 a1, u64 a2);

/* Installed once by the boot CPU before any task runs. */
void user_set_convert(user_convert_fn fn);
void user_set_scenario(user_scenario_fn fn);

/* Runs fn(arg) in ring 3 on this CPU; returns its result. */
u64 user_call(user_fn fn, void *arg);

/* Called from entry.S. */
u64 syscall_dispatch(u64 nr, u64 a0, u64 a1, u64 a2);

/*
 * The call number goes in RAX tagged, and the kernel's result replaces it.
 * Our test KVM (PVM) has RIP past an INT3 from ring 3 while the #BP is
 * still queued, and KVM_GET_VCPU_EVENTS does not report software
 * exceptions, so a vCPU saved at that moment (a migration's pause) may
 * arrive without its system call: RAX still holds the tagged number. The
 * VMM closes that window where it can (vcpu_complete()); what is left is
 * seen here, made again (the call never ran) and counted. On VMX and SVM
 * RIP stays on the INT3 and the retry never happens.
 */
#define USER_SYSCALL_TAG	0x5359534300000000ull	/* "SYSC": no call returns it */
#define USER_SYSCALL_NR(rax)	((rax) & 0xffffffffull)

extern u64 user_lost_traps;

/* For ring-3 code only. */
static inline long user_syscall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	long ret;

	for (;;) {
		asm volatile("int3"
			     : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2)
			     : "a"(nr | USER_SYSCALL_TAG)
			     : "rcx", "r8", "r9", "r10", "r11", "memory");
		if ((u64)ret != (nr | USER_SYSCALL_TAG))
			return ret;
		__atomic_fetch_add(&user_lost_traps, 1, __ATOMIC_RELAXED);
	}
}

#endif /* GUEST_IMAGE_USER_H */
