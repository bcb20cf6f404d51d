/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sim.c - a scripted host that plays CPUID, the MSRs and the hypercall for the guest library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>

#include "sim.h"
#include "../lib/test.h"

#define SIM_RAM_PAGES		(1ull << 21)	/* 8 GiB */
#define SIM_HC_BIT		(1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE)
#define SIM_CTL_BIT		(1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL)
#define SIM_ENTRY_MBZ		(0xfffull & ~(MIGCTL_ATTR_SIZE_MASK | MIGCTL_ATTR_ENCRYPTED))

static void sim_violation(struct sim_host *h, const char *why)
{
	if (!h->violations++)
		snprintf(h->why, sizeof(h->why), "%s", why);
}

/* Entered without the host's own lock, so overlapping guest calls show. */
static void sim_enter(struct sim_host *h)
{
	if (!h->check_serialized)
		return;
	if (__atomic_add_fetch(&h->in_call, 1, __ATOMIC_SEQ_CST) != 1)
		__atomic_store_n(&h->overlapped, true, __ATOMIC_SEQ_CST);
	sched_yield();	/* widen the window another caller could hit */
}

static void sim_leave(struct sim_host *h)
{
	if (h->check_serialized)
		__atomic_sub_fetch(&h->in_call, 1, __ATOMIC_SEQ_CST);
}

static struct sim_op *sim_record(struct sim_host *h, u32 kind, u32 index)
{
	struct sim_op *op;

	if (h->nlog == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 256;
		h->log = realloc(h->log, h->cap * sizeof(*h->log));
		if (!h->log)
			abort();
	}
	op = &h->log[h->nlog++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->index = index;
	return op;
}

/* The highest leaf the guest may read, after the max-leaf-0 rule. */
static u32 sim_max_leaf(const struct sim_host *h)
{
	return h->max_leaf ? h->max_leaf : h->base + 1;
}

static void sim_cpuid(void *arg, u32 leaf, u32 subleaf, u32 out[4])
{
	struct sim_host *h = arg;

	sim_enter(h);
	pthread_mutex_lock(&h->lock);
	sim_record(h, SIM_CPUID, leaf);
	out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf == 0) {
		out[0] = 0xd;
		out[1] = h->amd ? 0x68747541 : 0x756e6547;	/* Auth / Genu */
		out[3] = h->amd ? 0x69746e65 : 0x49656e69;	/* enti / ineI */
		out[2] = h->amd ? 0x444d4163 : 0x6c65746e;	/* cAMD / ntel */
	} else if (leaf == 1) {
		out[2] = h->hypervisor ? 1u << 31 : 0;
	} else if (h->hyperv_leaves && leaf == 0x40000000) {
		out[0] = 0x40000005;
		out[1] = 0x7263694d;	/* "Microsoft Hv" */
		out[2] = 0x666f736f;
		out[3] = 0x76482074;
	} else if (h->hyperv_leaves && leaf == 0x40000001) {
		out[0] = 0x31237648;	/* "Hv#1" */
	} else if (h->base && leaf == h->base) {
		out[0] = h->max_leaf;
		out[1] = MIGCTL_KVM_SIG_EBX;
		out[2] = MIGCTL_KVM_SIG_ECX;
		out[3] = MIGCTL_KVM_SIG_EDX;
	} else if (h->base && leaf == h->base + 1) {
		if (sim_max_leaf(h) < leaf)
			sim_violation(h, "G-2: base+1 read beyond max leaf");
		out[0] = h->kvm_features;
	} else if (h->base && leaf == h->base + MIGCTL_CPUID_LEAF_OFFSET) {
		if (sim_max_leaf(h) < leaf || !(h->kvm_features & SIM_CTL_BIT))
			sim_violation(h, "G-2: versioned leaf read beyond max leaf or without bit 17");
		memcpy(out, h->leaf, sizeof(h->leaf));
	}
	pthread_mutex_unlock(&h->lock);
	sim_leave(h);
}

static bool sim_in_ram(const struct sim_host *h, u64 gfn, u64 npages)
{
	return npages && gfn < h->ram_pages && npages <= h->ram_pages - gfn;
}

