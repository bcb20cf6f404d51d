/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vmtype_test.c - the VM types migctl governs, and KVM's own hypercall-12 exits for the others. */
#include <errno.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define BIT16	(1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE)
#define BIT17	(1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL)
#define ENC	MIGCTL_ATTR_ENCRYPTED
#define S2M	MIGCTL_ATTR_SIZE_2M

/* One VM type and what a configuration of it may be. */
struct type_case {
	const char *name;
	u32 type;
	bool governed;
	bool needs_encrypted;
};

static const struct type_case types[] = {
	{ "KVM_X86_DEFAULT_VM", MIGCTL_HOST_VM_DEFAULT, true, false },
	{ "KVM_X86_SW_PROTECTED_VM", MIGCTL_HOST_VM_SW_PROTECTED, false, false },
	{ "KVM_X86_SEV_VM", MIGCTL_HOST_VM_SEV, true, true },
	{ "KVM_X86_SEV_ES_VM", MIGCTL_HOST_VM_SEV_ES, true, true },
	{ "KVM_X86_SNP_VM", MIGCTL_HOST_VM_SNP, false, false },
	{ "KVM_X86_TDX_VM", MIGCTL_HOST_VM_TDX, false, false },
};

/* Which configurations create accepts, per type (H-14). */
/* Covers: H-14 */
TEST(vmtype, configurations)
{
	struct migctl_host_config cfg;
	struct migctl_host *h;
	unsigned int i;
	int want;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct type_case *t = &types[i];

		EXPECT_EQ(t->governed, migctl_host_vm_type_governed(t->type));
		/* An offer: only for the types migctl governs. */
		ht_config(&cfg, 1, 2, 0, true, NULL);
		cfg.vm_type = t->type;
		want = t->governed ? 0 : -EINVAL;
		EXPECT_MSG(migctl_host_create(&cfg, &h) == want, "%s with an offer", t->name);
		if (!want)
			migctl_host_destroy(h);
		/* Protocol off: every type, encrypted or not where that makes sense. */
		ht_config(&cfg, 0, 0, 0, false, NULL);
		cfg.vm_type = t->type;
		ASSERT_EQ(0, migctl_host_create(&cfg, &h));
		migctl_host_destroy(h);
		cfg.encrypted = false;
		want = t->needs_encrypted ? -EINVAL : 0;
		EXPECT_MSG(migctl_host_create(&cfg, &h) == want, "%s unencrypted", t->name);
		if (!want)
			migctl_host_destroy(h);
	}
	EXPECT_FALSE(migctl_host_vm_type_governed(MIGCTL_HOST_VM_TDX + 1));
	ht_config(&cfg, 0, 0, 0, false, NULL);
	cfg.vm_type = MIGCTL_HOST_VM_TDX + 1;
	EXPECT_EQ(-EINVAL, migctl_host_create(&cfg, &h));
}

/*
 * What KVM raises for an SNP guest's GHCB page-state change (2 MiB hint)
 * and a TDX guest's MapGPA (2 MiB chunks), and requests the migctl rules
 * would refuse: every one is the VMM's conversion, none touches the log.
 */
static const struct { u64 gpa, npages, attrs; } foreign_exits[] = {
	{ 0x200000, 512, ENC | S2M },		/* SNP PSC to private, 2M */
	{ 0x400000, 512, S2M },			/* TDX MapGPA to shared, one chunk */
	{ 0x1000, 1, ENC },			/* one 4K page */
	{ 0x1800, 1, ENC },			/* not aligned: H-8 would refuse */
	{ 0x1000, 0, 0 },			/* zero pages */
	{ 1ull << 51, 1, ENC },			/* outside RAM */
	{ 0x1000, 1, 1ull << 40 },		/* a reserved attribute bit */
};

