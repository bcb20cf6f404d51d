/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-flood.c - scenario: every CPU floods the host with random requests of every shape. */
#include "check.h"
#include "floodgen.h"
#include "floodguard.h"
#include "ktap.h"
#include "layout.h"
#include "migctl.h"
#include "migctl-x86.h"
#include "sevsim_prf.h"
#include "smp.h"
#include "user.h"

#define FLOOD_PAGE	4096ull

/* Tasks, list pages and the bounce buffer: not in .bss (cleared in emulated ring 0). */
struct flood_store {
	u8 lists[MAX_CPUS][FLOOD_LIST_PAGES][FLOOD_PAGE];
	u8 bounce[FLOOD_PAGE];
	struct flood_cpu cpu[MAX_CPUS];
};

static struct flood_store flood_store __attribute__((section(".noinit.flood"), aligned(4096)));

/* The hypercall instruction; written before the tasks run. */
static u32 flood_insn;

/*
 * SYS_SCENARIO: execute a batch that a task filled. Ring 0 is emulated
 * on our test KVM, so it does nothing but issue the instructions.
 */
static u64 flood_exec(u64 ops, u64 n, u64 unused)
{
	struct flood_op *op = (struct flood_op *)ops, *end = op + n;
	int fault;

	(void)unused;
	for (; op < end; op++) {
		if (op->kind == FLOOD_OP_WRMSR) {
			op->vec = probe_wrmsr(op->index, op->a0);
		} else if (op->kind == FLOOD_OP_RDMSR) {
			op->vec = probe_rdmsr(op->index, &op->val);
		} else {
			fault = 0;
			op->val = (u64)migctl_x86_hypercall(NULL, flood_insn, op->nr, op->a0, op->a1,
							    op->a2, &fault);
			op->vec = fault;
		}
	}
	return 0;
}

static void flood_on_cpu(void *arg)
{
	(void)arg;
	user_call(flood_task, &flood_store.cpu[smp_cpu_index()]);
}

/* The guard pages: the last of the sev-sim window, else of the RAM bank at 1 MiB. */
static bool flood_guard_place(struct scenario_env *env, struct flood_guard *g)
{
	const volatile struct migctl_sevsim_key_page *kp = (const volatile void *)MIGCTL_SEVSIM_KEY_GPA;
	const struct machine *m = env->machine;
	u64 end = 0;
	u32 i;

	g->kp = NULL;
	if (!machine_is_ram(m, MIGCTL_SEVSIM_KEY_GPA, 1) && kp->magic == MIGCTL_SEVSIM_KEY_MAGIC) {
		g->kp = kp;
		end = kp->window_gpa + kp->window_pages * FLOOD_PAGE;
	}
	for (i = 0; !end && i < m->nram; i++)
		if (m->ram[i].gpa <= 0x100000 && 0x100000 < m->ram[i].gpa + m->ram[i].npages * FLOOD_PAGE)
			end = m->ram[i].gpa + m->ram[i].npages * FLOOD_PAGE;
	g->npages = FLOOD_GUARD_PAGES;
	g->lo = end - FLOOD_GUARD_PAGES * FLOOD_PAGE;
	g->bounce = flood_store.bounce;
	/* The valid requests use 8192 pages below the guard. */
	return end && machine_is_ram(m, g->lo - 8192 * FLOOD_PAGE, 8192 + FLOOD_GUARD_PAGES);
}

/* Sets each guard page's status (valid requests, counted in *ok), then its content. */
static bool flood_guard_setup(struct scenario_env *env, struct flood_guard *g, u64 *ok)
{
	u32 i, idx = env->offer.psc_index;
	u64 attrs;
	int fault = 0;
	long r;

	if (!idx && !env->offer.hc) {
		g->private_mask = 0;	/* no transport: the statuses stay as they are */
		report_info("no transport offered: the flood has the control MSR and hypercalls");
	}
	for (i = 0; i < g->npages && (idx || env->offer.hc); i++) {
		attrs = g->private_mask >> i & 1 ? MIGCTL_ATTR_ENCRYPTED : 0;
		if (idx)
			r = probe_wrmsr(idx, MIGCTL_PSC_VALUE((g->lo >> 12) + i, 1, attrs));
		else
			r = probe_hypercall(g->lo + i * FLOOD_PAGE, 1, attrs, &fault);
		if (r || fault)
			return report(false, "guard page %u: status request failed (%ld, %s)", i, r,
				      probe_vec_name(fault));
		++*ok;
	}
	user_call(flood_guard_write, g);
	return report(user_call(flood_guard_check, g) == 0, "%u guard pages at %#lx set (%s)",
		      g->npages, g->lo, g->kp ? "sev-sim: private ones encrypted" : "plain");
}

