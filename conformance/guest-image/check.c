/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* check.c - control-MSR helpers the scenarios share: access on a chosen CPU, read-back on all. */
#include "check.h"

#include "ktap.h"
#include "migctl-guest.h"
#include "layout.h"
#include "migctl.h"
#include "smp.h"

extern u8 scratch_pages[];

struct ctl_op {
	u64 value;
	int vec;
};

static void ctl_write_fn(void *arg)
{
	struct ctl_op *op = arg;

	op->vec = probe_wrmsr(MIGCTL_MSR_CONTROL, op->value);
}

static void ctl_read_fn(void *arg)
{
	struct ctl_op *op = arg;

	op->vec = probe_rdmsr(MIGCTL_MSR_CONTROL, &op->value);
}

int check_ctl_write_on(u32 cpu, u64 value)
{
	struct ctl_op op = { value, 0 };

	smp_run_on(cpu, ctl_write_fn, &op);
	return op.vec;
}

int check_ctl_read_on(u32 cpu, u64 *value)
{
	struct ctl_op op = { 0, 0 };

	smp_run_on(cpu, ctl_read_fn, &op);
	*value = op.value;
	return op.vec;
}

static void ctl_read_each(void *arg)
{
	struct ctl_op *ops = arg;
	struct ctl_op *op = &ops[smp_cpu_index()];

	op->vec = probe_rdmsr(MIGCTL_MSR_CONTROL, &op->value);
}

bool check_ctl_all(const struct scenario_env *env, u64 want, const char *what)
{
	struct ctl_op ops[MAX_CPUS] = { 0 };
	u32 i, bad = MAX_CPUS;

	smp_run(ctl_read_each, ops);
	for (i = 0; i < env->cpus && bad == MAX_CPUS; i++)
		if (ops[i].vec || ops[i].value != want)
			bad = i;
	if (bad != MAX_CPUS)
		report_info("cpu %u read %#lx (%s), expected %#lx", bad, ops[bad].value,
			    probe_vec_name(ops[bad].vec), want);
	return report(bad == MAX_CPUS, "%s: control MSR reads %#lx on all %u CPUs", what, want,
		      env->cpus);
}

u64 check_best_value(const struct probe_offer *o)
{
	if (o->max < MIGCTL_VERSION_2)
		return MIGCTL_CTL_READY;
	return MIGCTL_CTL_VALUE(o->max, o->offered & MIGCTL_F_ALL);
}

const char *check_need_ctl(const struct scenario_env *env)
{
	if (!env->offer.ctl)
		return "control MSR not offered (CPUID base+1 EAX bit 17 clear)";
	return NULL;
}

u64 check_scratch_page(u32 n)
{
	return (u64)scratch_pages + 4096ull * (n % 64);
}

int check_life_opt_in(struct check_life *l)
{
	struct migctl_guest *g = l->env->guest;
	int r;

	l->raw = false;
	r = migctl_guest_opt_in(g);
	if (!r) {
		l->value = g->ctl_value;
		return 0;
	}
	if (r != -MIGCTL_GUEST_ENODEV || !l->env->offer.ctl)
		return r;
	l->raw = true;
	l->value = check_best_value(&l->env->offer);
	report_info("the library declines to opt in (no usable transport); raw writes of %#lx",
		    l->value);
	return probe_wrmsr(MIGCTL_MSR_CONTROL, l->value) ? -MIGCTL_GUEST_EIO : 0;
}

static int life_write(u64 v)
{
	return probe_wrmsr(MIGCTL_MSR_CONTROL, v) ? -MIGCTL_GUEST_EIO : 0;
}

int check_life_opt_out(struct check_life *l, u32 reason)
{
	if (l->raw)
		return life_write(0);
	return migctl_guest_opt_out(l->env->guest, reason);
}

int check_life_resume(struct check_life *l)
{
	if (l->raw)
		return life_write(l->value);
	return migctl_guest_resume(l->env->guest);
}

int check_life_cpu_offline(struct check_life *l, u32 cpus_left)
{
	if (l->raw)
		return cpus_left ? 0 : life_write(0);
	return migctl_guest_cpu_offline(l->env->guest, cpus_left);
}

int check_life_cpu_online(struct check_life *l)
{
	if (l->raw)
		return life_write(l->value);
	return migctl_guest_cpu_online(l->env->guest);
}

int check_life_boot_reset(struct check_life *l)
{
	const struct machine *m = l->env->machine;
	struct migctl_guest_range shared = { check_scratch_page(63), 1 };
	struct migctl_guest *g = l->env->guest;
	u64 v;
	int r;

	migctl_guest_discover(g);
	r = migctl_guest_boot_reset(g, m->ram, m->nram, &shared, 1);
	if (r != -MIGCTL_GUEST_ENODEV || !l->env->offer.ctl) {
		l->raw = false;
		l->value = g->ctl_value;
		return r;
	}
	/* No transport: nothing to announce; withdraw a stale READY, then opt in. */
	if (!probe_rdmsr(MIGCTL_MSR_CONTROL, &v) && v)
		life_write(0);
	return check_life_opt_in(l);
}
