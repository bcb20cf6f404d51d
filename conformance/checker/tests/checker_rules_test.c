/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* checker_rules_test.c - one bad guest per broken rule: flagged with exactly its G-ID. */
#include "trace.h"
#include "test.h"

#define V2(f)		TR_V(2, f)
#define PSCF		MIGCTL_F_MSR_PSC
#define LISTF		MIGCTL_F_LIST
#define ALLF		MIGCTL_F_ALL
#define LISTA		MIGCTL_ATTR_LIST
#define BUF		0x400000ull
#define EINVAL_RET	(-MIGCTL_KVM_EINVAL)
#define ENOSYS_RET	(-MIGCTL_KVM_ENOSYS)
#define SHUTDOWN	VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)

/* READY by each transport, after a proper boot. */
#define READY_V1	BOOT_V1, WR(1)
#define READY_HC(f)	BOOT_HC, WR(V2(f)), RD(V2(f))
#define READY_PSC(f)	BOOT_PSC, WR(V2(f)), RD(V2(f))
#define SHARE_LIST_HC	HC(TR_LIST_GPA, 1, 0)

static const struct migctl_list_entry good_list[] = {
	{ BUF, 16 },
	{ BUF | TR_ENC, 16 },
};

static const struct migctl_list_entry list_with_list_bit[] = {
	{ BUF, 16 },
	{ BUF | LISTA, 1 },
};

static const struct migctl_list_entry list_misaligned[] = {
	{ BUF + 0x1000 + MIGCTL_ATTR_SIZE_2M, 512 },
	{ BUF, 0 },
};

/* Covers: G-3 */
TEST(rules, g3_control_msr_without_bit17)
{
	const struct tr_case t[] = {
		{ "upstream guest writes READY on a host without bit 17", TR_OFF, 1,
		  TRACE(MSR_WR_GP(TR_CTL, 1)), "G-3" },
		{ "guest reads the control MSR without bit 17", TR_OFF, 1,
		  TRACE(RD_GP), "G-3" },
		{ "guest writes 0 before shutdown without bit 17", TR_OFF, 1,
		  TRACE(WR_GP(0), SHUTDOWN), "G-3" },
	};

	TR_CASES(t);
}

/* Covers: G-4 */
TEST(rules, g4_hypercall_without_bit16)
{
	const struct tr_case t[] = {
		{ "hypercall on a host without support", TR_OFF, 1,
		  TRACE(HC_RET(BUF, 1, 0, ENOSYS_RET)), "G-4" },
		{ "hypercall on a MSR-transport-only host", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, HC_RET(BUF, 1, 0, ENOSYS_RET)), "G-4" },
		{ "upstream guest resets RAM by hypercall without bit 16", TR_V1_NOHC, 1,
		  TRACE(HC_RET(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC, ENOSYS_RET)), "G-4" },
	};

	TR_CASES(t);
}

/* Covers: G-5 */
TEST(rules, g5_transport_or_list_not_offered)
{
	const struct tr_case t[] = {
		{ "PSC MSR written without F_MSR_PSC", TR_V2_HC, 1,
		  TRACE(BOOT_HC, MSR_WR_GP(TR_PSC, PSC_REQ(BUF, 1, 0))), "G-5" },
		{ "PSC MSR written on a version-1 host", TR_V1, 1,
		  TRACE(MSR_WR_GP(TR_PSC, PSC_REQ(BUF, 1, 0))), "G-5" },
		{ "an index the leaf did not name", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, MSR_WR_GP(TR_PSC + 1, PSC_REQ(BUF, 1, 0))), "G-5" },
		{ "reading an index the leaf did not name", TR_V2_HC, 1,
		  TRACE(MSR_RD(MIGCTL_MSR_PSC_LAST, 0)), "G-5" },
		{ "list hypercall without F_LIST", TR_V2_HC, 1,
		  TRACE(BOOT_HC, SHARE_LIST_HC, LIST(good_list),
			HC_RET(TR_LIST_GPA, 2, LISTA, EINVAL_RET)), "G-5" },
		{ "PSC list request without F_LIST", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, PSC_GP(PSC_REQ(TR_LIST_GPA, 2, LISTA))), "G-5" },
	};

	TR_CASES(t);
}

