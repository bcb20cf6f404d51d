/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_negotiation_test.c - version and feature choice, read-back and fallback of the guest lib. */
#include <stdlib.h>

#include "sim.h"
#include "../lib/test.h"

#define V2(f)		MIGCTL_CTL_VALUE(2, f)
#define PSC		MIGCTL_F_MSR_PSC
#define LIST		MIGCTL_F_LIST
#define ALL		MIGCTL_F_ALL
#define LIST_GPA	0x7000ull

FIXTURE(neg) {
	struct sim_host *h;
	struct migctl_guest g;
	struct migctl_list_entry *list;
};

FIXTURE_VARIANT(neg) {
	/* The host: host_max 0 is a version-1 host without the leaf. */
	u32 host_min, host_max, offered, reject;
	bool hypercall, gp_all, write_only;
	u64 xor;
	/* The guest. */
	u32 flags;
	bool list_page;
	/* The outcome. */
	bool no_common;		/* discovery already finds no version */
	int ret;
	u32 state, version, features;
	struct sim_op want[8];
	u32 n;
};

#define READY_AS(v, f)	.ret = 0, .state = MIGCTL_GUEST_READY, .version = (v), .features = (f)
#define FAILED		.ret = -MIGCTL_GUEST_EPROTO, .state = MIGCTL_GUEST_UNAVAILABLE
#define NO_TRANSPORT	.ret = -MIGCTL_GUEST_ENODEV, .state = MIGCTL_GUEST_UNAVAILABLE
#define NO_COMMON	.no_common = true, .ret = -MIGCTL_GUEST_ENODEV,			\
			.state = MIGCTL_GUEST_UNAVAILABLE