static void sim_apply(struct sim_host *h, u64 gfn, u64 npages, bool enc)
{
	memset(h->status + gfn, enc ? SIM_PRIVATE : SIM_SHARED, npages);
}

/* G-14 as the host can see it: a hint the range is not aligned to. */
static void sim_check_hint(struct sim_host *h, u64 gfn, u64 npages, u64 hint)
{
	u64 unit;

	if (hint > MIGCTL_ATTR_SIZE_MAX)
		return;
	unit = MIGCTL_SIZE_PAGES(hint);
	if ((gfn & (unit - 1)) || (npages & (unit - 1)))
		sim_violation(h, "G-14: size hint larger than the range's alignment");
}

/* G-16: while READY only the accepted features; before, any offered one. */
static void sim_check_in_use(struct sim_host *h, u32 feature)
{
	if ((h->ctl & MIGCTL_CTL_READY) && !(MIGCTL_CTL_GET_FEATURES(h->ctl) & feature))
		sim_violation(h, "G-16: feature used while READY without choosing it");
}

/* H-11: copy the entries once, check them all, apply all or none. */
static long sim_list(struct sim_host *h, u64 gpa, u64 count)
{
	struct migctl_list_entry copy[MIGCTL_LIST_MAX];
	u64 i;

	if (!count || (gpa & (MIGCTL_PAGE_SIZE - 1)))
		return -MIGCTL_KVM_EINVAL;
	if (count > MIGCTL_LIST_MAX)
		return -MIGCTL_KVM_E2BIG;
	if (!h->list_va || gpa != h->list_gpa)
		return -MIGCTL_KVM_EFAULT;
	memcpy(copy, h->list_va, count * sizeof(copy[0]));
	for (i = 0; i < count; i++) {
		u64 attrs = copy[i].gpa_attrs & MIGCTL_LIST_ATTR_MASK;
		u64 gfn = copy[i].gpa_attrs >> MIGCTL_PAGE_SHIFT;

		if ((attrs & SIM_ENTRY_MBZ) || (attrs & MIGCTL_ATTR_SIZE_MASK) > MIGCTL_ATTR_SIZE_MAX ||
		    !sim_in_ram(h, gfn, copy[i].npages))
			return -MIGCTL_KVM_EINVAL;
		sim_check_hint(h, gfn, copy[i].npages, attrs & MIGCTL_ATTR_SIZE_MASK);
	}
	for (i = 0; i < count; i++)
		sim_apply(h, copy[i].gpa_attrs >> MIGCTL_PAGE_SHIFT, copy[i].npages,
			  copy[i].gpa_attrs & MIGCTL_ATTR_ENCRYPTED);
	return 0;
}

/* H-8: the checks of KVM_HC_MAP_GPA_RANGE, then the change. */
static long sim_map(struct sim_host *h, u64 a0, u64 a1, u64 a2)
{
	u64 reserved = MIGCTL_ATTR_RESERVED;

	if (!(h->offered & MIGCTL_F_LIST))
		reserved |= MIGCTL_ATTR_LIST;
	if (a2 & reserved)
		return -MIGCTL_KVM_EINVAL;
	if (a2 & MIGCTL_ATTR_LIST) {
		sim_check_in_use(h, MIGCTL_F_LIST);
		if (a2 != MIGCTL_ATTR_LIST)
			return -MIGCTL_KVM_EINVAL;
		return sim_list(h, a0, a1);
	}
	if ((a0 & (MIGCTL_PAGE_SIZE - 1)) || (a2 & MIGCTL_ATTR_SIZE_MASK) > MIGCTL_ATTR_SIZE_MAX ||
	    !sim_in_ram(h, a0 >> MIGCTL_PAGE_SHIFT, a1))
		return -MIGCTL_KVM_EINVAL;
	sim_check_hint(h, a0 >> MIGCTL_PAGE_SHIFT, a1, a2 & MIGCTL_ATTR_SIZE_MASK);
	sim_apply(h, a0 >> MIGCTL_PAGE_SHIFT, a1, a2 & MIGCTL_ATTR_ENCRYPTED);
	return 0;
}

