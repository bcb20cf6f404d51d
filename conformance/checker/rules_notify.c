/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* rules_notify.c - the notification rules: G-5, G-7, G-8, G-9, G-13, G-14, G-16. */
#include <stdlib.h>

#include "guestcheck-priv.h"
#include "rules_notify.h"
#include "request.h"

static const char *note_name(const struct check_note *n)
{
	if (n->via == VIA_HC)
		return n->list ? "list hypercall" : "hypercall";
	return n->list ? "PSC list request" : "PSC request";
}

/* FNV-1a over the entries: the list half of "the identical request" (G-9). */
static u64 list_hash(const struct check_vcpu *cpu)
{
	const u8 *p = (const u8 *)cpu->list;
	u64 h = 0xcbf29ce484222325ull;
	size_t i;

	if (!cpu->have_list)
		return 0;
	for (i = 0; i < cpu->nlist * sizeof(*cpu->list); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ cpu->nlist;
}

/* G-3..G-5, G-7, G-8, G-16: may this notification be sent at all, now? */
static void check_note_allowed(struct migctl_check *c, u32 vcpu, const struct check_note *n)
{
	u32 accepted = MIGCTL_CTL_GET_FEATURES(c->host_value);

	/* G-8: "no further hypercall 12 until the next discovery". */
	if (n->via == VIA_HC && c->enosys)
		migctl_check_report(c, 8, vcpu, "hypercall 12 (gpa 0x%llx) after -KVM_ENOSYS at "
				    "event %llu", ULL(n->a0), ULL(c->enosys_event));
	/* G-7: unavailable means "no further notifications until the next discovery". */
	if (c->nego == NEGO_UNAVAILABLE)
		migctl_check_report(c, 7, vcpu, "%s after the negotiation failed", note_name(n));
	/* G-7: "MUST proceed as READY only when it reads the value it wrote". */
	else if (c->nego == NEGO_CONFIRM && !c->confirm_optional && c->confirm_vcpu == vcpu)
		migctl_check_report(c, 7, vcpu, "%s after writing READY value 0x%llx without "
				    "reading it back", note_name(n), ULL(c->confirm_value));
	/* G-5: "MUST NOT send a list request unless F_LIST is offered". */
	if (n->list && !(c->features & MIGCTL_F_LIST)) {
		migctl_check_report(c, 5, vcpu, "%s, but the leaf does not offer F_LIST (ECX 0x%x)",
				    note_name(n), c->features);
		return;
	}
	/* G-16: "While READY, the guest MUST use only the features its accepted value names". */
	if (c->host_value && n->list && !(accepted & MIGCTL_F_LIST))
		migctl_check_report(c, 16, vcpu, "%s while READY with 0x%llx, which does not name "
				    "F_LIST", note_name(n), ULL(c->host_value));
	if (c->host_value && n->via == VIA_PSC && !(accepted & MIGCTL_F_MSR_PSC))
		migctl_check_report(c, 16, vcpu, "PSC MSR write while READY with 0x%llx, which "
				    "does not name F_MSR_PSC", ULL(c->host_value));
}

/* G-14 on a list request: its head, its page and its entries. */
static void check_list_valid(struct migctl_check *c, u32 vcpu, const struct check_note *n)
{
	struct check_vcpu *cpu = &c->vcpu[vcpu];
	char why[MIGCTL_CHECK_WHY_MAX];
	gpa_t page = n->a0;
	u32 i, bad = 0, first = 0;

	if (n->via == VIA_HC) {
		if (migctl_check_bad_list_head(n->a0, n->a1, n->a2, why))
			migctl_check_report(c, 14, vcpu, "%s: %s", note_name(n), why);
	} else {
		if (migctl_check_bad_psc(n->a0, why))
			migctl_check_report(c, 14, vcpu, "%s: %s", note_name(n), why);
		page = MIGCTL_PSC_GET_GFN(n->a0) << MIGCTL_PAGE_SHIFT;
	}
	/*
	 * G-14: "a list page MUST be shared". The checker sees the host's log,
	 * not the guest's page tables; the two agree only while READY (G-10),
	 * not during the boot-time reset, when a list may carry the reset itself.
	 */
	if (c->host_value && !(page & (MIGCTL_PAGE_SIZE - 1)) && !c->shared.lost &&
	    !migctl_check_ranges_covers(&c->shared, page >> MIGCTL_PAGE_SHIFT,
					(page >> MIGCTL_PAGE_SHIFT) + 1))
		migctl_check_report(c, 14, vcpu, "%s: list page gpa 0x%llx was not notified shared",
				    note_name(n), ULL(page));
	if (!cpu->have_list)
		return;
	for (i = 0; i < cpu->nlist; i++) {
		char w[MIGCTL_CHECK_WHY_MAX];

		if (migctl_check_bad_entry(&cpu->list[i], bad ? w : why) && !bad++)
			first = i;
	}
	if (bad)
		migctl_check_report(c, 14, vcpu, "%s: %u invalid entries, first [%u]: %s",
				    note_name(n), bad, first, why);
}

static void check_note_valid(struct migctl_check *c, u32 vcpu, const struct check_note *n)
{
	char why[MIGCTL_CHECK_WHY_MAX];
	bool bad;

	if (n->list) {
		if (c->features & MIGCTL_F_LIST)
			check_list_valid(c, vcpu, n);
		return;
	}
	if (n->via == VIA_HC)
		bad = migctl_check_bad_range(n->a0, n->a1, n->a2 & ~MIGCTL_ATTR_LIST, why);
	else
		bad = migctl_check_bad_psc(n->a0, why);
	if (bad)
		migctl_check_report(c, 14, vcpu, "%s: %s", note_name(n), why);
}

/* Call @fn on every range the notification names: its own, or its entries. */
static void note_for_each(struct migctl_check *c, u32 vcpu, const struct check_note *n,
			  void (*fn)(struct migctl_check *c, u32 vcpu, u64 gfn, u64 npages,
				     bool enc))
{
	struct check_vcpu *cpu = &c->vcpu[vcpu];
	u64 gfn, npages;
	u32 i;

	if (!n->list) {
		if (n->via == VIA_HC) {
			gfn = n->a0 >> MIGCTL_PAGE_SHIFT;
			npages = n->a1;
		} else {
			migctl_check_psc_range(n->a0, &gfn, &npages);
		}
		fn(c, vcpu, gfn, npages, n->a2 & MIGCTL_ATTR_ENCRYPTED);
		return;
	}
	for (i = 0; cpu->have_list && i < cpu->nlist; i++) {
		const struct migctl_list_entry *e = &cpu->list[i];

		fn(c, vcpu, e->gpa_attrs >> MIGCTL_PAGE_SHIFT, e->npages,
		   e->gpa_attrs & MIGCTL_ATTR_ENCRYPTED);
	}
}

/*
 * G-13: the reset happens "before opting in and while the VM is not
 * READY". Its mark is an encrypted notification covering a whole RAM
 * range; a range that was entirely shared may be converted back while
 * READY, so only a range that still had private pages counts.
 */
static void check_reset_while_ready(struct migctl_check *c, u32 vcpu, u64 gfn, u64 npages,
				    bool enc)
{
	u32 i;

	if (!c->host_value || !enc || c->shared.lost || gfn + npages < gfn || c->reset_reported)
		return;
	for (i = 0; i < c->nr_ram; i++) {
		const struct migctl_check_span *r = &c->ram[i];

		if (gfn <= r->start && gfn + npages >= r->end &&
		    !migctl_check_ranges_covers(&c->shared, r->start, r->end)) {
			migctl_check_report(c, 13, vcpu, "boot-time reset (RAM gpa 0x%llx..0x%llx "
					    "notified encrypted) while READY with 0x%llx: opt out "
					    "first", ULL(r->start << MIGCTL_PAGE_SHIFT),
					    ULL(r->end << MIGCTL_PAGE_SHIFT), ULL(c->host_value));
			/* One report per opt-in: the rest of the reset is the same mistake. */
			c->reset_reported = true;
			return;
		}
	}
}

static void check_apply(struct migctl_check *c, u32 vcpu, u64 gfn, u64 npages, bool enc)
{
	if (gfn + npages < gfn)
		return;
	if (enc) {
		migctl_check_ranges_remove(&c->shared, gfn, gfn + npages);
		migctl_check_ranges_add(&c->covered, gfn, gfn + npages);
	} else {
		migctl_check_ranges_add(&c->shared, gfn, gfn + npages);
	}
}

/* G-9: "MUST NOT repeat the identical request" after an error answer. */
static void check_repeat(struct migctl_check *c, u32 vcpu, const struct check_note *n, u64 hash)
{
	struct check_vcpu *cpu = &c->vcpu[vcpu];

	if (cpu->last_failed && cpu->last.via == n->via && cpu->last.list == n->list &&
	    cpu->last.a0 == n->a0 && cpu->last.a1 == n->a1 && cpu->last.a2 == n->a2 &&
	    cpu->last_hash == hash)
		migctl_check_report(c, 9, vcpu, "%s (0x%llx, 0x%llx, 0x%llx) repeats the request "
				    "refused at event %llu", note_name(n), ULL(n->a0), ULL(n->a1),
				    ULL(n->a2), ULL(cpu->last_event));
	cpu->last_failed = n->failed;
	if (n->failed) {
		cpu->last = *n;
		cpu->last_hash = hash;
		cpu->last_event = c->event;
	}
}

void migctl_check_note(struct migctl_check *c, u32 vcpu, const struct check_note *n)
{
	struct check_vcpu *cpu = &c->vcpu[vcpu];

	check_note_allowed(c, vcpu, n);
	check_note_valid(c, vcpu, n);
	check_repeat(c, vcpu, n, n->list ? list_hash(cpu) : 0);
	note_for_each(c, vcpu, n, check_reset_while_ready);
	if (n->ok && (!n->list || (c->features & MIGCTL_F_LIST)))
		note_for_each(c, vcpu, n, check_apply);
	if (!c->reset_done && n->ok) {
		u32 i;

		for (i = 0; i < c->nr_ram; i++)
			if (!migctl_check_ranges_covers(&c->covered, c->ram[i].start,
							c->ram[i].end))
				break;
		c->reset_done = i == c->nr_ram;
	}
	/* Only a version-2 guest knows these. */
	if (n->via == VIA_PSC || n->list)
		c->spoke_v2 = true;
	cpu->have_list = false;
}

