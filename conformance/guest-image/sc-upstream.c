/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-upstream.c - scenarios: upstream Linux's own sequence of CPUID, hypercall 12 and WRMSR. */
#include "check.h"
#include "console.h"
#include "floodguard.h"
#include "ktap.h"
#include "migctl.h"
#include "migctl-x86.h"
#include "sevsim_prf.h"
#include "smp.h"
#include "user.h"

/*
 * These scenarios replay, call for call, what an upstream Linux 6.x guest
 * with memory encryption does (arch/x86/kernel/kvm.c and
 * arch/x86/mm/mem_encrypt_amd.c; docs/host-integration.adoc lists the
 * functions): they never read the control MSR, never negotiate, ignore
 * every result the way upstream does, and only record the results to check
 * the host's answers. Whether the host then lets the VM migrate, and with
 * a correct status log, is the driver's to see (run-host-suite.sh): each
 * scenario ends with the spec's verdict for what the host offered and,
 * with upstream.verdict=1, waits for it.
 */

#define UP_PAGE		4096ull
#define UP_BLOCK	(2ull << 20)	/* __bss_decrypted: one 2 MiB mapping */
#define UP_GUARD	64u		/* pages checked after a migration */
#define UP_GUARD_BSS	32u		/* of which the last of the block */
#define UP_PERCPU	40u		/* first guard page of the per-CPU decrypted data */
#define UP_RUNTIME	56u		/* guard pages a kernel shares at run time, to the end */
#define UP_E820_MAX	(MACHINE_RAM_MAX + 1)

extern const char __image_end[];

/* Refusals the host gives (migctl_host_migratable), as the driver matches them. */
#define UP_NOT_OFFERED	"not offered"
#define UP_NOT_READY	"not READY"
#define UP_STALE	"may be stale"

static u8 upstream_bounce[UP_PAGE] __attribute__((section(".noinit.upstream"), aligned(4096)));

struct upstream {
	struct scenario_env *env;
	u32 base;		/* kvm_cpuid_base() */
	bool ctl;		/* kvm_para_has_feature(KVM_FEATURE_MIGRATION_CONTROL) */
	bool hc;		/* bit 16: only the test looks at it */
	u64 blk;		/* GPA of the __bss_decrypted stand-in */
	struct flood_guard g;	/* pages whose status and content a migration must keep */
	const char *refusal;	/* what the host must answer a migration, NULL: migrate */
	bool ready;		/* the last WRMSR of READY was accepted, none of 0 since */
	bool stale;		/* the host refused a page-aligned request */
};

struct up_e820 {
	u64 addr, size;
};

/* kvm_cpuid_base(): hypervisor_cpuid_base("KVMKVMKVM", 0), only with X86_FEATURE_HYPERVISOR. */
static void up_detect(struct upstream *u)
{
	u32 r[4], b;

	u->base = 0;
	migctl_x86_cpuid(NULL, MIGCTL_CPUID_HYPERVISOR_LEAF, 0, r);
	if (!(r[2] >> MIGCTL_CPUID_HYPERVISOR_BIT & 1))
		return;
	for (b = MIGCTL_CPUID_BASE_FIRST; b <= MIGCTL_CPUID_BASE_LAST && !u->base;
	     b += MIGCTL_CPUID_BASE_STEP) {
		migctl_x86_cpuid(NULL, b, 0, r);
		if (r[1] == MIGCTL_KVM_SIG_EBX && r[2] == MIGCTL_KVM_SIG_ECX &&
		    r[3] == MIGCTL_KVM_SIG_EDX)
			u->base = b;
	}
	if (!u->base)
		return;
	/* kvm_arch_para_features(): EAX of base | KVM_CPUID_FEATURES. */
	migctl_x86_cpuid(NULL, u->base | MIGCTL_CPUID_FEATURES_OFFSET, 0, r);
	u->ctl = r[0] >> MIGCTL_KVM_FEATURE_MIGRATION_CONTROL & 1;
	u->hc = r[0] >> MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE & 1;
}

