// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* module.c - the migctl guest role in a Linux kernel: load, boot-time reset, unload. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <asm/e820/api.h>
#include <asm/page.h>

#include "migctl_linux.h"

static unsigned int flags;
module_param(flags, uint, 0444);
MODULE_PARM_DESC(flags, "MIGCTL_GUEST_* flags of the guest library: 0x1 version 1 only, 0x2 no hypercall, 0x4 no MSR transport, 0x8 no range lists, 0x10 MSR transport first, 0x20 opt out when the host refuses");

static struct migctl_linux migctl_dev;

const char *migctl_linux_state_name(u32 state)
{
	static const char * const names[] = {
		[MIGCTL_GUEST_INIT] = "init",
		[MIGCTL_GUEST_ABSENT] = "absent",
		[MIGCTL_GUEST_AVAILABLE] = "available",
		[MIGCTL_GUEST_READY] = "ready",
		[MIGCTL_GUEST_OPTED_OUT] = "opted-out",
		[MIGCTL_GUEST_UNAVAILABLE] = "unavailable",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

const char *migctl_linux_reason_name(u32 reason)
{
	static const char * const names[] = {
		[0] = "none",
		[MIGCTL_GUEST_OUT_KEXEC] = "kexec",
		[MIGCTL_GUEST_OUT_REBOOT] = "reboot",
		[MIGCTL_GUEST_OUT_SHUTDOWN] = "shutdown",
		[MIGCTL_GUEST_OUT_SUSPEND] = "suspend",
		[MIGCTL_GUEST_OUT_CPU_OFFLINE] = "cpu-offline",
		[MIGCTL_GUEST_OUT_ERROR] = "error",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : "?";
}

struct migctl_ram_walk {
	struct migctl_guest_range *ram;	/* NULL: only count */
	u32 max;
	u32 n;
	u64 end;			/* exclusive end of the run being built */
	u64 start;
};

/* Closes the run being built: whole pages only, so never a page outside RAM. */
static void migctl_ram_close(struct migctl_ram_walk *w)
{
	u64 start = PAGE_ALIGN(w->start), end = w->end & PAGE_MASK;

	if (end <= start)
		return;
	if (w->ram && w->n < w->max) {
		w->ram[w->n].gpa = start;
		w->ram[w->n].npages = (end - start) >> PAGE_SHIFT;
	}
	w->n++;
}

/* Adds [start, end) to the run being built, or closes that run and starts one. */
static void migctl_ram_add(struct migctl_ram_walk *w, u64 start, u64 end)
{
	if (w->end && start == w->end) {
		w->end = end;
		return;
	}
	if (w->end)
		migctl_ram_close(w);
	w->start = start;
	w->end = end;
}

/* System RAM resources; touching ones (split around kernel data) merge. */
static int migctl_ram_one(struct resource *res, void *arg)
{
	migctl_ram_add(arg, res->start, res->end + 1);
	return 0;
}

/*
 * The RAM of the memory map the VMM gave: above 1 MiB the kernel's System
 * RAM, which is that map's; below 1 MiB the firmware's map itself, page by
 * page, because Linux keeps RAM there for itself (page 0,
 * trim_bios_range()) that is still RAM of the VM and of its status log.
 */
static u32 migctl_ram_walk(struct migctl_guest_range *ram, u32 max)
{
	struct migctl_ram_walk w = { .ram = ram, .max = max };
	u64 p;

	for (p = 0; p < SZ_1M; p += PAGE_SIZE)
		if (e820__mapped_raw_any(p, p + PAGE_SIZE, E820_TYPE_RAM))
			migctl_ram_add(&w, p, p + PAGE_SIZE);
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    SZ_1M, U64_MAX, &w, migctl_ram_one);
	if (w.end)
		migctl_ram_close(&w);
	return min(w.n, max);
}

/* The memory map of the boot-time reset (spec G-13). */
static int migctl_ram_collect(struct migctl_linux *m)
{
	u32 n = migctl_ram_walk(NULL, U32_MAX);

	m->ram = kcalloc(max(n, 1u), sizeof(*m->ram), GFP_KERNEL);
	if (!m->ram)
		return -ENOMEM;
	m->nram = migctl_ram_walk(m->ram, n);
	return 0;
}

/**
 * migctl_linux_reset() - discovery and the boot-time reset, then opt-in
 * @m: the module's state
 *
 * What a boot does (spec G-13), and what a resume from hibernation and a
 * load after an unload do again: the host's log may hold what another
 * kernel, or this one while nobody notified, left in it.
 * Return: 0 when READY or when the host offers nothing, else -errno.
 */
int migctl_linux_reset(struct migctl_linux *m)
{
	int ret = migctl_guest_discover(&m->g);

	if (ret == -MIGCTL_GUEST_ENODEV)
		return 0;
	if (ret)
		return ret;
	return migctl_guest_boot_reset(&m->g, m->ram, m->nram, &m->shared,
				       m->list_page ? 1 : 0);
}

static void migctl_report(struct migctl_linux *m, int ret)
{
	struct migctl_guest *g = &m->g;

	switch (g->state) {
	case MIGCTL_GUEST_ABSENT:
		pr_info("the host offers no migctl: no KVM leaves with MIGRATION_CONTROL\n");
		break;
	case MIGCTL_GUEST_READY:
		pr_info("ready: version %u, features 0x%x, host versions %u..%u, %u RAM ranges reset\n",
			g->version, g->features, g->host_min, g->host_max, m->nram);
		break;
	default:
		pr_warn("not ready (%s, error %d): this VM will not be migrated\n",
			migctl_linux_state_name(g->state), ret);
		break;
	}
}

static int migctl_list_page_alloc(struct migctl_linux *m)
{
	if (flags & MIGCTL_GUEST_NO_LIST)
		return 0;
	m->list_page = get_zeroed_page(GFP_KERNEL);
	if (!m->list_page)
		return -ENOMEM;
	m->shared.gpa = __pa(m->list_page);
	m->shared.npages = 1;
	return migctl_guest_set_list_page(&m->g, (void *)m->list_page, m->shared.gpa);
}

static int __init migctl_init(void)
{
	struct migctl_linux *m = &migctl_dev;
	int ret;

	/*
	 * An encrypted guest's own kernel announces its conversions and
	 * writes the control MSR itself; a second guest role would conflict.
	 */
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		pr_err("the kernel's memory-encryption support already plays the guest role\n");
		return -EBUSY;
	}
	mutex_init(&m->batch_lock);
	migctl_guest_batch_init(&m->batch);
	migctl_linux_ops_init(m);
	ret = migctl_guest_init(&m->g, &m->ops, flags);
	if (ret) {
		pr_err("flags=0x%x: not a combination of MIGCTL_GUEST_* flags\n", flags);
		return ret;
	}
	ret = migctl_ram_collect(m);
	if (ret)
		return ret;
	ret = migctl_list_page_alloc(m);
	if (ret)
		goto err_page;

	ret = migctl_linux_reset(m);
	migctl_report(m, ret);
	/* Not READY is the VM's loss, not the kernel's: the module stays. */

	ret = migctl_linux_hooks_register(m);
	if (ret)
		goto err_hooks;
	migctl_linux_debugfs_create(m);
	return 0;

err_hooks:
	migctl_guest_opt_out(&m->g, MIGCTL_GUEST_OUT_SHUTDOWN);
err_page:
	free_page(m->list_page);
	kfree(m->ram);
	return ret;
}

static void __exit migctl_exit(void)
{
	struct migctl_linux *m = &migctl_dev;

	migctl_linux_debugfs_remove(m);
	migctl_linux_hooks_unregister(m);
	/*
	 * Nobody notifies once the module is gone: withdraw READY. A later
	 * load discovers and resets the log again.
	 */
	migctl_guest_opt_out(&m->g, MIGCTL_GUEST_OUT_SHUTDOWN);
	/* The list page returns to the kernel as the private page it was. */
	if (m->list_page && m->g.state != MIGCTL_GUEST_ABSENT)
		migctl_guest_set_status(&m->g, m->shared.gpa, 1, true);
	pr_info("unloaded (%s)\n", migctl_linux_state_name(m->g.state));
	free_page(m->list_page);
	kfree(m->ram);
}

module_init(migctl_init);
module_exit(migctl_exit);

MODULE_DESCRIPTION("migctl guest role: live migration control for encrypted VMs");
MODULE_LICENSE("Dual BSD/GPL");