/* Covers: H-14, H-3 */
TEST(vmtype, kvm_exits_of_other_types_are_not_notifications)
{
	static const u32 other[] = {
		MIGCTL_HOST_VM_SW_PROTECTED, MIGCTL_HOST_VM_SNP, MIGCTL_HOST_VM_TDX,
	};
	struct migctl_host_config cfg;
	struct migctl_host_counters c;
	struct migctl_host *h;
	const char *why = NULL;
	unsigned int i, k;
	u32 r[4];
	u64 v;

	for (k = 0; k < sizeof(other) / sizeof(other[0]); k++) {
		ht_config(&cfg, 0, 0, 0, false, NULL);
		cfg.vm_type = other[k];
		ASSERT_EQ(0, migctl_host_create(&cfg, &h));
		ht_log_drain_changed(migctl_host_log(h));
		for (i = 0; i < sizeof(foreign_exits) / sizeof(foreign_exits[0]); i++)
			EXPECT_EQ(MIGCTL_HOST_HC_NOT_MIGCTL,
				  migctl_host_hypercall(h, 0, MIGCTL_HC_MAP_GPA_RANGE,
							foreign_exits[i].gpa,
							foreign_exits[i].npages,
							foreign_exits[i].attrs));
		/* A value a guest could mistake for success it is not. */
		EXPECT_GT(MIGCTL_HOST_HC_NOT_MIGCTL, 0);
		/* The log saw nothing: all private still, nothing changed. */
		EXPECT_EQ(0, ht_log_drain_changed(migctl_host_log(h)));
		EXPECT_EQ(migctl_host_log_pages(migctl_host_log(h)),
			  migctl_host_log_count(migctl_host_log(h), true));
		migctl_host_counters(h, &c);
		EXPECT_EQ(sizeof(foreign_exits) / sizeof(foreign_exits[0]), c.not_migctl);
		EXPECT_EQ(0, c.hc_calls + c.ok + c.einval + c.enosys);
		/* No offer to the guest: no bits, the control MSR #GPs (H-3). */
		memset(r, 0, sizeof(r));
		migctl_host_cpuid(h, MIGCTL_CPUID_BASE_FIRST + 1, 0, r);
		EXPECT_EQ(0, r[0] & (BIT16 | BIT17));
		EXPECT_EQ(MIGCTL_HOST_GP, migctl_host_msr_read(h, 0, MIGCTL_MSR_CONTROL, &v));
		EXPECT_EQ(MIGCTL_HOST_GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, 1));
		/* And no migctl migration, with a reason the VMM can show. */
		EXPECT_FALSE(migctl_host_migratable(h, &why));
		EXPECT_NONNULL(why);
		EXPECT_NONNULL(strstr(why, "guest_memfd"));
		migctl_host_destroy(h);
	}
}

/* The same exits on the types migctl governs are notifications, as before. */
/* Covers: H-14, H-8, H-9 */
TEST(vmtype, governed_types_apply_the_rules)
{
	static const u32 governed[] = {
		MIGCTL_HOST_VM_DEFAULT, MIGCTL_HOST_VM_SEV, MIGCTL_HOST_VM_SEV_ES,
	};
	struct migctl_host_config cfg;
	struct migctl_host_counters c;
	struct migctl_host *h;
	unsigned int k;

	for (k = 0; k < sizeof(governed) / sizeof(governed[0]); k++) {
		ht_config(&cfg, 1, 2, 0, true, NULL);
		cfg.vm_type = governed[k];
		ASSERT_EQ(0, migctl_host_create(&cfg, &h));
		EXPECT_EQ(0, migctl_host_hypercall(h, 0, MIGCTL_HC_MAP_GPA_RANGE, 0x200000, 512,
						   S2M));
		EXPECT_EQ(0, migctl_host_log_get(migctl_host_log(h), 0x200));
		EXPECT_EQ(-MIGCTL_KVM_EINVAL,
			  migctl_host_hypercall(h, 0, MIGCTL_HC_MAP_GPA_RANGE, 0x1800, 1, ENC));
		migctl_host_counters(h, &c);
		EXPECT_EQ(0, c.not_migctl);
		EXPECT_EQ(2, c.hc_calls);
		migctl_host_destroy(h);
	}
}
