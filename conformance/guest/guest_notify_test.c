/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_notify_test.c - status notifications of the guest library: requests, transports, errors. */
#include <stdlib.h>

#include "sim.h"
#include "../lib/test.h"

#define ENC		MIGCTL_ATTR_ENCRYPTED
#define LIST		MIGCTL_ATTR_LIST
#define LIST_GPA	0x7000ull
#define PSC(gfn, n, a)	MIGCTL_PSC_VALUE(gfn, n, a)
#define S2M		MIGCTL_ATTR_SIZE_2M
#define S1G		MIGCTL_ATTR_SIZE_1G

FIXTURE(nt) {
	struct sim_host *h;
	struct migctl_guest g;
	struct migctl_list_entry *list;
};

FIXTURE_SETUP(nt)
{
	self->h = sim_create();
	self->list = aligned_alloc(MIGCTL_PAGE_SIZE, MIGCTL_PAGE_SIZE);
	self->h->list_va = self->list;
	self->h->list_gpa = LIST_GPA;
}

FIXTURE_TEARDOWN(nt)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
	free(self->list);
}

/* A version-2 host offering @features, with or without the hypercall; READY. */
static void ready_v2(struct sim_host *h, struct migctl_guest *g, struct migctl_list_entry *list,
		     u32 features, bool hypercall, u32 flags)
{
	sim_v2(h, 1, 2, features, hypercall);
	ASSERT_EQ(0, migctl_guest_init(g, &h->ops, flags));
	if (list)
		ASSERT_EQ(0, migctl_guest_set_list_page(g, list, LIST_GPA));
	ASSERT_EQ(0, migctl_guest_discover(g));
	ASSERT_EQ(0, migctl_guest_opt_in(g));
	sim_clear_log(h);
}

/* Whether the log holds hypercall (a0, a1, a2). */
static bool logged_hc(struct sim_host *h, u64 a0, u64 a1, u64 a2)
{
	u32 i;

	for (i = 0; i < h->nlog; i++)
		if (h->log[i].kind == SIM_HC && h->log[i].a0 == a0 && h->log[i].a1 == a1 &&
		    h->log[i].a2 == a2)
			return true;
	return false;
}

/* Page-size hint and the MSR transport's split of one range. */
FIXTURE(sizes) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_VARIANT(sizes) {
	gpa_t gpa;
	u64 npages;
	u64 hint;
	u64 psc[4];
	u32 npsc;
};

