/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-migrate.c - scenario: every CPU converts and writes sev-sim pages while the VM migrates. */
#include "check.h"
#include "ktap.h"
#include "layout.h"
#include "mem.h"
#include "migctl.h"
#include "migctl-x86.h"
#include "migwork.h"
#include "sevsim_prf.h"
#include "smp.h"
#include "user.h"

#define MIGRATE_PAGE		4096ull
#define MIGRATE_HOT		32u	/* groups per CPU also picked at random */
#define MIGRATE_SENTINELS	16u	/* groups per CPU converted when a migration arrives */
#define MIGRATE_BAD_PRINT	8u	/* corrupted pages described in total */

extern const char __image_end[];

/*
 * Records, tasks and bounce buffers: outside the window, and not in .bss,
 * which the entry code clears with emulated ring-0 stores on every boot.
 * The tasks initialise what they use.
 */
struct migrate_store {
	struct migwork_rec rec[MIGWORK_PAGES_MAX];
	struct migwork_cpu cpu[MAX_CPUS];
	struct migctl_guest guest[MAX_CPUS];
	u8 bounce[MAX_CPUS][MIGRATE_PAGE];
	u64 bits[MIGWORK_PAGES_MAX / 64];
};

static struct migrate_store migrate_store
	__attribute__((section(".noinit.migrate"), aligned(4096)));

/*
 * The kernel's side of SYS_CONVERT; written once before the tasks run.
 * Each CPU notifies through a library context of its own, without a lock:
 * a lock shared by all CPUs would be held across the MSR exit and spun on
 * in emulated ring 0. The boot context (env->guest) negotiated READY; the
 * per-CPU ones are discovered and use the same advertised transports.
 */
static struct {
	struct migctl_guest_ops ops;
	struct migwork_status status;
} migrate_kernel;

struct migrate_run {
	struct scenario_env *env;
	u64 ready;		/* the control value the guest negotiated */
	u32 cpus;
	volatile u32 finished;
};

/*
 * SYS_CONVERT: notify through the guest library, and only when that
 * returned update the kernel's own status bitmap and return to the task,
 * which then uses the pages under their new status (G-10). Ring 0 is
 * emulated on our test KVM: keep this short.
 */
static long migrate_convert(u64 gpa, u64 npages, bool encrypted)
{
	const struct migwork_status *st = &migrate_kernel.status;
	u64 n = (gpa - st->base) / MIGRATE_PAGE, cnt, mask;
	int r;

	if (gpa < st->base || (gpa & (MIGRATE_PAGE - 1)) || !npages || n >= st->npages ||
	    npages > st->npages - n)
		return -MIGCTL_GUEST_EINVAL;
	r = migctl_guest_set_status(&migrate_store.guest[smp_cpu_index()], gpa, npages, encrypted);
	if (r)
		return r;
	for (; npages; n += cnt, npages -= cnt) {
		cnt = 64 - n % 64 < npages ? 64 - n % 64 : npages;
		mask = (cnt == 64 ? ~0ull : (1ull << cnt) - 1) << n % 64;
		if (encrypted)
			__atomic_fetch_and(&st->bits[n / 64], ~mask, __ATOMIC_RELAXED);
		else
			__atomic_fetch_or(&st->bits[n / 64], mask, __ATOMIC_RELAXED);
	}
	return 0;
}

/* The sev-sim key page and its window, or a skip reason (window faults are reported). */
static const char *migrate_find_window(struct scenario_env *env,
				       const volatile struct migctl_sevsim_key_page **out)
{
	const volatile struct migctl_sevsim_key_page *kp = (const volatile void *)MIGCTL_SEVSIM_KEY_GPA;
	u64 end;

	if (machine_is_ram(env->machine, MIGCTL_SEVSIM_KEY_GPA, 1) ||
	    kp->magic != MIGCTL_SEVSIM_KEY_MAGIC)
		return "no sev-sim key page at 0xfeb00000 (run migctl-vmm with --sev-sim)";
	end = kp->window_gpa + kp->window_pages * MIGRATE_PAGE;
	report_info("sev-sim: generation %lu, window %#lx..%#lx (%lu pages)", kp->generation,
		    kp->window_gpa, end, kp->window_pages);
	if (!report(kp->generation && kp->window_pages && kp->window_pages < (1ull << 40) &&
		    !(kp->window_gpa & (MIGCTL_SEVSIM_WINDOW_ALIGN - 1)) &&
		    machine_is_ram(env->machine, kp->window_gpa, kp->window_pages) &&
		    kp->window_gpa >= (u64)__image_end,
		    "key page: generation non-zero, window 2 MiB aligned, in RAM, above the image"))
		return NULL;
	*out = kp;
	return NULL;
}

