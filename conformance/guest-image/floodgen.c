/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* floodgen.c - the hostile guest in ring 3: random requests and the answer the spec gives. */
#include "floodgen.h"

#include "cpu.h"
#include "layout.h"
#include "migctl.h"
#include "sevsim_prf.h"
#include "user.h"

#define PAGE		4096ull
#define GFN_MAX		((1ull << 40) - 1)	/* the PSC GFN field */
#define FLOOD_AREA	8192ull			/* pages below the guard that valid requests use */
#define HOLE_GPA	0xa0000ull		/* reserved, never RAM on the PVH platform */
#define LAPIC_GPA	0xfee00000ull
#define ENC		MIGCTL_ATTR_ENCRYPTED
#define LIST		MIGCTL_ATTR_LIST
#define RSV6		(1ull << 6)		/* the first reserved attribute bit */

const char *const flood_class_names[FC_NR] = {
	[FC_PSC_OK] = "psc valid range (accepted)",
	[FC_PSC_RESERVED] = "psc reserved bits (GP)",
	[FC_PSC_UNIT] = "psc unit above 2 (GP)",
	[FC_PSC_ALIGN] = "psc GFN not unit aligned (GP)",
	[FC_PSC_RANGE] = "psc outside RAM, hole, wrap (GP)",
	[FC_PSC_GUARD] = "psc over the guard pages out of RAM (GP)",
	[FC_LIST_OK] = "list valid (accepted)",
	[FC_LIST_SHAPE] = "list with unit or ENCRYPTED (GP)",
	[FC_LIST_COUNT] = "list over 256 entries (GP)",
	[FC_LIST_PAGE] = "list page outside RAM (GP)",
	[FC_LIST_ENTRY] = "list with an invalid entry (GP)",
	[FC_PSC_READ] = "psc RDMSR (GP)",
	[FC_CTL_SAME] = "control: the accepted value again (accepted)",
	[FC_CTL_BAD] = "control: other non-zero values (GP)",
	[FC_CTL_READ] = "control RDMSR (the accepted value)",
	[FC_HC_12] = "hypercall 12",
	[FC_HC_OTHER] = "hypercall, other numbers",
};