FIXTURE_VARIANT_ADD(sizes, page_4k) {
	.gpa = 0x1000, .npages = 1, .hint = 0, .psc = { PSC(1, 1, 0) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, one_2m) {
	.gpa = 0x200000, .npages = 512, .hint = S2M, .psc = { PSC(0x200, 1, S2M) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, three_2m) {
	.gpa = 0x400000, .npages = 1536, .hint = S2M, .psc = { PSC(0x400, 3, S2M) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, one_1g) {
	.gpa = 0x40000000, .npages = 262144, .hint = S1G,
	.psc = { PSC(0x40000, 1, S1G) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, three_1g) {
	.gpa = 0x40000000, .npages = 3 * 262144, .hint = S1G,
	.psc = { PSC(0x40000, 3, S1G) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, 1g_aligned_2m_long) {
	.gpa = 0x40000000, .npages = 512, .hint = S2M, .psc = { PSC(0x40000, 1, S2M) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, unaligned_start) {
	.gpa = 0x201000, .npages = 512, .hint = 0, .psc = { PSC(0x201, 512, 0) }, .npsc = 1,
};
FIXTURE_VARIANT_ADD(sizes, unaligned_length) {
	.gpa = 0x200000, .npages = 513, .hint = 0,
	.psc = { PSC(0x200, 1, S2M), PSC(0x400, 1, 0) }, .npsc = 2,
};
FIXTURE_VARIANT_ADD(sizes, head_body_tail) {
	.gpa = 0x1ff000, .npages = 1 + 3 * 512 + 5, .hint = 0,
	.psc = { PSC(0x1ff, 1, 0), PSC(0x200, 3, S2M), PSC(0x800, 5, 0) }, .npsc = 3,
};
FIXTURE_VARIANT_ADD(sizes, across_1g_boundary) {
	.gpa = 0x3fe00000, .npages = 512 + 262144 + 512, .hint = S2M,
	.psc = { PSC(0x3fe00, 1, S2M), PSC(0x40000, 1, S1G), PSC(0x80000, 1, S2M) }, .npsc = 3,
};
FIXTURE_VARIANT_ADD(sizes, short_run_not_split) {
	.gpa = 0x1000, .npages = 1000, .hint = 0, .psc = { PSC(1, 1000, 0) }, .npsc = 1,
};

FIXTURE_SETUP(sizes)
{
	self->h = sim_create();
}

FIXTURE_TEARDOWN(sizes)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

static void expect_status(struct sim_host *h, gpa_t gpa, u64 npages, u8 status)
{
	u64 gfn, bad = 0;

	for (gfn = gpa >> MIGCTL_PAGE_SHIFT; gfn < (gpa >> MIGCTL_PAGE_SHIFT) + npages; gfn++)
		bad += sim_status(h, gfn) != status;
	EXPECT_EQ(0ull, bad);
}

/* Covers: G-4, G-14 */
TEST_F(sizes, hypercall_hint)
{
	const struct sim_op want[] = {
		OP_HC(variant->gpa, variant->npages, variant->hint),
		OP_HC(variant->gpa, variant->npages, variant->hint | ENC),
	};

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, variant->gpa, variant->npages, false));
	expect_status(self->h, variant->gpa, variant->npages, SIM_SHARED);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, variant->gpa, variant->npages, true));
	expect_status(self->h, variant->gpa, variant->npages, SIM_PRIVATE);
	ASSERT_EQ(-1, sim_match(self->h, want, 2));
	EXPECT_EQ(2 * variant->npages, self->g.counters.pages);
}

/* Covers: G-5, G-14 */
TEST_F(sizes, msr_transport_split)
{
	struct sim_op want[4];
	u32 i;

	for (i = 0; i < variant->npsc; i++) {
		struct sim_op op = OP_WR(SIM_PSC, variant->psc[i]);

		want[i] = op;
	}
	ready_v2(self->h, &self->g, NULL, MIGCTL_F_MSR_PSC, false, 0);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, variant->gpa, variant->npages, false));
	ASSERT_EQ(-1, sim_match(self->h, want, variant->npsc));
	expect_status(self->h, variant->gpa, variant->npages, SIM_SHARED);
	EXPECT_EQ(variant->npages, self->g.counters.pages);
	EXPECT_EQ((u64)variant->npsc, self->g.counters.psc_writes);
}

/* Covers: G-9, G-14 */
TEST_F(nt, invalid_ranges_never_sent)
{
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	migctl_guest_batch_init(&b);
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_set_status(&self->g, 0x1001, 1, true));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_set_status(&self->g, 0x1000, 0, true));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL,
		  migctl_guest_set_status(&self->g, (1ull << 52) - 0x1000, 2, true));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL,
		  migctl_guest_set_status(&self->g, 0xfffffffffffff000ull, 1, true));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_batch_add(&self->g, &b, 0x10, 1, false));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL,
		  migctl_guest_batch_add(&self->g, &b, 0x1000, 1ull << 62, false));
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(0u, self->h->nlog);
	EXPECT_EQ(6ull, self->g.counters.errors);
}

/* A host error for a request: reported once, never retried. */
FIXTURE(errors) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_VARIANT(errors) {
	long host_ret;
	int ret;
};

FIXTURE_VARIANT_ADD(errors, einval) { .host_ret = -MIGCTL_KVM_EINVAL, .ret = -MIGCTL_KVM_EINVAL };
FIXTURE_VARIANT_ADD(errors, e2big) { .host_ret = -MIGCTL_KVM_E2BIG, .ret = -MIGCTL_KVM_E2BIG };
FIXTURE_VARIANT_ADD(errors, efault) { .host_ret = -MIGCTL_KVM_EFAULT, .ret = -MIGCTL_KVM_EFAULT };
FIXTURE_VARIANT_ADD(errors, eperm) { .host_ret = -MIGCTL_KVM_EPERM, .ret = -MIGCTL_KVM_EPERM };
FIXTURE_VARIANT_ADD(errors, positive) { .host_ret = 1, .ret = -MIGCTL_GUEST_EIO };
FIXTURE_VARIANT_ADD(errors, huge_negative) { .host_ret = -100000, .ret = -MIGCTL_GUEST_EIO };

FIXTURE_SETUP(errors)
{
	self->h = sim_create();
}

