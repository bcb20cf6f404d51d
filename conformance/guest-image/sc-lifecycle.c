/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-lifecycle.c - scenarios: elision without support, opt-out and re-entry, suspend and resume. */
#include "check.h"
#include "ktap.h"
#include "migctl.h"
#include "smp.h"

static const char *elision_run(struct scenario_env *env)
{
	const struct machine *m = env->machine;
	struct migctl_guest *g = env->guest;
	struct migctl_guest_range shared = { check_scratch_page(63), 1 };
	struct migctl_guest_counters c;
	int r;

	if (env->offer.ctl || env->offer.hc)
		return "host offers the protocol (bit 16 or 17 set); elision is for hosts without";
	migctl_guest_discover(g);
	report(migctl_guest_state(g) == MIGCTL_GUEST_ABSENT, "the library finds nothing offered "
	       "(state %u)", migctl_guest_state(g));
	r = migctl_guest_boot_reset(g, m->ram, m->nram, &shared, 1);
	report(r == 0, "boot-time reset returns 0 (%d)", r);
	r = migctl_guest_set_status(g, check_scratch_page(0), 1, false);
	report(r == 0, "a conversion to shared returns 0 (%d)", r);
	r = migctl_guest_set_status(g, check_scratch_page(0), 1, true);
	report(r == 0, "a conversion to private returns 0 (%d)", r);
	r = migctl_guest_opt_in(g);
	report(r == -MIGCTL_GUEST_ENODEV, "opt-in finds no control MSR (%d)", r);
	migctl_guest_counters(g, &c);
	report(c.hypercalls == 0 && c.psc_writes == 0, "no notification issued (%lu hypercalls, "
	       "%lu MSR-transport writes)", c.hypercalls, c.psc_writes);
	report(c.ctl_reads == 0 && c.ctl_writes == 0, "control MSR untouched (%lu reads, %lu "
	       "writes)", c.ctl_reads, c.ctl_writes);
	report(c.elided == 2, "both conversions elided (%lu)", c.elided);
	report_info("the driver checks the VMM's --stats: no control-MSR write, no hypercall");
	return NULL;
}

/* Covers: H-3 */
const struct scenario sc_elision = {
	.name = "elision",
	.summary = "no support: the image makes no hypercall and no control-MSR access",
	.run = elision_run,
};

static const char *opt_out_run(struct scenario_env *env)
{
	const char *why = check_need_ctl(env);
	struct check_life l = { .env = env };
	u32 last = env->cpus - 1;
	u64 v, v1 = MIGCTL_CTL_READY;
	int r;

	if (why)
		return why;
	migctl_guest_discover(env->guest);
	r = check_life_opt_in(&l);
	if (!report(r == 0, "opt in (%d, value %#lx)", r, l.value))
		return NULL;
	v = l.value;
	check_ctl_all(env, v, "READY");
	r = check_life_opt_out(&l, MIGCTL_GUEST_OUT_REBOOT);
	report(r == 0, "opt-out for reboot (%d)", r);
	check_ctl_all(env, 0, "after the opt-out");
	r = check_life_opt_in(&l);
	report(r == 0 && l.value == v, "re-entry with the same negotiation (%d, %#lx)", r, l.value);
	check_ctl_all(env, v, "READY again");
	report(check_ctl_write_on(last, 0) == 0, "cpu %u withdraws for the whole VM", last);
	check_ctl_all(env, 0, "withdrawn");
	report(check_ctl_write_on(last, v) == 0, "cpu %u opts in again with %#lx", last, v);
	check_ctl_all(env, v, "READY from another CPU");
	report(check_ctl_write_on(0, 0) == 0, "opt-out");
	if (env->offer.min == MIGCTL_VERSION_1 && v != v1) {
		report(check_ctl_write_on(0, v1) == 0,
		       "after an opt-out a different valid value (%#lx) is accepted", v1);
		check_ctl_all(env, v1, "renegotiated as version 1");
		check_ctl_write_on(0, 0);
	}
	return NULL;
}

/* Covers: H-5, H-6, H-7 */
const struct scenario sc_opt_out = {
	.name = "opt-out",
	.summary = "opt-out is VM-wide; re-entry with the same or another value",
	.run = opt_out_run,
};

static void cpus_restart(struct scenario_env *env, const char *what)
{
	const char *why = "";
	u32 n = smp_start(env->params->cpus, &why);

	report(n == env->cpus, "%s: %u of %u CPUs back online %s", what, n, env->cpus, why);
}

static void suspend_cpu_offline(struct check_life *l)
{
	struct scenario_env *env = l->env;
	u32 left;
	u64 r;

	for (left = env->cpus - 1; left > 0; left--)
		check_life_cpu_offline(l, left);
	smp_stop();
	check_ctl_read_on(0, &r);
	report(r == l->value, "other CPUs offline (not the last): still READY (%#lx)", r);
	cpus_restart(env, "INIT-SIPI-SIPI");
	check_ctl_all(env, l->value, "after INIT of the other vCPUs (VM-wide state)");
}

static const char *suspend_run(struct scenario_env *env)
{
	const char *why = check_need_ctl(env);
	struct check_life l = { .env = env };
	int r;

	if (why)
		return why;
	migctl_guest_discover(env->guest);
	r = check_life_opt_in(&l);
	if (!report(r == 0, "opt in (%d, %#lx)", r, l.value))
		return NULL;
	suspend_cpu_offline(&l);
	r = check_life_opt_out(&l, MIGCTL_GUEST_OUT_SUSPEND);
	report(r == 0, "opt-out before suspend (%d)", r);
	check_ctl_all(env, 0, "suspended");
	smp_stop();
	cpus_restart(env, "resume");
	check_ctl_all(env, 0, "resumed, before re-entry (the host does not opt in by itself)");
	r = check_life_resume(&l);
	report(r == 0, "re-entry on resume (%d)", r);
	check_ctl_all(env, l.value, "READY after resume");
	r = check_life_cpu_offline(&l, 0);
	report(r == 0, "the last CPU goes offline: opt-out (%d)", r);
	check_ctl_all(env, 0, "last CPU offline");
	r = check_life_cpu_online(&l);
	report(r == 0, "a CPU comes online: re-entry (%d)", r);
	check_ctl_all(env, l.value, "READY after CPU online");
	check_life_opt_out(&l, MIGCTL_GUEST_OUT_SHUTDOWN);
	return NULL;
}

/* Covers: H-6, H-7 */
const struct scenario sc_suspend = {
	.name = "suspend",
	.summary = "CPU offline/online, suspend and resume: opt-out and re-entry",
	.run = suspend_run,
};