static long sim_hypercall(void *arg, u32 insn, u64 nr, u64 a0, u64 a1, u64 a2, int *fault)
{
	struct sim_host *h = arg;
	struct sim_op *op;
	long ret;

	sim_enter(h);
	pthread_mutex_lock(&h->lock);
	op = sim_record(h, SIM_HC, (u32)nr);
	op->a0 = a0;
	op->a1 = a1;
	op->a2 = a2;
	op->insn = insn;
	if (insn != (h->amd ? MIGCTL_GUEST_INSN_VMMCALL : MIGCTL_GUEST_INSN_VMCALL))
		sim_violation(h, "hypercall instruction does not match the CPU vendor");
	if (!(h->kvm_features & SIM_HC_BIT))
		sim_violation(h, "G-4: hypercall without bit 16");
	*fault = 0;
	if (h->hc_mode == SIM_HC_UD) {
		*fault = MIGCTL_GUEST_VEC_UD;
		ret = 0;
	} else if (h->hc_mode == SIM_HC_ENOSYS || nr != MIGCTL_HC_MAP_GPA_RANGE ||
		   (h->hc_limit && h->hc_calls >= h->hc_limit)) {
		ret = -MIGCTL_KVM_ENOSYS;
	} else if (h->hc_ret) {
		ret = h->hc_ret;
	} else {
		ret = sim_map(h, a0, a1, a2);
	}
	h->hc_calls++;
	op->ret = ret;
	op->fault = *fault;
	pthread_mutex_unlock(&h->lock);
	sim_leave(h);
	return ret;
}

/* H-4, H-5, H-6: what a spec host accepts in the control MSR. */
static int sim_ctl_write(struct sim_host *h, u64 v)
{
	u32 version, features;

	if (!v) {
		h->ctl = 0;
		return 0;
	}
	if ((v & MIGCTL_CTL_RESERVED) || !(v & MIGCTL_CTL_READY))
		return MIGCTL_GUEST_VEC_GP;
	version = MIGCTL_CTL_GET_VERSION(v);
	if (!version)
		version = MIGCTL_VERSION_1;
	features = MIGCTL_CTL_GET_FEATURES(v);
	if (version == MIGCTL_VERSION_1 && v != MIGCTL_VERSION_1)
		sim_violation(h, "G-6: a version-1 write is the value 1");
	if (version < h->min || version > h->max || (features & ~h->offered) ||
	    (version == MIGCTL_VERSION_1 && features) ||
	    (version >= MIGCTL_VERSION_2 && (features & h->reject_features)))
		return MIGCTL_GUEST_VEC_GP;
	if ((h->ctl & MIGCTL_CTL_READY) && h->ctl != v)
		return MIGCTL_GUEST_VEC_GP;
	h->ctl = v;
	return 0;
}

/* H-10: one request of the MSR transport. */
static int sim_psc_write(struct sim_host *h, u64 v)
{
	u64 unit = v & MIGCTL_ATTR_SIZE_MASK, gfn = MIGCTL_PSC_GET_GFN(v);
	u64 count = MIGCTL_PSC_GET_COUNT(v), pages;

	if (v & MIGCTL_PSC_RESERVED)
		return MIGCTL_GUEST_VEC_GP;
	sim_check_in_use(h, MIGCTL_F_MSR_PSC);
	if (v & MIGCTL_ATTR_LIST) {
		sim_check_in_use(h, MIGCTL_F_LIST);
		if (!(h->offered & MIGCTL_F_LIST) || (v & MIGCTL_PSC_ATTR_MASK) != MIGCTL_ATTR_LIST)
			return MIGCTL_GUEST_VEC_GP;
		return sim_list(h, gfn << MIGCTL_PAGE_SHIFT, count) ? MIGCTL_GUEST_VEC_GP : 0;
	}
	if (unit > MIGCTL_ATTR_SIZE_MAX || (gfn & (MIGCTL_SIZE_PAGES(unit) - 1)))
		return MIGCTL_GUEST_VEC_GP;
	pages = count * MIGCTL_SIZE_PAGES(unit);
	if (!sim_in_ram(h, gfn, pages))
		return MIGCTL_GUEST_VEC_GP;
	sim_apply(h, gfn, pages, v & MIGCTL_ATTR_ENCRYPTED);
	return 0;
}

static bool sim_psc_offered(const struct sim_host *h, u32 index)
{
	return h->psc_index && index == h->psc_index && (h->offered & MIGCTL_F_MSR_PSC);
}