FIXTURE_TEARDOWN(errors)
{
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

/* Covers: G-9 */
TEST_F(errors, reported_not_retried)
{
	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	self->h->hc_ret = variant->host_ret;
	EXPECT_EQ(variant->ret, migctl_guest_set_status(&self->g, 0x4000, 1, false));
	EXPECT_EQ(1u, sim_count(self->h, SIM_HC));
	EXPECT_EQ(1ull, self->g.counters.errors);
	/* The transport stays: the next request is sent, once. */
	EXPECT_EQ(variant->ret, migctl_guest_set_status(&self->g, 0x8000, 1, false));
	EXPECT_EQ(2u, sim_count(self->h, SIM_HC));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	self->h->hc_ret = 0;
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x8000, 1, false));
	EXPECT_EQ(3u, sim_count(self->h, SIM_HC));
}

/* Covers: G-9, G-14 */
TEST_F(nt, host_rejects_range_outside_ram)
{
	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	EXPECT_EQ(-MIGCTL_KVM_EINVAL, migctl_guest_set_status(&self->g, 8ull << 30, 1, false));
	EXPECT_EQ(1u, self->h->nlog);
}

/* Covers: G-5, G-9 */
TEST_F(nt, msr_transport_gp_reported_not_retried)
{
	const struct sim_op want[] = {
		OP_WR_GP(SIM_PSC, PSC(4, 1, 0)), OP_WR_GP(SIM_PSC, PSC(8, 1, 0)),
	};

	ready_v2(self->h, &self->g, NULL, MIGCTL_F_MSR_PSC, false, 0);
	self->h->gp_all_wrmsr = true;
	EXPECT_EQ(-MIGCTL_GUEST_EIO, migctl_guest_set_status(&self->g, 0x4000, 1, false));
	EXPECT_EQ(-MIGCTL_GUEST_EIO, migctl_guest_set_status(&self->g, 0x8000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, 2));
	EXPECT_EQ(2ull, self->g.counters.errors);
}

/* -KVM_ENOSYS and #UD: nobody listens. */
FIXTURE(deaf) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_VARIANT(deaf) {
	u32 mode;
};

FIXTURE_VARIANT_ADD(deaf, enosys) { .mode = SIM_HC_ENOSYS };
FIXTURE_VARIANT_ADD(deaf, ud) { .mode = SIM_HC_UD };

FIXTURE_SETUP(deaf)
{
	self->h = sim_create();
}

FIXTURE_TEARDOWN(deaf)
{
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

/* Covers: G-8 */
TEST_F(deaf, hypercalls_stop_after_first)
{
	int i;

	sim_v2(self->h, 1, 2, 0, true);
	self->h->hc_mode = variant->mode;
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x1000 * i, 1, false));
	EXPECT_EQ(1u, self->h->nlog);
	EXPECT_EQ(1u, sim_count(self->h, SIM_HC));
	EXPECT_EQ(5ull, self->g.counters.elided);
	EXPECT_EQ(1ull, self->g.counters.hypercalls);
	EXPECT_EQ(variant->mode == SIM_HC_UD ? 1ull : 0ull, self->g.counters.faults);
	EXPECT_EQ(variant->mode == SIM_HC_UD ? 0ull : 1ull, self->g.counters.enosys);
	/* Nothing to notify with: no READY either. */
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(1u, self->h->nlog);
}

/* Covers: G-5, G-8 */
TEST_F(deaf, falls_back_to_msr_transport)
{
	const struct sim_op first[] = {
		OP_HC_RET(0x3000, 1, ENC, -MIGCTL_KVM_ENOSYS), OP_WR(SIM_PSC, PSC(3, 1, ENC)),
		OP_WR(SIM_PSC, PSC(4, 1, 0)),
	};
	struct sim_op want[3];

	memcpy(want, first, sizeof(want));
	if (variant->mode == SIM_HC_UD) {
		struct sim_op ud = OP_HC_UD(0x3000, 1, ENC);

		want[0] = ud;
	}
	ready_v2(self->h, &self->g, NULL, MIGCTL_F_MSR_PSC, true, 0);
	self->h->hc_mode = variant->mode;
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x3000, 1, true));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x4000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, 3));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	EXPECT_EQ(SIM_PRIVATE, sim_status(self->h, 3));
	EXPECT_EQ(SIM_SHARED, sim_status(self->h, 4));
}

/* Covers: G-7, G-8 */
TEST_F(nt, host_changes_its_mind)
{
	const struct sim_op want[] = {
		OP_HC(0x1000, 1, 0), OP_HC(0x2000, 1, 0),
		OP_HC_RET(0x3000, 1, 0, -MIGCTL_KVM_ENOSYS), OP_WR(SIM_CTL, 0),
	};

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	self->h->hc_limit = self->h->hc_calls + 2;
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x1000, 1, false));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x3000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	/* READY withdrawn: the host must not migrate on a stale log. */
	EXPECT_EQ(0ull, self->h->ctl);
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x4000, 1, false));
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(0, migctl_guest_resume(&self->g));
	EXPECT_EQ(4u, self->h->nlog);
}