/* Covers: G-5, G-15 */
TEST(rules, g5_index_the_guest_must_not_believe)
{
	static const struct { const char *name; u32 features, edx, index; } t[] = {
		/* EDX names an index, but ECX does not offer F_MSR_PSC. */
		{ "EDX without F_MSR_PSC", 0, 0x4b564d50, 0x4b564d50 },
		/* F_MSR_PSC with an index among upstream KVM's own MSRs. */
		{ "EDX at upstream's 0x4b564d05", MIGCTL_F_MSR_PSC, 0x4b564d05, 0x4b564d05 },
		/* Upstream's proposed MSR_KVM_SUSPEND_STEAL. */
		{ "EDX at 0x4b564d09", MIGCTL_F_MSR_PSC, 0x4b564d09, 0x4b564d09 },
		/* Just outside the range, and in PVM's block. */
		{ "EDX at 0x4b564d3f", MIGCTL_F_MSR_PSC, 0x4b564d3f, 0x4b564d3f },
		{ "EDX at 0x4b564d80", MIGCTL_F_MSR_PSC, 0x4b564d80, 0x4b564d80 },
		{ "EDX at PVM's 0x4b564df0", MIGCTL_F_MSR_PSC, 0x4b564df0, 0x4b564df0 },
	};
	struct migctl_check_offer o;
	struct migctl_check *c;
	char ids[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tr_offer(&o, TR_V2_HC);
		o.features = t[i].features;
		o.psc_msr = t[i].edx;
		c = tr_run(&o, 1, TRACE(BOOT_HC, MSR_WR(t[i].index, PSC_REQ(BUF, 1, 0))));
		ASSERT_NONNULL(c);
		EXPECT_MSG(!strcmp("G-5", tr_ids(c, ids, sizeof(ids))), "%s: \"%s\"",
			   t[i].name, ids);
		migctl_check_destroy(c);
	}
}

/* Covers: G-6 */
TEST(rules, g6_choice)
{
	const struct tr_case t[] = {
		{ "reserved bits", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(0x3)), "G-6" },
		{ "reserved bits 31:16", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(0) | 0x10000)), "G-6" },
		{ "READY clear with other bits", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(0x200)), "G-6" },
		{ "version above the host's max", TR_V1, 1,
		  TRACE(RESET_HC, WR_GP(V2(0))), "G-6" },
		{ "version below the host's min", TR_V2_ONLY, 1,
		  TRACE(BOOT_PSC, WR_GP(1)), "G-6" },
		{ "a feature not offered", TR_V2_HC, 1,
		  TRACE(BOOT_HC, WR_GP(V2(PSCF))), "G-6" },
		{ "an undefined feature bit", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(1u << 7))), "G-6" },
		{ "features with version 1", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(TR_V(1, LISTF))), "G-6" },
		{ "version 1 written as 0x101", TR_V1, 1,
		  TRACE(RESET_HC, WR(0x101)), "G-6" },
		{ "a v2 guest (it used the MSR transport) chooses version 1", TR_V2, 1,
		  TRACE(BOOT_PSC, WR(1), RD(1)), "G-6" },
		{ "a v2 guest (it wrote a v2 value) writes 1 while READY", TR_V2, 1,
		  TRACE(READY_HC(0), WR_GP(1)), "G-6" },
	};

	TR_CASES(t);
}

/* Covers: G-6 */
TEST(rules, g6_undefined_offered_feature)
{
	struct migctl_check_offer o;
	struct migctl_check *c;
	char ids[64];

	/* Undefined ECX bits are to be ignored (G-15), never chosen. */
	tr_offer(&o, TR_V2);
	o.features |= 1u << 9;
	c = tr_run(&o, 1, TRACE(BOOT_HC, WR(V2(1u << 9)), RD(V2(1u << 9))));
	ASSERT_NONNULL(c);
	EXPECT_STREQ("G-6", tr_ids(c, ids, sizeof(ids)));
	migctl_check_destroy(c);
}

