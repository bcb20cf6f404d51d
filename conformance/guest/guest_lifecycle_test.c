/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_lifecycle_test.c - opt-out, re-entry and the boot-time reset of the guest library. */
#include <stdlib.h>

#include "sim.h"
#include "../lib/test.h"

#define ENC		MIGCTL_ATTR_ENCRYPTED
#define S2M		MIGCTL_ATTR_SIZE_2M
#define S1G		MIGCTL_ATTR_SIZE_1G
#define V2(f)		MIGCTL_CTL_VALUE(2, f)
#define PSC		MIGCTL_F_MSR_PSC
#define LIST_GPA	0x7000ull
#define GIB		(1ull << 30)

FIXTURE(life) {
	struct sim_host *h;
	struct migctl_guest g;
	struct migctl_list_entry *list;
};

FIXTURE_SETUP(life)
{
	self->h = sim_create();
	self->list = aligned_alloc(MIGCTL_PAGE_SIZE, MIGCTL_PAGE_SIZE);
	self->h->list_va = self->list;
	self->h->list_gpa = LIST_GPA;
}

FIXTURE_TEARDOWN(life)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
	free(self->list);
}

/* A version-2 host offering @features; the guest discovered and READY. */
static void ready(struct sim_host *h, struct migctl_guest *g, u32 features, bool hypercall)
{
	sim_v2(h, 1, 2, features, hypercall);
	ASSERT_EQ(0, sim_guest(h, g, 0));
	ASSERT_EQ(0, migctl_guest_opt_in(g));
	sim_clear_log(h);
}

/* Which call undoes an opt-out made for each reason (G-11, G-12). */
FIXTURE(out) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_VARIANT(out) {
	u32 reason;
	bool by_resume, by_online;
};

FIXTURE_VARIANT_ADD(out, kexec) { .reason = MIGCTL_GUEST_OUT_KEXEC };
FIXTURE_VARIANT_ADD(out, reboot) { .reason = MIGCTL_GUEST_OUT_REBOOT };
FIXTURE_VARIANT_ADD(out, shutdown) { .reason = MIGCTL_GUEST_OUT_SHUTDOWN };
FIXTURE_VARIANT_ADD(out, suspend) { .reason = MIGCTL_GUEST_OUT_SUSPEND, .by_resume = true };
FIXTURE_VARIANT_ADD(out, cpu_offline) { .reason = MIGCTL_GUEST_OUT_CPU_OFFLINE, .by_online = true };

FIXTURE_SETUP(out)
{
	self->h = sim_create();
	ready(self->h, &self->g, PSC, true);
}

FIXTURE_TEARDOWN(out)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

/* Covers: G-11, G-12 */
TEST_F(out, withdraw_and_reenter)
{
	const struct sim_op out[] = { OP_WR(SIM_CTL, 0), OP_HC(0x1000, 1, 0) };
	const struct sim_op back[] = { OP_WR(SIM_CTL, V2(PSC)), OP_RD(SIM_CTL, V2(PSC)) };

	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, variant->reason));
	EXPECT_EQ((u32)MIGCTL_GUEST_OPTED_OUT, migctl_guest_state(&self->g));
	EXPECT_EQ(0ull, self->h->ctl);
	/* Not READY any more: a second opt-out writes nothing. */
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, variant->reason));
	/* Notifications go on so the log is right for a later re-entry. */
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0x1000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, out, 2));

	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_resume(&self->g));
	ASSERT_EQ(0, migctl_guest_cpu_online(&self->g));
	if (variant->by_resume || variant->by_online) {
		ASSERT_EQ(-1, sim_match(self->h, back, 2));
		EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
		EXPECT_EQ(V2(PSC), self->h->ctl);
	} else {
		EXPECT_EQ(0u, self->h->nlog);
		EXPECT_EQ((u32)MIGCTL_GUEST_OPTED_OUT, migctl_guest_state(&self->g));
	}
}

/* Covers: G-11 */
TEST_F(life, bad_reason_or_not_ready_writes_nothing)
{
	sim_v2(self->h, 1, 2, 0, true);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_REBOOT));
	EXPECT_EQ((u32)MIGCTL_GUEST_AVAILABLE, migctl_guest_state(&self->g));
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	sim_clear_log(self->h);
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_opt_out(&self->g, 0));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_opt_out(&self->g, 7));
	EXPECT_EQ(0u, self->h->nlog);
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
}