/* Pages per CPU: migrate.pages, else the window shared out; a multiple of the run. */
static u32 migrate_pages_per_cpu(const struct scenario_env *env, u64 window_pages)
{
	u64 max = window_pages < MIGWORK_PAGES_MAX ? window_pages : MIGWORK_PAGES_MAX;
	u64 p = env->params->migrate_pages ? env->params->migrate_pages : max / env->cpus;

	p -= p % env->params->migrate_run;
	return p * env->cpus <= max ? (u32)p : 0;
}

static void migrate_setup_cpu(struct migrate_run *run,
			      const volatile struct migctl_sevsim_key_page *kp, u32 cpu, u32 pages,
			      u64 hz)
{
	struct migwork_cpu *c = &migrate_store.cpu[cpu];
	const struct params *p = run->env->params;
	u32 groups = pages / p->migrate_run;
	/* A quarter of the groups at most each, and one left for the sweep. */
	u32 sentinels = groups / 4 < MIGRATE_SENTINELS ? groups / 4 : MIGRATE_SENTINELS;
	u32 hot = groups / 4 < MIGRATE_HOT ? groups / 4 : MIGRATE_HOT;

	*c = (struct migwork_cpu){
		.kp = kp,
		.base = kp->window_gpa + (u64)cpu * pages * MIGRATE_PAGE,
		.npages = pages,
		.run = p->migrate_run,
		.sentinels = sentinels,
		.hot = hot,
		.iters = p->migrate_iters,
		.count = p->migrate_count,
		.progress = p->migrate_progress,
		.write_first = p->migrate_write_first,
		.late_ticks = p->migrate_late_ms ? (p->migrate_late_ms * hz / 1000 ?: 1) : 0,
		.cpu = cpu,
		.ncpus = run->cpus,
		.finished = &run->finished,
		.rec = &migrate_store.rec[(u64)cpu * pages],
		.bounce = migrate_store.bounce[cpu],
		.status = &migrate_kernel.status,
	};
}

static u64 migrate_total(const struct migrate_run *run)
{
	u64 n = 0;
	u32 i;

	for (i = 0; i < run->cpus; i++)
		n += migrate_store.cpu[i].conversions;
	return n;
}

/* A task saw a new key generation (a migration) and has verified its pages. */
static void migrate_seen(struct migrate_run *run, const struct migwork_cpu *c)
{
	u64 v = 0;
	int vec;

	if (c->cpu == 0) {
		report_info("migrate: generation %lu -> %lu after %lu conversions", c->prev_gen,
			    c->gen, migrate_total(run));
		vec = probe_rdmsr(MIGCTL_MSR_CONTROL, &v);
		report(!vec && v == run->ready, "generation %lu: the control MSR still reads %#lx "
		       "(read %#lx, %s)", c->gen, run->ready, v, probe_vec_name(vec));
	}
	report_info("migrate: cpu %u: generation %lu: %u pages verified, %u corrupted", c->cpu,
		    c->gen, c->npages, c->last_corrupt);
}

static void migrate_on_cpu(void *arg)
{
	struct migrate_run *run = arg;
	struct migwork_cpu *c = &migrate_store.cpu[smp_cpu_index()];
	u64 ev;

	for (;;) {
		ev = user_call(migwork_task, c);
		if (ev == MIGWORK_EV_GENERATION)
			migrate_seen(run, c);
		else if (ev == MIGWORK_EV_SLEEP)
			smp_sleep_until(c->sleep_until);
		else if (ev == MIGWORK_EV_PROGRESS)
			report_info("migrate: cpu %u: generation %lu: %lu conversions", c->cpu,
				    c->gen, c->conversions - c->gen_conversions);
		else
			break;
	}
}

static const char *const migrate_bad_kind[] = {
	[MIGWORK_BAD_GARBAGE] = "garbage (wrong path or torn)",
	[MIGWORK_BAD_STALE] = "stale (a lost write)",
	[MIGWORK_BAD_STATUS] = "kernel status bitmap disagrees",
};

