/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* scenario.c - the scenario table and the loop that runs the selected ones. */
#include "scenario.h"

#include "console.h"
#include "ktap.h"
#include "migctl.h"

/* The order is the KTAP order; kexec keeps its number across the jump. */
static const struct scenario *const scenarios[] = {
	&sc_discovery,
	&sc_no_support,
	&sc_negotiate,
	&sc_ctl_invalid,
	&sc_ctl_readback,
	&sc_hc_validate,
	&sc_psc_validate,
	&sc_elision,
	&sc_opt_out,
	&sc_suspend,
	&sc_kexec,
	&sc_smp_notify,
	&sc_migrate,
	&sc_flood,
	&sc_dirty,
	&sc_upstream_boot,
	&sc_upstream_kexec,
	&sc_upstream_offline,
	&sc_upstream_suspend,
};

#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Shell-style '*' and '?' over [p, pend) against the whole of s. */
static bool glob_match(const char *p, const char *pend, const char *s)
{
	if (p == pend)
		return !*s;
	if (*p == '*') {
		for (;; s++) {
			if (glob_match(p + 1, pend, s))
				return true;
			if (!*s)
				return false;
		}
	}
	if (!*s || (*p != '?' && *p != *s))
		return false;
	return glob_match(p + 1, pend, s + 1);
}

static bool selected(const char *globs, const char *name)
{
	const char *p = globs, *e;

	while (*p) {
		for (e = p; *e && *e != ','; e++)
			;
		if (glob_match(p, e, name))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

void scenario_print_list(void)
{
	u32 i;

	con_printf("# scenarios:\n");
	for (i = 0; i < NR_SCENARIOS; i++)
		con_printf("#   %-14s %s\n", scenarios[i]->name, scenarios[i]->summary);
}

u32 scenario_count(const char *globs)
{
	u32 i, n = 0;

	for (i = 0; i < NR_SCENARIOS; i++)
		n += selected(globs, scenarios[i]->name);
	return n;
}

/*
 * Scenarios are independent: none may leave the VM READY for the next,
 * unless it holds the VM as it is for a driver to judge (env->park).
 */
static void scenario_cleanup(struct scenario_env *env)
{
	u64 v;

	if (env->park || !env->offer.ctl || probe_rdmsr(MIGCTL_MSR_CONTROL, &v) || !v)
		return;
	report_info("cleanup: the scenario left the VM READY (%#lx); writing 0", v);
	probe_wrmsr(MIGCTL_MSR_CONTROL, 0);
}

void scenario_run_all(struct scenario_env *env, u32 first, bool resumed)
{
	const struct scenario *sc;
	const char *why, *name;
	u32 i, num = 0;

	for (i = 0; i < NR_SCENARIOS; i++) {
		sc = scenarios[i];
		if (!selected(env->params->test, sc->name))
			continue;
		if (++num < first)
			continue;
		name = sc->case_name ? sc->case_name : sc->name;
		if (!(resumed && num == first))
			ktap_case_begin(name);
		why = sc->run(env);
		scenario_cleanup(env);
		ktap_case_end(name, why);
	}
}
