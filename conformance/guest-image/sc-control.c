/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-control.c - scenarios: negotiation, invalid control-MSR values, read-back. */
#include "check.h"
#include "ktap.h"
#include "migctl.h"

#define VALUES_MAX	96

struct value_list {
	u64 v[VALUES_MAX];
	u32 n;
};

static void add(struct value_list *l, u64 v)
{
	if (l->n < VALUES_MAX)
		l->v[l->n++] = v;
}

/* Every value the offer makes valid: each version, each feature subset for v2+. */
static void valid_values(const struct probe_offer *o, struct value_list *l)
{
	u32 offered = o->offered & MIGCTL_F_ALL;
	u32 v, s;

	for (v = o->min; v <= o->max; v++) {
		if (v == MIGCTL_VERSION_1) {
			add(l, MIGCTL_CTL_READY);	/* version field 0 counts as 1 */
			add(l, MIGCTL_CTL_VALUE(1, 0));
			continue;
		}
		/* Every subset of the offered flags, from none to all. */
		s = 0;
		do {
			add(l, MIGCTL_CTL_VALUE(v, s));
			s = (s - offered) & offered;
		} while (s);
	}
}

/* H-4's list for this offer. */
static void invalid_values(const struct probe_offer *o, struct value_list *l)
{
	u32 offered = o->offered & MIGCTL_F_ALL;
	u32 top = o->max >= MIGCTL_VERSION_2 ? o->max : MIGCTL_VERSION_2;
	/* Valid but for the reserved bit: the lowest version offered. */
	u64 base = o->min <= MIGCTL_VERSION_1 ? MIGCTL_CTL_READY : MIGCTL_CTL_VALUE(o->min, 0);
	u32 b;

	for (b = 1; b < 32; b++)
		if (MIGCTL_CTL_RESERVED >> b & 1)
			add(l, base | 1ull << b);
	add(l, 1ull << MIGCTL_CTL_VERSION_SHIFT);		/* READY clear, version */
	add(l, 1ull << MIGCTL_CTL_FEATURES_SHIFT);		/* READY clear, feature */
	add(l, 2);						/* READY clear, reserved */
	if (o->max < 255)
		add(l, MIGCTL_CTL_VALUE(o->max + 1, 0));
	add(l, MIGCTL_CTL_VALUE(255, 0));
	if (o->min > 1) {
		add(l, MIGCTL_CTL_READY);
		add(l, MIGCTL_CTL_VALUE(o->min - 1, 0));
	}
	for (b = 0; b < 32; b++)
		if (!(offered >> b & 1) && (b < 8 || b == 31))
			add(l, MIGCTL_CTL_VALUE(top, 1u << b));
	for (b = 0; b < 32; b++) {
		if (!(offered >> b & 1) && b)
			continue;
		add(l, MIGCTL_CTL_VALUE(1, 1u << b));
		add(l, MIGCTL_CTL_READY | (u64)(1u << b) << MIGCTL_CTL_FEATURES_SHIFT);
	}
}

/* One valid value: accepted, read back everywhere, idempotent, sticky, withdrawn. */
static void negotiate_one(struct scenario_env *env, const struct value_list *ok, u32 i)
{
	u32 last = env->cpus - 1;
	u64 v = ok->v[i], other = ok->v[(i + 1) % ok->n], r;
	int vec;

	vec = check_ctl_write_on(0, v);
	if (!report(vec == 0, "%#lx: accepted (%s)", v, probe_vec_name(vec)))
		return;
	check_ctl_all(env, v, "after the write");
	vec = check_ctl_write_on(last, v);
	report(vec == 0, "%#lx: the same value again from cpu %u accepted (%s)", v, last,
	       probe_vec_name(vec));
	if (other != v) {
		vec = check_ctl_write_on(last, other);
		check_ctl_read_on(0, &r);
		report(vec == 13 && r == v, "%#lx while READY with %#lx: GP (%s), still reads %#lx",
		       other, v, probe_vec_name(vec), r);
	}
	vec = check_ctl_write_on(last, 0);
	report(vec == 0, "0 from cpu %u accepted (%s)", last, probe_vec_name(vec));
	check_ctl_all(env, 0, "after opting out");
}

static const char *negotiate_run(struct scenario_env *env)
{
	const char *why = check_need_ctl(env);
	struct value_list ok = { .n = 0 };
	u32 i;

	if (why)
		return why;
	valid_values(&env->offer, &ok);
	report_info("offer: versions %u..%u, features %#x: %u valid values", env->offer.min,
		    env->offer.max, env->offer.offered, ok.n);
	check_ctl_write_on(0, 0);
	for (i = 0; i < ok.n; i++)
		negotiate_one(env, &ok, i);
	return NULL;
}

/* Covers: H-5, H-6, H-7 */
const struct scenario sc_negotiate = {
	.name = "negotiate",
	.summary = "every offered version and feature subset: accepted, read back, withdrawn",
	.run = negotiate_run,
};

static void reject_all(struct scenario_env *env, const struct value_list *bad, u64 state,
		       const char *what)
{
	u32 i, cpu;
	u64 r;
	int vec;

	for (i = 0; i < bad->n; i++) {
		cpu = i % env->cpus;
		vec = check_ctl_write_on(cpu, bad->v[i]);
		check_ctl_read_on(cpu, &r);
		report(vec == 13 && r == state, "%s: %#lx rejected with GP (%s), reads %#lx", what,
		       bad->v[i], probe_vec_name(vec), r);
		if (r != state)
			check_ctl_write_on(cpu, state);
	}
}

static const char *ctl_invalid_run(struct scenario_env *env)
{
	const char *why = check_need_ctl(env);
	struct value_list bad = { .n = 0 };
	u64 best = check_best_value(&env->offer);
	int vec;

	if (why)
		return why;
	invalid_values(&env->offer, &bad);
	check_ctl_write_on(0, 0);
	reject_all(env, &bad, 0, "not READY");
	vec = check_ctl_write_on(0, best);
	if (report(vec == 0, "opt in with %#lx (%s)", best, probe_vec_name(vec)))
		reject_all(env, &bad, best, "READY");
	check_ctl_write_on(0, 0);
	return NULL;
}

/* Covers: H-4, H-5 */
const struct scenario sc_ctl_invalid = {
	.name = "ctl-invalid",
	.summary = "every invalid control-MSR value raises GP and changes nothing",
	.run = ctl_invalid_run,
};

static const char *ctl_readback_run(struct scenario_env *env)
{
	const char *why = check_need_ctl(env);
	u64 best = check_best_value(&env->offer);
	u32 last = env->cpus - 1;

	if (why)
		return why;
	check_ctl_write_on(0, 0);
	check_ctl_all(env, 0, "not READY");
	report(check_ctl_write_on(0, best) == 0, "cpu 0 opts in with %#lx", best);
	check_ctl_all(env, best, "READY");
	report(check_ctl_write_on(last, 0) == 0, "cpu %u opts out", last);
	check_ctl_all(env, 0, "withdrawn by another CPU");
	report(check_ctl_write_on(last, best) == 0, "cpu %u opts in again", last);
	check_ctl_all(env, best, "READY again");
	report(check_ctl_write_on(0, 0) == 0, "cpu 0 opts out");
	check_ctl_all(env, 0, "withdrawn");
	return NULL;
}

/* Covers: H-6, H-7 */
const struct scenario sc_ctl_readback = {
	.name = "ctl-readback",
	.summary = "RDMSR returns 0 or exactly the accepted value on every CPU",
	.run = ctl_readback_run,
};