static u32 migrate_results(struct migrate_run *run, u64 tsc_hz)
{
	struct migctl_guest_counters lib;
	u32 i, j, corrupt = 0, printed = 0;

	for (i = 0; i < run->cpus; i++) {
		const struct migwork_cpu *c = &migrate_store.cpu[i];
		u64 ticks = c->tsc_end - c->tsc_start;
		u64 rate = tsc_hz && ticks ? c->conversions * tsc_hz / ticks : 0;

		report_info("cpu %u: %lu conversions of %u pages (%lu/s, %lu pages/s, %lu%% of the "
			    "time in the kernel), %lu writes, %lu left unwritten, %lu checks, %lu "
			    "redone, %u generation changes", i, c->conversions, c->run, rate,
			    rate * c->run, ticks ? c->tsc_kernel * 100 / ticks : 0, c->writes,
			    c->convert_only, c->verified, c->retries, c->changes);
		migctl_guest_counters(&migrate_store.guest[i], &lib);
		report(!c->errors && !lib.elided, "cpu %u: every conversion returned 0 and reached "
		       "the host (%lu failed, first %ld at generation %lu; %lu elided)", i, c->errors,
		       c->first_error, c->error_gen, lib.elided);
		corrupt += c->corrupt;
		for (j = 0; j < c->nbad && printed < MIGRATE_BAD_PRINT; j++, printed++)
			report_info("cpu %u: page %#lx %s: record version %u %s, found %u, "
				    "generation %lu", i, c->bad[j].gpa, migrate_bad_kind[c->bad[j].kind],
				    c->bad[j].want, c->bad[j].private ? "private" : "shared",
				    c->bad[j].found, c->bad[j].gen);
	}
	if (user_lost_traps)
		report_info("system calls lost with a saved vCPU and made again: %lu (user.h)",
			    user_lost_traps);
	return corrupt;
}

static void migrate_workload(struct scenario_env *env,
			     const volatile struct migctl_sevsim_key_page *kp, u64 ready)
{
	struct migrate_run run = { .env = env, .ready = ready, .cpus = env->cpus };
	u32 pages = migrate_pages_per_cpu(env, kp->window_pages), i, corrupt;
	u64 hz;

	if (!report(pages > 0, "%u CPUs with %u pages each (at least %u) fit the window of %lu "
		    "pages", env->cpus, pages ? pages : env->params->migrate_pages,
		    env->params->migrate_run, kp->window_pages))
		return;
	migctl_x86_ops_init(&migrate_kernel.ops, NULL);
	for (i = 0; i < env->cpus; i++) {
		migctl_guest_init(&migrate_store.guest[i], &migrate_kernel.ops, 0);
		if (!report(migctl_guest_discover(&migrate_store.guest[i]) == 0,
			     "cpu %u: its library context finds the protocol offered", i))
			return;
	}
	migrate_kernel.status = (struct migwork_status){ kp->window_gpa, (u64)pages * env->cpus,
							 migrate_store.bits };
	memset(migrate_store.bits, 0, ((u64)pages * env->cpus + 63) / 64 * 8);
	hz = smp_tsc_hz();
	for (i = 0; i < env->cpus; i++)
		migrate_setup_cpu(&run, kp, i, pages, hz);
	if (env->params->migrate_count)
		report_info("%u CPUs x %u pages, %u per conversion: until %u migrations", env->cpus,
			    pages, env->params->migrate_run, env->params->migrate_count);
	else
		report_info("%u CPUs x %u pages, %u per conversion: %u conversions each", env->cpus,
			    pages, env->params->migrate_run, env->params->migrate_iters);
	if (env->params->migrate_late_ms)
		report_info("migrate.late=%u: each group changes once, its status only, one every "
			    "%u ms; then nothing changes until a migration arrives",
			    env->params->migrate_late_ms, env->params->migrate_late_ms);
	if (env->params->migrate_write_first)
		report_info("migrate.fault=write-first: pages are written before their conversion "
			    "is notified (G-10 broken); a migration must find corrupted pages");
	user_set_convert(migrate_convert);
	smp_run(migrate_on_cpu, &run);
	corrupt = migrate_results(&run, hz);
	report_info("corrupted pages: %u of %u", corrupt, pages * env->cpus);
	report(!corrupt, "no page corrupted: %u of %u pages", corrupt, pages * env->cpus);
}

static const char *migrate_run(struct scenario_env *env)
{
	const volatile struct migctl_sevsim_key_page *kp = NULL;
	struct check_life l = { .env = env };
	const char *why;
	int r;

	why = migrate_find_window(env, &kp);
	if (why || !kp)
		return why;
	r = check_life_boot_reset(&l);
	if (r || l.raw) {
		report_info("boot-time reset and opt-in through the guest library: %d%s", r,
			    l.raw ? " (no transport the library can use)" : "");
		return "the guest could not opt in (not READY): no migration to watch";
	}
	report_info("READY with %#lx; hypercall 12 %soffered, MSR transport %#x", l.value,
		    env->offer.hc ? "" : "not ", env->guest->psc_index);
	migrate_workload(env, kp, l.value);
	r = check_life_opt_out(&l, MIGCTL_GUEST_OUT_SHUTDOWN);
	report(r == 0, "opt-out after the workload (%d)", r);
	return NULL;
}

/* Covers: G-10, V-1, V-2, V-4, V-5 */
const struct scenario sc_migrate = {
	.name = "migrate",
	.case_name = "migrate-workload",
	.summary = "all CPUs convert and write sev-sim pages in ring 3; verify across migrations",
	.run = migrate_run,
};
