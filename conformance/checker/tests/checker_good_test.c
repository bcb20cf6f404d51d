/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* checker_good_test.c - conforming guests, interop cells, life-cycle events: zero violations. */
#include "trace.h"
#include "test.h"

#define V2(f)		TR_V(2, f)
#define PSCF		MIGCTL_F_MSR_PSC
#define LISTF		MIGCTL_F_LIST
#define BUF		0x400000ull	/* a 64 KiB buffer the guests convert */

/* Convert the buffer to shared and back, by each transport. */
#define CONVERT_HC	HC(BUF, 16, 0), HC(BUF, 16, TR_ENC)
#define CONVERT_PSC	PSC(PSC_REQ(BUF, 16, 0)), PSC(PSC_REQ(BUF, 16, TR_ENC))

static const struct migctl_list_entry two_runs[] = {
	{ BUF, 16 },
	{ (BUF + 0x200000) | TR_ENC, 512 },
};

static const struct migctl_list_entry two_runs_back[] = {
	{ BUF | TR_ENC, 16 },
	{ 0x600000 | MIGCTL_ATTR_SIZE_2M, 512 },
};

/* Covers: G-3, G-4, G-5, G-6, G-7, G-8, G-13, G-14, G-16, G-17 */
TEST(good, interop)
{
	const struct tr_case t[] = {
		{ "v1 guest, v1 host", TR_V1, 1,
		  TRACE(BOOT_V1, WR(1), CONVERT_HC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		/* G-7: with a leaf the read-back of 1 is allowed, and not required. */
		{ "v1 guest, v2 host", TR_V2, 1,
		  TRACE(RESET_HC, WR(1), RD(1), CONVERT_HC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v1 guest that never reads the leaf, v2 host", TR_V2, 1,
		  TRACE(RESET_HC, WR(1), CONVERT_HC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v2 guest, v1 host", TR_V1, 1,
		  TRACE(BOOT_V1, WR(1), CONVERT_HC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v2 guest, v2 host, no features", TR_V2_HC, 1,
		  TRACE(BOOT_HC, WR(V2(0)), RD(V2(0)), CONVERT_HC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v2 guest, v2 host, MSR transport", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), CONVERT_PSC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v2 guest, v2-only host, MSR transport", TR_V2_ONLY, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), CONVERT_PSC, WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v2 guest, v2 host, hypercall and lists", TR_V2, 1,
		  TRACE(BOOT_HC, HC(TR_LIST_GPA, 1, 0), WR(V2(LISTF)), RD(V2(LISTF)),
			LIST(two_runs), HC(TR_LIST_GPA, 2, MIGCTL_ATTR_LIST),
			LIST(two_runs_back), HC(TR_LIST_GPA, 2, MIGCTL_ATTR_LIST), WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "v2 guest, v2 host, every feature, both transports", TR_V2, 1,
		  TRACE(BOOT_PSC, PSC(PSC_REQ(TR_LIST_GPA, 1, 0)), WR(V2(MIGCTL_F_ALL)),
			RD(V2(MIGCTL_F_ALL)), LIST(two_runs),
			PSC(PSC_REQ(TR_LIST_GPA, 2, MIGCTL_ATTR_LIST)), CONVERT_HC,
			LIST(two_runs_back), HC(TR_LIST_GPA, 2, MIGCTL_ATTR_LIST), WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		/* No transport: no reset possible, so never READY (chapter 3). */
		{ "v2 guest, bit 17 but no transport", TR_V1_NOHC, 1,
		  TRACE(WR(0), VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "any guest, host without support", TR_OFF, 1,
		  TRACE(VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "unrelated MSRs and hypercalls are not judged", TR_OFF, 1,
		  TRACE(MSR_WR(0x4b564d01, 0x1000), MSR_RD(0x10, 5),
			{ .kind = TR_HC, .nr = 9, .a0 = 1 }), "" },
	};

	TR_CASES(t);
}

/* Covers: G-11, G-13 */
TEST(good, lifecycle)
{
	const struct tr_case t[] = {
		{ "kexec: write 0, reset, negotiate again", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), CONVERT_PSC, WR(0),
			BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), CONVERT_PSC), "" },
		{ "kexec from a v2 kernel into an upstream v1 kernel", TR_V2, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), WR(0),
			RESET_HC, WR(1), RD(1), CONVERT_HC), "" },
		{ "reboot: write 0, VM reset, new boot", TR_V2_PSC, 1,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_RESET), BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)),
			WR(0), VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "suspend to RAM and resume: opt in again without a reset", TR_V2_HC, 1,
		  TRACE(BOOT_HC, WR(V2(0)), RD(V2(0)), WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SUSPEND), WR(V2(0)), RD(V2(0)), CONVERT_HC),
		  "" },
		{ "hibernate and resume: new boot, reset, opt in", TR_V2_HC, 1,
		  TRACE(BOOT_HC, WR(V2(0)), RD(V2(0)), WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_RESET), BOOT_HC, WR(V2(0)), RD(V2(0))), "" },
		{ "last CPU offline, a CPU online again", TR_V2_PSC, 2,
		  TRACE(BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF)), WR_C(1, 0),
			WR_C(1, V2(PSCF)), RD_C(1, V2(PSCF)), PSC_C(1, PSC_REQ(BUF, 16, 0))),
		  "" },
		/* Chapter 4: writing 0 when not READY is harmless. */
		{ "write 0 at boot, then reset", TR_V1, 1,
		  TRACE(WR(0), RESET_HC, WR(1), WR(0), WR(0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "the MSR reads non-zero at boot: write 0 first", TR_V2_HC, 1,
		  TRACE(RD(V2(0)), WR(0), RESET_HC, WR(V2(0)), RD(V2(0))), "" },
		{ "a shared RAM range converted back while READY is no reset", TR_V1, 1,
		  TRACE(RESET_HC, WR(1), HC(TR_LOW_GPA, TR_LOW_PAGES, 0),
			HC(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC)), "" },
	};

	TR_CASES(t);
}

