/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sc-kexec.c - scenario: a simulated kexec through the PVH entry, boot-time reset, re-entry. */
#include "check.h"
#include "console.h"
#include "ktap.h"
#include "mem.h"
#include "migctl.h"
#include "smp.h"

/* entry.S: never zeroed by the entry code, so it carries the hand-over. */
extern u8 kexec_area[];
void kexec_jump(u32 start_info) __attribute__((noreturn));

#define KEXEC_INFO_SIZE		64	/* struct hvm_start_info, rounded */
#define KEXEC_STAGE_NEW		2

/* Like a kexec loader: the same memory map, a new command line. */
static __attribute__((noreturn)) void kexec_now(struct scenario_env *env)
{
	char *cmd = (char *)kexec_area + KEXEC_INFO_SIZE;
	u32 size = 4096 - KEXEC_INFO_SIZE, n;
	struct ktap_progress prog;
	u64 *cmdline_paddr = (u64 *)(kexec_area + 24);

	memcpy(kexec_area, (const void *)(u64)env->machine->start_info, 56);
	n = (u32)con_snprintf(cmd, size, "%s", env->machine->cmdline);
	ktap_progress_get(&prog);
	params_format_resume(cmd + n, size - n, &prog, KEXEC_STAGE_NEW);
	*cmdline_paddr = (u64)cmd;
	report_info("jumping to the PVH entry: %s", cmd);
	kexec_jump((u32)(u64)kexec_area);
}

static __attribute__((noreturn)) void kexec_old_kernel(struct scenario_env *env)
{
	struct check_life l = { .env = env };
	int r;

	r = check_life_boot_reset(&l);
	report(r == 0, "first kernel: boot-time reset and opt-in (%d)", r);
	if (env->offer.ctl)
		check_ctl_all(env, l.value, "first kernel READY");
	r = check_life_opt_out(&l, MIGCTL_GUEST_OUT_KEXEC);
	report(r == 0, "opt-out before kexec (%d)", r);
	if (env->offer.ctl)
		check_ctl_all(env, 0, "before kexec");
	smp_stop();
	kexec_now(env);
}

static const char *kexec_new_kernel(struct scenario_env *env)
{
	struct check_life l = { .env = env };
	u64 best = check_best_value(&env->offer), v = 0;
	int r;

	report(env->cpus == env->params->cpus, "kexec'd kernel runs with %u CPUs restarted",
	       env->cpus);
	if (env->offer.ctl) {
		report(check_ctl_read_on(0, &v) == 0 && v == 0, "not READY at entry (%#lx)", v);
		report(probe_wrmsr(MIGCTL_MSR_CONTROL, best) == 0,
		       "READY again, as a kernel that skips the opt-out would leave it");
	}
	r = check_life_boot_reset(&l);
	report(r == 0, "boot-time reset of the new kernel, stale READY withdrawn first (%d)", r);
	if (env->offer.ctl) {
		report(l.value != 0, "negotiated again after kexec (%#lx)", l.value);
		check_ctl_all(env, l.value, "after kexec");
	}
	check_life_opt_out(&l, MIGCTL_GUEST_OUT_SHUTDOWN);
	return NULL;
}

static const char *kexec_run(struct scenario_env *env)
{
	if (env->params->kexec_stage == KEXEC_STAGE_NEW)
		return kexec_new_kernel(env);
	kexec_old_kernel(env);
}

/* Covers: H-6, H-7 */
const struct scenario sc_kexec = {
	.name = "kexec",
	.summary = "opt out, re-enter the PVH entry fresh, boot-time reset, negotiate again",
	.run = kexec_run,
};