/*
 * kvm_sev_hypercall3(KVM_HC_MAP_GPA_RANGE, ...), result ignored as upstream
 * does; the test checks it: 0 for a page-aligned range of RAM, -KVM_EINVAL
 * for anything else (KVM itself refuses an unaligned GPA), -KVM_ENOSYS when
 * bit 16 is clear (H-9; a KVM without hypercall exits raises #UD instead).
 */
static void up_hc(struct upstream *u, u64 gpa, u64 npages, bool enc, const char *what)
{
	const struct machine *m = u->env->machine;
	u64 attrs = (enc ? MIGCTL_ATTR_ENCRYPTED : 0) | MIGCTL_ATTR_SIZE_4K;
	bool aligned = !(gpa & (UP_PAGE - 1));
	bool valid = aligned && npages && machine_is_ram(m, gpa, npages);
	long want = valid ? 0 : -MIGCTL_KVM_EINVAL;
	int fault = 0;
	long r = probe_hypercall(gpa, npages, attrs, &fault);

	if (!u->hc) {
		report(fault == 6 || (!fault && r == -MIGCTL_KVM_ENOSYS),
		       "%s: no bit 16, so no transport: -KVM_ENOSYS or UD (%ld, %s)", what, r,
		       probe_vec_name(fault));
		return;
	}
	report(!fault && r == want, "%s: gpa %#lx npages %#lx %s: %ld (want %ld)", what, gpa,
	       npages, enc ? "encrypted" : "decrypted", fault ? -1000000L - fault : r, want);
	if (aligned && r == -MIGCTL_KVM_EINVAL)
		u->stale = true;
}

/* wrmsrl(MSR_KVM_MIGRATION_CONTROL, val) on CPU cpu; the test checks the answer. */
static void up_wrmsr(struct upstream *u, u32 cpu, u64 val, const char *what)
{
	const struct probe_offer *o = &u->env->offer;
	bool accept = !val || o->min == MIGCTL_VERSION_1;
	int vec = check_ctl_write_on(cpu, val);

	report(accept ? !vec : vec == 13, "%s: cpu %u writes %#lx: %s (want %s%s)", what, cpu, val,
	       probe_vec_name(vec), accept ? "accepted" : "GP",
	       accept ? "" : ": version 1 is not offered, H-15");
	if (!val)
		u->ready = false;
	else if (!vec)
		u->ready = true;
}

/* The memory map the replay works from: the VMM's, bent as map= says. */
static u32 up_e820(const struct upstream *u, struct up_e820 *e)
{
	const struct machine *m = u->env->machine;
	u32 n, last = m->nram - 1;
	u64 half;

	if (!m->nram)
		return 0;
	for (n = 0; n < m->nram; n++)
		e[n] = (struct up_e820){ m->ram[n].gpa, m->ram[n].npages * UP_PAGE };
	/* A firmware map's base memory ends inside a page (0x9fc00): rounded up, as upstream. */
	e[0].size -= 0x400;
	switch (u->env->params->upstream_map) {
	case PARAMS_MAP_PAST_RAM:
		/* One entry reaches a page past guest RAM: the host refuses it whole. */
		e[last].size += UP_PAGE;
		break;
	case PARAMS_MAP_UNALIGNED:
		/* Boot data carved out at byte granularity: the second part starts inside a page. */
		half = (e[last].size / 2) & ~(UP_PAGE - 1);
		e[n++] = (struct up_e820){ e[last].addr + half + 0x230, e[last].size - half - 0x230 };
		e[last].size = half + 0x230;
		break;
	}
	return n;
}

/*
 * kvm_init_platform(), with CC_ATTR_GUEST_MEM_ENCRYPT: every E820 RAM entry
 * encrypted, DIV_ROUND_UP(size, 4 KiB) pages from the address as it is,
 * then __bss_decrypted decrypted, then READY when not booted through EFI.
 * The bss request is early_set_mem_enc_dec_hypercall(start, nr_pages, 0):
 * nr_pages given as a size in bytes, so enc_dec_hypercall() reports the one
 * kernel mapping it lands in, a 2 MiB one (the section is PMD-aligned):
 * 512 pages with the 4K hint.
 */
