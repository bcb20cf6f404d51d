/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_discovery_test.c - how the guest library finds the KVM leaves and reads the offer. */
#include "sim.h"
#include "../lib/test.h"

#define BASE		MIGCTL_CPUID_BASE_FIRST
#define LEAF(b)		((b) + MIGCTL_CPUID_LEAF_OFFSET)
#define V2(f)		MIGCTL_CTL_VALUE(2, f)

FIXTURE(disc) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_SETUP(disc)
{
	self->h = sim_create();
}

FIXTURE_TEARDOWN(disc)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

/* Everything a guest does after discovery on a host that offers nothing. */
static void exercise(struct migctl_guest *g)
{
	static const struct migctl_guest_range ram = { 0, 1024 };

	migctl_guest_set_status(g, 0x1000, 1, false);
	migctl_guest_opt_in(g);
	migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_KEXEC);
	migctl_guest_cpu_offline(g, 0);
	migctl_guest_cpu_online(g);
	migctl_guest_resume(g);
	migctl_guest_boot_reset(g, &ram, 1, NULL, 0);
}

/* Covers: G-1, G-3, G-4, G-8 */
TEST_F(disc, no_hypervisor_bit)
{
	static const struct sim_op want[] = { OP_CPUID(0), OP_CPUID(1) };

	sim_none(self->h);
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_discover(&self->g));
	EXPECT_EQ((u32)MIGCTL_GUEST_ABSENT, migctl_guest_state(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	exercise(&self->g);
	EXPECT_EQ(2u, self->h->nlog);
}

/* Covers: G-1, G-3, G-4, G-8 */
TEST_F(disc, hypervisor_without_kvm_signature)
{
	u32 i, base;

	sim_none(self->h);
	self->h->hypervisor = true;
	self->h->hyperv_leaves = true;
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_discover(&self->g));
	/* CPUID 0, CPUID 1, then every one of the 256 bases in order. */
	ASSERT_EQ(2u + 256u, self->h->nlog);
	for (i = 2, base = BASE; i < self->h->nlog; i++, base += MIGCTL_CPUID_BASE_STEP) {
		EXPECT_EQ((u32)SIM_CPUID, self->h->log[i].kind);
		EXPECT_EQ(base, self->h->log[i].index);
	}
	EXPECT_EQ(MIGCTL_CPUID_BASE_LAST + MIGCTL_CPUID_BASE_STEP, base);
	exercise(&self->g);
	EXPECT_EQ(258u, self->h->nlog);
	EXPECT_EQ(0u, self->g.base);
}

/* Covers: G-1, G-2 */
TEST_F(disc, kvm_base_after_hyperv_leaves)
{
	const u32 b = BASE + 0x100;
	const struct sim_op want[] = {
		OP_CPUID(1), OP_CPUID(BASE), OP_CPUID(b), OP_CPUID(b + 1), OP_CPUID(LEAF(b)),
	};
	const struct sim_op opt_in[] = {
		OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)),
	};

	sim_v2(self->h, 1, 2, 0, true);
	sim_move_base(self->h, b);
	self->h->hyperv_leaves = true;
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ(b, self->g.base);
	EXPECT_EQ(1u, self->g.leaf_valid);
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, opt_in, SIM_ARRAY_SIZE(opt_in)));
}

/* Covers: G-1, G-2 */
TEST_F(disc, max_leaf_zero_means_base_plus_one)
{
	const struct sim_op want[] = { OP_CPUID(1), OP_CPUID(BASE), OP_CPUID(BASE + 1) };

	sim_v2(self->h, 1, 2, MIGCTL_F_ALL, true);
	self->h->max_leaf = 0;	/* an old host: the versioned leaf is out of reach */
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ(BASE + 1, self->g.max_leaf);
	EXPECT_EQ(0u, self->g.leaf_valid);
	EXPECT_EQ(1u, self->g.host_max);
}