/* Covers: G-7 */
TEST(rules, g7_confirmation)
{
	const struct tr_case t[] = {
		{ "skips the read-back and notifies", TR_V2_HC, 1,
		  TRACE(READY_HC(0) /* first opt-in fine */, WR(0), WR(V2(0)), HC(BUF, 16, 0)),
		  "G-7" },
		{ "skips the read-back on the MSR transport", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), PSC(PSC_REQ(BUF, 16, 0))), "G-7" },
		{ "two READY writes, no read-back", TR_V2_HC, 1,
		  TRACE(BOOT_HC, WR(V2(0)), WR(V2(0))), "G-7" },
		{ "a v2 guest retries with 1 and notifies without a read-back", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(0)), WR(1), HC(BUF, 16, 0)), "G-7" },
		{ "notifies after #GP on a v2-only host", TR_V2_ONLY, 1,
		  TRACE(BOOT_PSC, WR_GP(V2(PSCF)), PSC(PSC_REQ(BUF, 16, 0))), "G-7" },
		{ "notifies after the retry failed too", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(0)), WR_GP(1), HC(BUF, 16, 0)), "G-7" },
		{ "retries with a v2 value instead of 1", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(ALLF)), WR_GP(V2(0))), "G-7" },
		{ "retries twice", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(0)), WR_GP(1), WR(1)), "G-7" },
		{ "read-back mismatch, then notifies on a v2-only host", TR_V2_ONLY, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(0), PSC(PSC_REQ(BUF, 16, 0))), "G-7" },
		{ "READY write again after giving up", TR_V1, 1,
		  TRACE(RESET_HC, WR_GP(1), WR(1)), "G-7" },
	};

	TR_CASES(t);
}

/* Covers: G-8 */
TEST(rules, g8_elision_after_enosys)
{
	const struct tr_case t[] = {
		{ "keeps calling after -KVM_ENOSYS", TR_V1, 1,
		  TRACE(HC_RET(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC, ENOSYS_RET),
			HC_RET(TR_HIGH_GPA, TR_HIGH_PAGES, TR_ENC, ENOSYS_RET)), "G-8" },
		{ "calls again on another vCPU", TR_V2, 2,
		  TRACE(HC_RET_C(0, BUF, 1, 0, ENOSYS_RET), HC_RET_C(1, BUF, 1, 0, ENOSYS_RET)),
		  "G-8" },
		{ "writing 0 is no new discovery", TR_V2, 1,
		  TRACE(HC_RET(BUF, 1, 0, ENOSYS_RET), WR(0), HC_RET(BUF, 2, 0, ENOSYS_RET)),
		  "G-8" },
	};

	TR_CASES(t);
}

/* Covers: G-9 */
TEST(rules, g9_identical_request_after_error)
{
	const struct tr_case t[] = {
		{ "hypercall repeated after -KVM_EINVAL", TR_V1, 1,
		  TRACE(HC_RET(0x80000000ull, 1, 0, EINVAL_RET),
			HC_RET(0x80000000ull, 1, 0, EINVAL_RET)), "G-9" },
		{ "hypercall repeated after -KVM_EFAULT", TR_V1, 1,
		  TRACE(HC_RET(BUF, 1, 0, -MIGCTL_KVM_EFAULT), HC(BUF, 1, 0)), "G-9" },
		{ "PSC request repeated after #GP", TR_V2_PSC, 1,
		  TRACE(PSC_GP(PSC_REQ(0x80000000ull, 1, 0)),
			PSC_GP(PSC_REQ(0x80000000ull, 1, 0))), "G-9" },
		{ "list repeated with the same entries", TR_V2, 1,
		  TRACE(RESET_HC, SHARE_LIST_HC, LIST(good_list),
			HC_RET(TR_LIST_GPA, 2, LISTA, -MIGCTL_KVM_EFAULT), LIST(good_list),
			HC_RET(TR_LIST_GPA, 2, LISTA, -MIGCTL_KVM_EFAULT)), "G-9" },
	};

	TR_CASES(t);
}

