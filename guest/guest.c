/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest.c - discovery, negotiation and the opt-in/opt-out life cycle of a migctl guest. */
#include "internal.h"

/* CPUID leaf 0 vendors whose hypercall instruction is VMMCALL. */
#define GUEST_AMD_EBX		0x68747541u /* "Auth" */
#define GUEST_AMD_EDX		0x69746e65u /* "enti" */
#define GUEST_AMD_ECX		0x444d4163u /* "cAMD" */
#define GUEST_HYGON_EBX		0x6f677948u /* "Hygo" */
#define GUEST_HYGON_EDX		0x6e65476eu /* "nGen" */
#define GUEST_HYGON_ECX		0x656e6975u /* "uine" */

/*
 * Byte loop instead of a struct assignment: the compiler would turn the
 * latter into a memset call, and the library links against nothing. The
 * build also passes -fno-tree-loop-distribute-patterns for the same reason.
 */
static void guest_zero(void *p, size_t n)
{
	volatile u8 *b = p;

	while (n--)
		*b++ = 0;
}

static void guest_cpuid(struct migctl_guest *g, u32 leaf, u32 out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
	g->ops->cpuid(g->ops->arg, leaf, 0, out);
}

int migctl_guest__ctl_write(struct migctl_guest *g, u64 value)
{
	g->counters.ctl_writes++;
	if (g->ops->wrmsr(g->ops->arg, MIGCTL_MSR_CONTROL, value)) {
		g->counters.faults++;
		return -MIGCTL_GUEST_EIO;
	}
	return 0;
}

static int guest_ctl_read(struct migctl_guest *g, u64 *value)
{
	g->counters.ctl_reads++;
	if (g->ops->rdmsr(g->ops->arg, MIGCTL_MSR_CONTROL, value)) {
		g->counters.faults++;
		return -MIGCTL_GUEST_EIO;
	}
	return 0;
}

/*
 * The last transport failed. A READY guest that cannot notify would let the
 * host migrate with a stale status log, so it withdraws READY; in every
 * case the context goes silent until the next discovery (G-7, G-8).
 */
void migctl_guest__lost_transport(struct migctl_guest *g)
{
	if (migctl_guest__transports(g))
		return;
	if (g->state == MIGCTL_GUEST_READY)
		migctl_guest__ctl_write(g, 0);
	g->state = MIGCTL_GUEST_UNAVAILABLE;
}

/*
 * The host's log is known to be wrong: withdraw READY and go silent until
 * the next discovery, whose boot-time reset rebuilds the log.
 */
static int guest_give_up(struct migctl_guest *g)
{
	int ret = 0;

	if (g->state == MIGCTL_GUEST_READY)
		ret = migctl_guest__ctl_write(g, 0);
	g->state = MIGCTL_GUEST_UNAVAILABLE;
	g->out_reason = MIGCTL_GUEST_OUT_ERROR;
	return ret;
}

/* A notification the host refused, with MIGCTL_GUEST_WITHDRAW_ON_ERROR. */
void migctl_guest__notify_failed(struct migctl_guest *g)
{
	if ((g->flags & MIGCTL_GUEST_WITHDRAW_ON_ERROR) &&
	    (g->state == MIGCTL_GUEST_READY || g->state == MIGCTL_GUEST_OPTED_OUT))
		guest_give_up(g);
}

int migctl_guest_init(struct migctl_guest *g, const struct migctl_guest_ops *ops,
		      u32 flags)
{
	u32 r[4];

	if (!ops || !ops->cpuid || !ops->rdmsr || !ops->wrmsr || !ops->hypercall ||
	    !ops->lock != !ops->unlock || (flags & ~MIGCTL_GUEST_FLAGS_ALL))
		return -MIGCTL_GUEST_EINVAL;
	guest_zero(g, sizeof(*g));
	g->ops = ops;
	g->flags = flags;
	guest_cpuid(g, 0, r);
	if ((r[1] == GUEST_AMD_EBX && r[3] == GUEST_AMD_EDX && r[2] == GUEST_AMD_ECX) ||
	    (r[1] == GUEST_HYGON_EBX && r[3] == GUEST_HYGON_EDX && r[2] == GUEST_HYGON_ECX))
		g->insn = MIGCTL_GUEST_INSN_VMMCALL;
	else
		g->insn = MIGCTL_GUEST_INSN_VMCALL;
	return 0;
}