/* xorshift64*: the sequence of a CPU is a function of the seed alone. */
static u64 rnd(struct flood_cpu *c)
{
	u64 x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static u64 below(struct flood_cpu *c, u64 n)
{
	return rnd(c) % n;
}

/* [gpa, gpa + npages pages) in RAM, for any npages (no overflow). */
static bool in_ram(const struct flood_cpu *c, u64 gpa, u64 npages)
{
	u32 i;

	for (i = 0; i < c->nram; i++) {
		u64 end = c->ram[i].gpa + c->ram[i].npages * PAGE;

		if (gpa >= c->ram[i].gpa && gpa < end)
			return npages && npages <= (end - gpa) / PAGE;
	}
	return false;
}

/* Only for ranges below 2^60 bytes, which the PSC encoding guarantees. */
static bool on_guard(const struct flood_cpu *c, u64 gpa, u64 npages)
{
	return gpa < c->guard_hi && gpa + npages * PAGE > c->guard_lo;
}

static u64 flood_gfn(struct flood_cpu *c, u64 npages)
{
	return c->guard_lo / PAGE - npages - below(c, FLOOD_AREA - npages);
}

static u64 pick_gfn(struct flood_cpu *c)
{
	const struct migctl_guest_range *r = &c->ram[below(c, c->nram)];

	switch (below(c, 10)) {
	case 0:
		return rnd(c) & GFN_MAX;
	case 1:
		return GFN_MAX - below(c, 4096);		/* past the address width */
	case 2:
	case 3:
		return r->gpa / PAGE + below(c, r->npages);
	case 4:
		return c->ram_end / PAGE - below(c, 4096);	/* runs out of RAM */
	case 5:
		return c->guard_lo / PAGE - 8 + below(c, (c->guard_hi - c->guard_lo) / PAGE + 16);
	case 6:
		return HOLE_GPA / PAGE + below(c, 96);
	case 7:
		return (below(c, 2) ? MIGCTL_SEVSIM_KEY_GPA : LAPIC_GPA) / PAGE;
	default:
		return flood_gfn(c, 1);
	}
}

static u64 pick_count(struct flood_cpu *c)
{
	switch (below(c, 4)) {
	case 0:
		return 1;
	case 1:
		return 1 + below(c, 16);
	case 2:
		return 1 + below(c, MIGCTL_PSC_COUNT_MAX);
	default:
		return MIGCTL_PSC_COUNT_MAX;
	}
}

static u64 pick_unit(struct flood_cpu *c)
{
	u64 r = below(c, 20);

	return r < 12 ? 0 : r < 15 ? 1 : r < 17 ? 2 : 3 + below(c, 13);
}

static void want(struct flood_want *w, u32 cls, int vec, u64 pages)
{
	*w = (struct flood_want){ .cls = (u8)cls, .vec = (s8)vec, .pages = pages };
}

/* H-8's checks on one list entry (H-11). */
static bool entry_ok(const struct flood_cpu *c, const struct migctl_list_entry *e)
{
	u64 attrs = e->gpa_attrs & MIGCTL_LIST_ATTR_MASK;

	if (attrs & ~(MIGCTL_ATTR_SIZE_MASK | ENC))
		return false;			/* reserved bits, or LIST in an entry */
	if ((attrs & MIGCTL_ATTR_SIZE_MASK) > MIGCTL_ATTR_SIZE_MAX)
		return false;
	return in_ram(c, e->gpa_attrs & MIGCTL_LIST_GPA_MASK, e->npages);
}

/*
 * The entries of a list page as the host will read them: *pages their
 * total, *guard whether one touches the guard pages. False if one is bad.
 */
static bool list_ok(const struct flood_cpu *c, u64 gpa, u64 count, u64 *pages, bool *guard)
{
	const struct migctl_list_entry *e = (const void *)gpa;
	bool ok = true;
	u64 i;

	*pages = 0;
	*guard = false;
	for (i = 0; i < count; i++) {
		if (!entry_ok(c, &e[i])) {
			ok = false;
			continue;
		}
		*pages += e[i].npages;
		*guard |= on_guard(c, e[i].gpa_attrs & MIGCTL_LIST_GPA_MASK, e[i].npages);
	}
	return ok;
}

/* H-10: what the host must answer to WRMSR v of the transport MSR. */
static void psc_want(struct flood_cpu *c, struct flood_op *op, struct flood_want *w)
{
	u64 v = op->a0, unit = v & MIGCTL_ATTR_SIZE_MASK, gpa = MIGCTL_PSC_GET_GFN(v) * PAGE;
	u64 count = MIGCTL_PSC_GET_COUNT(v), upages, pages;
	bool guard;

	if (v & MIGCTL_PSC_RESERVED)
		return want(w, FC_PSC_RESERVED, 13, 0);
	if (v & LIST) {
		if (unit || (v & ENC) || !(c->offered & MIGCTL_F_LIST))
			return want(w, FC_LIST_SHAPE, 13, 0);
		if (count > MIGCTL_LIST_MAX)
			return want(w, FC_LIST_COUNT, 13, 0);
		if (!in_ram(c, gpa, 1))
			return want(w, FC_LIST_PAGE, 13, 0);
		if (!list_ok(c, gpa, count, &pages, &guard))
			return want(w, FC_LIST_ENTRY, 13, 0);
	} else {
		if (unit > MIGCTL_ATTR_SIZE_MAX)
			return want(w, FC_PSC_UNIT, 13, 0);
		upages = MIGCTL_SIZE_PAGES(unit);
		pages = count * upages;
		if ((gpa / PAGE) % upages)
			return want(w, FC_PSC_ALIGN, 13, 0);
		if (!in_ram(c, gpa, pages))
			return want(w, on_guard(c, gpa, pages) ? FC_PSC_GUARD : FC_PSC_RANGE, 13, 0);
		guard = on_guard(c, gpa, pages);
	}
	if (guard) {
		/* Valid, but it would change the guard pages: make it invalid. */
		op->a0 |= RSV6;
		return want(w, FC_PSC_RESERVED, 13, 0);
	}
	want(w, v & LIST ? FC_LIST_OK : FC_PSC_OK, 0, pages);
}

static struct migctl_list_entry valid_entry(struct flood_cpu *c)
{
	u64 n = 1 + below(c, 16);

	return (struct migctl_list_entry){
		flood_gfn(c, n) * PAGE | below(c, MIGCTL_ATTR_SIZE_MAX + 1) | (rnd(c) & ENC), n };
}

static struct migctl_list_entry bad_entry(struct flood_cpu *c)
{
	struct migctl_list_entry e = valid_entry(c);

	switch (below(c, 6)) {
	case 0:
		e.gpa_attrs |= RSV6 << below(c, 6);
		break;
	case 1:
		e.gpa_attrs |= LIST;
		break;
	case 2:
		e.npages = 0;
		break;
	case 3:
		e.gpa_attrs = (e.gpa_attrs & ~MIGCTL_ATTR_SIZE_MASK) | (3 + below(c, 13));
		break;
	case 4:
		e.gpa_attrs = HOLE_GPA | ENC;
		break;
	default:
		e.npages = ~0ull - below(c, 4096);	/* wraps */
		break;
	}
	return e;
}

/* Fills a list page; returns the number of entries it was made for. */
static u64 fill_list(struct flood_cpu *c, struct migctl_list_entry *e)
{
	u64 n = 1 + below(c, MIGCTL_LIST_MAX), i, mode = below(c, 4);

	for (i = 0; i < MIGCTL_LIST_MAX; i++) {
		if (mode == 0 || i >= n) {
			e[i] = (struct migctl_list_entry){ rnd(c), below(c, 2) ? rnd(c) : below(c, 64) };
		} else {
			e[i] = valid_entry(c);
			/* All-or-nothing: half the entries on the guard pages, one bad. */
			if (mode == 2 && below(c, 2))
				e[i].gpa_attrs = (c->guard_lo + below(c, (c->guard_hi - c->guard_lo) /
								      PAGE) * PAGE) |
						 (rnd(c) & ENC);
			if (mode == 2 && e[i].npages > 1)
				e[i].npages = 1;
		}
	}
	if (mode == 2)
		e[below(c, n)] = bad_entry(c);
	return n;
}

static void gen_list(struct flood_cpu *c, struct flood_op *op, struct flood_want *w, u32 slot)
{
	struct migctl_list_entry *e = (void *)(c->lists + slot * PAGE);
	u64 count = fill_list(c, e), gfn = (u64)e / PAGE, attrs = LIST, r = below(c, 16);

	if (r == 0) {
		gfn = c->text_page / PAGE;		/* code: constant garbage */
		count = 1 + below(c, MIGCTL_LIST_MAX);
	} else if (r == 1) {
		gfn = below(c, 2) ? HOLE_GPA / PAGE : GFN_MAX - below(c, 16);
	} else if (r == 2) {
		count = MIGCTL_LIST_MAX + 1 + below(c, MIGCTL_PSC_COUNT_MAX - MIGCTL_LIST_MAX);
	} else if (r == 3) {
		attrs |= below(c, 2) ? ENC : 1 + below(c, 15);
	} else if (r == 4) {
		count = 1 + below(c, MIGCTL_LIST_MAX);	/* not what the page was made for */
	} else if (r == 5) {
		attrs |= rnd(c) & MIGCTL_PSC_RESERVED;
	}
	*op = (struct flood_op){ .kind = FLOOD_OP_WRMSR, .index = c->psc_index,
				 .a0 = MIGCTL_PSC_VALUE(gfn, count, attrs) };
	psc_want(c, op, w);
}

static void gen_psc(struct flood_cpu *c, struct flood_op *op, struct flood_want *w)
{
	u64 unit = pick_unit(c), gfn = pick_gfn(c), attrs, v;

	if (unit <= MIGCTL_ATTR_SIZE_MAX && below(c, 2))
		gfn &= ~(MIGCTL_SIZE_PAGES(unit) - 1);
	attrs = unit | (rnd(c) & ENC);
	if (!below(c, 8))
		attrs |= rnd(c) & MIGCTL_PSC_RESERVED;
	v = MIGCTL_PSC_VALUE(gfn, pick_count(c), attrs);
	if (!below(c, 6))
		v = rnd(c) & ~LIST;	/* any value; list requests come from gen_list() */
	*op = (struct flood_op){ .kind = FLOOD_OP_WRMSR, .index = c->psc_index, .a0 = v };
	psc_want(c, op, w);
}

/* H-4: a value the host must accept when not READY. */
static bool ctl_valid(const struct flood_cpu *c, u64 v)
{
	u32 ver = MIGCTL_CTL_GET_VERSION(v) ? MIGCTL_CTL_GET_VERSION(v) : 1;
	u32 feat = MIGCTL_CTL_GET_FEATURES(v);

	return (v & MIGCTL_CTL_READY) && !(v & MIGCTL_CTL_RESERVED) && ver >= c->vmin &&
	       ver <= c->vmax && !(feat & ~c->offered) && (ver > 1 || !feat);
}

/*
 * H-4, H-5, H-7. READY with c->ready: every value but that one raises #GP
 * (0 is never sent: it would opt out). Not READY: every invalid value
 * raises #GP (valid ones are never sent: they would opt in).
 */
static void gen_ctl(struct flood_cpu *c, struct flood_op *op, struct flood_want *w)
{
	u64 r = below(c, 10), v;

	*op = (struct flood_op){ .kind = FLOOD_OP_WRMSR, .index = MIGCTL_MSR_CONTROL };
	if (r == 0) {
		op->kind = FLOOD_OP_RDMSR;
		return want(w, FC_CTL_READ, 0, 0);
	}
	if (r == 1 && c->ready) {
		op->a0 = c->ready;
		return want(w, FC_CTL_SAME, 0, 0);
	}
	switch (r % 4) {
	case 0:
		v = rnd(c);
		break;
	case 1:		/* well-formed: any version, any features */
		v = MIGCTL_CTL_VALUE(below(c, 2) ? below(c, 4) : below(c, 256),
				     below(c, 2) ? below(c, MIGCTL_F_ALL + 1) : rnd(c) >> 32);
		break;
	case 2:		/* READY clear, something else set */
		v = rnd(c) & ~MIGCTL_CTL_READY;
		break;
	default:	/* one bit away from the accepted value */
		v = c->ready ^ (1ull << below(c, 64));
		break;
	}
	op->a0 = v ? v : 2;
	if (!c->ready && ctl_valid(c, op->a0))
		op->a0 |= 1ull << (1 + below(c, 7));	/* a reserved bit */
	want(w, op->a0 == c->ready ? FC_CTL_SAME : FC_CTL_BAD, op->a0 == c->ready ? 0 : 13, 0);
}

/* H-8, H-11 for hypercall 12 on a host offering it; several faults: any of their codes. */
static void hc_want(struct flood_cpu *c, struct flood_op *op, struct flood_want *w)
{
	u64 a0 = op->a0, a1 = op->a1, a2 = op->a2, pages = a1;
	u32 errs = 0;
	bool guard = false;

	if (a2 & LIST) {
		if (!(c->offered & MIGCTL_F_LIST) || (a2 & ~LIST) || (a0 & 0xfff) || !a1)
			errs |= FLOOD_E_INVAL;
		if (a1 > MIGCTL_LIST_MAX)
			errs |= FLOOD_E_2BIG;
		if (!in_ram(c, a0 & ~0xfffull, 1))
			errs |= FLOOD_E_FAULT;
		if (!errs && !list_ok(c, a0, a1, &pages, &guard))
			errs |= FLOOD_E_INVAL;
	} else if ((a0 & 0xfff) || (a2 & MIGCTL_ATTR_RESERVED) ||
		   (a2 & MIGCTL_ATTR_SIZE_MASK) > MIGCTL_ATTR_SIZE_MAX || !in_ram(c, a0, a1)) {
		errs |= FLOOD_E_INVAL;
	} else {
		guard = on_guard(c, a0, a1);
	}
	if (!errs && guard) {
		op->a2 |= RSV6;
		errs |= FLOOD_E_INVAL;
	}
	*w = (struct flood_want){ .cls = FC_HC_12, .vec = -1, .errs = (u8)errs,
				  .pages = errs ? 0 : pages };
}

static void gen_hc(struct flood_cpu *c, struct flood_op *op, struct flood_want *w, u32 slot)
{
	struct migctl_list_entry *e = (void *)(c->lists + slot * PAGE);

	*op = (struct flood_op){ .kind = FLOOD_OP_HC, .nr = MIGCTL_HC_MAP_GPA_RANGE };
	if (!below(c, 4)) {
		op->nr = rnd(c);
		if (op->nr && op->nr <= MIGCTL_HC_MAP_GPA_RANGE)
			op->nr += MIGCTL_HC_MAP_GPA_RANGE;	/* no KVM hypercall with effects */
		op->a0 = rnd(c);
		op->a1 = rnd(c);
		op->a2 = rnd(c);
		*w = (struct flood_want){ .cls = FC_HC_OTHER, .vec = -1 };
		return;
	}
	if (slot < FLOOD_LIST_PAGES && !below(c, 3)) {
		op->a1 = below(c, 8) ? fill_list(c, e) : rnd(c) % 1024;
		op->a0 = below(c, 8) ? (u64)e : pick_gfn(c) * PAGE;
		op->a2 = LIST;
	} else {
		op->a0 = pick_gfn(c) * PAGE + (below(c, 8) ? 0 : rnd(c) & 0xfff);
		op->a1 = below(c, 8) ? pick_count(c) : rnd(c) >> below(c, 64);
		op->a2 = pick_unit(c) | (rnd(c) & ENC) | (below(c, 8) ? 0 : rnd(c) << 5);
	}
	hc_want(c, op, w);
}

/* One request; list pages are used once per batch (the host reads them later). */
static void gen_one(struct flood_cpu *c, struct flood_op *op, struct flood_want *w, u32 *slot)
{
	u64 r = below(c, 100);

	if (r < 60 && !c->psc_index)
		r = 60 + below(c, 40);		/* no MSR transport: control MSR and hypercalls */
	if (r < 40 || (r < 55 && *slot >= FLOOD_LIST_PAGES)) {
		gen_psc(c, op, w);
	} else if (r < 55) {
		gen_list(c, op, w, (*slot)++);
	} else if (r < 60) {
		*op = (struct flood_op){ .kind = FLOOD_OP_RDMSR, .index = c->psc_index };
		want(w, FC_PSC_READ, 13, 0);
	} else if (r < 85) {
		gen_ctl(c, op, w);
	} else {
		gen_hc(c, op, w, *slot);
		if (op->a2 == LIST && op->nr == MIGCTL_HC_MAP_GPA_RANGE)
			(*slot)++;
	}
}

static bool hc_right(struct flood_cpu *c, const struct flood_op *op, const struct flood_want *w)
{
	s64 ret = (s64)op->val;

	if (op->vec == 6)
		c->ud++;
	if (!op->vec && ret == -MIGCTL_KVM_ENOSYS)
		c->enosys++;
	/* Not offered (H-3, H-9): -KVM_ENOSYS, or #UD where the KVM has no exit for it. */
	if (!c->hc || op->nr != MIGCTL_HC_MAP_GPA_RANGE)
		return op->vec == 6 || (!op->vec && ret == -MIGCTL_KVM_ENOSYS);
	if (op->vec)
		return false;
	if (!w->errs)
		return ret == 0;
	return ((w->errs & FLOOD_E_INVAL) && ret == -MIGCTL_KVM_EINVAL) ||
	       ((w->errs & FLOOD_E_2BIG) && ret == -MIGCTL_KVM_E2BIG) ||
	       ((w->errs & FLOOD_E_FAULT) && ret == -MIGCTL_KVM_EFAULT);
}

static void check_one(struct flood_cpu *c, const struct flood_op *op, const struct flood_want *w)
{
	bool right, applied;

	c->by_class[w->cls]++;
	if (op->kind == FLOOD_OP_HC) {
		right = hc_right(c, op, w);
		applied = c->hc && !op->vec && !op->val && op->nr == MIGCTL_HC_MAP_GPA_RANGE;
	} else {
		right = op->vec == w->vec &&
			(w->cls != FC_CTL_READ || op->val == c->ready);
		applied = !op->vec && op->kind == FLOOD_OP_WRMSR && op->index == c->psc_index;
		if (op->index == c->psc_index && op->vec == 13)
			c->psc_gp++;
		if (op->index == MIGCTL_MSR_CONTROL && op->kind == FLOOD_OP_WRMSR)
			*(op->vec ? &c->ctl_gp : &c->ctl_ok) += 1;
	}
	if (applied) {
		c->accepted++;
		c->pages += w->pages;
	}
	if (right)
		return;
	c->mismatches++;
	if (c->nbad < FLOOD_BAD_MAX)
		c->bad[c->nbad++] = (struct flood_bad){ op->kind, w->cls, op->a0, op->a1, op->a2,
							op->kind == FLOOD_OP_HC ? op->nr : op->index,
							(s64)op->val, op->vec, w->vec };
}

u64 flood_task(void *arg)
{
	struct flood_cpu *c = arg;
	u32 n, i, slot;

	c->tsc_start = cpu_rdtsc();
	while (c->sent < c->count) {
		n = c->count - c->sent < FLOOD_BATCH ? (u32)(c->count - c->sent) : FLOOD_BATCH;
		for (i = 0, slot = 0; i < n; i++)
			gen_one(c, &c->ops[i], &c->want[i], &slot);
		user_syscall(SYS_SCENARIO, (u64)c->ops, n, 0);
		for (i = 0; i < n; i++)
			check_one(c, &c->ops[i], &c->want[i]);
		c->sent += n;
	}
	c->tsc_end = cpu_rdtsc();
	return 0;
}
