/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guest_cpuid_test.c - the guest CPUID built from KVM-like supported tables, no /dev/kvm. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migctl.h"
#include "test.h"
#include "../guest_cpuid.h"

#define MAX_ENT		64
#define SIG		KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define HOST_APIC	0x15u	/* the host CPU the ioctl ran on */
#define ECX_VMX		(1u << 5)
#define ECX_X2APIC	(1u << 21)
#define ECX_DEADLINE	(1u << 24)
#define ECX_HV		(1u << 31)
#define EDX_HTT		(1u << 28)
#define EXT_SVM		(1u << 2)
#define EXT_TOPOEXT	(1u << 22)
#define PV_FEATURES	0x01007efbu	/* what a standard KVM reports in 0x40000001 */

struct table {
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 e[MAX_ENT];
};

/* The shape of a KVM_GET_SUPPORTED_CPUID answer on one kind of host. */
enum host { HOST_INTEL, HOST_AMD, HOST_AMD_OLD };

static void add(struct table *t, u32 fn, u32 idx, u32 flags, u32 a, u32 b, u32 c, u32 d)
{
	t->e[t->hdr.nent++] = (struct kvm_cpuid_entry2){ .function = fn, .index = idx,
		.flags = flags, .eax = a, .ebx = b, .ecx = c, .edx = d };
}

/* What a standard KVM hands out: host topology, no ECX[31], nested allowed. */
static void host_table(struct table *t, enum host h, bool kvm_leaves)
{
	bool amd = h != HOST_INTEL;

	memset(t, 0, sizeof(*t));
	if (amd)
		add(t, 0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);	/* AuthenticAMD */
	else
		add(t, 0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);	/* GenuineIntel */
	add(t, 1, 0, 0, 0x830f10, HOST_APIC << 24 | 0x20 << 16 | 0x0800,
	    ECX_VMX | ECX_X2APIC | ECX_DEADLINE | 0x00802001, 0x178bfbff);
	add(t, 4, 0, SIG, amd ? 0 : 0x1c004121, 0x01c0003f, 0x3f, 0);	/* L1d */
	add(t, 4, 1, SIG, amd ? 0 : 0x1c004143, 0x01c0003f, 0x3ff, 0);	/* L2 */
	add(t, 4, 2, SIG, amd ? 0 : 0x1c03c163, 0x03c0003f, 0x3fff, 6);	/* L3 */
	add(t, 4, 3, SIG, 0, 0, 0, 0);
	add(t, 7, 0, SIG, 0, 0x219c07ab, 0x4, 0xa8000000);
	add(t, 0xb, 0, SIG, 1, 2, 0x100, HOST_APIC);
	add(t, 0xb, 1, SIG, 6, 32, 0x201, HOST_APIC);
	add(t, 0xb, 2, SIG, 0, 0, 2, HOST_APIC);
	if (!amd) {
		add(t, 0x1f, 0, SIG, 1, 2, 0x100, HOST_APIC);
		add(t, 0x1f, 1, SIG, 6, 32, 0x201, HOST_APIC);
		add(t, 0x1f, 2, SIG, 0, 0, 2, HOST_APIC);
	}
	if (kvm_leaves) {
		add(t, GUEST_CPUID_KVM_BASE, 0, 0, GUEST_CPUID_KVM_FEATURES, MIGCTL_KVM_SIG_EBX,
		    MIGCTL_KVM_SIG_ECX, MIGCTL_KVM_SIG_EDX);
		add(t, GUEST_CPUID_KVM_FEATURES, 0, 0, PV_FEATURES, 0, 0, 0);
	}
	add(t, 0x80000000, 0, 0, h == HOST_AMD ? 0x80000021 : h == HOST_AMD_OLD ? 0x8000001d :
	    0x80000008, 0, 0, 0);
	add(t, 0x80000001, 0, 0, 0, 0, amd ? EXT_SVM | EXT_TOPOEXT | 0x393 : 0x121, 0x2c100800);
	add(t, 0x80000008, 0, 0, 0x3030, 0, amd ? 0x703f : 0, 0);
	if (!amd)
		return;
	add(t, 0x8000001d, 0, SIG, 0x4121, 0x01c0003f, 0x3f, 0);
	add(t, 0x8000001d, 1, SIG, 0x4143, 0x01c0003f, 0x3ff, 2);
	add(t, 0x8000001d, 2, SIG, 0x3c163, 0x03c0003f, 0x3fff, 1);
	add(t, 0x8000001d, 3, SIG, 0, 0, 0, 0);
	if (h == HOST_AMD)	/* old kernels copied the host's; 6.1 zeroes it */
		add(t, 0x8000001e, 0, 0, HOST_APIC, 0x100 | HOST_APIC, 0x300, 0);
}