/* Covers: G-11, G-12 */
TEST_F(life, only_last_cpu_offline_withdraws)
{
	const struct sim_op want[] = {
		OP_WR(SIM_CTL, 0), OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)), OP_WR(SIM_CTL, 0),
	};

	ready(self->h, &self->g, 0, true);
	EXPECT_EQ(0, migctl_guest_cpu_offline(&self->g, 3));
	EXPECT_EQ(0, migctl_guest_cpu_offline(&self->g, 2));
	EXPECT_EQ(0, migctl_guest_cpu_offline(&self->g, 1));
	EXPECT_EQ(0u, self->h->nlog);
	EXPECT_EQ(V2(0), self->h->ctl);
	EXPECT_EQ(0, migctl_guest_cpu_offline(&self->g, 0));
	EXPECT_EQ(0ull, self->h->ctl);
	EXPECT_EQ(0, migctl_guest_cpu_online(&self->g));
	EXPECT_EQ(V2(0), self->h->ctl);
	EXPECT_EQ(0, migctl_guest_cpu_online(&self->g));	/* already READY */
	EXPECT_EQ(0, migctl_guest_cpu_offline(&self->g, 0));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-11, G-12 */
TEST_F(life, suspend_resume_cycles)
{
	const struct sim_op cycle[] = {
		OP_WR(SIM_CTL, 0), OP_WR(SIM_CTL, V2(PSC)), OP_RD(SIM_CTL, V2(PSC)),
	};
	int i;

	ready(self->h, &self->g, PSC, false);
	for (i = 0; i < 3; i++) {
		sim_clear_log(self->h);
		ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_SUSPEND));
		ASSERT_EQ(0, migctl_guest_resume(&self->g));
		ASSERT_EQ(-1, sim_match(self->h, cycle, SIM_ARRAY_SIZE(cycle)));
	}
	sim_clear_log(self->h);
	EXPECT_EQ(0, migctl_guest_resume(&self->g));	/* no suspend: nothing */
	EXPECT_EQ(0u, self->h->nlog);
}

/* Covers: G-7, G-12 */
TEST_F(life, resume_negotiates_again)
{
	const struct sim_op want[] = {
		OP_WR(SIM_CTL, 0), OP_WR_GP(SIM_CTL, V2(PSC)), OP_WR(SIM_CTL, 1), OP_RD(SIM_CTL, 1),
		OP_HC(0x1000, 1, 0),
	};

	ready(self->h, &self->g, PSC, true);
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_SUSPEND));
	self->h->reject_features = PSC;	/* the host changed while we slept */
	ASSERT_EQ(0, migctl_guest_resume(&self->g));
	EXPECT_EQ(1u, self->g.version);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0x1000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-7, G-12 */
TEST_F(life, resume_on_refusing_host_gives_up)
{
	const struct sim_op want[] = {
		OP_WR(SIM_CTL, 0), OP_WR_GP(SIM_CTL, V2(0)), OP_WR_GP(SIM_CTL, 1),
	};

	ready(self->h, &self->g, 0, true);
	ASSERT_EQ(0, migctl_guest_cpu_offline(&self->g, 0));
	self->h->gp_all_wrmsr = true;
	EXPECT_EQ(-MIGCTL_GUEST_EPROTO, migctl_guest_cpu_online(&self->g));
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x1000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-11 */
TEST_F(life, faulting_opt_out_reported)
{
	ready(self->h, &self->g, 0, true);
	self->h->gp_all_wrmsr = true;
	EXPECT_EQ(-MIGCTL_GUEST_EIO, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_SHUTDOWN));
	EXPECT_EQ((u32)MIGCTL_GUEST_OPTED_OUT, migctl_guest_state(&self->g));
	EXPECT_EQ(1u, self->h->nlog);
	EXPECT_EQ(1ull, self->g.counters.errors);
}