/* Covers: G-11 */
TEST(rules, g11_opt_out_missing)
{
	const struct tr_case t[] = {
		{ "shutdown while READY", TR_V1, 1,
		  TRACE(READY_V1, SHUTDOWN), "G-11" },
		{ "reboot (VM reset) while READY", TR_V2_PSC, 1,
		  TRACE(READY_PSC(PSCF), VM_EXIT(MIGCTL_CHECK_EXIT_RESET)), "G-11" },
		{ "suspend while READY", TR_V2_HC, 1,
		  TRACE(READY_HC(0), VM_EXIT(MIGCTL_CHECK_EXIT_SUSPEND)), "G-11" },
		{ "shutdown while the READY value awaits its read-back", TR_V2_HC, 1,
		  TRACE(BOOT_HC, WR(V2(0)), SHUTDOWN), "G-11" },
		{ "shutdown while READY without a leaf", TR_V1, 1,
		  TRACE(BOOT_V1, WR(1), SHUTDOWN), "G-11" },
	};

	TR_CASES(t);
}

/* Covers: G-13 */
TEST(rules, g13_boot_time_reset)
{
	const struct tr_case t[] = {
		{ "opt-in without a reset", TR_V1, 1,
		  TRACE(WR(1)), "G-13" },
		{ "opt-in after resetting part of RAM", TR_V1, 1,
		  TRACE(HC(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC), WR(1)), "G-13" },
		{ "reset refused by the host does not count", TR_V1, 1,
		  TRACE(HC(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC),
			HC_RET(TR_HIGH_GPA, TR_HIGH_PAGES, TR_ENC, EINVAL_RET), WR(1)),
		  "G-13" },
		{ "boot-time reset without opting out first", TR_V1, 1,
		  TRACE(READY_V1, RESET_HC), "G-13" },
		{ "reset by list while READY", TR_V2, 1,
		  TRACE(BOOT_HC, SHARE_LIST_HC, WR(V2(LISTF)), RD(V2(LISTF)),
			LIST(((const struct migctl_list_entry[]){
				{ TR_LOW_GPA | TR_ENC, TR_LOW_PAGES },
				{ TR_LIST_GPA, 1 } })),
			HC(TR_LIST_GPA, 2, LISTA)), "G-13" },
		{ "new boot after a VM reset, opt-in without a reset", TR_V1, 1,
		  TRACE(READY_V1, WR(0), VM_EXIT(MIGCTL_CHECK_EXIT_RESET), WR(1)),
		  "G-13" },
	};

	TR_CASES(t);
}

/* Covers: G-17 */
TEST(rules, g17_control_msr_read_without_leaf)
{
	const struct tr_case t[] = {
		{ "reads the control MSR at boot on a version-1 host", TR_V1, 1,
		  TRACE(RD(0), RESET_HC, WR(1)), "G-17" },
		{ "reads back the value 1 on a version-1 host", TR_V1, 1,
		  TRACE(BOOT_V1, WR(1), RD(1)), "G-17" },
		{ "reads a control MSR that only filters writes", TR_V1, 1,
		  TRACE(RD_GP, BOOT_V1, WR(1)), "G-17" },
		{ "reads on a version-1 host without a transport", TR_V1_NOHC, 1,
		  TRACE(RD(0)), "G-17" },
	};

	TR_CASES(t);
}

/* Covers: G-14 */
TEST(rules, g14_hypercall_ranges)
{
	const struct tr_case t[] = {
		{ "unaligned gpa", TR_V1, 1, TRACE(HC_RET(BUF + 1, 1, 0, EINVAL_RET)), "G-14" },
		{ "npages 0", TR_V1, 1, TRACE(HC_RET(BUF, 0, 0, EINVAL_RET)), "G-14" },
		{ "wrap-around", TR_V1, 1,
		  TRACE(HC_RET(0xfffffffffffff000ull, 2, 0, EINVAL_RET)), "G-14" },
		{ "size hint 3", TR_V1, 1, TRACE(HC_RET(BUF, 1, 3, EINVAL_RET)), "G-14" },
		{ "2 MiB hint, gpa not 2 MiB aligned (the host accepts it)", TR_V1, 1,
		  TRACE(HC(BUF + 0x1000, 512, MIGCTL_ATTR_SIZE_2M)), "G-14" },
		{ "2 MiB hint, count not a multiple of 512", TR_V1, 1,
		  TRACE(HC(BUF, 100, MIGCTL_ATTR_SIZE_2M)), "G-14" },
		{ "1 GiB hint on a small range", TR_V1, 1,
		  TRACE(HC(0, 1, MIGCTL_ATTR_SIZE_1G)), "G-14" },
		{ "reserved attribute bit 6", TR_V1, 1,
		  TRACE(HC_RET(BUF, 1, 0x40, EINVAL_RET)), "G-14" },
		{ "reserved attribute bit 63", TR_V1, 1,
		  TRACE(HC_RET(BUF, 1, 1ull << 63, EINVAL_RET)), "G-14" },
	};

	TR_CASES(t);
}