static void up_init_platform(struct upstream *u, const char *who)
{
	struct up_e820 e[UP_E820_MAX];
	char what[48];
	u32 i, n;

	if (!u->ctl)
		return;
	n = up_e820(u, e);
	for (i = 0; i < n; i++) {
		con_snprintf(what, sizeof(what), "%s: E820 entry %u", who, i);
		up_hc(u, e[i].addr, (e[i].size + UP_PAGE - 1) / UP_PAGE, true, what);
	}
	con_snprintf(what, sizeof(what), "%s: __bss_decrypted", who);
	up_hc(u, u->blk, UP_BLOCK / UP_PAGE, false, what);
	con_snprintf(what, sizeof(what), "%s: READY (no EFI)", who);
	up_wrmsr(u, 0, MIGCTL_CTL_READY, what);
}

/* Guard page i becomes shared: written as plaintext from now on. */
static void up_guard_share(struct upstream *u, u32 i)
{
	u->g.private_mask &= ~(1ull << i);
}

/*
 * kvm_smp_prepare_boot_cpu() -> sev_map_percpu_data(): for every possible
 * CPU, early_set_memory_decrypted() on its per-CPU variables, which
 * rewrites the page under the new C-bit (__set_clr_pte_enc) and only then
 * notifies (early_set_mem_enc_dec_hypercall). READY is already set.
 */
static void up_early_percpu(struct upstream *u, const char *who)
{
	char what[48];
	u32 cpu;

	if (!u->ctl)
		return;
	for (cpu = 0; cpu < u->env->cpus; cpu++) {
		up_guard_share(u, UP_PERCPU + cpu);
		user_call(flood_guard_write, &u->g);
		con_snprintf(what, sizeof(what), "%s: per-CPU data of cpu %u", who, cpu);
		up_hc(u, u->g.lo + (UP_PERCPU + cpu) * UP_PAGE, 1, false, what);
	}
}

/* One kernel's boot: platform init, its memory written, the early path. */
static void up_boot(struct upstream *u, const char *who)
{
	u32 i;

	/* A new kernel knows nothing of the old one's shared pages. */
	u->g.private_mask = ~0ull;
	for (i = 0; i < UP_GUARD_BSS; i++)
		up_guard_share(u, i);
	up_init_platform(u, who);
	user_call(flood_guard_write, &u->g);
	up_early_percpu(u, who);
}

/* set_memory_decrypted() at run time (a bounce buffer): one call per 4K mapping. */
static void up_share_runtime(struct upstream *u, const char *who)
{
	char what[48];
	u32 i;

	if (!u->ctl)
		return;
	for (i = UP_RUNTIME; i < UP_GUARD; i++) {
		con_snprintf(what, sizeof(what), "%s: set_memory_decrypted", who);
		up_hc(u, u->g.lo + i * UP_PAGE, 1, false, what);
		up_guard_share(u, i);
	}
	user_call(flood_guard_write, &u->g);
}

/* kvm_guest_cpu_offline(): the control MSR written 0 when bit 17 is set. */
static void up_cpu_offline(struct upstream *u, u32 cpu, const char *who)
{
	if (u->ctl)
		up_wrmsr(u, cpu, 0, who);
}