int migctl_guest_set_list_page(struct migctl_guest *g, void *va, gpa_t gpa)
{
	if (!va || ((uintptr_t)va & (MIGCTL_PAGE_SIZE - 1)) || (gpa & (MIGCTL_PAGE_SIZE - 1)) ||
	    gpa >= MIGCTL_GUEST_GPA_LIMIT)
		return -MIGCTL_GUEST_EINVAL;
	migctl_guest__lock(g);
	g->list_va = va;
	g->list_gpa = gpa;
	migctl_guest__unlock(g);
	return 0;
}

/* G-1: the first base with the KVM signature, 0 if none. */
static u32 guest_find_base(struct migctl_guest *g, u32 *max_leaf)
{
	u32 base, r[4];

	for (base = MIGCTL_CPUID_BASE_FIRST; base <= MIGCTL_CPUID_BASE_LAST;
	     base += MIGCTL_CPUID_BASE_STEP) {
		guest_cpuid(g, base, r);
		if (r[1] == MIGCTL_KVM_SIG_EBX && r[2] == MIGCTL_KVM_SIG_ECX &&
		    r[3] == MIGCTL_KVM_SIG_EDX) {
			*max_leaf = r[0] ? r[0] : base + MIGCTL_CPUID_FEATURES_OFFSET;
			return base;
		}
	}
	return 0;
}

/* G-2, G-5, G-15: believe the versioned leaf only when it is well formed. */
static void guest_read_leaf(struct migctl_guest *g)
{
	u32 r[4], min, max;

	g->host_min = g->host_max = MIGCTL_VERSION_1;
	if (g->max_leaf < g->base + MIGCTL_CPUID_LEAF_OFFSET)
		return;
	guest_cpuid(g, g->base + MIGCTL_CPUID_LEAF_OFFSET, r);
	min = (r[1] >> MIGCTL_LEAF_EBX_MIN_SHIFT) & MIGCTL_LEAF_EBX_VERSION_MASK;
	max = (r[1] >> MIGCTL_LEAF_EBX_MAX_SHIFT) & MIGCTL_LEAF_EBX_VERSION_MASK;
	if (r[0] != MIGCTL_LEAF_MAGIC || (r[1] & MIGCTL_LEAF_EBX_RESERVED) || min < 1 || min > max)
		return;
	g->leaf_valid = 1;
	g->host_min = min;
	g->host_max = max;
	g->offered = r[2] & MIGCTL_F_ALL;
	/* G-5: only an index in the PSC range, away from every known user. */
	if ((g->offered & MIGCTL_F_MSR_PSC) && r[3] >= MIGCTL_MSR_PSC_FIRST &&
	    r[3] <= MIGCTL_MSR_PSC_LAST)
		g->psc_index = r[3];
	else
		g->offered &= ~MIGCTL_F_MSR_PSC;
}

/* G-6: the highest version both implement, 0 if none. */
static u32 guest_pick_version(const struct migctl_guest *g)
{
	u32 v = MIGCTL_VERSION_MAX;

	if ((g->flags & MIGCTL_GUEST_NO_V2) || !g->leaf_valid)
		v = MIGCTL_VERSION_1;
	if (v > g->host_max)
		v = g->host_max;
	return v >= g->host_min ? v : 0;
}