static int sim_wrmsr(void *arg, u32 index, u64 val)
{
	struct sim_host *h = arg;
	struct sim_op *op;
	int fault = MIGCTL_GUEST_VEC_GP;

	sim_enter(h);
	pthread_mutex_lock(&h->lock);
	op = sim_record(h, SIM_WRMSR, index);
	op->val = val;
	if (index == MIGCTL_MSR_CONTROL) {
		if (!(h->kvm_features & SIM_CTL_BIT))
			sim_violation(h, "G-3: control MSR written without bit 17");
		else if (!h->gp_all_wrmsr)
			fault = sim_ctl_write(h, val);
	} else if (sim_psc_offered(h, index)) {
		if (!h->gp_all_wrmsr)
			fault = sim_psc_write(h, val);
	} else {
		sim_violation(h, "G-5: WRMSR to an MSR that was not offered");
	}
	op->fault = fault;
	pthread_mutex_unlock(&h->lock);
	sim_leave(h);
	return fault;
}

/* G-2: whether a conforming guest believes the versioned leaf. */
static bool sim_leaf_valid(const struct sim_host *h)
{
	u32 min = h->leaf[1] & MIGCTL_LEAF_EBX_MIN_MASK;
	u32 max = (h->leaf[1] & MIGCTL_LEAF_EBX_MAX_MASK) >> MIGCTL_LEAF_EBX_MAX_SHIFT;

	return (h->kvm_features & SIM_CTL_BIT) &&
	       sim_max_leaf(h) >= h->base + MIGCTL_CPUID_LEAF_OFFSET &&
	       h->leaf[0] == MIGCTL_LEAF_MAGIC && !(h->leaf[1] & MIGCTL_LEAF_EBX_RESERVED) &&
	       min >= 1 && min <= max;
}

static int sim_rdmsr(void *arg, u32 index, u64 *val)
{
	struct sim_host *h = arg;
	struct sim_op *op;
	int fault = MIGCTL_GUEST_VEC_GP;

	sim_enter(h);
	pthread_mutex_lock(&h->lock);
	op = sim_record(h, SIM_RDMSR, index);
	if (index == MIGCTL_MSR_CONTROL && (h->kvm_features & SIM_CTL_BIT)) {
		if (!sim_leaf_valid(h))
			sim_violation(h, "G-17: control MSR read without a valid versioned leaf");
		if (!h->ctl_write_only) {
			*val = h->ctl ? h->ctl ^ h->readback_xor : 0;
			op->val = *val;
			fault = 0;
		}
	} else {
		sim_violation(h, index == MIGCTL_MSR_CONTROL ?
			      "G-3: control MSR read without bit 17" :
			      "RDMSR of an MSR the guest has no business reading");
	}
	op->fault = fault;
	pthread_mutex_unlock(&h->lock);
	sim_leave(h);
	return fault;
}

struct sim_host *sim_create(void)
{
	struct sim_host *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h->ram_pages = SIM_RAM_PAGES;
	h->status = malloc(h->ram_pages);
	if (!h->status)
		abort();
	sim_set_all(h, SIM_PRIVATE);
	pthread_mutex_init(&h->lock, NULL);
	h->ops.cpuid = sim_cpuid;
	h->ops.rdmsr = sim_rdmsr;
	h->ops.wrmsr = sim_wrmsr;
	h->ops.hypercall = sim_hypercall;
	h->ops.arg = h;
	sim_none(h);
	h->hypervisor = true;
	return h;
}

void sim_destroy(struct sim_host *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h->status);
	free(h->log);
	free(h);
}

void sim_none(struct sim_host *h)
{
	h->hypervisor = false;
	h->base = h->max_leaf = h->kvm_features = 0;
	memset(h->leaf, 0, sizeof(h->leaf));
	h->min = h->max = 0;
	h->offered = h->psc_index = 0;
	h->ctl_write_only = false;
}

void sim_v1(struct sim_host *h, bool hypercall)
{
	sim_none(h);
	h->hypervisor = true;
	h->base = MIGCTL_CPUID_BASE_FIRST;
	h->max_leaf = h->base + 1;
	h->kvm_features = SIM_CTL_BIT | (hypercall ? SIM_HC_BIT : 0);
	h->min = h->max = MIGCTL_VERSION_1;
}

