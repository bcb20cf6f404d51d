/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-smp.c - scenario: every CPU's ring-3 task notifies status changes at the same time. */
#include "check.h"
#include "ktap.h"
#include "layout.h"
#include "migctl.h"
#include "smp.h"
#include "user.h"

#define PAGES_PER_CPU	4

struct notify_work {
	u64 base;		/* first of this CPU's pages */
	u32 iters;
	u32 cpu;		/* as the kernel reports it to the task */
	u32 cpl;		/* the task's privilege level */
	u32 errors;
	u32 corrupt;
	long first_error;
};

/* Which transport the kernel's SYS_CONVERT uses; set before the tasks run. */
static u32 notify_psc_index;

static long notify_raw(u64 gpa, u64 npages, bool encrypted)
{
	u64 attrs = encrypted ? MIGCTL_ATTR_ENCRYPTED : 0;
	int fault = 0;
	long r;

	if (notify_psc_index)
		return probe_wrmsr(notify_psc_index, MIGCTL_PSC_VALUE(gpa >> 12, npages, attrs)) ?
		       -MIGCTL_KVM_EINVAL : 0;
	r = probe_hypercall(gpa, npages, attrs, &fault);
	return fault ? -MIGCTL_KVM_ENOSYS : r;
}

/* Ring 3: convert, then write and check the page under its new status (G-10 order). */
static u64 notify_task(void *arg)
{
	struct notify_work *w = arg;
	u32 i, j;
	long r;
	u16 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	w->cpl = cs & 3;
	w->cpu = (u32)user_syscall(SYS_CPU, 0, 0, 0);
	for (i = 0; i < w->iters; i++) {
		u64 *page = (u64 *)(w->base + 4096ull * (i % PAGES_PER_CPU));

		r = user_syscall(SYS_CONVERT, (u64)page, 1, i & 1);
		if (r) {
			if (!w->errors++)
				w->first_error = r;
			continue;
		}
		for (j = 0; j < 512; j++)
			page[j] = (u64)page ^ ((u64)i << 32) ^ j;
		for (j = 0; j < 512; j++)
			w->corrupt += page[j] != ((u64)page ^ ((u64)i << 32) ^ j);
	}
	return w->errors;
}

static void notify_on_cpu(void *arg)
{
	struct notify_work *w = &((struct notify_work *)arg)[smp_cpu_index()];

	user_call(notify_task, w);
	notify_raw(w->base, PAGES_PER_CPU, true);
}

static const char *smp_notify_run(struct scenario_env *env)
{
	struct notify_work w[MAX_CPUS];
	u32 i;

	notify_psc_index = 0;
	if (!env->offer.hc) {
		if (!(env->offer.offered & MIGCTL_F_MSR_PSC) || !env->offer.psc_index)
			return "no transport offered (neither bit 16 nor MIGCTL_F_MSR_PSC)";
		notify_psc_index = env->offer.psc_index;
	}
	for (i = 0; i < MAX_CPUS; i++)
		w[i] = (struct notify_work){ check_scratch_page(16 + i * PAGES_PER_CPU),
					     env->params->iters, ~0u, 0, 0, 0, 0 };
	report_info("%u CPUs, %u notifications each from ring 3 over the %s", env->cpus,
		    env->params->iters, notify_psc_index ? "MSR transport" : "hypercall");
	user_set_convert(notify_raw);
	smp_run(notify_on_cpu, w);
	for (i = 0; i < env->cpus; i++) {
		report(w[i].cpu == i && w[i].cpl == 3, "cpu %u: its task ran in ring %u on cpu %u",
		       i, w[i].cpl, w[i].cpu);
		report(!w[i].errors, "cpu %u: %u notifications all returned 0 (%u failed, "
		       "first %ld)", i, w[i].iters, w[i].errors, w[i].first_error);
		report(!w[i].corrupt, "cpu %u: pages read back what ring 3 wrote (%u bad words)", i,
		       w[i].corrupt);
	}
	return NULL;
}

/* Covers: H-9, H-10, H-12 */
const struct scenario sc_smp_notify = {
	.name = "smp-notify",
	.summary = "all CPUs notify concurrently from ring-3 tasks",
	.run = smp_notify_run,
};