/* Covers: G-14 */
TEST(rules, g14_lists)
{
	const struct tr_case t[] = {
		{ "list of 0 entries", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, HC_RET(TR_LIST_GPA, 0, LISTA, EINVAL_RET)), "G-14" },
		{ "list of 300 entries", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, HC_RET(TR_LIST_GPA, 300, LISTA, -MIGCTL_KVM_E2BIG)),
		  "G-14" },
		{ "list page unaligned", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, HC_RET(TR_LIST_GPA + 8, 2, LISTA, EINVAL_RET)), "G-14" },
		{ "list request with ENCRYPTED", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, LIST(good_list),
			HC_RET(TR_LIST_GPA, 2, LISTA | TR_ENC, EINVAL_RET)), "G-14" },
		{ "entry with the LIST bit", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, LIST(list_with_list_bit),
			HC_RET(TR_LIST_GPA, 2, LISTA, EINVAL_RET)), "G-14" },
		{ "entries misaligned and empty: one report", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, LIST(list_misaligned),
			HC_RET(TR_LIST_GPA, 2, LISTA, EINVAL_RET)), "G-14" },
		{ "list page private while READY", TR_V2, 1,
		  TRACE(READY_HC(LISTF), LIST(good_list), HC(TR_LIST_GPA, 2, LISTA)), "G-14" },
		{ "list page shared, then private again", TR_V2, 1,
		  TRACE(READY_HC(LISTF), SHARE_LIST_HC, HC(TR_LIST_GPA, 1, TR_ENC),
			LIST(good_list), HC(TR_LIST_GPA, 2, LISTA)), "G-14" },
	};

	TR_CASES(t);
}

/* Covers: G-14 */
TEST(rules, g14_msr_transport)
{
	const struct tr_case t[] = {
		{ "unit 3", TR_V2_PSC, 1, TRACE(PSC_GP(PSC_REQ(BUF, 1, 3))), "G-14" },
		{ "gfn not aligned to a 2 MiB unit", TR_V2_PSC, 1,
		  TRACE(PSC_GP(PSC_REQ(BUF + 0x1000, 1, MIGCTL_ATTR_SIZE_2M))), "G-14" },
		{ "reserved bits 11:6", TR_V2_PSC, 1,
		  TRACE(PSC_GP(PSC_REQ(BUF, 1, 0x80))), "G-14" },
		{ "list with a unit", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, LIST(good_list),
			PSC_GP(PSC_REQ(TR_LIST_GPA, 2, LISTA | MIGCTL_ATTR_SIZE_2M))), "G-14" },
		{ "list of 257 entries", TR_V2, 1,
		  TRACE(SHARE_LIST_HC, PSC_GP(PSC_REQ(TR_LIST_GPA, 257, LISTA))), "G-14" },
	};

	TR_CASES(t);
}

/* Covers: G-16 */
TEST(rules, g16_feature_not_negotiated)
{
	const struct tr_case t[] = {
		{ "MSR transport while READY with version 1", TR_V2, 1,
		  TRACE(RESET_HC, WR(1), RD(1), PSC(PSC_REQ(BUF, 16, 0))), "G-16" },
		{ "MSR transport while READY without F_MSR_PSC", TR_V2, 1,
		  TRACE(READY_HC(LISTF), PSC(PSC_REQ(BUF, 16, 0))), "G-16" },
		{ "list while READY without F_LIST", TR_V2, 1,
		  TRACE(BOOT_PSC, PSC(PSC_REQ(TR_LIST_GPA, 1, 0)), WR(V2(PSCF)), RD(V2(PSCF)),
			LIST(good_list), PSC(PSC_REQ(TR_LIST_GPA, 2, LISTA))), "G-16" },
	};

	TR_CASES(t);
}