static struct kvm_cpuid_entry2 *leaf(struct table *t, u32 fn, u32 idx)
{
	return guest_cpuid_find(&t->hdr, fn, idx);
}

FIXTURE(build) { struct table tmpl; u32 bits; };
FIXTURE_VARIANT(build) {
	enum host host;
	int cpus;
	bool irqchip;
	bool deadline_cap;
	bool no_kvm_leaves;
};
FIXTURE_VARIANT_ADD(build, intel_1) { HOST_INTEL, 1, true, true, false };
FIXTURE_VARIANT_ADD(build, intel_4) { HOST_INTEL, 4, true, true, false };
FIXTURE_VARIANT_ADD(build, intel_64) { HOST_INTEL, 64, true, false, false };
FIXTURE_VARIANT_ADD(build, intel_no_irqchip) { HOST_INTEL, 2, false, true, false };
FIXTURE_VARIANT_ADD(build, amd_3) { HOST_AMD, 3, true, true, false };
FIXTURE_VARIANT_ADD(build, amd_old_no_leaf_8000001e) { HOST_AMD_OLD, 5, true, true, false };
FIXTURE_VARIANT_ADD(build, no_kvm_leaves) { HOST_AMD, 2, true, true, true };

FIXTURE_SETUP(build)
{
	struct guest_cpuid_config cc = { variant->cpus, variant->irqchip, variant->deadline_cap };

	host_table(&self->tmpl, variant->host, !variant->no_kvm_leaves);
	ASSERT_EQ(0, guest_cpuid_build(&self->tmpl.hdr, MAX_ENT, &cc));
	while ((1 << self->bits) < variant->cpus)
		self->bits++;
}

FIXTURE_TEARDOWN(build) {}

/*
 * Every VMM sets the hypervisor bit itself (KVM's table never has it), or
 * a guest following G-1 never looks for the KVM leaves of H-1.
 */
TEST_F(build, hypervisor_bit_and_kvm_leaves)
{
	struct kvm_cpuid_entry2 *e = leaf(&self->tmpl, 1, 0), *base, *feat;

	ASSERT_NONNULL(e);
	EXPECT_TRUE(e->ecx & ECX_HV);
	base = leaf(&self->tmpl, GUEST_CPUID_KVM_BASE, 0);
	feat = leaf(&self->tmpl, GUEST_CPUID_KVM_FEATURES, 0);
	ASSERT_NONNULL(base);
	ASSERT_NONNULL(feat);
	EXPECT_EQ(MIGCTL_KVM_SIG_EBX, base->ebx);
	EXPECT_EQ(MIGCTL_KVM_SIG_ECX, base->ecx);
	EXPECT_EQ(MIGCTL_KVM_SIG_EDX, base->edx);
	EXPECT_EQ(GUEST_CPUID_KVM_FEATURES, base->eax);
	/* KVM's PV features as it reported them; none where it reported none. */
	EXPECT_EQ(variant->no_kvm_leaves ? 0u : PV_FEATURES, feat->eax);
}

/* No nested guests (their state is not migrated); APIC features as the VM has them. */
TEST_F(build, features_this_vm_has)
{
	struct kvm_cpuid_entry2 *e = leaf(&self->tmpl, 1, 0);
	struct kvm_cpuid_entry2 *ext = leaf(&self->tmpl, 0x80000001, 0);

	ASSERT_NONNULL(e);
	ASSERT_NONNULL(ext);
	EXPECT_FALSE(e->ecx & ECX_VMX);
	EXPECT_FALSE(ext->ecx & EXT_SVM);
	EXPECT_EQ(variant->irqchip, !!(e->ecx & ECX_X2APIC));
	EXPECT_EQ(variant->irqchip && variant->deadline_cap, !!(e->ecx & ECX_DEADLINE));
	EXPECT_EQ(0x00802001u, e->ecx & 0x00802001u);	/* the rest kept */
	EXPECT_EQ(0x219c07abu, leaf(&self->tmpl, 7, 0)->ebx);
}

/* The template has no APIC ID of the host CPU KVM_GET_SUPPORTED_CPUID ran on. */
TEST_F(build, template_has_no_host_apic_id)
{
	for (u32 i = 0; i < self->tmpl.hdr.nent; i++) {
		struct kvm_cpuid_entry2 *e = &self->tmpl.e[i];

		if (e->function == 1)
			EXPECT_EQ(0u, e->ebx >> 24);
		if (e->function == 0xb || e->function == 0x1f)
			EXPECT_EQ(0u, e->edx);
		if (e->function == 0x8000001e)
			EXPECT_EQ(0u, e->eax | (e->ebx & 0xff));
	}
}