/* The memory map of the boot-reset tests: 640 KiB, 1 MiB..2 GiB, 4..6 GiB. */
static const struct migctl_guest_range boot_ram[] = {
	{ 0, 160 }, { 0x100000, (2 * GIB - 0x100000) >> 12 }, { 4 * GIB, (2 * GIB) >> 12 },
};
static const struct migctl_guest_range boot_shared[] = {
	{ LIST_GPA, 1 }, { 0x200000, 512 },
};

#define BOOT_RAM_OPS							\
	OP_HC(0, 160, ENC), OP_HC(0x100000, (2 * GIB - 0x100000) >> 12, ENC),	\
	OP_HC(4 * GIB, (2 * GIB) >> 12, ENC | S1G)
#define BOOT_SHARED_OPS	OP_HC(LIST_GPA, 1, 0), OP_HC(0x200000, 512, S2M)

/* The host's log after a reset: RAM private but for the shared ranges. */
static void expect_reset_log(struct sim_host *h)
{
	EXPECT_EQ(SIM_PRIVATE, sim_status(h, 0));
	EXPECT_EQ(SIM_SHARED, sim_status(h, LIST_GPA >> 12));
	EXPECT_EQ(SIM_PRIVATE, sim_status(h, 0x1ff));
	EXPECT_EQ(SIM_SHARED, sim_status(h, 0x200));
	EXPECT_EQ(SIM_SHARED, sim_status(h, 0x3ff));
	EXPECT_EQ(SIM_PRIVATE, sim_status(h, 0x400));
	EXPECT_EQ(SIM_PRIVATE, sim_status(h, (5 * GIB) >> 12));
}

/* Covers: G-13 */
TEST_F(life, boot_reset_first_boot)
{
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, 0), BOOT_RAM_OPS, BOOT_SHARED_OPS,
		OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)),
	};

	sim_v2(self->h, 1, 2, 0, true);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	expect_reset_log(self->h);
}

/* Covers: G-13 */
TEST_F(life, boot_reset_after_kexec)
{
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, V2(0)), OP_WR(SIM_CTL, 0), BOOT_RAM_OPS, BOOT_SHARED_OPS,
		OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)),
	};

	sim_v2(self->h, 1, 2, 0, true);
	/* The previous kernel left READY set and its own pages shared. */
	self->h->ctl = V2(0);
	sim_set_all(self->h, SIM_SHARED);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	expect_reset_log(self->h);
}

/*
 * Without a versioned leaf the guest cannot rely on reading the control
 * MSR (G-17): it writes 0 whatever the old kernel left, and its write of 1
 * needs no read-back.
 */
/* Covers: G-13, G-17 */
TEST_F(life, boot_reset_v1_host_after_kexec)
{
	const struct sim_op want[] = {
		OP_WR(SIM_CTL, 0), BOOT_RAM_OPS, BOOT_SHARED_OPS, OP_WR(SIM_CTL, 1),
	};

	sim_v1(self->h, true);
	self->h->ctl = 1;
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	expect_reset_log(self->h);
}

/*
 * A host built to the letter of KVM's documentation filters only writes of
 * the control MSR, so every read raises #GP. The version-1 guest reaches
 * READY there at boot, across suspend and after kexec, without one read.
 */
/* Covers: G-7, G-11, G-12, G-13, G-17 */
TEST_F(life, write_only_host_whole_life)
{
	const struct sim_op boot[] = {
		OP_WR(SIM_CTL, 0), BOOT_RAM_OPS, BOOT_SHARED_OPS, OP_WR(SIM_CTL, 1),
	};
	const struct sim_op cycle[] = { OP_WR(SIM_CTL, 0), OP_WR(SIM_CTL, 1) };

	sim_v1_write_only(self->h);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, boot, SIM_ARRAY_SIZE(boot)));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	EXPECT_EQ(1ull, self->h->ctl);
	expect_reset_log(self->h);

	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_SUSPEND));
	ASSERT_EQ(0, migctl_guest_resume(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, cycle, SIM_ARRAY_SIZE(cycle)));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));

	/* kexec: the next kernel discovers and resets without a read too. */
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_KEXEC));
	sim_set_all(self->h, SIM_SHARED);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, boot, SIM_ARRAY_SIZE(boot)));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	expect_reset_log(self->h);
	EXPECT_EQ(0ull, self->g.counters.ctl_reads);
	EXPECT_EQ(0ull, self->g.counters.faults);
}