/* Covers: G-6, G-7, G-8, G-9 */
TEST(good, fallbacks)
{
	const struct tr_case t[] = {
		{ "v2 value refused with #GP, retry with 1", TR_V2, 1,
		  TRACE(BOOT_PSC, WR_GP(V2(PSCF)), WR(1), RD(1), CONVERT_HC), "" },
		{ "v2 value read back different, retry with 1", TR_V2, 1,
		  TRACE(BOOT_HC, WR(V2(0)), RD(0), WR(1), RD(1), CONVERT_HC), "" },
		{ "read-back #GP, retry with 1", TR_V2, 1,
		  TRACE(BOOT_HC, WR(V2(0)), RD_GP, WR(1), RD(1)), "" },
		{ "refused twice: unavailable, silent", TR_V2, 1,
		  TRACE(BOOT_HC, WR_GP(V2(0)), WR_GP(1), VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)),
		  "" },
		{ "refused on a v2-only host: unavailable, silent", TR_V2_ONLY, 1,
		  TRACE(BOOT_PSC, WR_GP(V2(PSCF)), VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
		{ "unavailable, then kexec: discovery read, reset, opt in", TR_V2_ONLY, 1,
		  TRACE(BOOT_PSC, WR_GP(V2(PSCF)), BOOT_PSC, WR(V2(PSCF)), RD(V2(PSCF))), "" },
		{ "-KVM_ENOSYS: stop calling, use the MSR transport", TR_V2, 1,
		  TRACE(RD(0), HC_RET(TR_LOW_GPA, TR_LOW_PAGES, TR_ENC, -MIGCTL_KVM_ENOSYS),
			RESET_PSC, WR(V2(PSCF)), RD(V2(PSCF)), CONVERT_PSC), "" },
		{ "-KVM_ENOSYS, VM reset, hypercalls again", TR_V1, 1,
		  TRACE(HC_RET(BUF, 1, 0, -MIGCTL_KVM_ENOSYS), VM_EXIT(MIGCTL_CHECK_EXIT_RESET),
			RESET_HC, WR(1)), "" },
		{ "an error answer, then a different request", TR_V1, 1,
		  TRACE(RESET_HC, HC_RET(0x80000000ull, 1, 0, -MIGCTL_KVM_EINVAL),
			HC(BUF, 1, 0), HC_RET(0x80000000ull, 1, 0, -MIGCTL_KVM_EINVAL)), "" },
		{ "-KVM_EPERM is not an identical-request error", TR_V1, 1,
		  TRACE(HC_RET(BUF, 1, 0, -MIGCTL_KVM_EPERM), HC(BUF, 1, 0)), "" },
		{ "a PSC #GP, then another request", TR_V2_PSC, 1,
		  TRACE(PSC_GP(PSC_REQ(0x80000000ull, 1, 0)), PSC(PSC_REQ(BUF, 1, 0))), "" },
	};

	TR_CASES(t);
}

/* Covers: G-7, G-11, G-16 */
TEST(good, smp)
{
	const struct tr_case t[] = {
		{ "read-back on another vCPU", TR_V2_PSC, 4,
		  TRACE(BOOT_PSC, WR_C(2, V2(PSCF)), RD_C(3, V2(PSCF)),
			PSC_C(2, PSC_REQ(BUF, 16, 0))), "" },
		{ "other vCPUs notify while vCPU 0 confirms", TR_V2_PSC, 4,
		  TRACE(BOOT_PSC, WR_C(0, V2(PSCF)), PSC_C(1, PSC_REQ(BUF, 16, 0)),
			PSC_C(2, PSC_REQ(BUF, 16, TR_ENC)), RD_C(0, V2(PSCF))), "" },
		{ "same READY value from another vCPU (idempotent)", TR_V1, 2,
		  TRACE(RESET_HC, WR_C(0, 1), WR_C(1, 1), HC_RET_C(1, BUF, 1, 0, 0)), "" },
		{ "same value 1 from another vCPU, each read back (a leaf)", TR_V2, 2,
		  TRACE(RESET_HC, WR_C(0, 1), RD_C(0, 1), WR_C(1, 1), RD_C(1, 1),
			HC_RET_C(1, BUF, 1, 0, 0)), "" },
		{ "opt-out by one vCPU, shutdown", TR_V2, 3,
		  TRACE(BOOT_HC, WR_C(1, V2(0)), RD_C(1, V2(0)), WR_C(2, 0),
			VM_EXIT(MIGCTL_CHECK_EXIT_SHUTDOWN)), "" },
	};

	TR_CASES(t);
}