static void flood_setup_cpus(struct scenario_env *env, const struct flood_guard *g, u64 ready,
			     u32 count)
{
	const struct machine *m = env->machine;
	u32 i;

	for (i = 0; i < env->cpus; i++)
		flood_store.cpu[i] = (struct flood_cpu){
			.cpu = i,
			.count = count,
			.rng = ((env->params->seed + 1) * 0x9e3779b97f4a7c15ull ^
				(i + 1) * 0xbf58476d1ce4e5b9ull) + ready,
			.psc_index = env->offer.offered & MIGCTL_F_MSR_PSC ? env->offer.psc_index : 0,
			.offered = env->offer.offered,
			.hc = env->offer.hc,
			.ready = ready,
			.vmin = env->offer.min,
			.vmax = env->offer.max,
			.ram = m->ram,
			.nram = m->nram,
			.ram_end = m->ram_end,
			.guard_lo = g->lo,
			.guard_hi = g->lo + g->npages * FLOOD_PAGE,
			.text_page = (u64)flood_exec & ~(FLOOD_PAGE - 1),
			.lists = flood_store.lists[i][0],
		};
	flood_insn = probe_hypercall_insn();
	user_set_scenario(flood_exec);
}

struct flood_sum {
	u64 by_class[FC_NR];
	u64 sent, accepted, pages, psc_gp, ctl_ok, ctl_gp, ud, enosys, mismatches;
	u64 ticks;		/* the slowest CPU's, phases added */
};

static void flood_sum_cpu(struct flood_sum *s, const struct flood_cpu *c)
{
	u32 k;

	for (k = 0; k < FC_NR; k++)
		s->by_class[k] += c->by_class[k];
	s->sent += c->sent;
	s->accepted += c->accepted;
	s->pages += c->pages;
	s->psc_gp += c->psc_gp;
	s->ctl_ok += c->ctl_ok;
	s->ctl_gp += c->ctl_gp;
	s->ud += c->ud;
	s->enosys += c->enosys;
	s->mismatches += c->mismatches;
}

static const char *const flood_kind_names[] = { "WRMSR", "RDMSR", "hypercall" };

/* One phase's mismatches; its figures are added to s. */
static void flood_phase_end(struct scenario_env *env, struct flood_sum *s, const char *phase,
			    u32 count)
{
	u64 wrong = s->mismatches, ticks = 0;
	u32 i, j;

	for (i = 0; i < env->cpus; i++) {
		const struct flood_cpu *c = &flood_store.cpu[i];

		flood_sum_cpu(s, c);
		if (c->tsc_end - c->tsc_start > ticks)
			ticks = c->tsc_end - c->tsc_start;
		for (j = 0; j < c->nbad; j++) {
			const struct flood_bad *b = &c->bad[j];

			report_info("cpu %u: %s %#lx (%s) a0 %#lx a1 %#lx a2 %#lx: vector %d value %#lx,"
				    " want vector %d", i, flood_kind_names[b->kind], b->nr,
				    flood_class_names[b->cls], b->a0, b->a1, b->a2, b->vec,
				    (u64)b->got, b->want_vec);
		}
		report(c->sent == count, "%s: cpu %u sent its %u requests", phase, i, count);
	}
	s->ticks += ticks;
	report(s->mismatches == wrong, "%s: every answer is the spec's (%lu wrong)", phase,
	       s->mismatches - wrong);
}

static void flood_results(struct scenario_env *env, struct flood_sum *s, u64 hz)
{
	u64 ms;
	u32 k;

	ms = hz ? s->ticks * 1000 / hz : 0;
	report_info("flood: %lu requests on %u CPUs in %lu ms (%lu/s)", s->sent, env->cpus, ms,
		    ms ? s->sent * 1000 / ms : 0);
	for (k = 0; k < FC_NR; k++)
		report_info("flood: %-48s %lu", flood_class_names[k], s->by_class[k]);
	report_info("flood: accepted %lu (%lu pages), psc GP %lu, control accepted %lu, control GP "
		    "%lu, hypercall UD %lu, ENOSYS %lu", s->accepted, s->pages, s->psc_gp, s->ctl_ok,
		    s->ctl_gp, s->ud, s->enosys);
	report(!s->mismatches, "every answer is the spec's: %lu requests, %lu wrong", s->sent,
	       s->mismatches);
}