/* The 2 MiB block and the guard pages: in the sev-sim window, else high in the bank at 1 MiB. */
static bool up_place(struct upstream *u)
{
	const volatile struct migctl_sevsim_key_page *kp = (const volatile void *)MIGCTL_SEVSIM_KEY_GPA;
	const struct machine *m = u->env->machine;
	u64 end = 0;
	u32 i;

	u->g = (struct flood_guard){ .npages = UP_GUARD, .seed = 0x75707374, .bounce = upstream_bounce };
	if (!machine_is_ram(m, MIGCTL_SEVSIM_KEY_GPA, 1) && kp->magic == MIGCTL_SEVSIM_KEY_MAGIC) {
		u->g.kp = kp;
		u->blk = kp->window_gpa;
		end = kp->window_gpa + kp->window_pages * UP_PAGE;
	} else {
		for (i = 0; i < m->nram; i++)
			if (m->ram[i].gpa <= 0x100000 &&
			    0x100000 < m->ram[i].gpa + m->ram[i].npages * UP_PAGE)
				end = m->ram[i].gpa + m->ram[i].npages * UP_PAGE;
		u->blk = (end & ~(UP_BLOCK - 1)) - 2 * UP_BLOCK;
	}
	u->g.lo = u->blk + UP_BLOCK - UP_GUARD_BSS * UP_PAGE;
	return end && u->blk >= (u64)__image_end && !(u->blk & (UP_BLOCK - 1)) &&
	       u->g.lo + UP_GUARD * UP_PAGE <= end &&
	       machine_is_ram(m, u->blk, UP_BLOCK / UP_PAGE + UP_GUARD);
}

static const char *up_start(struct upstream *u, struct scenario_env *env)
{
	*u = (struct upstream){ .env = env };
	if (!up_place(u))
		return "RAM too small for a 2 MiB block and the pages checked after a migration";
	up_detect(u);
	report_info("upstream: KVM base %#x, bit 17 %s, bit 16 %s%s", u->base,
		    u->ctl ? "set" : "clear", u->hc ? "set" : "clear",
		    u->ctl ? "" : ": kvm_init_platform() does nothing");
	report(u->ctl == env->offer.ctl, "the replay sees bit 17 as the boot CPU did (%u)", u->ctl);
	return NULL;
}

/*
 * The spec's verdict (interoperability table): migrate with a correct
 * status log, or a refusal naming why. With upstream.verdict=1 a driver
 * acts on it: for a migration the scenario waits here and checks the
 * pages on the destination; for a refusal the image stays up after its
 * last case (scenario_park) while the driver sees the host refuse.
 */
static void up_verdict(struct upstream *u)
{
	struct scenario_env *env = u->env;
	u32 bad;

	u->refusal = !u->ctl ? UP_NOT_OFFERED : !u->ready ? UP_NOT_READY :
		     u->stale ? UP_STALE : NULL;
	if (u->refusal)
		report_info("upstream: verdict: refuse: %s", u->refusal);
	else
		report_info("upstream: verdict: migrate");
	if (!env->params->upstream_verdict)
		return;
	if (u->refusal) {
		env->park = true;
		return;
	}
	if (!report(u->g.kp != NULL, "a migration can be checked (sev-sim key page present)"))
		return;
	u->g.gen = u->g.kp->generation;
	report_info("upstream: waiting for a migration (generation %lu)", u->g.gen);
	user_call(flood_wait_generation, &u->g);
	bad = (u32)user_call(flood_guard_check, &u->g);
	if (bad)
		report_info("first bad page %#lx", u->g.first_bad);
	report(!bad, "after the migration (generation %lu): status and content kept, corrupted "
	       "pages: %u of %u", u->g.gen, bad, u->g.npages);
}

static const char *up_boot_run(struct scenario_env *env)
{
	struct upstream u;
	const char *why = up_start(&u, env);

	if (why)
		return why;
	up_boot(&u, "boot");
	up_verdict(&u);
	return NULL;
}

/* Covers: H-3, H-6, H-8, H-9, H-15, H-16 */
const struct scenario sc_upstream_boot = {
	.name = "upstream-boot",
	.summary = "upstream boot: E820 reset, __bss_decrypted, READY, early path (upstream.map=)",
	.run = up_boot_run,
};

/*
 * kexec: kernel_kexec() -> kernel_restart_prepare() runs the reboot
 * notifier with SYS_RESTART: kvm_pv_reboot_notify() -> on_each_cpu(
 * kvm_pv_guest_cpu_reboot) writes 0 on every CPU. A crash kexec instead
 * goes through machine_crash_shutdown() -> kvm_crash_shutdown(): 0 on the
 * crashing CPU only. Each new kernel boots as the first did; nothing
 * withdraws the old kernel's shared pages but the new one's E820 reset.
 */
