/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bench-guest.c - the benchmark guest: one measured loop chosen by the host. */
#include <migctl/types.h>
#include "migctl-guest.h"
#include "migctl-x86.h"
#include "bench-abi.h"

void bench_loop_empty(u64 n);
void bench_loop_nop(u64 n);
void bench_loop_wrmsr(u64 n, u32 index, u64 value);
void bench_loop_out(u64 n, u32 port);
void bench_loop_vmcall(u64 n, u64 a0, u64 a1, u64 a2);
void bench_loop_vmmcall(u64 n, u64 a0, u64 a1, u64 a2);
void bench_mark(u32 v);
void bench_user_loop(u64 n, u32 port) __attribute__((noreturn));
int bench_guest_main(void);

/*
 * Bring the library up the way a kernel does at boot (discover, reset the
 * host's log for all RAM, opt in) outside the measured window; on a host
 * that offers nothing this only runs CPUID.
 */
static int bench_lib_boot(struct migctl_guest *g, const struct migctl_guest_ops *ops,
			  volatile struct bench_params *p)
{
	struct migctl_guest_range ram[2] = {
		{ 0, 0xa0000 >> 12 },
		{ 0x100000, (p->ram_end - 0x100000) >> 12 },
	};
	int ret;

	ret = migctl_guest_init(g, ops, 0);
	if (ret)
		return ret;
	ret = migctl_guest_discover(g);
	if (ret == -MIGCTL_GUEST_ENODEV)
		return 0;	/* nothing offered: the elided path */
	if (ret)
		return ret;
	return migctl_guest_boot_reset(g, ram, 2, NULL, 0);
}

/* What a kernel built without the protocol calls: nothing. */
static int bench_nop_hook(struct migctl_guest *g, gpa_t gpa, u64 npages, bool encrypted)
{
	__asm__ volatile("" ::: "memory");
	return 0;
}

/* The loop of bench_lib() around a no-op hook: the guest's cost with the protocol off. */
static void bench_lib_off(volatile struct bench_params *p)
{
	int (*volatile hook)(struct migctl_guest *, gpa_t, u64, bool) = bench_nop_hook;
	u64 n = p->iters, pages = p->lib_pages, gpa = p->lib_gpa;
	int ret = 0;

	bench_mark(BENCH_MARK_START);
	for (u64 i = 0; i < n; i++)
		ret |= hook(NULL, gpa + ((i % pages) << 12), 1, i & 1);
	bench_mark(BENCH_MARK_STOP);
	p->lib_rc = ret;
}

static void bench_lib(volatile struct bench_params *p)
{
	struct migctl_guest_ops ops;
	struct migctl_guest g;
	struct migctl_guest_counters c;
	u64 n = p->iters, pages = p->lib_pages, gpa = p->lib_gpa;
	int ret, first = 0;

	migctl_x86_ops_init(&ops, NULL);
	ret = bench_lib_boot(&g, &ops, p);
	if (ret) {
		p->lib_rc = ret;
		return;
	}
	bench_mark(BENCH_MARK_START);
	for (u64 i = 0; i < n; i++) {
		ret = migctl_guest_set_status(&g, gpa + ((i % pages) << 12), 1, i & 1);
		if (ret && !first)
			first = ret;
	}
	bench_mark(BENCH_MARK_STOP);
	migctl_guest_counters(&g, &c);
	p->lib_rc = first;
	p->lib_state = migctl_guest_state(&g);
	p->lib_requests = c.requests;
	p->lib_elided = c.elided;
	p->lib_psc_writes = c.psc_writes;
	p->lib_hypercalls = c.hypercalls;
	p->lib_notified = c.pages;
}

int bench_guest_main(void)
{
	volatile struct bench_params *p = (struct bench_params *)(u64)BENCH_PARAMS_GPA;
	u64 n = p->iters;

	if (p->magic != BENCH_PARAMS_MAGIC || !n)
		return 1;
	if (p->mode == BENCH_MODE_USER_EMPTY || p->mode == BENCH_MODE_USER_OUT) {
		p->done = 1;	/* the marks tell whether the loop ran */
		bench_user_loop(n, p->mode == BENCH_MODE_USER_OUT ? p->port : 0);
	}
	if (p->mode == BENCH_MODE_LIB) {
		bench_lib(p);
	} else if (p->mode == BENCH_MODE_LIB_OFF) {
		bench_lib_off(p);
	} else {
		bench_mark(BENCH_MARK_START);
		switch (p->mode) {
		case BENCH_MODE_NOP:
			bench_loop_nop(n);
			break;
		case BENCH_MODE_WRMSR:
			bench_loop_wrmsr(n, p->msr_index, p->msr_value);
			break;
		case BENCH_MODE_HYPERCALL:
			if (p->hc_vmmcall)
				bench_loop_vmmcall(n, p->lib_gpa, 1, p->msr_value);
			else
				bench_loop_vmcall(n, p->lib_gpa, 1, p->msr_value);
			break;
		case BENCH_MODE_OUT:
			bench_loop_out(n, p->port);
			break;
		default:
			bench_loop_empty(n);
			break;
		}
		bench_mark(BENCH_MARK_STOP);
	}
	p->done = 1;
	return 0;
}