/* Each vCPU: its own APIC ID everywhere, one core of one thread, one package. */
TEST_F(build, topology_per_vcpu)
{
	u32 ids = 1u << self->bits;
	bool amd = variant->host != HOST_INTEL;

	for (int id = 0; id < variant->cpus; id++) {
		struct table t = self->tmpl;
		struct kvm_cpuid_entry2 *e;

		guest_cpuid_set_apic_id(&t.hdr, id);
		e = leaf(&t, 1, 0);
		EXPECT_EQ((u32)id, e->ebx >> 24);
		EXPECT_EQ(ids, (e->ebx >> 16) & 0xff);
		EXPECT_EQ(variant->cpus > 1, !!(e->edx & EDX_HTT));
		for (u32 fn = 0xb; fn <= 0x1f; fn += 0x14) {
			if (!leaf(&t, fn, 0))
				continue;
			EXPECT_EQ(0x100u, leaf(&t, fn, 0)->ecx);	/* SMT level */
			EXPECT_EQ(1u, leaf(&t, fn, 0)->ebx);
			EXPECT_EQ(0u, leaf(&t, fn, 0)->eax);
			EXPECT_EQ(0x201u, leaf(&t, fn, 1)->ecx);	/* core level */
			EXPECT_EQ((u32)variant->cpus, leaf(&t, fn, 1)->ebx);
			EXPECT_EQ(self->bits, leaf(&t, fn, 1)->eax);
			EXPECT_EQ(0u, (leaf(&t, fn, 2)->ecx >> 8) & 0xff);	/* the end */
			for (u32 sub = 0; sub < 3; sub++)
				EXPECT_EQ((u32)id, leaf(&t, fn, sub)->edx);
		}
		if (amd && (e = leaf(&t, 0x8000001e, 0))) {
			EXPECT_EQ((u32)id, e->eax);
			EXPECT_EQ((u32)id, e->ebx & 0xffff);	/* core ID, 1 thread per core */
			EXPECT_EQ(0u, e->ecx);			/* node 0 of 1 */
		}
	}
}

/* L1 and L2 belong to one core, L3 to all; AMD's core count and APIC ID size. */
TEST_F(build, caches_and_core_counts)
{
	u32 ids = 1u << self->bits;
	bool amd = variant->host != HOST_INTEL;
	u32 fn = amd ? 0x8000001d : 4;
	struct kvm_cpuid_entry2 *e;

	for (u32 sub = 0; sub < 3; sub++) {
		e = leaf(&self->tmpl, fn, sub);
		ASSERT_NONNULL(e);
		EXPECT_EQ(sub == 2 ? ids : 1u, ((e->eax >> 14) & 0xfff) + 1);
		if (!amd)
			EXPECT_EQ(ids, (e->eax >> 26) + 1);
	}
	e = leaf(&self->tmpl, 0x80000008, 0);
	ASSERT_NONNULL(e);
	if (amd) {
		EXPECT_EQ((u32)variant->cpus - 1, e->ecx & 0xff);
		EXPECT_EQ(self->bits, (e->ecx >> 12) & 0xf);
	} else {
		EXPECT_EQ(0u, e->ecx);
	}
	/* TOPOEXT only with the leaf it promises. */
	e = leaf(&self->tmpl, 0x80000001, 0);
	EXPECT_EQ(!!leaf(&self->tmpl, 0x8000001e, 0), !!(e->ecx & EXT_TOPOEXT));
	EXPECT_EQ(variant->host == HOST_AMD, !!leaf(&self->tmpl, 0x8000001e, 0));
}

TEST(build, refuses_what_does_not_fit)
{
	struct guest_cpuid_config cc = { .nr_cpus = 2, .irqchip = true };
	struct table t;

	host_table(&t, HOST_INTEL, false);
	EXPECT_EQ(-ENOSPC, guest_cpuid_build(&t.hdr, t.hdr.nent, &cc));
	host_table(&t, HOST_INTEL, true);
	cc.nr_cpus = 0;
	EXPECT_EQ(-EINVAL, guest_cpuid_build(&t.hdr, MAX_ENT, &cc));
	cc.nr_cpus = 129;	/* 256 APIC IDs do not fit CPUID.1:EBX[23:16] */
	EXPECT_EQ(-EINVAL, guest_cpuid_build(&t.hdr, MAX_ENT, &cc));
	cc.nr_cpus = 128;
	EXPECT_EQ(0, guest_cpuid_build(&t.hdr, MAX_ENT, &cc));
}