static int guest_discover_locked(struct migctl_guest *g)
{
	u32 r[4];

	g->state = MIGCTL_GUEST_ABSENT;
	g->base = g->max_leaf = g->kvm_features = g->leaf_valid = 0;
	g->host_min = g->host_max = g->offered = g->psc_index = 0;
	g->version = g->features = g->disabled = 0;
	g->ctl_value = 0;

	guest_cpuid(g, MIGCTL_CPUID_HYPERVISOR_LEAF, r);
	if (!(r[2] & MIGCTL_GUEST_BIT(MIGCTL_CPUID_HYPERVISOR_BIT)))
		return -MIGCTL_GUEST_ENODEV;
	g->base = guest_find_base(g, &g->max_leaf);
	if (!g->base || g->max_leaf < g->base + MIGCTL_CPUID_FEATURES_OFFSET)
		return -MIGCTL_GUEST_ENODEV;
	guest_cpuid(g, g->base + MIGCTL_CPUID_FEATURES_OFFSET, r);
	/* Without bit 17 the host offers no version and so no transport. */
	if (!(r[0] & MIGCTL_GUEST_CTL_BIT))
		return -MIGCTL_GUEST_ENODEV;
	g->kvm_features = r[0] & (MIGCTL_GUEST_HC_BIT | MIGCTL_GUEST_CTL_BIT);
	guest_read_leaf(g);
	if (!guest_pick_version(g)) {
		g->state = MIGCTL_GUEST_UNAVAILABLE;
		return -MIGCTL_GUEST_EPROTO;
	}
	g->state = MIGCTL_GUEST_AVAILABLE;
	return 0;
}

int migctl_guest_discover(struct migctl_guest *g)
{
	int ret;

	migctl_guest__lock(g);
	ret = guest_discover_locked(g);
	migctl_guest__unlock(g);
	return ret;
}

/* Whether a configuration would have a transport to notify with. */
static bool guest_can_notify(const struct migctl_guest *g, u32 version, u32 features)
{
	if ((g->kvm_features & MIGCTL_GUEST_HC_BIT) && !(g->flags & MIGCTL_GUEST_NO_HYPERCALL) &&
	    !(g->disabled & MIGCTL_GUEST_T_HYPERCALL))
		return true;
	return version >= MIGCTL_VERSION_2 && (features & MIGCTL_F_MSR_PSC) &&
	       !(g->disabled & MIGCTL_GUEST_T_MSR_PSC);
}

/*
 * G-7: write, read back; a value the host holds but we did not mean is
 * withdrawn. Without a valid versioned leaf the host may be one that only
 * filters writes of the control MSR, as KVM's documentation tells VMMs to
 * do, so the write alone decides (G-17).
 */
static bool guest_try_value(struct migctl_guest *g, u64 value)
{
	u64 back = 0;

	if (migctl_guest__ctl_write(g, value))
		return false;
	if (!g->leaf_valid)
		return true;
#ifdef MIGCTL_FAULT_NO_READ_BACK
	/* Fault switch: no confirmation read (breaks G-7). */
	return true;
#endif
	if (!guest_ctl_read(g, &back) && back == value)
		return true;
	migctl_guest__ctl_write(g, 0);
	return false;
}

static int guest_opt_in_locked(struct migctl_guest *g)
{
	u32 version, features = 0;
	u64 value;

	if (g->state == MIGCTL_GUEST_READY)
		return 0;
	if ((g->state != MIGCTL_GUEST_AVAILABLE && g->state != MIGCTL_GUEST_OPTED_OUT) ||
	    !(g->kvm_features & MIGCTL_GUEST_CTL_BIT))
		return -MIGCTL_GUEST_ENODEV;
	version = guest_pick_version(g);
	if (version >= MIGCTL_VERSION_2)
		features = migctl_guest__wanted(g);
	if (!version)
		goto err_unavailable;
	if (!guest_can_notify(g, version, features)) {
		/* Without a transport the guest cannot keep the promise. */
		g->state = MIGCTL_GUEST_UNAVAILABLE;
		return -MIGCTL_GUEST_ENODEV;
	}

	value = version >= MIGCTL_VERSION_2 ? MIGCTL_CTL_VALUE(version, features) : MIGCTL_VERSION_1;
#ifdef MIGCTL_FAULT_GUEST_RESERVED_BITS
	/* Fault switch: a reserved bit in the choice (breaks G-6). */
	if (version >= MIGCTL_VERSION_2)
		value |= 1ull << 1;
#endif
	if (guest_try_value(g, value))
		goto ready;
	if (version == MIGCTL_VERSION_1 || g->host_min > MIGCTL_VERSION_1 ||
	    !guest_can_notify(g, MIGCTL_VERSION_1, 0))
		goto err_unavailable;
	version = MIGCTL_VERSION_1;
	features = 0;
	value = MIGCTL_VERSION_1;
	if (guest_try_value(g, value))
		goto ready;
err_unavailable:
	g->state = MIGCTL_GUEST_UNAVAILABLE;
	g->version = g->features = 0;
	g->ctl_value = 0;
	return -MIGCTL_GUEST_EPROTO;
ready:
	g->version = version;
	g->features = features;
	g->ctl_value = value;
	g->state = MIGCTL_GUEST_READY;
	return 0;
}

