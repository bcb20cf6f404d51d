/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guestcheck.c - judges a foreign guest's protocol traffic, as a VMM sees it, by the G rules. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcheck-priv.h"
#include "rules_ctl_msr.h"
#include "rules_notify.h"

static const char *const check_ids[MIGCTL_CHECK_RULES + 1] = {
	"G-0", "G-1", "G-2", "G-3", "G-4", "G-5", "G-6", "G-7", "G-8",
	"G-9", "G-10", "G-11", "G-12", "G-13", "G-14", "G-15", "G-16", "G-17",
};

void migctl_check_report(struct migctl_check *c, u32 rule, u32 vcpu, const char *fmt, ...)
{
	struct migctl_check_violation *v;
	va_list ap;

	c->total++;
	c->per_rule[rule]++;
	if (c->nkeep == c->keep_cap) {
		u32 cap = c->keep_cap ? c->keep_cap * 2 : 32;

		if (cap > MIGCTL_CHECK_KEEP_MAX)
			cap = MIGCTL_CHECK_KEEP_MAX;
		v = cap > c->keep_cap ? realloc(c->keep, cap * sizeof(*v)) : NULL;
		/* Past the cap, or out of memory: counted, not kept. */
		if (!v)
			return;
		c->keep = v;
		c->keep_cap = cap;
	}
	v = &c->keep[c->nkeep++];
	v->rule = rule;
	v->id = check_ids[rule];
	v->vcpu = vcpu;
	v->event = c->event;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

/* --- Creation ------------------------------------------------------------ */

/*
 * G-2: a leaf that breaks a rule makes a bit-17 host a version-1 host;
 * G-15 and chapter 6: an index outside 0x4b564d40..0x4b564d7f means no MSR
 * transport. The checker holds the guest to what it may believe.
 */
static void check_read_offer(struct migctl_check *c, const struct migctl_check_offer *o)
{
	u32 psc = o->psc_msr ? o->psc_msr : MIGCTL_MSR_PSC_DEFAULT;

	c->hc = o->hypercall;
	c->ctl = o->max_version != 0;
	if (!c->ctl)
		return;
	if (o->min_version < 1 || o->min_version > o->max_version) {
		c->min = c->max = MIGCTL_VERSION_1;
		return;
	}
	c->min = o->min_version;
	c->max = o->max_version;
	c->features = o->features;
	if ((o->features & MIGCTL_F_MSR_PSC) && psc >= MIGCTL_MSR_PSC_FIRST &&
	    psc <= MIGCTL_MSR_PSC_LAST)
		c->psc = psc;
	else if ((o->features & MIGCTL_F_MSR_PSC) && psc != MIGCTL_MSR_CONTROL)
		c->psc_bad = psc;
}

static int check_copy_ram(struct migctl_check *c, const struct migctl_check_offer *o)
{
	u32 i;

	if (o->nr_ram > MIGCTL_CHECK_RAM_MAX || (o->nr_ram && !o->ram))
		return -EINVAL;
	c->ram = calloc(o->nr_ram ? o->nr_ram : 1, sizeof(*c->ram));
	if (!c->ram)
		return -ENOMEM;
	for (i = 0; i < o->nr_ram; i++) {
		const struct migctl_check_region *r = &o->ram[i];

		if (!r->size || ((r->gpa | r->size) & (MIGCTL_PAGE_SIZE - 1)) ||
		    r->gpa + r->size < r->gpa)
			return -EINVAL;
		c->ram[i].start = r->gpa >> MIGCTL_PAGE_SHIFT;
		c->ram[i].end = (r->gpa + r->size) >> MIGCTL_PAGE_SHIFT;
	}
	c->nr_ram = o->nr_ram;
	return 0;
}

/* A new boot: the host starts not READY (H-13) and the guest from discovery. */
static void check_new_boot(struct migctl_check *c)
{
	u32 i;

	c->host_value = 0;
	c->nego = NEGO_IDLE;
	c->retried = false;
	c->spoke_v2 = false;
	c->enosys = false;
	c->reset_done = c->nr_ram == 0;
	c->reset_reported = false;
	migctl_check_ranges_clear(&c->covered);
	migctl_check_ranges_clear(&c->shared);
	for (i = 0; i < c->nr_vcpus; i++) {
		c->vcpu[i].after_ready_write = false;
		c->vcpu[i].have_list = false;
		c->vcpu[i].last_failed = false;
	}
}

int migctl_check_create(const struct migctl_check_offer *offer, u32 nr_vcpus,
			struct migctl_check **out)
{
	struct migctl_check *c;
	int ret;

	if (!offer || !out || !nr_vcpus || nr_vcpus > MIGCTL_CHECK_VCPUS_MAX ||
	    offer->max_version > MIGCTL_LEAF_EBX_VERSION_MASK)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = check_copy_ram(c, offer);
	if (ret)
		goto err_ram;
	ret = -ENOMEM;
	c->vcpu = calloc(nr_vcpus, sizeof(*c->vcpu));
	if (!c->vcpu)
		goto err_ram;
	ret = -pthread_mutex_init(&c->lock, NULL);
	if (ret)
		goto err_vcpu;
	c->nr_vcpus = nr_vcpus;
	check_read_offer(c, offer);
	migctl_check_ranges_init(&c->covered, MIGCTL_CHECK_SPANS_MAX);
	migctl_check_ranges_init(&c->shared, MIGCTL_CHECK_SPANS_MAX);
	check_new_boot(c);
	*out = c;
	return 0;

err_vcpu:
	free(c->vcpu);
err_ram:
	free(c->ram);
	free(c);
	return ret;
}

void migctl_check_destroy(struct migctl_check *c)
{
	u32 i;

	if (!c)
		return;
	for (i = 0; i < c->nr_vcpus; i++)
		free(c->vcpu[i].list);
	migctl_check_ranges_free(&c->covered);
	migctl_check_ranges_free(&c->shared);
	pthread_mutex_destroy(&c->lock);
	free(c->vcpu);
	free(c->ram);
	free(c->keep);
	free(c);
}

/* --- Events -------------------------------------------------------------- */

/* Start judging one event; returns the violation count before it. */
static u64 event_begin(struct migctl_check *c, u32 vcpu, bool *after_ready_write)
{
	pthread_mutex_lock(&c->lock);
	c->event = c->nr_events++;
	if (vcpu != MIGCTL_CHECK_NO_VCPU) {
		*after_ready_write = c->vcpu[vcpu].after_ready_write;
		c->vcpu[vcpu].after_ready_write = false;
	}
	return c->total;
}

static int event_end(struct migctl_check *c, u64 before)
{
	int n = (int)(c->total - before);

	pthread_mutex_unlock(&c->lock);
	return n;
}

/* G-5: the indices a PSC MSR may have; other KVM MSRs have other users. */
static bool is_psc_range(u32 index)
{
	return index >= MIGCTL_MSR_PSC_FIRST && index <= MIGCTL_MSR_PSC_LAST;
}

static int check_msr(struct migctl_check *c, u32 vcpu, u32 index, u64 val, bool gp, bool write)
{
	const char *op = write ? "WRMSR" : "RDMSR";
	bool read_back;
	u64 before;

	if (!c || vcpu >= c->nr_vcpus)
		return -EINVAL;
	before = event_begin(c, vcpu, &read_back);
	if (index == MIGCTL_MSR_CONTROL) {
		/* G-3: "MUST NOT read or write the control MSR unless bit 17". */
		if (!c->ctl)
			migctl_check_report(c, 3, vcpu, "%s of the control MSR (value 0x%llx) "
					    "without CPUID bit 17", op, ULL(val));
		else if (write)
			migctl_check_ctl_write(c, vcpu, val, gp);
		else
			migctl_check_ctl_read(c, vcpu, val, gp, read_back);
	} else if (c->psc_bad && index == c->psc_bad) {
		/* G-5 and G-15: an index outside 0x4b564d40..0x4b564d7f means no transport. */
		migctl_check_report(c, 5, vcpu, "%s of MSR 0x%x, which the leaf named outside "
				    "0x%x..0x%x: no MSR transport", op, index,
				    MIGCTL_MSR_PSC_FIRST, MIGCTL_MSR_PSC_LAST);
	} else if (is_psc_range(index) && index != c->psc) {
		/* G-5: only "when ... EDX names an index"; this one it did not name. */
		if (c->psc)
			migctl_check_report(c, 5, vcpu, "%s of MSR 0x%x; the leaf names the PSC "
					    "MSR 0x%x", op, index, c->psc);
		else
			migctl_check_report(c, 5, vcpu, "%s of MSR 0x%x, but the leaf offers no "
					    "MSR transport", op, index);
	} else if (is_psc_range(index) && write) {
		struct check_note n = {
			.via = VIA_PSC, .list = val & MIGCTL_ATTR_LIST, .a0 = val,
			.a2 = val & MIGCTL_PSC_ATTR_MASK, .failed = gp, .ok = !gp,
		};

		migctl_check_note(c, vcpu, &n);
	}
	return event_end(c, before);
}

int migctl_check_msr_read(struct migctl_check *c, u32 vcpu, u32 index, u64 val, bool gp)
{
	return check_msr(c, vcpu, index, val, gp, false);
}

int migctl_check_msr_write(struct migctl_check *c, u32 vcpu, u32 index, u64 val, bool gp)
{
	return check_msr(c, vcpu, index, val, gp, true);
}

int migctl_check_list(struct migctl_check *c, u32 vcpu,
		      const struct migctl_list_entry *entries, u32 n)
{
	struct check_vcpu *cpu;
	int ret = 0;

	if (!c || vcpu >= c->nr_vcpus || n > MIGCTL_LIST_MAX || (n && !entries))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	cpu = &c->vcpu[vcpu];
	if (!cpu->list)
		cpu->list = malloc(MIGCTL_LIST_MAX * sizeof(*cpu->list));
	if (cpu->list) {
		memcpy(cpu->list, entries, n * sizeof(*entries));
		cpu->nlist = n;
		cpu->have_list = true;
	} else {
		ret = -ENOMEM;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int migctl_check_hypercall(struct migctl_check *c, u32 vcpu, u64 nr, u64 a0, u64 a1, u64 a2,
			   s64 ret)
{
	struct check_note n = {
		.via = VIA_HC, .list = a2 & MIGCTL_ATTR_LIST, .a0 = a0, .a1 = a1, .a2 = a2,
		.ok = ret == 0,
		/* The table of chapter 5: every error but these is "do not repeat". */
		.failed = ret && ret != -MIGCTL_KVM_ENOSYS && ret != -MIGCTL_KVM_EPERM,
	};
	bool unused;
	u64 before;

	if (!c || vcpu >= c->nr_vcpus)
		return -EINVAL;
	before = event_begin(c, vcpu, &unused);
	if (nr != MIGCTL_HC_MAP_GPA_RANGE)
		goto out;
	/* G-4: "MUST NOT issue hypercall 12 unless base+1 EAX bit 16 is set". */
	if (!c->hc) {
		migctl_check_report(c, 4, vcpu, "hypercall 12 (0x%llx, 0x%llx, 0x%llx) without "
				    "CPUID bit 16", ULL(a0), ULL(a1), ULL(a2));
		goto out;
	}
	migctl_check_note(c, vcpu, &n);
	if (ret == -MIGCTL_KVM_ENOSYS && !c->enosys) {
		c->enosys = true;
		c->enosys_event = c->event;
	}
out:
	c->vcpu[vcpu].have_list = false;
	return event_end(c, before);
}

/* --- VM-level events and output ------------------------------------------ */

int migctl_check_vm_exit(struct migctl_check *c, u32 reason)
{
	static const char *const what[] = { "", "shut down", "reset", "suspended" };
	u64 before;

	if (!c || reason < MIGCTL_CHECK_EXIT_SHUTDOWN || reason > MIGCTL_CHECK_EXIT_SUSPEND)
		return -EINVAL;
	before = event_begin(c, MIGCTL_CHECK_NO_VCPU, NULL);
	/* G-11: "MUST write 0 ... before kexec, reboot, shutdown and suspend". */
	if (c->host_value)
		migctl_check_report(c, 11, MIGCTL_CHECK_NO_VCPU, "VM %s while READY with 0x%llx: "
				    "the guest must write 0 first", what[reason],
				    ULL(c->host_value));
	if (reason != MIGCTL_CHECK_EXIT_SUSPEND)
		check_new_boot(c);
	return event_end(c, before);
}

int migctl_check_next(struct migctl_check *c, u64 *cursor, struct migctl_check_violation *out)
{
	int ret = -ENOENT;

	if (!c || !cursor || !out)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if (*cursor < c->nkeep) {
		*out = c->keep[(*cursor)++];
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

u64 migctl_check_count(struct migctl_check *c, u32 rule)
{
	u64 n;

	if (!c || rule > MIGCTL_CHECK_RULES)
		return 0;
	pthread_mutex_lock(&c->lock);
	n = rule ? c->per_rule[rule] : c->total;
	pthread_mutex_unlock(&c->lock);
	return n;
}

u64 migctl_check_nr_events(struct migctl_check *c)
{
	u64 n;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	n = c->nr_events;
	pthread_mutex_unlock(&c->lock);
	return n;
}
