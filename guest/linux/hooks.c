// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* hooks.c - the kernel events where the guest role opts out and back in. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/syscore_ops.h>
#include <asm/msr.h>

#include "migctl_linux.h"

/* syscore and cpuhp callbacks take no context: the one registered instance. */
static struct migctl_linux *migctl_hooks_dev;

/*
 * kernel_kexec() runs the reboot notifiers through kernel_restart_prepare()
 * with SYS_RESTART and the command "kexec reboot", before it stops the
 * other CPUs and jumps; a plain restart passes NULL or the user's command.
 */
static u32 migctl_reboot_reason(unsigned long action, void *cmd)
{
	if (action == SYS_HALT || action == SYS_POWER_OFF)
		return MIGCTL_GUEST_OUT_SHUTDOWN;
	if (cmd && !strcmp(cmd, "kexec reboot"))
		return MIGCTL_GUEST_OUT_KEXEC;
	return MIGCTL_GUEST_OUT_REBOOT;
}

static int migctl_reboot_notify(struct notifier_block *nb, unsigned long action,
				void *cmd)
{
	struct migctl_linux *m = container_of(nb, struct migctl_linux, reboot_nb);
	u32 reason = migctl_reboot_reason(action, cmd);

	if (migctl_guest_opt_out(&m->g, reason))
		pr_warn("opt-out for %s faulted\n", migctl_linux_reason_name(reason));
	return NOTIFY_DONE;
}

/*
 * panic() runs these before a crash kexec only with crash_kexec_post_notifiers;
 * otherwise the crash kernel's boot-time reset writes 0 first (spec G-13).
 * The other CPUs are stopped: if one of them held the lock, leave it.
 */
static int migctl_panic_notify(struct notifier_block *nb, unsigned long action,
			       void *data)
{
	struct migctl_linux *m = container_of(nb, struct migctl_linux, panic_nb);

	if (!raw_spin_trylock(&m->lock))
		return NOTIFY_DONE;
	raw_spin_unlock(&m->lock);
	migctl_guest_opt_out(&m->g, MIGCTL_GUEST_OUT_KEXEC);
	return NOTIFY_DONE;
}

static int migctl_pm_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct migctl_linux *m = container_of(nb, struct migctl_linux, pm_nb);

	if (action == PM_HIBERNATION_PREPARE || action == PM_RESTORE_PREPARE)
		WRITE_ONCE(m->hibernating, true);
	else if (action == PM_POST_HIBERNATION || action == PM_POST_RESTORE)
		WRITE_ONCE(m->hibernating, false);
	return NOTIFY_DONE;
}

/* Last in, after the other CPUs are offline and devices are suspended. */
static int migctl_syscore_suspend(void)
{
	migctl_guest_opt_out(&migctl_hooks_dev->g, MIGCTL_GUEST_OUT_SUSPEND);
	return 0;
}

/*
 * After S3 the host's log is the one this kernel left: opt in again with
 * read-back (G-12). After S4 the log is the restoring kernel's: discover
 * and reset first. Hibernation also passes here right after the snapshot,
 * where a reset is merely redundant.
 */
static void migctl_syscore_resume(void)
{
	struct migctl_linux *m = migctl_hooks_dev;
	int ret;

	if (READ_ONCE(m->hibernating))
		ret = migctl_linux_reset(m);
	else
		ret = migctl_guest_resume(&m->g);
	if (ret)
		pr_warn("no re-entry after resume: error %d\n", ret);
}

static struct syscore_ops migctl_syscore_ops = {
	.suspend = migctl_syscore_suspend,
	.resume = migctl_syscore_resume,
};

/*
 * The control MSR is VM-wide: only the last CPU going offline opts out
 * (G-11). Linux never offlines its last CPU (cpu_down() refuses), so the
 * library sees cpus_left > 0 here and does nothing; the rule stays in one
 * place, the library, should a kernel ever do otherwise.
 */
static int migctl_cpu_down(unsigned int cpu)
{
	migctl_guest_cpu_offline(&migctl_hooks_dev->g, num_online_cpus() - 1);
	return 0;
}

static int migctl_cpu_up(unsigned int cpu)
{
	int ret = migctl_guest_cpu_online(&migctl_hooks_dev->g);

	if (ret)
		pr_warn("cpu %u: no re-entry: error %d\n", cpu, ret);
	return 0;
}

/*
 * The kernel's own KVM guest support writes 0 to the control MSR on every
 * CPU that goes offline (kvm_guest_cpu_offline(), after this module's
 * teardown above), which withdraws READY for the whole VM when a CPU
 * other than the last goes away. This callback runs on a surviving CPU
 * once that CPU is dead: if READY was withdrawn behind the library's back,
 * it opts in again with the full negotiation (G-11, G-12).
 */
static int migctl_cpu_dead(unsigned int cpu)
{
	struct migctl_linux *m = migctl_hooks_dev;
	struct migctl_guest *g = &m->g;
	u64 value;
	int ret;

	if (migctl_guest_state(g) != MIGCTL_GUEST_READY)
		return 0;
	/* G-17: the MSR is read only when the versioned leaf is valid. */
	if (g->leaf_valid && !rdmsrl_safe(MIGCTL_MSR_CONTROL, &value) &&
	    value == g->ctl_value)
		return 0;
	migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_CPU_OFFLINE);
	ret = migctl_guest_cpu_online(g);
	if (ret)
		pr_warn("cpu %u went offline and READY with it; no re-entry: error %d\n",
			cpu, ret);
	return 0;
}

int migctl_linux_hooks_register(struct migctl_linux *m)
{
	int ret;

	migctl_hooks_dev = m;
	m->reboot_nb.notifier_call = migctl_reboot_notify;
	ret = register_reboot_notifier(&m->reboot_nb);
	if (ret)
		return ret;
	m->pm_nb.notifier_call = migctl_pm_notify;
	ret = register_pm_notifier(&m->pm_nb);
	if (ret)
		goto err_pm;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "migctl:online",
				migctl_cpu_up, migctl_cpu_down);
	if (ret < 0)
		goto err_cpuhp;
	m->cpuhp_state = ret;
	ret = cpuhp_setup_state(CPUHP_BP_PREPARE_DYN, "migctl:dead", NULL,
				migctl_cpu_dead);
	if (ret < 0)
		goto err_dead;
	m->cpuhp_dead = ret;
	register_syscore_ops(&migctl_syscore_ops);
	m->panic_nb.notifier_call = migctl_panic_notify;
	atomic_notifier_chain_register(&panic_notifier_list, &m->panic_nb);
	return 0;

err_dead:
	cpuhp_remove_state_nocalls(m->cpuhp_state);
err_cpuhp:
	unregister_pm_notifier(&m->pm_nb);
err_pm:
	unregister_reboot_notifier(&m->reboot_nb);
	return ret;
}

void migctl_linux_hooks_unregister(struct migctl_linux *m)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &m->panic_nb);
	unregister_syscore_ops(&migctl_syscore_ops);
	/* No teardown calls: unloading is not a CPU going offline. */
	cpuhp_remove_state_nocalls(m->cpuhp_dead);
	cpuhp_remove_state_nocalls(m->cpuhp_state);
	unregister_pm_notifier(&m->pm_nb);
	unregister_reboot_notifier(&m->reboot_nb);
}
