/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* scenario.h - the scenario table: one KTAP test case each, defined in the sc-*.c files. */
#ifndef GUEST_IMAGE_SCENARIO_H
#define GUEST_IMAGE_SCENARIO_H

#include <migctl/types.h>
#include "machine.h"
#include "migctl-guest.h"
#include "params.h"
#include "probe.h"

/* What every scenario gets; built once per boot by kernel_main(). */
struct scenario_env {
	const struct params *params;
	const struct machine *machine;
	struct probe_offer offer;	/* what the boot CPU read */
	u32 cpus;			/* CPUs online */
	struct migctl_guest *guest;	/* the kernel's library context, discovered */
	bool park;			/* stay up after the last case (scenario_park) */
};

/*
 * run() reports its checks with report() and returns NULL, or returns a
 * skip reason before reporting anything that decides the case. Every
 * scenario leaves the host not READY (it may opt in, it opts out again).
 */
struct scenario {
	const char *name;		/* what test= selects */
	const char *case_name;		/* the KTAP case name, if not name */
	const char *summary;
	const char *(*run)(struct scenario_env *env);
};

/* The sc-*.c files. */
extern const struct scenario sc_discovery, sc_no_support, sc_negotiate, sc_ctl_invalid,
	sc_ctl_readback, sc_hc_validate, sc_psc_validate, sc_elision, sc_opt_out, sc_kexec,
	sc_suspend, sc_smp_notify, sc_migrate;
extern const struct scenario sc_flood;
extern const struct scenario sc_dirty;
extern const struct scenario sc_upstream_boot, sc_upstream_kexec, sc_upstream_offline,
	sc_upstream_suspend;

/*
 * After the totals, when a scenario asked for it: waits for a driver to
 * see the host refuse a migration, with the exit code held; a migration
 * that happens all the same ends the VM with a failure (sc-upstream.c).
 */
void scenario_park(struct scenario_env *env, int code) __attribute__((noreturn));

/* Lists the scenarios as KTAP diagnostics. */
void scenario_print_list(void);
/* Number of scenarios the test= globs select. */
u32 scenario_count(const char *globs);
/* Runs the selected scenarios from KTAP case number first (1-based). */
void scenario_run_all(struct scenario_env *env, u32 first, bool resumed);

#endif /* GUEST_IMAGE_SCENARIO_H */
