/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* notify_send.c - page status notifications of a migctl guest: coalescing and both transports. */
#include "internal.h"

/* What a transport attempt can end in besides 0 and a negative error. */
#define NOTIFY_GONE		1	/* transport refused for good; try the next */

/* Largest negative value a host may return as an error. */
#define NOTIFY_MAX_ERRNO	4095

u32 migctl_guest__wanted(const struct migctl_guest *g)
{
	u32 want = MIGCTL_F_ALL;

	if (g->flags & MIGCTL_GUEST_NO_V2)
		return 0;
	if ((g->flags & MIGCTL_GUEST_NO_MSR_PSC) || !g->psc_index)
		want &= ~MIGCTL_F_MSR_PSC;
	if ((g->flags & MIGCTL_GUEST_NO_LIST) || !g->list_va)
		want &= ~MIGCTL_F_LIST;
	return want & g->offered;
}

/* Before negotiation the wanted offer is in use, afterwards the choice. */
static u32 notify_features(const struct migctl_guest *g)
{
	return g->version ? g->features : migctl_guest__wanted(g);
}

u32 migctl_guest__transports(const struct migctl_guest *g)
{
	u32 t = 0;

	if (g->state != MIGCTL_GUEST_AVAILABLE && g->state != MIGCTL_GUEST_READY &&
	    g->state != MIGCTL_GUEST_OPTED_OUT)
		return 0;
	if ((g->kvm_features & MIGCTL_GUEST_HC_BIT) && !(g->flags & MIGCTL_GUEST_NO_HYPERCALL))
		t |= MIGCTL_GUEST_T_HYPERCALL;
#ifdef MIGCTL_FAULT_NO_ELISION
	/* Fault switch: hypercalls without bit 16 (breaks G-4, G-8). */
	t |= MIGCTL_GUEST_T_HYPERCALL;
#endif
	if (notify_features(g) & MIGCTL_F_MSR_PSC)
		t |= MIGCTL_GUEST_T_MSR_PSC;
	return t & ~g->disabled;
}

/* The transport to try first, 0 when notifications are elided. */
static u32 notify_pick(const struct migctl_guest *g)
{
	u32 t = migctl_guest__transports(g);

	if ((t & MIGCTL_GUEST_T_MSR_PSC) &&
	    ((g->flags & MIGCTL_GUEST_PREFER_MSR_PSC) || !(t & MIGCTL_GUEST_T_HYPERCALL)))
		return MIGCTL_GUEST_T_MSR_PSC;
	return t & MIGCTL_GUEST_T_HYPERCALL;
}

static bool notify_lists(const struct migctl_guest *g)
{
	return g->list_va && (notify_features(g) & MIGCTL_F_LIST);
}

int migctl_guest__check_range(gpa_t gpa, u64 npages)
{
	if ((gpa & (MIGCTL_PAGE_SIZE - 1)) || !npages || gpa >= MIGCTL_GUEST_GPA_LIMIT ||
	    npages > (MIGCTL_GUEST_GPA_LIMIT - gpa) >> MIGCTL_PAGE_SHIFT)
		return -MIGCTL_GUEST_EINVAL;
	return 0;
}

/* The largest size hint both the start and the length are aligned to (G-14). */
static u64 notify_hint(gpa_t gpa, u64 npages)
{
	u64 gfn = gpa >> MIGCTL_PAGE_SHIFT, s;

	for (s = MIGCTL_ATTR_SIZE_MAX; s > MIGCTL_ATTR_SIZE_4K; s--) {
		u64 unit = MIGCTL_SIZE_PAGES(s);

		if (!(gfn & (unit - 1)) && !(npages & (unit - 1)))
			break;
	}
	return s;
}

static u64 notify_attrs(const struct migctl_guest_run *r)
{
	return notify_hint(r->gpa, r->npages) | (r->encrypted ? MIGCTL_ATTR_ENCRYPTED : 0);
}

static int notify_hypercall(struct migctl_guest *g, u64 a0, u64 a1, u64 a2, u64 pages)
{
	int fault = 0;
	long ret;

	g->counters.hypercalls++;
	ret = g->ops->hypercall(g->ops->arg, g->insn, MIGCTL_HC_MAP_GPA_RANGE, a0, a1, a2, &fault);
	if (fault || ret == -MIGCTL_KVM_ENOSYS) {
		/* G-8: #UD and -KVM_ENOSYS both mean nobody listens. */
		if (fault)
			g->counters.faults++;
		else
			g->counters.enosys++;
#ifdef MIGCTL_FAULT_NO_ELISION
		/* Fault switch: keep calling a host that does not listen (breaks G-8). */
		return 0;
#endif
		g->disabled |= MIGCTL_GUEST_T_HYPERCALL;
		return NOTIFY_GONE;
	}
	if (!ret) {
		g->counters.pages += pages;
		return 0;
	}
	if (ret < 0 && ret >= -NOTIFY_MAX_ERRNO)
		return (int)ret;
	return -MIGCTL_GUEST_EIO;
}