/* Without a versioned leaf the write of 1 decides: no read-back (G-17). */
FIXTURE_VARIANT_ADD(neg, v1_host) {
	.hypercall = true, READY_AS(1, 0),
	.want = { OP_WR(SIM_CTL, 1) }, .n = 1,
};
/* A host built to KVM's documentation: reads of the control MSR #GP. */
FIXTURE_VARIANT_ADD(neg, v1_host_filtering_writes_only) {
	.hypercall = true, .write_only = true, READY_AS(1, 0),
	.want = { OP_WR(SIM_CTL, 1) }, .n = 1,
};
FIXTURE_VARIANT_ADD(neg, v1_host_without_hypercall) {
	NO_TRANSPORT,
};
FIXTURE_VARIANT_ADD(neg, v2_no_features) {
	.host_min = 1, .host_max = 2, .hypercall = true, READY_AS(2, 0),
	.want = { OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, v2_msr_psc) {
	.host_min = 1, .host_max = 2, .offered = PSC, READY_AS(2, PSC),
	.want = { OP_WR(SIM_CTL, V2(PSC)), OP_RD(SIM_CTL, V2(PSC)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, v2_list_without_list_page) {
	.host_min = 1, .host_max = 2, .offered = LIST, .hypercall = true, READY_AS(2, 0),
	.want = { OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, v2_list) {
	.host_min = 1, .host_max = 2, .offered = LIST, .hypercall = true, .list_page = true,
	READY_AS(2, LIST),
	.want = { OP_WR(SIM_CTL, V2(LIST)), OP_RD(SIM_CTL, V2(LIST)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, v2_both) {
	.host_min = 1, .host_max = 2, .offered = ALL, .hypercall = true, .list_page = true,
	READY_AS(2, ALL),
	.want = { OP_WR(SIM_CTL, V2(ALL)), OP_RD(SIM_CTL, V2(ALL)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, v2_min_2) {
	.host_min = 2, .host_max = 2, .offered = PSC, .hypercall = true, READY_AS(2, PSC),
	.want = { OP_WR(SIM_CTL, V2(PSC)), OP_RD(SIM_CTL, V2(PSC)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, newer_host_speaks_2) {
	.host_min = 1, .host_max = 5, .offered = PSC, READY_AS(2, PSC),
	.want = { OP_WR(SIM_CTL, V2(PSC)), OP_RD(SIM_CTL, V2(PSC)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, no_common_version) {
	.host_min = 3, .host_max = 5, .offered = PSC, .hypercall = true, NO_COMMON,
};
FIXTURE_VARIANT_ADD(neg, v1_guest_on_v2_host) {
	.host_min = 1, .host_max = 2, .offered = ALL, .hypercall = true, .list_page = true,
	.flags = MIGCTL_GUEST_NO_V2, READY_AS(1, 0),
	.want = { OP_WR(SIM_CTL, 1), OP_RD(SIM_CTL, 1) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, v1_guest_on_v2_only_host) {
	.host_min = 2, .host_max = 2, .offered = ALL, .hypercall = true,
	.flags = MIGCTL_GUEST_NO_V2, NO_COMMON,
};
FIXTURE_VARIANT_ADD(neg, no_msr_psc_wanted) {
	.host_min = 1, .host_max = 2, .offered = ALL, .hypercall = true, .list_page = true,
	.flags = MIGCTL_GUEST_NO_MSR_PSC, READY_AS(2, LIST),
	.want = { OP_WR(SIM_CTL, V2(LIST)), OP_RD(SIM_CTL, V2(LIST)) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, gp_every_write) {
	.host_min = 1, .host_max = 2, .hypercall = true, .gp_all = true, FAILED,
	.want = { OP_WR_GP(SIM_CTL, V2(0)), OP_WR_GP(SIM_CTL, 1) }, .n = 2,
};
FIXTURE_VARIANT_ADD(neg, gp_every_write_v2_only) {
	.host_min = 2, .host_max = 2, .hypercall = true, .gp_all = true, FAILED,
	.want = { OP_WR_GP(SIM_CTL, V2(0)) }, .n = 1,
};
FIXTURE_VARIANT_ADD(neg, gp_every_write_v1) {
	.hypercall = true, .gp_all = true, FAILED,
	.want = { OP_WR_GP(SIM_CTL, 1) }, .n = 1,
};
FIXTURE_VARIANT_ADD(neg, rejects_chosen_feature) {
	.host_min = 1, .host_max = 2, .offered = ALL, .reject = PSC, .hypercall = true,
	.list_page = true, READY_AS(1, 0),
	.want = { OP_WR_GP(SIM_CTL, V2(ALL)), OP_WR(SIM_CTL, 1), OP_RD(SIM_CTL, 1) }, .n = 3,
};
FIXTURE_VARIANT_ADD(neg, rejects_feature_no_v1_transport) {
	.host_min = 1, .host_max = 2, .offered = PSC, .reject = PSC, FAILED,
	.want = { OP_WR_GP(SIM_CTL, V2(PSC)) }, .n = 1,
};
FIXTURE_VARIANT_ADD(neg, readback_differs) {
	.host_min = 1, .host_max = 2, .hypercall = true, .xor = 2, FAILED,
	.want = { OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0) ^ 2), OP_WR(SIM_CTL, 0),
		  OP_WR(SIM_CTL, 1), OP_RD(SIM_CTL, 3), OP_WR(SIM_CTL, 0) }, .n = 6,
};
/* A version-1 guest that found the leaf reads back (G-7). */
FIXTURE_VARIANT_ADD(neg, readback_differs_v1) {
	.host_min = 1, .host_max = 2, .hypercall = true, .xor = 1ull << 32,
	.flags = MIGCTL_GUEST_NO_V2, FAILED,
	.want = { OP_WR(SIM_CTL, 1), OP_RD(SIM_CTL, 1 | 1ull << 32), OP_WR(SIM_CTL, 0) }, .n = 3,
};

FIXTURE_SETUP(neg)
{
	struct sim_host *h = sim_create();

	self->h = h;
	if (variant->host_max)
		sim_v2(h, variant->host_min, variant->host_max, variant->offered, variant->hypercall);
	else
		sim_v1(h, variant->hypercall);
	h->reject_features = variant->reject;
	h->gp_all_wrmsr = variant->gp_all;
	h->readback_xor = variant->xor;
	h->ctl_write_only = variant->write_only;
	self->list = aligned_alloc(MIGCTL_PAGE_SIZE, MIGCTL_PAGE_SIZE);
	h->list_va = self->list;
	h->list_gpa = LIST_GPA;
	ASSERT_EQ(0, migctl_guest_init(&self->g, &h->ops, variant->flags));
	if (variant->list_page)
		ASSERT_EQ(0, migctl_guest_set_list_page(&self->g, self->list, LIST_GPA));
	ASSERT_EQ(variant->no_common ? -MIGCTL_GUEST_EPROTO : 0, migctl_guest_discover(&self->g));
	sim_clear_log(h);
}

FIXTURE_TEARDOWN(neg)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
	free(self->list);
}

/* Covers: G-6, G-7, G-17 */
TEST_F(neg, opt_in)
{
	ASSERT_EQ(variant->ret, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(variant->state, migctl_guest_state(&self->g));
	EXPECT_EQ(variant->version, self->g.version);
	EXPECT_EQ(variant->features, self->g.features);
	ASSERT_EQ(-1, sim_match(self->h, variant->want, variant->n));
	EXPECT_EQ(variant->n, (u32)(self->g.counters.ctl_writes + self->g.counters.ctl_reads));
	/* The host ends up exactly where the guest thinks it is. */
	EXPECT_EQ(variant->state == MIGCTL_GUEST_READY ? self->g.ctl_value : 0, self->h->ctl);
}

/* Covers: G-6, G-7 */
TEST_F(neg, opt_in_is_idempotent)
{
	ASSERT_EQ(variant->ret, migctl_guest_opt_in(&self->g));
	sim_clear_log(self->h);
	if (variant->state == MIGCTL_GUEST_READY)
		EXPECT_EQ(0, migctl_guest_opt_in(&self->g));
	else
		EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(0u, self->h->nlog);
}

/* Covers: G-5, G-7, G-8, G-16 */
TEST_F(neg, notifications_follow_the_choice)
{
	const u64 psc = MIGCTL_PSC_VALUE(3, 1, MIGCTL_ATTR_ENCRYPTED);
	struct sim_op want[] = { OP_HC(0x3000, 1, MIGCTL_ATTR_ENCRYPTED) };
	struct sim_op want_psc[] = { OP_WR(SIM_PSC, psc) };

	migctl_guest_opt_in(&self->g);
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0x3000, 1, true));
	if (variant->state != MIGCTL_GUEST_READY) {
		/* Unavailable: silent. No transport: nothing to send with. */
		EXPECT_EQ(0u, self->h->nlog);
		EXPECT_EQ(1u, self->g.counters.elided);
	} else if (variant->hypercall) {
		ASSERT_EQ(-1, sim_match(self->h, want, 1));
	} else {
		ASSERT_EQ(-1, sim_match(self->h, want_psc, 1));
	}
	/* The MSR transport only when version 2 chose it. */
	if (!(self->g.features & PSC))
		EXPECT_EQ(0u, sim_count_msr(self->h, SIM_WRMSR, SIM_PSC));
}

/* Covers: G-7, G-12, G-17 */
TEST_F(neg, outcome_lasts_until_rediscovery)
{
	ASSERT_EQ(variant->ret, migctl_guest_opt_in(&self->g));
	sim_clear_log(self->h);
	EXPECT_EQ(0, migctl_guest_resume(&self->g));
	EXPECT_EQ(0, migctl_guest_cpu_online(&self->g));
	/* READY stays READY without a write; a failure stays silent. */
	EXPECT_EQ(variant->ret ? -MIGCTL_GUEST_ENODEV : 0, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(0u, self->h->nlog);
	/* A new discovery starts afresh; the same host gives the same answer. */
	ASSERT_EQ(variant->no_common ? -MIGCTL_GUEST_EPROTO : 0, migctl_guest_discover(&self->g));
	EXPECT_EQ(variant->no_common ? (u32)MIGCTL_GUEST_UNAVAILABLE : (u32)MIGCTL_GUEST_AVAILABLE,
		  migctl_guest_state(&self->g));
	sim_clear_log(self->h);
	EXPECT_EQ(variant->ret, migctl_guest_opt_in(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, variant->want, variant->n));
	EXPECT_EQ(variant->state, migctl_guest_state(&self->g));
}