/* The same host refusing the write of 1: unavailable, nothing more (G-7). */
/* Covers: G-7, G-17 */
TEST_F(life, write_only_host_refusing_ready)
{
	const struct sim_op want[] = {
		OP_WR(SIM_CTL, 0), BOOT_RAM_OPS, BOOT_SHARED_OPS, OP_WR_GP(SIM_CTL, 1),
	};

	sim_v1_write_only(self->h);
	self->h->max = 0;	/* accepts 0 only */
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(-MIGCTL_GUEST_EPROTO,
		  migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-5, G-13 */
TEST_F(life, boot_reset_with_lists_two_calls)
{
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, 0), OP_HC(LIST_GPA, 3, MIGCTL_ATTR_LIST),
		OP_HC(LIST_GPA, 2, MIGCTL_ATTR_LIST),
		OP_WR(SIM_CTL, V2(MIGCTL_F_LIST)), OP_RD(SIM_CTL, V2(MIGCTL_F_LIST)),
	};

	sim_v2(self->h, 1, 2, MIGCTL_F_LIST, true);
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	ASSERT_EQ(0, migctl_guest_set_list_page(&self->g, self->list, LIST_GPA));
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	sim_clear_log(self->h);
	sim_set_all(self->h, SIM_SHARED);
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	expect_reset_log(self->h);
}

/* Covers: G-13, G-14 */
TEST_F(life, boot_reset_merges_split_map)
{
	/* An e820 map split at 1 MiB and 2 MiB: one contiguous run. */
	static const struct migctl_guest_range ram[] = {
		{ 0x200000, 512 }, { 0, 256 }, { 0x100000, 256 }, { 0x100000, 16 },
	};
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, 0), OP_HC(0, 1024, ENC | S2M),
		OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)),
	};

	sim_v2(self->h, 1, 2, 0, true);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, ram, 4, NULL, 0));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-5, G-13, G-14 */
TEST_F(life, boot_reset_over_msr_transport)
{
	static const struct migctl_guest_range ram[] = { { 0x1ff000, 1 + 3 * 512 + 5 } };
	static const struct migctl_guest_range shared[] = { { 0x200000, 512 } };
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, 0),
		OP_WR(SIM_PSC, MIGCTL_PSC_VALUE(0x1ff, 1, ENC)),
		OP_WR(SIM_PSC, MIGCTL_PSC_VALUE(0x200, 3, ENC | S2M)),
		OP_WR(SIM_PSC, MIGCTL_PSC_VALUE(0x800, 5, ENC)),
		OP_WR(SIM_PSC, MIGCTL_PSC_VALUE(0x200, 1, S2M)),
		OP_WR(SIM_CTL, V2(PSC)), OP_RD(SIM_CTL, V2(PSC)),
	};

	sim_v2(self->h, 1, 2, PSC, false);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, ram, 1, shared, 1));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-9, G-13 */
TEST_F(life, boot_reset_error_blocks_opt_in)
{
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, 0),
		OP_HC_RET(0, 160, ENC, -MIGCTL_KVM_EINVAL),
		OP_HC_RET(0x100000, (2 * GIB - 0x100000) >> 12, ENC, -MIGCTL_KVM_EINVAL),
		OP_HC_RET(4 * GIB, (2 * GIB) >> 12, ENC | S1G, -MIGCTL_KVM_EINVAL),
	};

	sim_v2(self->h, 1, 2, 0, true);
	self->h->hc_ret = -MIGCTL_KVM_EINVAL;
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(-MIGCTL_KVM_EINVAL,
		  migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ((u32)MIGCTL_GUEST_AVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ(0ull, self->h->ctl);
}

/* Covers: G-8, G-13 */
TEST_F(life, boot_reset_on_deaf_host_never_ready)
{
	const struct sim_op want[] = {
		OP_RD(SIM_CTL, 0), OP_HC_RET(0, 160, ENC, -MIGCTL_KVM_ENOSYS),
	};

	sim_v2(self->h, 1, 2, 0, true);
	self->h->hc_mode = SIM_HC_ENOSYS;
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV,
		  migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ(5ull, self->g.counters.elided);	/* all five runs, the refused one too */
}

/* Covers: G-8, G-13, G-14 */
TEST_F(life, boot_reset_absent_or_invalid)
{
	static const struct migctl_guest_range bad[] = { { 0x1234, 1 } };

	sim_none(self->h);
	sim_guest(self->h, &self->g, 0);
	EXPECT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	EXPECT_EQ(0u, self->h->nlog);
	sim_v2(self->h, 1, 2, 0, true);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_boot_reset(&self->g, boot_ram, 3, bad, 1));
	EXPECT_EQ(0u, self->h->nlog);
}