static int notify_psc_write(struct migctl_guest *g, u64 value)
{
	g->counters.psc_writes++;
	if (g->ops->wrmsr(g->ops->arg, g->psc_index, value)) {
		/* G-9: the host refused this request; the transport stays. */
		g->counters.faults++;
		return -MIGCTL_GUEST_EIO;
	}
	return 0;
}

/*
 * How many units of size @s the next MSR request carries: all that fit,
 * but stop at the next larger boundary when a larger unit fits past it.
 */
static u64 notify_psc_count(u64 gfn, u64 left, u64 s)
{
	u64 unit = MIGCTL_SIZE_PAGES(s), count = left / unit;

	if (s < MIGCTL_ATTR_SIZE_MAX) {
		u64 up = MIGCTL_SIZE_PAGES(s + 1);
		u64 head = (up - (gfn & (up - 1))) & (up - 1);

		if (head && left > head && left - head >= up)
			count = head / unit;
	}
	return count < MIGCTL_PSC_COUNT_MAX ? count : MIGCTL_PSC_COUNT_MAX;
}

/* A run over the MSR transport, in requests of 1..4096 units (G-14). */
static int notify_psc_run(struct migctl_guest *g, const struct migctl_guest_run *r)
{
	u64 gfn = r->gpa >> MIGCTL_PAGE_SHIFT, left = r->npages;
	u64 enc = r->encrypted ? MIGCTL_ATTR_ENCRYPTED : 0;
	int ret;

	while (left) {
		u64 s = MIGCTL_ATTR_SIZE_MAX, count, pages;

		while (s > MIGCTL_ATTR_SIZE_4K &&
		       ((gfn & (MIGCTL_SIZE_PAGES(s) - 1)) || left < MIGCTL_SIZE_PAGES(s)))
			s--;
		count = notify_psc_count(gfn, left, s);
		pages = count * MIGCTL_SIZE_PAGES(s);
		ret = notify_psc_write(g, MIGCTL_PSC_VALUE(gfn, count, s | enc));
		if (ret)
			return ret;
		g->counters.pages += pages;
		gfn += pages;
		left -= pages;
	}
	return 0;
}

static int notify_run(struct migctl_guest *g, const struct migctl_guest_run *r)
{
	int ret;

	for (;;) {
		u32 t = notify_pick(g);

		if (!t) {
			g->counters.elided++;
			return 0;
		}
		if (t == MIGCTL_GUEST_T_MSR_PSC)
			return notify_psc_run(g, r);
		ret = notify_hypercall(g, r->gpa, r->npages, notify_attrs(r), r->npages);
		if (ret != NOTIFY_GONE)
			return ret;
		migctl_guest__lost_transport(g);
	}
}

/* All runs of @b in one list page, one call (G-5, G-14). */
static int notify_list(struct migctl_guest *g, const struct migctl_guest_batch *b)
{
	u64 pages = 0;
	u32 i;
	int ret;

	for (;;) {
		u32 t = notify_pick(g);

		if (!t) {
			g->counters.elided += b->n;
			return 0;
		}
		/* Rewritten on every try: the page is shared with the host. */
		for (i = 0, pages = 0; i < b->n; i++) {
			g->list_va[i].gpa_attrs = b->run[i].gpa | notify_attrs(&b->run[i]);
			g->list_va[i].npages = b->run[i].npages;
			pages += b->run[i].npages;
		}
		g->counters.list_calls++;
		if (t == MIGCTL_GUEST_T_MSR_PSC) {
			ret = notify_psc_write(g, MIGCTL_PSC_VALUE(g->list_gpa >> MIGCTL_PAGE_SHIFT,
								   b->n, MIGCTL_ATTR_LIST));
			if (!ret)
				g->counters.pages += pages;
			return ret;
		}
		ret = notify_hypercall(g, g->list_gpa, b->n, MIGCTL_ATTR_LIST, pages);
		if (ret != NOTIFY_GONE)
			return ret;
		migctl_guest__lost_transport(g);
	}
}

int migctl_guest__flush_locked(struct migctl_guest *g, struct migctl_guest_batch *b)
{
	int ret = 0, err;
	u32 i;

	g->counters.requests += b->requests;
	if (b->n >= 2 && notify_lists(g) && migctl_guest__transports(g)) {
		ret = notify_list(g, b);
	} else {
		/* Every run goes out even when one fails: they are independent. */
		for (i = 0; i < b->n; i++) {
			err = notify_run(g, &b->run[i]);
			if (err && !ret)
				ret = err;
		}
	}
	b->n = 0;
	b->requests = 0;
	if (ret)
		migctl_guest__notify_failed(g);
	return ret;
}

