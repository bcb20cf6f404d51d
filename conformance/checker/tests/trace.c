/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* trace.c - event traces for the checker's tests: what a VMM would feed it, as tables. */
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "test.h"

static const struct migctl_check_region tr_ram[] = {
	{ TR_LOW_GPA, TR_LOW_PAGES << MIGCTL_PAGE_SHIFT },
	{ TR_HIGH_GPA, TR_HIGH_PAGES << MIGCTL_PAGE_SHIFT },
};

void tr_offer(struct migctl_check_offer *o, enum tr_host h)
{
	static const struct migctl_check_offer offers[TR_NR_HOSTS] = {
		[TR_OFF] = { 0 },
		[TR_V1] = { .min_version = 1, .max_version = 1, .hypercall = true },
		[TR_V1_NOHC] = { .min_version = 1, .max_version = 1 },
		[TR_V2] = { .min_version = 1, .max_version = 2, .features = MIGCTL_F_ALL,
			    .psc_msr = TR_PSC, .hypercall = true },
		/* The offer migctl-vmm makes where hypercall exits do not work. */
		[TR_V2_PSC] = { .min_version = 1, .max_version = 2,
				.features = MIGCTL_F_MSR_PSC, .psc_msr = TR_PSC },
		[TR_V2_HC] = { .min_version = 1, .max_version = 2, .hypercall = true },
		[TR_V2_ONLY] = { .min_version = 2, .max_version = 2, .features = MIGCTL_F_ALL,
				 .psc_msr = TR_PSC },
	};

	*o = offers[h];
	o->ram = tr_ram;
	o->nr_ram = sizeof(tr_ram) / sizeof(tr_ram[0]);
}

static int tr_one(struct migctl_check *c, const struct tr_ev *e)
{
	switch (e->kind) {
	case TR_RD:
		return migctl_check_msr_read(c, e->vcpu, e->index, e->val, e->gp);
	case TR_WR:
		return migctl_check_msr_write(c, e->vcpu, e->index, e->val, e->gp);
	case TR_HC:
		return migctl_check_hypercall(c, e->vcpu, e->nr, e->a0, e->a1, e->a2, e->ret);
	case TR_LIST:
		return migctl_check_list(c, e->vcpu, e->list, e->n);
	case TR_EXIT:
		return migctl_check_vm_exit(c, e->n);
	}
	return -1;
}

int tr_feed(struct migctl_check *c, const struct tr_ev *ev)
{
	for (; ev->kind != TR_END; ev++) {
		int ret = tr_one(c, ev);

		if (ret < 0)
			return ret;
	}
	return 0;
}

struct migctl_check *tr_run(const struct migctl_check_offer *o, u32 nr_vcpus,
			    const struct tr_ev *ev)
{
	struct migctl_check *c;

	if (migctl_check_create(o, nr_vcpus, &c))
		return NULL;
	if (tr_feed(c, ev)) {
		migctl_check_destroy(c);
		return NULL;
	}
	return c;
}

const char *tr_ids(struct migctl_check *c, char *buf, size_t len)
{
	struct migctl_check_violation v;
	u64 cursor = 0;
	size_t at = 0;

	buf[0] = '\0';
	while (!migctl_check_next(c, &cursor, &v) && at < len)
		at += snprintf(buf + at, len - at, "%s%s", at ? "," : "", v.id);
	return buf;
}

void tr_dump(struct migctl_check *c)
{
	struct migctl_check_violation v;
	u64 cursor = 0;

	while (!migctl_check_next(c, &cursor, &v))
		test_diag("%s vcpu %d event %llu: %s", v.id, (int)v.vcpu,
			  (unsigned long long)v.event, v.msg);
}

int tr_cases(const struct tr_case *t, size_t n)
{
	struct migctl_check_offer o;
	int failures = 0;
	char got[512];
	size_t i;

	for (i = 0; i < n; i++) {
		struct migctl_check *c;

		tr_offer(&o, t[i].host);
		c = tr_run(&o, t[i].cpus ? t[i].cpus : 1, t[i].ev);
		if (!c) {
			EXPECT_MSG(false, "%s: the checker refused the trace", t[i].name);
			failures++;
			continue;
		}
		tr_ids(c, got, sizeof(got));
		if (strcmp(got, t[i].want)) {
			EXPECT_MSG(false, "%s: violations \"%s\", want \"%s\"", t[i].name, got,
				   t[i].want);
			tr_dump(c);
			failures++;
		}
		migctl_check_destroy(c);
	}
	return failures;
}