/* Covers: G-3, G-8, G-13 */
TEST_F(life, boot_reset_without_control_msr)
{
	sim_v2(self->h, 1, 2, 0, true);
	self->h->kvm_features &= ~(1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL);
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	EXPECT_EQ(0u, self->h->nlog);
}

/* Covers: G-12, G-13 */
TEST_F(life, hibernate_resume_resets_then_opts_in)
{
	const struct sim_op want[] = {
		OP_CPUID(1), OP_CPUID(MIGCTL_CPUID_BASE_FIRST), OP_CPUID(MIGCTL_CPUID_BASE_FIRST + 1),
		OP_CPUID(MIGCTL_CPUID_BASE_FIRST + MIGCTL_CPUID_LEAF_OFFSET),
		OP_RD(SIM_CTL, 0), BOOT_RAM_OPS, BOOT_SHARED_OPS,
		OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)),
	};

	ready(self->h, &self->g, 0, true);
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_SUSPEND));
	/* The restoring kernel left its own view of the log. */
	sim_set_all(self->h, SIM_SHARED);
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	expect_reset_log(self->h);
}

/* Covers: G-7, G-9, G-13 */
TEST_F(life, error_withdraws_until_rediscovery)
{
	const struct sim_op want[] = {
		OP_HC_RET(0x1000, 1, 0, -MIGCTL_KVM_EINVAL), OP_WR(SIM_CTL, 0),
	};

	sim_v2(self->h, 1, 2, 0, true);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, MIGCTL_GUEST_WITHDRAW_ON_ERROR));
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	sim_clear_log(self->h);
	self->h->hc_ret = -MIGCTL_KVM_EINVAL;
	EXPECT_EQ(-MIGCTL_KVM_EINVAL, migctl_guest_set_status(&self->g, 0x1000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ((u32)MIGCTL_GUEST_OUT_ERROR, self->g.out_reason);
	/* Silent: no notification, no re-entry, no reset. */
	self->h->hc_ret = 0;
	sim_clear_log(self->h);
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
	EXPECT_EQ(0, migctl_guest_resume(&self->g));
	EXPECT_EQ(0, migctl_guest_cpu_online(&self->g));
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	EXPECT_EQ(0u, self->h->nlog);
	/* A new discovery and its reset rebuild the log, then READY. */
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(0, migctl_guest_boot_reset(&self->g, boot_ram, 3, boot_shared, 2));
	EXPECT_EQ((u32)MIGCTL_GUEST_READY, migctl_guest_state(&self->g));
	expect_reset_log(self->h);
}

/* Covers: G-9, G-11 */
TEST_F(life, error_opt_out_overrides_suspend)
{
	const struct sim_op want[] = { OP_WR(SIM_CTL, 0) };

	ready(self->h, &self->g, 0, true);
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_SUSPEND));
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_ERROR));
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ(0, migctl_guest_resume(&self->g));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
}

/* Covers: G-9, G-11 */
TEST_F(life, error_opt_out_when_ready)
{
	const struct sim_op want[] = { OP_WR(SIM_CTL, 0) };

	ready(self->h, &self->g, 0, true);
	ASSERT_EQ(0, migctl_guest_opt_out(&self->g, MIGCTL_GUEST_OUT_ERROR));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ((u32)MIGCTL_GUEST_UNAVAILABLE, migctl_guest_state(&self->g));
	EXPECT_EQ(0ull, self->h->ctl);
}
