/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host.c - engine lifetime, CPUID values, MSR dispatch, policy, saved state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_msr.h"
#include "host-priv.h"
#include "notify_recv.h"

#define PHYS_BITS_MIN	20

void migctl_host_logf(const struct migctl_host *h, int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!h->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	h->cfg.log(h->cfg.log_arg, level, "%s", msg);
}

bool migctl_host_vm_type_governed(u32 vm_type)
{
	return vm_type == MIGCTL_HOST_VM_DEFAULT || vm_type == MIGCTL_HOST_VM_SEV ||
	       vm_type == MIGCTL_HOST_VM_SEV_ES;
}

static bool psc_index_ok(u32 index)
{
	return index >= MIGCTL_MSR_PSC_FIRST && index <= MIGCTL_MSR_PSC_LAST;
}

/* Apply defaults to @c and check it; the RAM layout is checked by the log. */
static int config_check(struct migctl_host_config *c)
{
	if (!c->psc_msr)
		c->psc_msr = MIGCTL_MSR_PSC_DEFAULT;
	if (!c->cpuid_base)
		c->cpuid_base = MIGCTL_CPUID_BASE_FIRST;
	if (!c->phys_bits)
		c->phys_bits = MIGCTL_HOST_PHYS_BITS_DEFAULT;
	if (c->max_version > MIGCTL_VERSION_MAX || c->features & ~MIGCTL_F_ALL)
		return -EINVAL;
	if (c->max_version && (c->min_version < MIGCTL_VERSION_1 ||
			       c->min_version > c->max_version))
		return -EINVAL;
	if (c->features && c->max_version < MIGCTL_VERSION_2)
		return -EINVAL;
	if ((c->features & MIGCTL_F_LIST) && !c->mem.read)
		return -EINVAL;
	if (!psc_index_ok(c->psc_msr))
		return -EINVAL;
	if (c->cpuid_base < MIGCTL_CPUID_BASE_FIRST || c->cpuid_base > MIGCTL_CPUID_BASE_LAST ||
	    c->cpuid_base % MIGCTL_CPUID_BASE_STEP)
		return -EINVAL;
	if (c->phys_bits < PHYS_BITS_MIN || c->phys_bits > MIGCTL_HOST_PHYS_BITS_DEFAULT)
		return -EINVAL;
	/* H-14: no offer where KVM itself raises hypercall-12 exits. */
	if (c->vm_type > MIGCTL_HOST_VM_TDX ||
	    (!migctl_host_vm_type_governed(c->vm_type) && c->max_version))
		return -EINVAL;
	if ((c->vm_type == MIGCTL_HOST_VM_SEV || c->vm_type == MIGCTL_HOST_VM_SEV_ES) &&
	    !c->encrypted)
		return -EINVAL;
	/*
	 * H-15: version 1 has only the hypercall to notify with, and upstream
	 * guests opt in without checking bit 16: no version 1 without it.
	 */
	if (c->max_version && !c->hypercall) {
		if (c->max_version < MIGCTL_VERSION_2)
			c->min_version = c->max_version = 0;
		else if (c->min_version < MIGCTL_VERSION_2)
			c->min_version = MIGCTL_VERSION_2;
	}
	return 0;
}

static bool ram_below(const struct migctl_host_config *c, u64 limit)
{
	const struct migctl_host_region *last = &c->ram[c->nr_ram - 1];

	return last->gpa < limit && last->size <= limit - last->gpa;
}

int migctl_host_create(const struct migctl_host_config *cfg, struct migctl_host **out)
{
	struct migctl_host *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	err = config_check(&h->cfg);
	if (err)
		goto err_free;
	h->phys_limit = 1ull << h->cfg.phys_bits;
	err = migctl_host_log_create(cfg->ram, cfg->nr_ram, cfg->encrypted, &h->log);
	if (err)
		goto err_free;
	/* The log accepted the layout: sorted, so the last region ends highest. */
	err = -EINVAL;
	if (!ram_below(&h->cfg, h->phys_limit))
		goto err_log;
	h->cfg.ram = NULL;
	h->hc_offered = h->cfg.hypercall && h->cfg.max_version;
	h->offered = h->cfg.max_version >= MIGCTL_VERSION_2 ? h->cfg.features : 0;
	err = -pthread_mutex_init(&h->lock, NULL);
	if (err)
		goto err_log;
	*out = h;
	return 0;

err_log:
	migctl_host_log_destroy(h->log);
err_free:
	free(h);
	return err;
}

