/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* check.h - control-MSR helpers the scenarios share: access on a chosen CPU, read-back on all. */
#ifndef GUEST_IMAGE_CHECK_H
#define GUEST_IMAGE_CHECK_H

#include <migctl/types.h>
#include "scenario.h"

/* WRMSR/RDMSR of the control MSR on CPU cpu; return 0 or the fault vector. */
int check_ctl_write_on(u32 cpu, u64 value);
int check_ctl_read_on(u32 cpu, u64 *value);

/*
 * Reads the control MSR on every online CPU and reports one check: all
 * read want without a fault. what describes the situation.
 */
bool check_ctl_all(const struct scenario_env *env, u64 want, const char *what);

/* The highest offered version with every offered feature (version 1: 1). */
u64 check_best_value(const struct probe_offer *o);

/* Skip reason when the control MSR is not offered, else NULL. */
const char *check_need_ctl(const struct scenario_env *env);

/*
 * The guest's side of opt-in, opt-out and re-entry. Through the guest
 * library when it opts in; on a host that offers the control MSR but no
 * transport this guest can use (a v1 host whose KVM cannot forward
 * hypercalls) the library rightly declines, and the same steps are done
 * by hand with raw writes so that the host's side is still tested.
 */
struct check_life {
	struct scenario_env *env;
	bool raw;
	u64 value;		/* the READY value in use */
};

/* 0 when READY (by either path), else the library's error. */
int check_life_opt_in(struct check_life *l);
int check_life_opt_out(struct check_life *l, u32 reason);
int check_life_resume(struct check_life *l);
int check_life_cpu_offline(struct check_life *l, u32 cpus_left);
int check_life_cpu_online(struct check_life *l);
/* G-13 at boot: withdraw a stale READY, announce RAM and shared ranges, opt in. */
int check_life_boot_reset(struct check_life *l);

/* A page of this image reserved for status notifications of scenario n (0..63). */
u64 check_scratch_page(u32 n);

#endif /* GUEST_IMAGE_CHECK_H */