void sim_v1_write_only(struct sim_host *h)
{
	sim_v1(h, true);
	h->ctl_write_only = true;
}

void sim_v2(struct sim_host *h, u32 min, u32 max, u32 features, bool hypercall)
{
	sim_v1(h, hypercall);
	h->max_leaf = h->base + MIGCTL_CPUID_LEAF_OFFSET;
	h->min = min;
	h->max = max;
	h->offered = features;
	h->psc_index = (features & MIGCTL_F_MSR_PSC) ? SIM_PSC : 0;
	h->leaf[0] = MIGCTL_LEAF_MAGIC;
	h->leaf[1] = min | (max << MIGCTL_LEAF_EBX_MAX_SHIFT);
	h->leaf[2] = features;
	h->leaf[3] = h->psc_index;
}

void sim_move_base(struct sim_host *h, u32 base)
{
	if (h->max_leaf)
		h->max_leaf = h->max_leaf - h->base + base;
	h->base = base;
}

int sim_guest(struct sim_host *h, struct migctl_guest *g, u32 flags)
{
	int ret = migctl_guest_init(g, &h->ops, flags);

	if (!ret)
		ret = migctl_guest_discover(g);
	sim_clear_log(h);
	return ret;
}

void sim_clear_log(struct sim_host *h)
{
	pthread_mutex_lock(&h->lock);
	h->nlog = 0;
	pthread_mutex_unlock(&h->lock);
}

u32 sim_count(struct sim_host *h, u32 kind)
{
	u32 i, n = 0;

	for (i = 0; i < h->nlog; i++)
		n += h->log[i].kind == kind;
	return n;
}

u32 sim_count_msr(struct sim_host *h, u32 kind, u32 index)
{
	u32 i, n = 0;

	for (i = 0; i < h->nlog; i++)
		n += h->log[i].kind == kind && h->log[i].index == index;
	return n;
}

static bool sim_op_eq(const struct sim_op *a, const struct sim_op *b)
{
	if (a->kind != b->kind || a->fault != b->fault)
		return false;
	switch (a->kind) {
	case SIM_CPUID:
		return a->index == b->index;
	case SIM_RDMSR:
	case SIM_WRMSR:
		return a->index == b->index && (a->fault || a->val == b->val);
	case SIM_HC:
		return a->a0 == b->a0 && a->a1 == b->a1 && a->a2 == b->a2 &&
		       (a->fault || a->ret == b->ret);
	}
	return false;
}

static void sim_print(const char *tag, u32 i, const struct sim_op *op)
{
	static const char *const kinds[] = { "?", "CPUID", "RDMSR", "WRMSR", "HC" };

	if (op->kind == SIM_HC)
		test_diag("%s %u: HC(%#llx, %#llx, %#llx) = %ld fault %d", tag, i,
			  (unsigned long long)op->a0, (unsigned long long)op->a1,
			  (unsigned long long)op->a2, op->ret, op->fault);
	else
		test_diag("%s %u: %s(%#x) val %#llx fault %d", tag, i, kinds[op->kind <= SIM_HC ? op->kind : 0],
			  op->index, (unsigned long long)op->val, op->fault);
}

int sim_match(struct sim_host *h, const struct sim_op *want, u32 n)
{
	u32 i;

	for (i = 0; i < n || i < h->nlog; i++) {
		if (i < n && i < h->nlog && sim_op_eq(&want[i], &h->log[i]))
			continue;
		if (i < n)
			sim_print("expected", i, &want[i]);
		else
			test_diag("expected %u: nothing", i);
		if (i < h->nlog)
			sim_print("got", i, &h->log[i]);
		else
			test_diag("got %u: nothing", i);
		sim_dump(h);
		return (int)i;
	}
	return -1;
}

void sim_dump(struct sim_host *h)
{
	u32 i;

	for (i = 0; i < h->nlog && i < 64; i++)
		sim_print("log", i, &h->log[i]);
}

u8 sim_status(struct sim_host *h, u64 gfn)
{
	return gfn < h->ram_pages ? h->status[gfn] : 0;
}

void sim_set_all(struct sim_host *h, u8 status)
{
	memset(h->status, status, h->ram_pages);
}
