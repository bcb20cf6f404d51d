/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* user.c - ring-3 tasks and their system calls (INT3 in, IRETQ out). */
#include "user.h"

#include "smp.h"

/* entry.S */
u64 user_run(user_fn fn, void *arg, u64 stack_top);
void user_return(u64 value) __attribute__((noreturn));

/* System calls made again after a lost INT3 (user_syscall()). */
u64 user_lost_traps;

/* Written once before the first task, read by every CPU. */
static user_convert_fn user_convert;
static user_scenario_fn user_scenario;

void user_set_convert(user_convert_fn fn)
{
	user_convert = fn;
}

void user_set_scenario(user_scenario_fn fn)
{
	user_scenario = fn;
}

u64 user_call(user_fn fn, void *arg)
{
	return user_run(fn, arg, smp_user_stack_top());
}

u64 syscall_dispatch(u64 nr, u64 a0, u64 a1, u64 a2)
{
	switch (USER_SYSCALL_NR(nr)) {
	case SYS_EXIT:
		user_return(a0);
	case SYS_CONVERT:
		return user_convert ? (u64)user_convert(a0, a1, a2 != 0) : (u64)-38;
	case SYS_CPU:
		return smp_cpu_index();
	case SYS_SCENARIO:
		return user_scenario ? user_scenario(a0, a1, a2) : (u64)-38;
	default:
		return (u64)-38;	/* ENOSYS */
	}
}