static int guest_count(struct migctl_guest *g, int ret)
{
	if (ret < 0)
		g->counters.errors++;
	return ret;
}

int migctl_guest_opt_in(struct migctl_guest *g)
{
	int ret;

	migctl_guest__lock(g);
	ret = guest_count(g, guest_opt_in_locked(g));
	migctl_guest__unlock(g);
	return ret;
}

static int guest_opt_out_locked(struct migctl_guest *g, u32 reason)
{
	int ret;

	if (reason < MIGCTL_GUEST_OUT_KEXEC || reason > MIGCTL_GUEST_OUT_ERROR)
		return -MIGCTL_GUEST_EINVAL;
	if (reason == MIGCTL_GUEST_OUT_ERROR &&
	    (g->state == MIGCTL_GUEST_READY || g->state == MIGCTL_GUEST_OPTED_OUT))
		return guest_give_up(g);
	if (g->state != MIGCTL_GUEST_READY)
		return 0;
#ifdef MIGCTL_FAULT_NO_OPT_OUT_KEXEC
	/* Fault switch: kexec without opting out (breaks G-11). */
	if (reason == MIGCTL_GUEST_OUT_KEXEC) {
		g->state = MIGCTL_GUEST_OPTED_OUT;
		g->out_reason = reason;
		return 0;
	}
#endif
	/* Even if the write faults, this guest no longer behaves as READY. */
	ret = migctl_guest__ctl_write(g, 0);
	g->state = MIGCTL_GUEST_OPTED_OUT;
	g->out_reason = reason;
	return ret;
}

int migctl_guest_opt_out(struct migctl_guest *g, u32 reason)
{
	int ret;

	migctl_guest__lock(g);
	ret = guest_count(g, guest_opt_out_locked(g, reason));
	migctl_guest__unlock(g);
	return ret;
}

int migctl_guest_cpu_offline(struct migctl_guest *g, u32 cpus_left)
{
	/* The MSR is VM-wide: only the last CPU going away withdraws (G-11). */
	if (cpus_left)
		return 0;
	return migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_CPU_OFFLINE);
}

/* G-12: undo an opt-out made for @reason with a full negotiation. */
static int guest_reenter(struct migctl_guest *g, u32 reason)
{
	int ret = 0;

	migctl_guest__lock(g);
	if (g->state == MIGCTL_GUEST_OPTED_OUT && g->out_reason == reason)
		ret = guest_count(g, guest_opt_in_locked(g));
	migctl_guest__unlock(g);
	return ret;
}

int migctl_guest_cpu_online(struct migctl_guest *g)
{
	return guest_reenter(g, MIGCTL_GUEST_OUT_CPU_OFFLINE);
}

int migctl_guest_resume(struct migctl_guest *g)
{
	return guest_reenter(g, MIGCTL_GUEST_OUT_SUSPEND);
}

/*
 * G-13: leave READY before the reset; the old kernel may have set it.
 * Without a valid versioned leaf the MSR may not be readable (G-17): write
 * 0 unconditionally, which every host that offers the MSR accepts (H-6).
 */