/* Covers: G-2, G-6, G-17 */
TEST_F(disc, v1_host)
{
	const struct sim_op want[] = { OP_CPUID(1), OP_CPUID(BASE), OP_CPUID(BASE + 1) };
	/* No leaf, so no read-back (G-17). */
	const struct sim_op opt_in[] = { OP_WR(SIM_CTL, 1) };

	sim_v1(self->h, true);
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	EXPECT_EQ(1u, self->g.host_min);
	EXPECT_EQ(1u, self->g.host_max);
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, opt_in, SIM_ARRAY_SIZE(opt_in)));
	EXPECT_EQ(1u, self->g.version);
}

/* A versioned leaf the guest must not believe (or not even read). */
FIXTURE(garbage) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_VARIANT(garbage) {
	u32 leaf[4];
	u32 max_leaf_offset;	/* base+this is the max leaf */
	bool leaf_read;		/* whether the guest reads base+0x4d */
};

FIXTURE_VARIANT_ADD(garbage, bad_magic) {
	.leaf = { 0x4c54434e, 0x0201, MIGCTL_F_ALL, SIM_PSC },
	.max_leaf_offset = MIGCTL_CPUID_LEAF_OFFSET, .leaf_read = true,
};
FIXTURE_VARIANT_ADD(garbage, zero_leaf) {
	.leaf = { 0, 0, 0, 0 },
	.max_leaf_offset = MIGCTL_CPUID_LEAF_OFFSET, .leaf_read = true,
};
FIXTURE_VARIANT_ADD(garbage, min_above_max) {
	.leaf = { MIGCTL_LEAF_MAGIC, 0x0102, MIGCTL_F_ALL, SIM_PSC },
	.max_leaf_offset = MIGCTL_CPUID_LEAF_OFFSET, .leaf_read = true,
};
FIXTURE_VARIANT_ADD(garbage, reserved_bits) {
	.leaf = { MIGCTL_LEAF_MAGIC, 0x00010201, MIGCTL_F_ALL, SIM_PSC },
	.max_leaf_offset = MIGCTL_CPUID_LEAF_OFFSET, .leaf_read = true,
};
FIXTURE_VARIANT_ADD(garbage, min_zero) {
	.leaf = { MIGCTL_LEAF_MAGIC, 0x0200, MIGCTL_F_ALL, SIM_PSC },
	.max_leaf_offset = MIGCTL_CPUID_LEAF_OFFSET, .leaf_read = true,
};
FIXTURE_VARIANT_ADD(garbage, leaf_beyond_max_leaf) {
	.leaf = { MIGCTL_LEAF_MAGIC, 0x0201, MIGCTL_F_ALL, SIM_PSC },
	.max_leaf_offset = MIGCTL_CPUID_LEAF_OFFSET - 1, .leaf_read = false,
};

FIXTURE_SETUP(garbage)
{
	self->h = sim_create();
	sim_v1(self->h, true);
	self->h->max_leaf = BASE + variant->max_leaf_offset;
	memcpy(self->h->leaf, variant->leaf, sizeof(self->h->leaf));
	/* The host would even take version 2: the guest must not try it. */
	self->h->max = 2;
	self->h->offered = MIGCTL_F_ALL;
	self->h->psc_index = SIM_PSC;
}

FIXTURE_TEARDOWN(garbage)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

/* Covers: G-2, G-5, G-6, G-15, G-17 */
TEST_F(garbage, treated_as_version_1)
{
	const struct sim_op with_leaf[] = {
		OP_CPUID(1), OP_CPUID(BASE), OP_CPUID(BASE + 1), OP_CPUID(LEAF(BASE)),
	};
	const struct sim_op opt_in[] = {
		OP_WR(SIM_CTL, 1), OP_HC(0x5000, 1, MIGCTL_ATTR_ENCRYPTED),
	};

	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_discover(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, with_leaf, variant->leaf_read ? 4 : 3));
	EXPECT_EQ(0u, self->g.leaf_valid);
	EXPECT_EQ(0u, self->g.offered);
	EXPECT_EQ(0u, self->g.psc_index);
	sim_clear_log(self->h);
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0x5000, 1, true));
	ASSERT_EQ(-1, sim_match(self->h, opt_in, SIM_ARRAY_SIZE(opt_in)));
	EXPECT_EQ(1u, self->g.version);
}