void migctl_host_destroy(struct migctl_host *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	migctl_host_log_destroy(h->log);
	free(h);
}

struct migctl_host_log *migctl_host_log(struct migctl_host *h)
{
	return h->log;
}

int migctl_host_check_memory_map(struct migctl_host *h, const struct migctl_host_region *map,
				 unsigned int n, const char **why, unsigned int *bad)
{
	const char *reason = NULL;
	unsigned int i;

	for (i = 0; i < n && !reason; i++) {
		u64 gpa = map[i].gpa, size = map[i].size;

		/* Pages the entry touches, as DIV_ROUND_UP(size, 4 KiB) from its start. */
		if (!size || gpa + size < gpa || gpa + size > ~(MIGCTL_PAGE_SIZE - 1))
			reason = "a RAM entry of the memory map is empty or wraps";
		else if (gpa & (MIGCTL_PAGE_SIZE - 1))
			reason = "a RAM entry of the memory map starts inside a page: KVM refuses "
				 "a guest's reset of it before the VMM sees it";
		else if (!migctl_host_log_contains(h->log, gpa >> MIGCTL_PAGE_SHIFT,
						   (size + MIGCTL_PAGE_SIZE - 1) >>
						   MIGCTL_PAGE_SHIFT))
			reason = "a RAM entry of the memory map touches pages that are not guest "
				 "RAM of the host's configuration: a guest's reset of it is refused";
	}
	if (!reason)
		return 0;
	if (why)
		*why = reason;
	if (bad)
		*bad = i - 1;
	return -EINVAL;
}

bool migctl_host_cpuid(const struct migctl_host *h, u32 function, u32 index, u32 regs[4])
{
	u32 base = h->cfg.cpuid_base;
	bool v2 = h->cfg.max_version >= MIGCTL_VERSION_2;

	if (function == base && migctl_host_enabled(h)) {
		u32 max = base + (v2 ? MIGCTL_CPUID_LEAF_OFFSET : MIGCTL_CPUID_FEATURES_OFFSET);

		/* Max leaf 0 means base+1 to old guests; raising it is safe. */
		if (regs[0] < max)
			regs[0] = max;
		regs[1] = MIGCTL_KVM_SIG_EBX;
		regs[2] = MIGCTL_KVM_SIG_ECX;
		regs[3] = MIGCTL_KVM_SIG_EDX;
		return true;
	}
	if (function == base + MIGCTL_CPUID_FEATURES_OFFSET) {
		regs[0] &= ~((1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE) |
			     (1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL));
		if (migctl_host_enabled(h))
			regs[0] |= 1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL;
		if (h->hc_offered)
			regs[0] |= 1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE;
		return true;
	}
	if (function == base + MIGCTL_CPUID_LEAF_OFFSET) {
		memset(regs, 0, 4 * sizeof(regs[0]));
		if (!v2)
			return true;
		regs[0] = MIGCTL_LEAF_MAGIC;
		regs[1] = h->cfg.min_version << MIGCTL_LEAF_EBX_MIN_SHIFT |
			  h->cfg.max_version << MIGCTL_LEAF_EBX_MAX_SHIFT;
		regs[2] = h->offered;
		regs[3] = (h->offered & MIGCTL_F_MSR_PSC) ? h->cfg.psc_msr : 0;
		return true;
	}
	return false;
}

unsigned int migctl_host_cpuid_leaves(const struct migctl_host *h,
				      u32 leaves[MIGCTL_HOST_CPUID_LEAVES_MAX])
{
	unsigned int n = 0;

	if (!migctl_host_enabled(h))
		return 0;
	leaves[n++] = h->cfg.cpuid_base;
	leaves[n++] = h->cfg.cpuid_base + MIGCTL_CPUID_FEATURES_OFFSET;
	if (h->cfg.max_version >= MIGCTL_VERSION_2)
		leaves[n++] = h->cfg.cpuid_base + MIGCTL_CPUID_LEAF_OFFSET;
	return n;
}