/* After the flood, and again after a migration: the guest's valid state is intact. */
static void flood_check_state(struct scenario_env *env, struct flood_guard *g, u64 ready,
			      const char *when)
{
	u64 bad;

	check_ctl_all(env, ready, when);
	bad = user_call(flood_guard_check, g);
	if (bad)
		report_info("%lu guard pages differ, first at %#lx", bad, g->first_bad);
	report(!bad, "%s: the %u guard pages keep status and content%s", when, g->npages,
	       g->kp ? " (sev-sim)" : "");
}

/*
 * The host counters (query-status, --stats) this boot must end with when
 * nothing but the flood, its set-up and the guest library touched them.
 */
static void flood_print_expected(struct scenario_env *env, const struct flood_sum *s,
				 u64 setup_ok, u64 setup_pages, bool raw)
{
	struct migctl_guest_counters lib;
	u64 ctl_ok;

	migctl_guest_counters(env->guest, &lib);
	ctl_ok = s->ctl_ok + (raw ? 2 : lib.ctl_writes - lib.faults);
	report_info("flood: host counters expected: requests_ok=%lu pages=%lu psc_gp=%lu "
		    "ctl_accepted=%lu ctl_rejected=%lu", s->accepted + setup_ok + lib.psc_writes,
		    s->pages + setup_pages + lib.pages, s->psc_gp, ctl_ok,
		    s->ctl_gp + (raw ? 0 : lib.faults));
}

/* A quarter of the flood before opting in, the rest while READY. */
static void flood_phases(struct scenario_env *env, struct check_life *l, struct flood_guard *g,
			 struct flood_sum *s, u64 *setup_ok)
{
	u32 before = env->params->flood_count / 4, after = env->params->flood_count - before;
	u64 hz = smp_tsc_hz();
	int r;

	flood_setup_cpus(env, g, 0, before);
	report_info("flood: start (not READY: %u requests per CPU)", before);
	smp_run(flood_on_cpu, NULL);
	flood_phase_end(env, s, "not READY", before);
	check_ctl_all(env, 0, "not READY after its flood");
	r = check_life_opt_in(l);
	if (!report(!r, "opt in after the first flood (%d)", r))
		return;
	report_info("READY with %#lx; seed %u; %u CPUs", l->value, env->params->seed, env->cpus);
	g->private_mask = (env->params->seed + 1) * 0xd1b54a32d192ed03ull;
	if (!flood_guard_setup(env, g, setup_ok))
		return;
	flood_setup_cpus(env, g, l->value, after);
	report_info("flood: READY: %u requests per CPU", after);
	smp_run(flood_on_cpu, NULL);
	report_info("flood: done");
	flood_phase_end(env, s, "READY", after);
	flood_results(env, s, hz);
	flood_check_state(env, g, l->value, "after the flood");
}

static const char *flood_run(struct scenario_env *env)
{
	struct check_life l = { .env = env };
	struct flood_guard g = { .seed = env->params->seed };
	struct flood_sum s = { 0 };
	u64 setup_ok = 0;
	int r;

	if (env->params->flood_count < 4)
		return "flood.count below 4";
	if (!env->offer.ctl)
		return "control MSR not offered (CPUID base+1 EAX bit 17 clear)";
	if (!flood_guard_place(env, &g))
		return "RAM too small for the guard pages and the flood area";
	flood_phases(env, &l, &g, &s, &setup_ok);
	if (ktap_case_failures())
		return NULL;
	if (env->params->flood_migrate && g.kp) {
		report_info("flood: waiting for a migration (generation %lu)", g.gen);
		user_call(flood_wait_generation, &g);
		report_info("flood: generation %lu -> %lu", g.gen, g.kp->generation);
		flood_check_state(env, &g, l.value, "after the migration");
	}
	r = check_life_opt_out(&l, MIGCTL_GUEST_OUT_SHUTDOWN);
	report(!r, "opt out after the flood (%d)", r);
	flood_print_expected(env, &s, setup_ok, setup_ok, l.raw);
	return NULL;
}

/* Covers: H-4, H-5, H-7, H-8, H-9, H-10, H-11, H-12 */
const struct scenario sc_flood = {
	.name = "flood",
	.summary = "every CPU floods random requests of all shapes; answers and state checked",
	.run = flood_run,
};