static const char *up_kexec_run(struct scenario_env *env)
{
	struct upstream u;
	const char *why = up_start(&u, env);
	u32 cpu;

	if (why)
		return why;
	up_boot(&u, "kernel 1");
	up_share_runtime(&u, "kernel 1");
	for (cpu = 0; cpu < env->cpus; cpu++)
		up_cpu_offline(&u, cpu, "kexec: reboot notifier");
	up_boot(&u, "kernel 2");
	up_share_runtime(&u, "kernel 2");
	up_cpu_offline(&u, env->cpus - 1, "crash kexec: kvm_crash_shutdown");
	up_boot(&u, "kernel 3");
	up_verdict(&u);
	return NULL;
}

/* Covers: H-6, H-8, H-9, H-15 */
const struct scenario sc_upstream_kexec = {
	.name = "upstream-kexec",
	.summary = "upstream kexec, then crash kexec: 0 on all CPUs / one, each new kernel resets",
	.run = up_kexec_run,
};

/*
 * CPU hotplug: kvm_cpu_down_prepare() -> kvm_guest_cpu_offline(false)
 * writes 0 on the CPU going down; kvm_cpu_online() -> kvm_guest_cpu_init()
 * never writes READY again.
 */
static const char *up_offline_run(struct scenario_env *env)
{
	struct upstream u;
	const char *why;

	if (env->cpus < 2)
		return "one CPU: Linux never takes its last CPU offline";
	why = up_start(&u, env);
	if (why)
		return why;
	up_boot(&u, "boot");
	up_cpu_offline(&u, env->cpus - 1, "kvm_cpu_down_prepare");
	report_info("kvm_cpu_online: kvm_guest_cpu_init() writes no control MSR");
	up_verdict(&u);
	return NULL;
}

/* Covers: H-6, H-15 */
const struct scenario sc_upstream_offline = {
	.name = "upstream-cpu-offline",
	.summary = "upstream CPU offline and online: 0 from that CPU, never READY again",
	.run = up_offline_run,
};

/*
 * Suspend: freeze_secondary_cpus() takes every other CPU down
 * (kvm_cpu_down_prepare: 0 each), then syscore suspend kvm_suspend() ->
 * kvm_guest_cpu_offline(false) on the boot CPU. Resume: kvm_resume() ->
 * kvm_cpu_online(), and the other CPUs come back through kvm_cpu_online():
 * no control-MSR write anywhere.
 */
static const char *up_suspend_run(struct scenario_env *env)
{
	struct upstream u;
	const char *why = up_start(&u, env);
	u32 cpu;

	if (why)
		return why;
	up_boot(&u, "boot");
	for (cpu = env->cpus - 1; cpu > 0; cpu--)
		up_cpu_offline(&u, cpu, "freeze_secondary_cpus");
	up_cpu_offline(&u, 0, "syscore kvm_suspend");
	report_info("resume: kvm_resume and kvm_cpu_online write no control MSR");
	up_verdict(&u);
	return NULL;
}

/* Covers: H-6, H-15 */
const struct scenario sc_upstream_suspend = {
	.name = "upstream-suspend",
	.summary = "upstream suspend and resume: 0 from every CPU, never READY again",
	.run = up_suspend_run,
};

void scenario_park(struct scenario_env *env, int code)
{
	struct flood_guard g = { .kp = (const volatile void *)MIGCTL_SEVSIM_KEY_GPA };

	con_printf("# upstream: parked (exit code %d held): the host must refuse to migrate\n",
		   code);
	if (machine_is_ram(env->machine, MIGCTL_SEVSIM_KEY_GPA, 1) ||
	    g.kp->magic != MIGCTL_SEVSIM_KEY_MAGIC) {
		con_printf("# upstream: no sev-sim key page: nothing to wait for\n");
		machine_exit((u32)code);
	}
	g.gen = g.kp->generation;
	user_call(flood_wait_generation, &g);
	con_printf("# upstream: migrated (generation %lu -> %lu) although the host had to "
		   "refuse\n", g.gen, g.kp->generation);
	machine_exit(MACHINE_EXIT_FAIL);
}