unsigned int migctl_host_msr_indices(const struct migctl_host *h,
				     u32 indices[MIGCTL_HOST_MSR_INDICES_MAX])
{
	unsigned int n = 0;

	indices[n++] = MIGCTL_MSR_CONTROL;
	if (h->offered & MIGCTL_F_MSR_PSC)
		indices[n++] = h->cfg.psc_msr;
	return n;
}

int migctl_host_msr_read(struct migctl_host *h, unsigned int vcpu, u32 index, u64 *val)
{
	*val = 0;
	if (index == MIGCTL_MSR_CONTROL)
		return migctl_host_ctl_read(h, val);
	if (index == h->cfg.psc_msr) {
		/* H-10: the transport is write-only. */
		MIGCTL_HOST_CNT_INC(h, psc_gp);
		return MIGCTL_HOST_GP;
	}
	return MIGCTL_HOST_UNHANDLED;
}

int migctl_host_msr_write(struct migctl_host *h, unsigned int vcpu, u32 index, u64 val)
{
	if (index == MIGCTL_MSR_CONTROL)
		return migctl_host_ctl_write(h, vcpu, val);
	if (index == h->cfg.psc_msr)
		return migctl_host_psc_write(h, vcpu, val);
	return MIGCTL_HOST_UNHANDLED;
}

void migctl_host_state(struct migctl_host *h, struct migctl_host_state *st)
{
	u64 ctl;

	pthread_mutex_lock(&h->lock);
	ctl = h->control;
	st->generation = h->generation;
	st->unreliable = h->unreliable;
	st->refusal = h->refusal;
	pthread_mutex_unlock(&h->lock);
	st->enabled = migctl_host_enabled(h);
	st->ready = ctl & MIGCTL_CTL_READY;
	st->control = ctl;
	st->version = ctl ? MIGCTL_CTL_GET_VERSION(ctl) : 0;
	if (ctl && !st->version)
		st->version = MIGCTL_VERSION_1;
	st->features = MIGCTL_CTL_GET_FEATURES(ctl);
}

bool migctl_host_migratable(struct migctl_host *h, const char **why)
{
	const char *reason = NULL;

	if (!migctl_host_vm_type_governed(h->cfg.vm_type))
		reason = "the VM's type (SEV-SNP, TDX or software-protected) keeps page state in "
			 "guest_memfd, which migctl does not govern: no migctl migration";
	else if (!h->cfg.encrypted)
		return true;
	else if (!migctl_host_enabled(h))
		reason = "encrypted VM and the migration protocol is not offered to the guest";
	else if (!(migctl_host_ctl_get(h) & MIGCTL_CTL_READY))
		reason = "encrypted VM and the guest is not READY (never opted in, or opted out)";
	else if (__atomic_load_n(&h->unreliable, __ATOMIC_ACQUIRE))
		reason = "encrypted VM whose status log may be stale: the host refused a status "
			 "notification from a guest not READY with version 2, which may have "
			 "ignored the error";
	if (reason && why)
		*why = reason;
	return !reason;
}

void migctl_host_reset(struct migctl_host *h)
{
	migctl_host_ctl_reset(h);
}

int migctl_host_refusal_str(const struct migctl_host_refusal *r, char *buf, size_t len)
{
	const char *err = r->error == -MIGCTL_KVM_E2BIG ? "-KVM_E2BIG" :
			  r->error == -MIGCTL_KVM_EFAULT ? "-KVM_EFAULT" : "-KVM_EINVAL";

	if (r->via == MIGCTL_HOST_VIA_MSR)
		return snprintf(buf, len, "vcpu %u: MSR transport write %#llx refused with #GP "
				"(%s) while the control MSR held %#llx", r->vcpu,
				(unsigned long long)r->a0, err, (unsigned long long)r->control);
	return snprintf(buf, len, "vcpu %u: hypercall 12 gpa %#llx npages %#llx attrs %#llx "
			"refused with %s while the control MSR held %#llx", r->vcpu,
			(unsigned long long)r->a0, (unsigned long long)r->a1,
			(unsigned long long)r->a2, err, (unsigned long long)r->control);
}

_Static_assert(sizeof(struct migctl_host_counters) % sizeof(u64) == 0,
	       "counters are a u64 array");

void migctl_host_counters(struct migctl_host *h, struct migctl_host_counters *c)
{
	const u64 *src = (const u64 *)&h->cnt;
	u64 *dst = (u64 *)c;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
