/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-validate.c - scenarios: every validation case of hypercall 12 and of the MSR transport. */
#include "check.h"
#include "ktap.h"
#include "migctl.h"

#define CASES_MAX	32
#define LIST_PAGE	10	/* scratch page holding range lists */

/*
 * One request and the hypercall's answer for it. The MSR transport gets
 * the same request when its encoding can say it; any non-zero answer
 * means GP there.
 */
struct range_case {
	const char *what;
	u64 gpa;
	u64 npages;
	u64 attrs;
	s64 ret;
};

struct case_list {
	struct range_case c[CASES_MAX];
	u32 n;
};

static void add(struct case_list *l, const char *what, u64 gpa, u64 npages, u64 attrs, s64 ret)
{
	if (l->n < CASES_MAX)
		l->c[l->n++] = (struct range_case){ what, gpa, npages, attrs, ret };
}

static void range_cases(const struct scenario_env *env, struct case_list *l)
{
	const struct machine *m = env->machine;
	u64 page = check_scratch_page(0), enc = MIGCTL_ATTR_ENCRYPTED;
	s64 einval = -MIGCTL_KVM_EINVAL;

	add(l, "valid 4K page, encrypted", page, 1, enc, 0);
	add(l, "valid 4K page, decrypted", page, 1, 0, 0);
	add(l, "2M hint on one 4K page is only a hint", page, 1, enc | MIGCTL_ATTR_SIZE_2M, 0);
	add(l, "1G hint on one 4K page is only a hint", page, 1, enc | MIGCTL_ATTR_SIZE_1G, 0);
	if (machine_is_ram(m, 0x200000, 512))
		add(l, "valid 2M-aligned 2M range", 0x200000, 512, enc | MIGCTL_ATTR_SIZE_2M, 0);
	add(l, "GPA not 4K aligned", page + 0x800, 1, enc, einval);
	add(l, "zero pages", page, 0, enc, einval);
	add(l, "range wraps around 2^64", 0xfffffffffffff000ull, 2, enc, einval);
	add(l, "range beyond the physical address width", 1ull << m->phys_bits, 1, enc, einval);
	add(l, "page in a hole of the memory map", machine_hole(m), 1, enc, einval);
	add(l, "range straddles the end of RAM", m->ram_end - 4096, 2, enc, einval);
	add(l, "page after the end of RAM", m->ram_end, 1, enc, einval);
	add(l, "size hint 3", page, 1, enc | 3, einval);
	add(l, "size hint 15", page, 1, enc | 15, einval);
	add(l, "reserved attribute bit 6", page, 1, enc | 1ull << 6, einval);
	add(l, "reserved attribute bit 11", page, 1, enc | 1ull << 11, einval);
	add(l, "reserved attribute bit 63", page, 1, enc | 1ull << 63, einval);
	if (!(env->offer.offered & MIGCTL_F_LIST))
		add(l, "LIST bit without MIGCTL_F_LIST", page, 1, enc | MIGCTL_ATTR_LIST, einval);
}

/* The PSC encoding of a case, or false when the MSR transport cannot express it. */
static bool psc_encode(const struct range_case *c, u64 *val)
{
	u64 size = c->attrs & MIGCTL_ATTR_SIZE_MASK, unit;

	if ((c->gpa & 0xfff) || !c->npages || (c->attrs & ~MIGCTL_PSC_ATTR_MASK) || c->gpa >> 52)
		return false;
	if (size > MIGCTL_ATTR_SIZE_MAX) {
		*val = MIGCTL_PSC_VALUE(c->gpa >> 12, 1, c->attrs);	/* bad unit */
		return true;
	}
	unit = MIGCTL_SIZE_PAGES(size);
	if (c->npages % unit || c->npages / unit > MIGCTL_PSC_COUNT_MAX || (c->gpa >> 12) % unit)
		return false;
	*val = MIGCTL_PSC_VALUE(c->gpa >> 12, c->npages / unit, c->attrs);
	return true;
}

/* A list page: one valid entry, then the entry under test. */
static u64 list_page(u32 n, u64 second_gpa_attrs, u64 second_npages)
{
	struct migctl_list_entry *e = (void *)check_scratch_page(LIST_PAGE + n);

	e[0] = (struct migctl_list_entry){ check_scratch_page(1) | MIGCTL_ATTR_ENCRYPTED, 1 };
	e[1] = (struct migctl_list_entry){ second_gpa_attrs, second_npages };
	return check_scratch_page(LIST_PAGE + n);
}

/* Range lists (H-11): count, page and entries. */
static void list_cases(const struct scenario_env *env, struct case_list *l)
{
	u64 enc = MIGCTL_ATTR_ENCRYPTED, a = MIGCTL_ATTR_LIST, ok;
	s64 einval = -MIGCTL_KVM_EINVAL;

	ok = list_page(0, check_scratch_page(2) | enc, 1);
	add(l, "list of 2 valid entries", ok, 2, a, 0);
	add(l, "list with 0 entries", ok, 0, a, einval);
	add(l, "list with 257 entries", ok, 257, a, -MIGCTL_KVM_E2BIG);
	add(l, "list page in a hole", machine_hole(env->machine), 1, a, -MIGCTL_KVM_EFAULT);
	add(l, "list entry with 0 pages", list_page(1, check_scratch_page(2) | enc, 0), 2, a,
	    einval);
	add(l, "list entry with the LIST bit", list_page(2, check_scratch_page(2) | enc | a, 1), 2,
	    a, einval);
	add(l, "list entry with reserved bit 6", list_page(3, check_scratch_page(2) | 1 << 6, 1), 2,
	    a, einval);
	add(l, "list entry in a hole", list_page(4, machine_hole(env->machine) | enc, 1), 2, a,
	    einval);
}