/* Covers: G-2, G-3, G-4, G-8 */
TEST_F(disc, bit_16_without_bit_17_offers_nothing)
{
	const struct sim_op want[] = { OP_CPUID(1), OP_CPUID(BASE), OP_CPUID(BASE + 1) };

	sim_v2(self->h, 1, 2, MIGCTL_F_ALL, true);
	self->h->kvm_features &= ~(1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL);
	ASSERT_EQ(0, migctl_guest_init(&self->g, &self->h->ops, 0));
	sim_clear_log(self->h);
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_discover(&self->g));
	EXPECT_EQ((u32)MIGCTL_GUEST_ABSENT, migctl_guest_state(&self->g));
	/* No versioned leaf, no control MSR, and no hypercall either. */
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	exercise(&self->g);
	EXPECT_EQ(3u, self->h->nlog);
}

/* Covers: G-3, G-4, G-8 */
TEST_F(disc, signature_without_feature_bits)
{
	sim_v1(self->h, false);
	self->h->kvm_features = 0;
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ((u32)MIGCTL_GUEST_ABSENT, self->g.state);
	exercise(&self->g);
	EXPECT_EQ(0u, self->h->nlog);
}

/* An MSR transport index the guest must refuse (G-5). */
FIXTURE(psc_index) {
	struct sim_host *h;
	struct migctl_guest g;
};

FIXTURE_VARIANT(psc_index) {
	u32 index;
};

FIXTURE_VARIANT_ADD(psc_index, upstream_0x4b564d05) { .index = 0x4b564d05 };
/* Proposed upstream for MSR_KVM_SUSPEND_STEAL (feature bit 18). */
FIXTURE_VARIANT_ADD(psc_index, proposed_0x4b564d09) { .index = 0x4b564d09 };
/* In use on the test machines. */
FIXTURE_VARIANT_ADD(psc_index, in_use_0x4b564d10) { .index = 0x4b564d10 };
FIXTURE_VARIANT_ADD(psc_index, below_range) { .index = MIGCTL_MSR_PSC_FIRST - 1 };
FIXTURE_VARIANT_ADD(psc_index, above_range) { .index = MIGCTL_MSR_PSC_LAST + 1 };
/* PVM's block. */
FIXTURE_VARIANT_ADD(psc_index, pvm_0x4b564df0) { .index = 0x4b564df0 };
FIXTURE_VARIANT_ADD(psc_index, control_msr) { .index = MIGCTL_MSR_CONTROL };
FIXTURE_VARIANT_ADD(psc_index, outside_range) { .index = 0x12345678 };
FIXTURE_VARIANT_ADD(psc_index, zero) { .index = 0 };
FIXTURE_VARIANT_ADD(psc_index, past_range) { .index = 0x4b564e00 };

FIXTURE_SETUP(psc_index)
{
	self->h = sim_create();
	sim_v2(self->h, 1, 2, MIGCTL_F_MSR_PSC, true);
	self->h->leaf[3] = variant->index;
}

FIXTURE_TEARDOWN(psc_index)
{
	if (self->h->violations)
		test_diag("host saw: %s", self->h->why);
	EXPECT_EQ(0u, self->h->violations);
	sim_destroy(self->h);
}