/* Covers: G-8 */
TEST_F(nt, no_transport_elides_everything)
{
	struct migctl_guest_batch b;

	sim_v1(self->h, false);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	migctl_guest_batch_init(&b);
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x1000, 1, false));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x2000, 1, false));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x8000, 1, false));
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(0u, self->h->nlog);
	EXPECT_EQ(3ull, self->g.counters.elided);
	EXPECT_EQ(3ull, self->g.counters.requests);
}

/* Covers: G-10, G-14 */
TEST_F(nt, coalesces_adjacent_and_overlapping)
{
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	migctl_guest_batch_init(&b);
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x1000, 1, true));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x3000, 2, true));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x2000, 1, true));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x2000, 3, true));
	/* Two halves of a 2 MiB page become one 2 MiB request. */
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x300000, 256, false));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x200000, 256, false));
	EXPECT_EQ(2u, b.n);
	EXPECT_EQ(0u, self->h->nlog);	/* nothing before the flush */
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(2u, self->h->nlog);
	EXPECT_TRUE(logged_hc(self->h, 0x1000, 4, ENC));
	EXPECT_TRUE(logged_hc(self->h, 0x200000, 512, S2M));
	EXPECT_EQ(6ull, self->g.counters.requests);
	EXPECT_EQ(0u, b.n);
}

/* Covers: G-10 */
TEST_F(nt, overlap_with_other_status_keeps_order)
{
	const struct sim_op want[] = { OP_HC(0, 4, ENC), OP_HC(0x2000, 1, 0) };
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	sim_set_all(self->h, SIM_SHARED);
	migctl_guest_batch_init(&b);
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0, 4, true));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x2000, 1, false));
	EXPECT_EQ(1u, self->h->nlog);	/* the older status went first */
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	ASSERT_EQ(-1, sim_match(self->h, want, 2));
	EXPECT_EQ(SIM_PRIVATE, sim_status(self->h, 0));
	EXPECT_EQ(SIM_PRIVATE, sim_status(self->h, 1));
	EXPECT_EQ(SIM_SHARED, sim_status(self->h, 2));
	EXPECT_EQ(SIM_PRIVATE, sim_status(self->h, 3));
}

/* Covers: G-14 */
TEST_F(nt, adjacent_other_status_not_merged)
{
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	migctl_guest_batch_init(&b);
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0, 2, true));
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x2000, 2, false));
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(2u, self->h->nlog);
	EXPECT_TRUE(logged_hc(self->h, 0, 2, ENC));
	EXPECT_TRUE(logged_hc(self->h, 0x2000, 2, 0));
}

/* Covers: G-14 */
TEST_F(nt, full_batch_flushes)
{
	struct migctl_guest_batch b;
	u32 i;

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	migctl_guest_batch_init(&b);
	for (i = 0; i < MIGCTL_GUEST_BATCH_MAX; i++)
		EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x2000ull * i, 1, false));
	EXPECT_EQ(0u, self->h->nlog);
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x100000, 1, false));
	EXPECT_EQ((u32)MIGCTL_GUEST_BATCH_MAX, self->h->nlog);
	EXPECT_EQ(1u, b.n);
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(MIGCTL_GUEST_BATCH_MAX + 1u, self->h->nlog);
	EXPECT_TRUE(logged_hc(self->h, 0x100000, 1, 0));
	EXPECT_EQ((u64)MIGCTL_GUEST_BATCH_MAX + 1, self->g.counters.requests);
}

/* Three runs for the list tests; the second run gets a 2 MiB hint. */
static void add_three(struct migctl_guest *g, struct migctl_guest_batch *b)
{
	migctl_guest_batch_init(b);
	EXPECT_EQ(0, migctl_guest_batch_add(g, b, 0x10000, 1, false));
	EXPECT_EQ(0, migctl_guest_batch_add(g, b, 0x400000, 512, false));
	EXPECT_EQ(0, migctl_guest_batch_add(g, b, 0x20000, 2, true));
}

static void expect_three_applied(struct sim_host *h)
{
	EXPECT_EQ(SIM_SHARED, sim_status(h, 0x10));
	EXPECT_EQ(SIM_PRIVATE, sim_status(h, 0x11));
	expect_status(h, 0x400000, 512, SIM_SHARED);
	EXPECT_EQ(SIM_PRIVATE, sim_status(h, 0x20));
}

