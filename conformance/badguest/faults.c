/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* faults.c - the one guest rule a bad-guest image breaks, chosen when it is built. */
#include "faults.h"
#include "migctl.h"

#ifndef BADGUEST_FAULT
#error "build with -DBADGUEST_FAULT='\"name\"' (conformance/badguest/badguest.mk)"
#endif

/*
 * Raw accesses, as a guest that skips the library's checks would make
 * them; the fault vector they return is ignored on purpose.
 */
static void raw_wrmsr(struct badguest *b, u32 index, u64 val)
{
	b->g->ops->wrmsr(b->g->ops->arg, index, val);
}

static u64 raw_rdmsr(struct badguest *b, u32 index)
{
	u64 v = 0;

	b->g->ops->rdmsr(b->g->ops->arg, index, &v);
	return v;
}

/* The READY value a version-2 guest picks from what discovery found. */
static u64 best_value(const struct migctl_guest *g)
{
	if (g->leaf_valid && g->host_max >= MIGCTL_VERSION_2)
		return MIGCTL_CTL_VALUE(MIGCTL_VERSION_2, g->offered & MIGCTL_F_ALL);
	return MIGCTL_CTL_READY;
}

/* G-3: opts in without looking at CPUID bit 17. */
static void ctl_without_bit17(struct badguest *b)
{
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, MIGCTL_CTL_READY);
}

/* G-5: uses the MSR transport at its default index whatever the leaf says. */
static void psc_not_offered(struct badguest *b)
{
	raw_wrmsr(b, MIGCTL_MSR_PSC_DEFAULT, MIGCTL_PSC_VALUE(b->buf >> MIGCTL_PAGE_SHIFT, 1, 0));
}

/* G-6: the READY value carries a reserved bit (bit 1). */
static void reserved_bits(struct badguest *b)
{
	migctl_guest_opt_out(b->g, MIGCTL_GUEST_OUT_REBOOT);
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, b->g->ctl_value | 0x2);
}

/* G-7: opts in again and notifies before reading the value back. */
static void no_read_back(struct badguest *b)
{
	migctl_guest_opt_out(b->g, MIGCTL_GUEST_OUT_REBOOT);
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, b->g->ctl_value);
	migctl_guest_set_status(b->g, b->buf, 1, false);
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, 0);
}

/* G-9 (needs the MSR transport): sends the request the host just refused (a page outside RAM) again. */
static void repeat_error(struct badguest *b)
{
	u64 req = MIGCTL_PSC_VALUE(0x80000000ull >> MIGCTL_PAGE_SHIFT, 1, 0);

	if (!b->g->psc_index)
		return;
	raw_wrmsr(b, b->g->psc_index, req);
	raw_wrmsr(b, b->g->psc_index, req);
}

/* G-13: opts in before the boot-time reset (with the read-back, and out again). */
static void opt_in_before_reset(struct badguest *b)
{
	u64 v;

	migctl_guest_discover(b->g);
	v = best_value(b->g);
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, v);
	raw_rdmsr(b, MIGCTL_MSR_CONTROL);
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, 0);
}

/* G-13: repeats the boot-time reset (all RAM encrypted) while still READY. */
static void reset_while_ready(struct badguest *b)
{
	struct migctl_guest_batch batch;
	u32 i;

	migctl_guest_batch_init(&batch);
	for (i = 0; i < b->nram; i++)
		migctl_guest_batch_add(b->g, &batch, b->ram[i].gpa, b->ram[i].npages, true);
	migctl_guest_batch_flush(b->g, &batch);
}

/* G-14 (needs the MSR transport): a request with a reserved attribute bit (bit 6). */
static void bad_request(struct badguest *b)
{
	if (!b->g->psc_index)
		return;
	raw_wrmsr(b, b->g->psc_index, MIGCTL_PSC_VALUE(b->buf >> MIGCTL_PAGE_SHIFT, 1, 0x40));
}

/* G-16 (needs the MSR transport): READY with a value without F_MSR_PSC, then uses the MSR transport. */
static void unaccepted_feature(struct badguest *b)
{
	if (!b->g->psc_index)
		return;
	migctl_guest_opt_out(b->g, MIGCTL_GUEST_OUT_REBOOT);
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, MIGCTL_CTL_VALUE(MIGCTL_VERSION_2, 0));
	raw_rdmsr(b, MIGCTL_MSR_CONTROL);
	raw_wrmsr(b, b->g->psc_index, MIGCTL_PSC_VALUE(b->buf >> MIGCTL_PAGE_SHIFT, 1, 0));
	raw_wrmsr(b, MIGCTL_MSR_CONTROL, 0);
}

#define FAULT(n, rule, text, ...) { .name = n, .breaks = rule, .how = text, __VA_ARGS__ }

static const struct badguest_fault faults[] = {
	FAULT("none", "", "a conforming guest", .before = NULL),
	FAULT("ctl-without-bit17", "G-3", "writes READY without CPUID bit 17",
	      .before = ctl_without_bit17),
	FAULT("psc-not-offered", "G-5", "uses the MSR transport the leaf does not offer",
	      .before = psc_not_offered),
	FAULT("reserved-bits", "G-6", "sets a reserved bit in its READY value",
	      .after = reserved_bits),
	FAULT("no-read-back", "G-7", "notifies before reading its READY value back",
	      .after = no_read_back),
	FAULT("repeat-error", "G-9", "repeats a request the host refused", .after = repeat_error),
	FAULT("no-opt-out", "G-11", "shuts down while READY", .no_opt_out = true),
	FAULT("opt-in-before-reset", "G-13", "opts in before the boot-time reset",
	      .before = opt_in_before_reset),
	FAULT("reset-while-ready", "G-13", "reports the boot-time reset without opting out first",
	      .after = reset_while_ready),
	FAULT("bad-request", "G-14", "sends a request with a reserved attribute bit",
	      .after = bad_request),
	FAULT("unaccepted-feature", "G-16", "uses the MSR transport its READY value does not name",
	      .after = unaccepted_feature),
};

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const struct badguest_fault *badguest_fault(void)
{
	u32 i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (str_eq(faults[i].name, BADGUEST_FAULT))
			return &faults[i];
	return NULL;
}