/* Covers: G-5, G-6, G-15 */
TEST_F(psc_index, not_used)
{
	const struct sim_op want[] = {
		OP_WR(SIM_CTL, V2(0)), OP_RD(SIM_CTL, V2(0)), OP_HC(0x2000, 1, 0),
	};

	ASSERT_EQ(0, sim_guest(self->h, &self->g, MIGCTL_GUEST_PREFER_MSR_PSC));
	EXPECT_EQ(0u, self->g.psc_index);
	EXPECT_EQ(0u, self->g.offered & MIGCTL_F_MSR_PSC);
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-5, G-8, G-15 */
TEST_F(psc_index, no_transport_left)
{
	self->h->kvm_features &= ~(1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE);
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ(-MIGCTL_GUEST_ENODEV, migctl_guest_opt_in(&self->g));
	EXPECT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
	EXPECT_EQ(0u, self->h->nlog);
	EXPECT_EQ(1u, self->g.counters.elided);
}

/* Both ends of the PSC range are indices the guest uses (G-5). */
/* Covers: G-5 */
TEST_F(disc, psc_index_range_ends_used)
{
	static const u32 ends[] = { MIGCTL_MSR_PSC_FIRST, MIGCTL_MSR_PSC_LAST };
	u32 i;

	for (i = 0; i < SIM_ARRAY_SIZE(ends); i++) {
		const struct sim_op want[] = {
			OP_WR(ends[i], MIGCTL_PSC_VALUE(2, 1, 0)),
		};

		sim_v2(self->h, 1, 2, MIGCTL_F_MSR_PSC, false);
		self->h->psc_index = self->h->leaf[3] = ends[i];
		ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
		EXPECT_EQ(ends[i], self->g.psc_index);
		ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
		sim_clear_log(self->h);
		ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0x2000, 1, false));
		ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
	}
}

/* Covers: G-15, G-6 */
TEST_F(disc, undefined_leaf_bits_ignored)
{
	const u64 v = V2(MIGCTL_F_MSR_PSC);
	const struct sim_op want[] = { OP_WR(SIM_CTL, v), OP_RD(SIM_CTL, v) };

	sim_v2(self->h, 1, 2, MIGCTL_F_MSR_PSC, false);
	self->h->leaf[2] |= 0xfff0u;	/* flags no version defines */
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ((u32)MIGCTL_F_MSR_PSC, self->g.offered);
	ASSERT_EQ(0, migctl_guest_opt_in(&self->g));
	ASSERT_EQ(-1, sim_match(self->h, want, SIM_ARRAY_SIZE(want)));
}

/* Covers: G-4 */
TEST_F(disc, hypercall_instruction_follows_vendor)
{
	sim_v1(self->h, true);
	self->h->amd = true;
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ((u32)MIGCTL_GUEST_INSN_VMMCALL, self->g.insn);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0, 1, true));
	ASSERT_EQ(1u, self->h->nlog);
	EXPECT_EQ((u32)MIGCTL_GUEST_INSN_VMMCALL, self->h->log[0].insn);

	self->h->amd = false;
	ASSERT_EQ(0, sim_guest(self->h, &self->g, 0));
	EXPECT_EQ((u32)MIGCTL_GUEST_INSN_VMCALL, self->g.insn);
	ASSERT_EQ(0, migctl_guest_set_status(&self->g, 0, 1, true));
	ASSERT_EQ(1u, self->h->nlog);
	EXPECT_EQ((u32)MIGCTL_GUEST_INSN_VMCALL, self->h->log[0].insn);
}

static void lock_only(void *arg)
{
}

/* Covers: G-1 */
TEST(disc, init_rejects_bad_arguments)
{
	struct sim_host *h = sim_create();
	struct migctl_guest g;
	struct migctl_guest_ops ops = h->ops;

	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_init(&g, NULL, 0));
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_init(&g, &h->ops, 1u << 31));
	ops.hypercall = NULL;
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_init(&g, &ops, 0));
	ops = h->ops;
	ops.unlock = NULL;
	ops.lock = lock_only;
	EXPECT_EQ(-MIGCTL_GUEST_EINVAL, migctl_guest_init(&g, &ops, 0));
	EXPECT_EQ(0u, h->nlog);
	/* Before discovery nothing is sent. */
	ASSERT_EQ(0, migctl_guest_init(&g, &h->ops, 0));
	EXPECT_EQ((u32)MIGCTL_GUEST_INIT, migctl_guest_state(&g));
	EXPECT_EQ(0, migctl_guest_set_status(&g, 0, 1, true));
	EXPECT_EQ(1u, h->nlog);
	sim_destroy(h);
}