static int guest_reset_ctl(struct migctl_guest *g)
{
	u64 value = 0;
	bool ready = true;	/* unless a read says otherwise */

	if (g->leaf_valid) {
		if (guest_ctl_read(g, &value)) {
			g->state = MIGCTL_GUEST_UNAVAILABLE;
			return -MIGCTL_GUEST_EIO;
		}
		ready = value != 0;
	}
	if (g->state == MIGCTL_GUEST_READY)
		g->state = MIGCTL_GUEST_AVAILABLE;
#ifdef MIGCTL_FAULT_NO_OPT_OUT_KEXEC
	/* Fault switch: reset while the old kernel's READY stays (breaks G-13). */
	ready = false;
#endif
	if (ready && migctl_guest__ctl_write(g, 0)) {
		g->state = MIGCTL_GUEST_UNAVAILABLE;
		return -MIGCTL_GUEST_EIO;
	}
	return 0;
}

static int guest_announce(struct migctl_guest *g, const struct migctl_guest_range *r, u32 n,
			  bool encrypted)
{
	struct migctl_guest_batch *b = &g->batch;
	int ret = 0, err;
	u32 i;

	b->n = 0;
	b->requests = 0;
	for (i = 0; i < n; i++) {
		err = migctl_guest__add_locked(g, b, r[i].gpa, r[i].npages, encrypted);
		if (err && !ret)
			ret = err;
	}
	err = migctl_guest__flush_locked(g, b);
	return ret ? ret : err;
}

static int guest_boot_reset_locked(struct migctl_guest *g,
				   const struct migctl_guest_range *ram, u32 nram,
				   const struct migctl_guest_range *shared, u32 nshared)
{
	int ret;
	u32 i;

	if (g->state == MIGCTL_GUEST_INIT)
		return -MIGCTL_GUEST_EINVAL;
	for (i = 0; i < nram; i++)
		if (migctl_guest__check_range(ram[i].gpa, ram[i].npages))
			return -MIGCTL_GUEST_EINVAL;
	for (i = 0; i < nshared; i++)
		if (migctl_guest__check_range(shared[i].gpa, shared[i].npages))
			return -MIGCTL_GUEST_EINVAL;
	if (g->state == MIGCTL_GUEST_ABSENT || g->state == MIGCTL_GUEST_UNAVAILABLE)
		return 0;

	ret = guest_reset_ctl(g);
	if (ret)
		return ret;
	ret = guest_announce(g, ram, nram, true);
	if (ret)
		return ret;
	ret = guest_announce(g, shared, nshared, false);
	if (ret)
		return ret;
	return guest_opt_in_locked(g);
}

int migctl_guest_boot_reset(struct migctl_guest *g,
			    const struct migctl_guest_range *ram, u32 nram,
			    const struct migctl_guest_range *shared, u32 nshared)
{
	int ret;

	migctl_guest__lock(g);
	ret = guest_count(g, guest_boot_reset_locked(g, ram, nram, shared, nshared));
	migctl_guest__unlock(g);
	return ret;
}

void migctl_guest_counters(struct migctl_guest *g, struct migctl_guest_counters *out)
{
	const struct migctl_guest_counters *c = &g->counters;

	migctl_guest__lock(g);
	out->requests = c->requests;
	out->hypercalls = c->hypercalls;
	out->psc_writes = c->psc_writes;
	out->list_calls = c->list_calls;
	out->pages = c->pages;
	out->ctl_reads = c->ctl_reads;
	out->ctl_writes = c->ctl_writes;
	out->elided = c->elided;
	out->errors = c->errors;
	out->faults = c->faults;
	out->enosys = c->enosys;
	migctl_guest__unlock(g);
}

u32 migctl_guest_state(struct migctl_guest *g)
{
	u32 state;

	migctl_guest__lock(g);
	state = g->state;
	migctl_guest__unlock(g);
	return state;
}