static const char *hc_validate_run(struct scenario_env *env)
{
	struct case_list l = { .n = 0 };
	u32 i;
	long r;
	int fault;

	if (!env->offer.hc)
		return "hypercall transport not offered (CPUID base+1 EAX bit 16 clear)";
	range_cases(env, &l);
	if (env->offer.offered & MIGCTL_F_LIST)
		list_cases(env, &l);
	for (i = 0; i < l.n; i++) {
		const struct range_case *c = &l.c[i];

		r = probe_hypercall(c->gpa, c->npages, c->attrs, &fault);
		report(!fault && r == c->ret, "%s: gpa %#lx npages %lu attrs %#lx returns %ld "
		       "(%ld%s%s)", c->what, c->gpa, c->npages, c->attrs, c->ret, r, fault ? ", " : "",
		       fault ? probe_vec_name(fault) : "");
	}
	probe_hypercall(check_scratch_page(0), 1, MIGCTL_ATTR_ENCRYPTED, &fault);
	return NULL;
}

/* Covers: H-1, H-8, H-9, H-11 */
const struct scenario sc_hc_validate = {
	.name = "hc-validate",
	.summary = "hypercall 12: every validation case returns the spec's code",
	.run = hc_validate_run,
};

static void psc_only_cases(const struct scenario_env *env, struct case_list *l)
{
	u64 page = check_scratch_page(1);

	/* Built directly as PSC values in psc_validate_run(): unit misaligned, huge count. */
	add(l, "2M unit at a GFN not 2M aligned", page | 1, 1, 0, -1);
	add(l, "4096 1G units from 0 (beyond RAM)", 0, MIGCTL_PSC_COUNT_MAX, 0, -1);
}

static u64 psc_only_value(const struct range_case *c)
{
	if (c->npages == 1)
		return MIGCTL_PSC_VALUE(((c->gpa & ~0xfffull) >> 12) | 1, 1,
					MIGCTL_ATTR_SIZE_2M | MIGCTL_ATTR_ENCRYPTED);
	return MIGCTL_PSC_VALUE(0, MIGCTL_PSC_COUNT_MAX,
				MIGCTL_ATTR_SIZE_1G | MIGCTL_ATTR_ENCRYPTED);
}

/* H-10's last sentence, at the default index (QEMU and v1 hosts end up here). */
static const char *psc_not_offered(void)
{
	u64 val = MIGCTL_PSC_VALUE(check_scratch_page(0) >> 12, 1, MIGCTL_ATTR_ENCRYPTED);
	int vec;

	report_info("MSR transport not offered: every access to %#x must raise GP",
		    MIGCTL_MSR_PSC_DEFAULT);
	vec = probe_rdmsr(MIGCTL_MSR_PSC_DEFAULT, &val);
	report(vec == 13, "RDMSR %#x raises GP (%s)", MIGCTL_MSR_PSC_DEFAULT, probe_vec_name(vec));
	vec = probe_wrmsr(MIGCTL_MSR_PSC_DEFAULT, val);
	report(vec == 13, "WRMSR %#x of a valid request raises GP (%s)", MIGCTL_MSR_PSC_DEFAULT,
	       probe_vec_name(vec));
	return NULL;
}

static const char *psc_validate_run(struct scenario_env *env)
{
	struct case_list l = { .n = 0 }, extra = { .n = 0 };
	u32 idx = env->offer.psc_index, i;
	u64 val;
	int vec;

	if (!(env->offer.offered & MIGCTL_F_MSR_PSC) || !idx)
		return psc_not_offered();
	vec = probe_rdmsr(idx, &val);
	report(vec == 13, "RDMSR of the transport MSR %#x raises GP (%s)", idx,
	       probe_vec_name(vec));
	range_cases(env, &l);
	if (env->offer.offered & MIGCTL_F_LIST)
		list_cases(env, &l);
	for (i = 0; i < l.n; i++) {
		const struct range_case *c = &l.c[i];

		if (!psc_encode(c, &val))
			continue;
		vec = probe_wrmsr(idx, val);
		report(c->ret ? vec == 13 : vec == 0, "%s: WRMSR %#lx %s (%s)", c->what, val,
		       c->ret ? "raises GP" : "accepted", probe_vec_name(vec));
	}
	psc_only_cases(env, &extra);
	for (i = 0; i < extra.n; i++) {
		val = psc_only_value(&extra.c[i]);
		vec = probe_wrmsr(idx, val);
		report(vec == 13, "%s: WRMSR %#lx raises GP (%s)", extra.c[i].what, val,
		       probe_vec_name(vec));
	}
	probe_wrmsr(idx, MIGCTL_PSC_VALUE(check_scratch_page(0) >> 12, 1, MIGCTL_ATTR_ENCRYPTED));
	return NULL;
}

/* Covers: H-10, H-11 */
const struct scenario sc_psc_validate = {
	.name = "psc-validate",
	.summary = "MSR transport: the same validation cases raise GP, valid ones apply",
	.run = psc_validate_run,
};