/* Covers: G-5, G-14 */
TEST_F(nt, list_over_hypercall)
{
	const struct sim_op want[] = { OP_HC(LIST_GPA, 3, LIST) };
	struct migctl_guest_batch b;
	u32 i, seen = 0;

	ready_v2(self->h, &self->g, self->list, MIGCTL_F_LIST, true, 0);
	sim_set_all(self->h, SIM_PRIVATE);
	add_three(&self->g, &b);
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	ASSERT_EQ(-1, sim_match(self->h, want, 1));
	for (i = 0; i < 3; i++) {
		u64 e = self->list[i].gpa_attrs, n = self->list[i].npages;

		seen |= (e == 0x10000 && n == 1) << 0;
		seen |= (e == (0x400000 | S2M) && n == 512) << 1;
		seen |= (e == (0x20000 | ENC) && n == 2) << 2;
	}
	EXPECT_EQ(7u, seen);
	expect_three_applied(self->h);
	EXPECT_EQ(1ull, self->g.counters.list_calls);
	EXPECT_EQ(515ull, self->g.counters.pages);
}

/* Covers: G-5, G-14 */
TEST_F(nt, list_over_msr_transport)
{
	const struct sim_op want[] = { OP_WR(SIM_PSC, PSC(LIST_GPA >> 12, 3, LIST)) };
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, self->list, MIGCTL_F_ALL, false, 0);
	add_three(&self->g, &b);
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	ASSERT_EQ(-1, sim_match(self->h, want, 1));
	expect_three_applied(self->h);
}

/* Covers: G-5 */
TEST_F(nt, no_list_unless_offered)
{
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, self->list, 0, true, 0);
	add_three(&self->g, &b);
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(3u, self->h->nlog);
	EXPECT_TRUE(logged_hc(self->h, 0x10000, 1, 0));
	EXPECT_TRUE(logged_hc(self->h, 0x400000, 512, S2M));
	EXPECT_TRUE(logged_hc(self->h, 0x20000, 2, ENC));
	EXPECT_EQ(0ull, self->g.counters.list_calls);
	expect_three_applied(self->h);
}

/* Covers: G-5, G-14 */
TEST_F(nt, single_run_needs_no_list)
{
	const struct sim_op want[] = { OP_HC(0x10000, 1, 0) };
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, self->list, MIGCTL_F_LIST, true, 0);
	migctl_guest_batch_init(&b);
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x10000, 1, false));
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	ASSERT_EQ(-1, sim_match(self->h, want, 1));
}

/* Covers: G-10 */
TEST_F(nt, host_has_change_when_call_returns)
{
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, NULL, 0, true, 0);
	EXPECT_EQ(SIM_PRIVATE, sim_status(self->h, 9));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x9000, 1, false));
	EXPECT_EQ(SIM_SHARED, sim_status(self->h, 9));
	migctl_guest_batch_init(&b);
	EXPECT_EQ(0, migctl_guest_batch_add(&self->g, &b, 0x9000, 1, true));
	EXPECT_EQ(SIM_SHARED, sim_status(self->h, 9));	/* not before the flush */
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	EXPECT_EQ(SIM_PRIVATE, sim_status(self->h, 9));
}

/* Covers: G-5, G-14 */
TEST_F(nt, counters_add_up)
{
	struct migctl_guest_counters c;
	struct migctl_guest_batch b;

	ready_v2(self->h, &self->g, self->list, MIGCTL_F_ALL, true, 0);
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x1ff000, 1 + 512, false));
	add_three(&self->g, &b);
	EXPECT_EQ(0, migctl_guest_batch_flush(&self->g, &b));
	self->h->hc_mode = SIM_HC_ENOSYS;
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x1ff000, 1 + 512, true));
	migctl_guest_counters(&self->g, &c);
	EXPECT_EQ((u64)sim_count(self->h, SIM_HC), c.hypercalls);
	EXPECT_EQ((u64)sim_count_msr(self->h, SIM_WRMSR, SIM_PSC), c.psc_writes);
	EXPECT_EQ(3ull, c.hypercalls);
	EXPECT_EQ(2ull, c.psc_writes);
	EXPECT_EQ(5ull, c.requests);
	EXPECT_EQ(1ull, c.list_calls);
	EXPECT_EQ(1ull, c.enosys);
	EXPECT_EQ(513ull + 515ull + 513ull, c.pages);
	EXPECT_EQ(0ull, c.errors);
	EXPECT_EQ(0ull, c.elided);
}
