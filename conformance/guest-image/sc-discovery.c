/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-discovery.c - scenarios: what the host advertises, and a host that offers nothing. */
#include "check.h"
#include "ktap.h"
#include "layout.h"
#include "migctl.h"
#include "smp.h"

static void discover_each(void *arg)
{
	struct probe_offer *o = arg;

	probe_host(&o[smp_cpu_index()]);
}

static void discovery_expect(const struct scenario_env *env, const struct probe_offer *o)
{
	const struct params *p = env->params;

	if (p->expect == PARAMS_EXPECT_OFF)
		report(!o->hc && !o->ctl, "expect=off: neither bit 16 nor bit 17 (features %#x)",
		       o->features);
	if (p->expect == PARAMS_EXPECT_V1)
		report(o->ctl && !o->leaf_valid, "expect=v1: bit 17 set, no versioned leaf");
	if (p->expect == PARAMS_EXPECT_V2)
		report(o->ctl && o->leaf_valid && o->max >= MIGCTL_VERSION_2,
		       "expect=v2: bit 17 set, versioned leaf offers version 2");
	if (p->expect_hc != PARAMS_ANY)
		report(o->hc == (p->expect_hc == 1), "hc=%d: bit 16 is %s", p->expect_hc,
		       o->hc ? "set" : "clear");
	if (p->expect_features != PARAMS_ANY)
		report(o->offered == (u32)p->expect_features, "features: offered %#x, expected %#x",
		       o->offered, p->expect_features);
}

static void discovery_leaf(const struct probe_offer *o)
{
	const u32 *l = o->leaf;
	u32 min = l[1] & 0xff, max = l[1] >> 8 & 0xff;

	if (l[0] != MIGCTL_LEAF_MAGIC) {
		report_info("base+0x4d without the magic (%#x): a version-1 host", l[0]);
		return;
	}
	report(!(l[1] & MIGCTL_LEAF_EBX_RESERVED), "versioned leaf: EBX reserved bits zero (%#x)",
	       l[1]);
	report(min >= 1 && min <= max, "versioned leaf: 1 <= min %u <= max %u", min, max);
	report(!(l[2] & ~MIGCTL_F_ALL), "versioned leaf: ECX only defined flags (%#x)", l[2]);
	if (l[2] & MIGCTL_F_MSR_PSC)
		report(l[3] > MIGCTL_MSR_KVM_UPSTREAM_LAST && l[3] <= MIGCTL_MSR_KVM_LAST,
		       "versioned leaf: EDX names a PSC MSR in 0x4b564d09..0x4b564dff (%#x)",
		       l[3]);
	else
		report(l[3] == 0, "versioned leaf: EDX 0 without MIGCTL_F_MSR_PSC (%#x)", l[3]);
}

static const char *discovery_run(struct scenario_env *env)
{
	struct probe_offer o[MAX_CPUS];
	u32 i;

	smp_run(discover_each, o);
	report_info("base %#x max leaf %#x features %#x leaf %#x %#x %#x %#x", o[0].base,
		    o[0].raw_max_leaf, o[0].features, o[0].leaf[0], o[0].leaf[1], o[0].leaf[2],
		    o[0].leaf[3]);
	for (i = 1; i < env->cpus; i++)
		report(probe_same(&o[0], &o[i]), "cpu %u sees the same KVM leaves as cpu 0", i);
	report(probe_same(&o[0], &env->offer), "the values did not change since boot");
	discovery_expect(env, &o[0]);
	if (!o[0].base) {
		report_info("no KVM signature: the host offers no protocol");
		return NULL;
	}
	if (o[0].hc || o[0].ctl)
		report(o[0].max_leaf >= o[0].base + MIGCTL_CPUID_FEATURES_OFFSET,
		       "max leaf %#x covers base+1", o[0].max_leaf);
	if (o[0].hc)
		report(o[0].ctl, "bit 16 comes with bit 17 (a host offering hypercall 12 offers "
		       "version 1 or later)");
	if (o[0].leaf_present)
		discovery_leaf(&o[0]);
	/* Nothing has written the control MSR yet unless a kexec'd kernel runs this. */
	if (o[0].ctl && !env->params->resumed)
		check_ctl_all(env, 0, "not READY at VM creation");
	return NULL;
}

/* Covers: H-1, H-2, H-13 */
const struct scenario sc_discovery = {
	.name = "discovery",
	.summary = "KVM leaves, bits 16/17, versioned leaf; same on every CPU",
	.run = discovery_run,
};

static const char *no_support_run(struct scenario_env *env)
{
	const struct probe_offer *o = &env->offer;
	u64 v;
	int vec;

	if (o->ctl || o->hc)
		return "host offers the protocol (bit 16 or 17 set); H-3 is for hosts that do not";
	vec = probe_rdmsr(MIGCTL_MSR_CONTROL, &v);
	report(vec == 13, "RDMSR of the control MSR raises GP (%s)", probe_vec_name(vec));
	vec = probe_wrmsr(MIGCTL_MSR_CONTROL, MIGCTL_CTL_READY);
	report(vec == 13, "WRMSR READY raises GP (%s)", probe_vec_name(vec));
	vec = probe_wrmsr(MIGCTL_MSR_CONTROL, 0);
	report(vec == 13, "WRMSR 0 raises GP (%s)", probe_vec_name(vec));
	vec = probe_rdmsr(MIGCTL_MSR_PSC_DEFAULT, &v);
	report(vec == 13, "RDMSR of the default MSR-transport index raises GP (%s)",
	       probe_vec_name(vec));
	vec = probe_wrmsr(MIGCTL_MSR_PSC_DEFAULT, MIGCTL_PSC_VALUE(check_scratch_page(0) >> 12, 1,
								   MIGCTL_ATTR_ENCRYPTED));
	report(vec == 13, "WRMSR of the default MSR-transport index raises GP (%s)",
	       probe_vec_name(vec));
	report_skip("hypercall 12 returns -KVM_ENOSYS",
		    "not issued: bit 16 is clear, and where KVM's FIX_HYPERCALL quirk is on an "
		    "unforwarded hypercall need not return");
	return NULL;
}

/* Covers: H-3, H-10 */
const struct scenario sc_no_support = {
	.name = "no-support",
	.summary = "a host offering nothing #GPs every control-MSR access",
	.run = no_support_run,
};
