/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migctl_linux.h - what the files of the migctl kernel module share. */
#ifndef MIGCTL_LINUX_H
#define MIGCTL_LINUX_H

#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "migctl-guest.h"

/**
 * struct migctl_linux - the guest role of one running kernel
 * @lock: the library's lock (ops.lock); taken with interrupts off, so the
 *	library may be called from syscore and panic paths
 * @lock_flags: interrupt state saved by the holder of @lock
 * @ops: platform operations built on kernel primitives
 * @g: the library context
 * @ram: every System RAM range, page-aligned, for the boot-time reset;
 *	kept because a resume from hibernation must reset again
 * @nram: entries in @ram
 * @list_page: the shared page for range lists, 0 if none
 * @shared: @list_page as a range (the only range this module keeps shared)
 * @hibernating: between PM_HIBERNATION_PREPARE and PM_POST_HIBERNATION
 * @cpuhp_state: the dynamic hotplug state of online and offline
 * @cpuhp_dead: the dynamic state whose teardown runs after a CPU died
 * @reboot_nb: reboot, halt, power-off and kexec
 * @panic_nb: panic, when it runs its notifiers before a crash kexec
 * @pm_nb: tells S3 from S4
 * @batch_lock: serialises writers of @batch
 * @batch: the batch conversions written to debugfs go through
 * @debugfs: /sys/kernel/debug/migctl
 */
struct migctl_linux {
	raw_spinlock_t lock;
	unsigned long lock_flags;
	struct migctl_guest_ops ops;
	struct migctl_guest g;

	struct migctl_guest_range *ram;
	u32 nram;
	unsigned long list_page;
	struct migctl_guest_range shared;

	bool hibernating;
	int cpuhp_state;
	int cpuhp_dead;
	struct notifier_block reboot_nb;
	struct notifier_block panic_nb;
	struct notifier_block pm_nb;

	struct mutex batch_lock;
	struct migctl_guest_batch batch;
	struct dentry *debugfs;
};

/* platform.c */
void migctl_linux_ops_init(struct migctl_linux *m);

/* module.c */
int migctl_linux_reset(struct migctl_linux *m);
const char *migctl_linux_state_name(u32 state);
const char *migctl_linux_reason_name(u32 reason);

/* hooks.c */
int migctl_linux_hooks_register(struct migctl_linux *m);
void migctl_linux_hooks_unregister(struct migctl_linux *m);

/* debugfs.c */
void migctl_linux_debugfs_create(struct migctl_linux *m);
void migctl_linux_debugfs_remove(struct migctl_linux *m);

#endif /* MIGCTL_LINUX_H */