static bool notify_overlap(const struct migctl_guest_run *r, u64 start, u64 end)
{
	return r->gpa < end && start < r->gpa + (r->npages << MIGCTL_PAGE_SHIFT);
}

static bool notify_touch(const struct migctl_guest_run *r, u64 start, u64 end)
{
	return r->gpa <= end && start <= r->gpa + (r->npages << MIGCTL_PAGE_SHIFT);
}

/*
 * Merge [start, end) into the runs of @b. Returns true if @b must be
 * flushed first: an overlap with the other status (the host must see the
 * older status before the newer one) or no free slot.
 */
static bool notify_merge(struct migctl_guest_batch *b, u64 start, u64 end, u32 enc)
{
	struct migctl_guest_run *r;
	u32 i;

	for (i = 0; i < b->n; i++)
		if (b->run[i].encrypted != enc && notify_overlap(&b->run[i], start, end))
			return true;
	for (i = 0; i < b->n;) {
		r = &b->run[i];
		if (r->encrypted != enc || !notify_touch(r, start, end)) {
			i++;
			continue;
		}
		if (r->gpa < start)
			start = r->gpa;
		if (r->gpa + (r->npages << MIGCTL_PAGE_SHIFT) > end)
			end = r->gpa + (r->npages << MIGCTL_PAGE_SHIFT);
		b->run[i] = b->run[--b->n];
	}
	if (b->n == MIGCTL_GUEST_BATCH_MAX)
		return true;
	r = &b->run[b->n++];
	r->gpa = start;
	r->npages = (end - start) >> MIGCTL_PAGE_SHIFT;
	r->encrypted = enc;
	r->pad = 0;
	return false;
}

/*
 * Add to @b, flushing through @g when needed. With @locked the caller holds
 * the lock (the context's own batch) and counts errors itself; otherwise
 * the lock is taken only for a flush.
 */
static int notify_add(struct migctl_guest *g, struct migctl_guest_batch *b, gpa_t gpa,
		      u64 npages, bool encrypted, bool locked)
{
	u64 end = gpa + (npages << MIGCTL_PAGE_SHIFT);
	u32 enc = encrypted ? 1 : 0;
	int ret = 0;

	b->requests++;
	if (!notify_merge(b, gpa, end, enc))
		return 0;
	if (locked) {
		ret = migctl_guest__flush_locked(g, b);
	} else {
		migctl_guest__lock(g);
		ret = migctl_guest__flush_locked(g, b);
		if (ret)
			g->counters.errors++;
		migctl_guest__unlock(g);
	}
	/* The batch is empty now (the request was counted); queue it. */
	notify_merge(b, gpa, end, enc);
	return ret;
}

int migctl_guest__add_locked(struct migctl_guest *g, struct migctl_guest_batch *b,
			     gpa_t gpa, u64 npages, bool encrypted)
{
	if (migctl_guest__check_range(gpa, npages))
		return -MIGCTL_GUEST_EINVAL;
	return notify_add(g, b, gpa, npages, encrypted, true);
}

void migctl_guest_batch_init(struct migctl_guest_batch *b)
{
	b->n = 0;
	b->requests = 0;
}

int migctl_guest_batch_add(struct migctl_guest *g, struct migctl_guest_batch *b,
			   gpa_t gpa, u64 npages, bool encrypted)
{
	if (migctl_guest__check_range(gpa, npages)) {
		migctl_guest__lock(g);
		g->counters.errors++;
		migctl_guest__unlock(g);
		return -MIGCTL_GUEST_EINVAL;
	}
	return notify_add(g, b, gpa, npages, encrypted, false);
}

int migctl_guest_batch_flush(struct migctl_guest *g, struct migctl_guest_batch *b)
{
	int ret;

	if (!b->n && !b->requests)
		return 0;
	migctl_guest__lock(g);
	ret = migctl_guest__flush_locked(g, b);
	if (ret)
		g->counters.errors++;
	migctl_guest__unlock(g);
	return ret;
}

int migctl_guest_set_status(struct migctl_guest *g, gpa_t gpa, u64 npages, bool encrypted)
{
	struct migctl_guest_run r = {
		.gpa = gpa, .npages = npages, .encrypted = encrypted ? 1 : 0,
	};
	int ret;

	migctl_guest__lock(g);
	g->counters.requests++;
	ret = migctl_guest__check_range(gpa, npages);
	if (!ret) {
		ret = notify_run(g, &r);
		if (ret)
			migctl_guest__notify_failed(g);
	}
	if (ret)
		g->counters.errors++;
	migctl_guest__unlock(g);
	return ret;
}
