/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* interop_test.c - upstream Linux's boot-time reset against the host: S right, or no migration. */
#include <errno.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define A	MIGCTL_HOST_ACCEPT
#define GP	MIGCTL_HOST_GP
#define ENC	MIGCTL_ATTR_ENCRYPTED
#define V2(f)	MIGCTL_CTL_VALUE(2, f)
#define PAGE	MIGCTL_PAGE_SIZE
#define KVM_EINVAL	(-MIGCTL_KVM_EINVAL)

/* The kernel's decrypted .bss and one per-CPU decrypted page, in the 1 MiB bank. */
#define BSS_DEC_GPA	0x2a00000ull
#define BSS_DEC_PAGES	16ull
#define PERCPU_DEC_GPA	0x3000000ull

/*
 * An upstream Linux guest as the VMM sees it (arch/x86/kernel/kvm.c,
 * arch/x86/mm/mem_encrypt_amd.c): what reaches the host and what KVM
 * answers on its own. Every result is ignored, as upstream ignores it.
 */
struct upstream {
	struct migctl_host *h;
	unsigned int seen;	/* hypercalls that reached the host */
	unsigned int refused;	/* ... and got an error */
	unsigned int kvm_only;	/* refused by KVM before the host */
};

/* KVM's own checks (arch/x86/kvm/x86.c), then the exit to the VMM. */
static s64 up_hypercall(struct upstream *u, u64 gpa, u64 npages, u64 attrs)
{
	s64 ret;

	if ((gpa & (PAGE - 1)) || !npages || (gpa >> 12) + npages <= (gpa >> 12)) {
		u->kvm_only++;
		return KVM_EINVAL;
	}
	ret = migctl_host_hypercall(u->h, 0, MIGCTL_HC_MAP_GPA_RANGE, gpa, npages, attrs);
	u->seen++;
	u->refused += ret != 0;
	return ret;
}

/*
 * kvm_init_platform(): every RAM entry of the kernel's E820 table
 * encrypted with DIV_ROUND_UP(size, 4 KiB) pages and its address as it is,
 * __bss_decrypted decrypted, then READY when not booted through EFI. The
 * early path (early_set_memory_enc_dec for the per-CPU decrypted
 * variables) rewrites its page first and notifies afterwards; the host
 * sees only the notification.
 */
static void up_boot(struct upstream *u, const struct migctl_host_region *e820, unsigned int n,
		    bool efi)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		up_hypercall(u, e820[i].gpa, (e820[i].size + PAGE - 1) / PAGE, ENC);
	up_hypercall(u, BSS_DEC_GPA, BSS_DEC_PAGES, 0);
	if (!efi)
		migctl_host_msr_write(u->h, 0, MIGCTL_MSR_CONTROL, MIGCTL_CTL_READY);
	up_hypercall(u, PERCPU_DEC_GPA, 1, 0);
	/* set_memory_decrypted() of a 2 MiB mapping: 512 pages, the 4K hint. */
	up_hypercall(u, 0x40000000, 512, 0);
}

/* The host's RAM: ht_holey (0..640K, 1M..2G, 4G..6G in two banks, top 2M). */
static const struct migctl_host_region e820_matching[] = {
	{ 0, 0x9fc00 },				/* ends inside a page, in RAM */
	{ HT_MIB, 2 * HT_GIB - HT_MIB },
	{ 4 * HT_GIB, 2 * HT_GIB },		/* one entry over two banks */
};

static struct migctl_host *v1_host(void)
{
	struct migctl_host_config cfg;
	struct migctl_host *h = NULL;

	ht_config(&cfg, 1, 2, MIGCTL_F_MSR_PSC, true, NULL);
	if (migctl_host_create(&cfg, &h))
		return NULL;
	return h;
}

/* Covers: H-16, V-11, V-12 */
TEST(upstream, boot_on_a_matching_map_is_migratable)
{
	struct upstream u = { .h = v1_host() };
	struct migctl_host_state st;
	const char *why = NULL;

	ASSERT_NONNULL(u.h);
	EXPECT_EQ(0, migctl_host_check_memory_map(u.h, e820_matching, 3, &why, NULL));
	up_boot(&u, e820_matching, 3, false);
	EXPECT_EQ(0, u.refused);
	EXPECT_EQ(0, u.kvm_only);
	migctl_host_state(u.h, &st);
	EXPECT_TRUE(st.ready);
	EXPECT_EQ(1, st.version);
	EXPECT_FALSE(st.unreliable);
	EXPECT_TRUE(migctl_host_migratable(u.h, &why));
	/* S is what the guest uses: private but for its shared pages. */
	EXPECT_EQ(1, migctl_host_log_get(migctl_host_log(u.h), 0x9f));
	EXPECT_EQ(0, migctl_host_log_get(migctl_host_log(u.h), BSS_DEC_GPA >> 12));
	EXPECT_EQ(0, migctl_host_log_get(migctl_host_log(u.h), PERCPU_DEC_GPA >> 12));
	EXPECT_EQ(1, migctl_host_log_get(migctl_host_log(u.h), (5 * HT_GIB) >> 12));
	migctl_host_destroy(u.h);
}

/* E820 tables whose reset the host must refuse: never silently stale. */
static const struct {
	const char *name;
	struct migctl_host_region e820[3];
	unsigned int bad;		/* the entry the map check names */
	u64 gpa, npages;		/* the request the host refuses first */
} past_ram[] = {
	{ "an entry reaching past the end of a bank",
	  { { 0, 0xa0000 }, { HT_MIB, 2 * HT_GIB }, { 4 * HT_GIB, HT_GIB } },
	  1, HT_MIB, (2 * HT_GIB) / PAGE },
	{ "an entry ending inside a page past RAM",
	  { { 0, 0xa0800 }, { HT_MIB, HT_GIB }, { 4 * HT_GIB, HT_GIB } },
	  0, 0, 0xa1 },
	{ "an entry in a hole of RAM",
	  { { 0, 0xa0000 }, { HT_MIB, HT_GIB }, { 3 * HT_GIB, PAGE } },
	  2, 3 * HT_GIB, 1 },
};

/* Covers: H-16, V-11, V-12, V-7 */
TEST(upstream, entry_past_ram_refuses_migration)
{
	unsigned int k, bad;

	for (k = 0; k < sizeof(past_ram) / sizeof(past_ram[0]); k++) {
		struct upstream u = { .h = v1_host() };
		struct migctl_host_state st0, st;
		const char *why = NULL;
		char msg[256];

		ASSERT_NONNULL(u.h);
		EXPECT_EQ(-EINVAL, migctl_host_check_memory_map(u.h, past_ram[k].e820, 3, &why,
								  &bad));
		EXPECT_MSG(bad == past_ram[k].bad, "%s: entry %u named", past_ram[k].name, bad);
		migctl_host_state(u.h, &st0);
		up_boot(&u, past_ram[k].e820, 3, false);
		EXPECT_MSG(u.refused == 1, "%s: %u refusals", past_ram[k].name, u.refused);
		migctl_host_state(u.h, &st);
		/* READY was accepted: the guest writes it whatever happened before. */
		EXPECT_TRUE(st.ready);
		EXPECT_TRUE(st.unreliable);
		EXPECT_EQ(MIGCTL_HOST_VIA_HYPERCALL, st.refusal.via);
		EXPECT_EQ(past_ram[k].gpa, st.refusal.a0);
		EXPECT_EQ(past_ram[k].npages, st.refusal.a1);
		EXPECT_EQ(ENC, st.refusal.a2);
		EXPECT_EQ(KVM_EINVAL, st.refusal.error);
		EXPECT_EQ(0, st.refusal.control);
		/* The taint and READY each moved the generation (V-7). */
		EXPECT_EQ(st0.generation + 2, st.generation);
		why = NULL;
		EXPECT_FALSE(migctl_host_migratable(u.h, &why));
		EXPECT_NONNULL(why);
		EXPECT_NONNULL(strstr(why, "stale"));
		EXPECT_GT(migctl_host_refusal_str(&st.refusal, msg, sizeof(msg)), 0);
		EXPECT_NONNULL(strstr(msg, "hypercall 12"));
		migctl_host_destroy(u.h);
	}
}

/*
 * An entry that starts inside a page never reaches the host: KVM answers
 * it. After a kexec its pages keep the old kernel's status, and the host
 * cannot tell. Only the memory-map check before boot catches it (V-12).
 */
/* Covers: V-12 */
TEST(upstream, entry_starting_inside_a_page_is_caught_before_boot)
{
	static const struct migctl_host_region e820[] = {
		{ 0, 0xa0000 }, { HT_MIB, 0x1000010 }, { HT_MIB + 0x1000010, HT_GIB },
	};
	struct upstream u = { .h = v1_host() };
	struct migctl_host_state st;
	const char *why = NULL;
	unsigned int bad = 99;

	ASSERT_NONNULL(u.h);
	EXPECT_EQ(-EINVAL, migctl_host_check_memory_map(u.h, e820, 3, &why, &bad));
	EXPECT_EQ(2, bad);
	EXPECT_NONNULL(strstr(why, "inside a page"));
	/* The first kernel shares a page of that entry, then kexecs. */
	up_boot(&u, e820, 3, false);
	EXPECT_EQ(1, u.kvm_only);
	EXPECT_EQ(0, up_hypercall(&u, 0x10000000, 1, 0));
	migctl_host_msr_write(u.h, 0, MIGCTL_MSR_CONTROL, 0);
	/* The next kernel's reset of the entry never reaches the host. */
	up_boot(&u, e820, 3, false);
	EXPECT_EQ(2, u.kvm_only);
	migctl_host_state(u.h, &st);
	EXPECT_FALSE(st.unreliable);
	EXPECT_EQ(0, migctl_host_log_get(migctl_host_log(u.h), 0x10000));	/* stale */
	migctl_host_destroy(u.h);
}

/* A refusal is forgotten only when a complete reset is certain (H-16). */
/* Covers: H-16, V-11 */
TEST(upstream, unreliable_until_reset_or_v2_opt_in)
{
	struct upstream u = { .h = v1_host() };
	struct migctl_host_state st;
	const char *why;

	ASSERT_NONNULL(u.h);
	up_boot(&u, past_ram[0].e820, 3, false);
	/* kexec into another upstream kernel: opt-out, reset, READY: still unreliable. */
	migctl_host_msr_write(u.h, 0, MIGCTL_MSR_CONTROL, 0);
	up_boot(&u, e820_matching, 3, false);
	EXPECT_EQ(1, u.refused);
	EXPECT_FALSE(migctl_host_migratable(u.h, &why));
	/* kexec into a version-2 guest: it opts in only after a complete reset. */
	migctl_host_msr_write(u.h, 0, MIGCTL_MSR_CONTROL, 0);
	up_boot(&u, e820_matching, 3, true);
	EXPECT_EQ(A, migctl_host_msr_write(u.h, 0, MIGCTL_MSR_CONTROL, V2(0)));
	migctl_host_state(u.h, &st);
	EXPECT_FALSE(st.unreliable);
	EXPECT_TRUE(migctl_host_migratable(u.h, &why));
	/* A VM reset forgets it too: the next boot rebuilds the log. */
	migctl_host_msr_write(u.h, 0, MIGCTL_MSR_CONTROL, 0);
	up_boot(&u, past_ram[0].e820, 3, false);
	EXPECT_FALSE(migctl_host_migratable(u.h, &why));
	migctl_host_reset(u.h);
	migctl_host_state(u.h, &st);
	EXPECT_FALSE(st.unreliable);
	EXPECT_FALSE(st.ready);
	up_boot(&u, e820_matching, 3, false);
	EXPECT_TRUE(migctl_host_migratable(u.h, &why));
	migctl_host_destroy(u.h);
}

/* A version-2 guest handles its errors (G-9, G-10): a refusal leaves the log reliable. */
/* Covers: H-16 */
TEST(upstream, refusal_while_ready_with_version_2)
{
	struct migctl_host *h = v1_host();
	struct migctl_host_state st;
	const char *why;
	u64 bad_psc = MIGCTL_PSC_VALUE(0xa0, 1, ENC);	/* a hole */

	ASSERT_NONNULL(h);
	/* Before READY even a version-2 guest's refusal counts... */
	EXPECT_EQ(GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_PSC_DEFAULT, bad_psc));
	migctl_host_state(h, &st);
	EXPECT_TRUE(st.unreliable);
	EXPECT_EQ(MIGCTL_HOST_VIA_MSR, st.refusal.via);
	EXPECT_EQ(bad_psc, st.refusal.a0);
	/* ...until it opts in with version 2 after its reset. */
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, V2(MIGCTL_F_MSR_PSC)));
	EXPECT_TRUE(migctl_host_migratable(h, &why));
	EXPECT_EQ(GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_PSC_DEFAULT, bad_psc));
	EXPECT_EQ(KVM_EINVAL, migctl_host_hypercall(h, 0, MIGCTL_HC_MAP_GPA_RANGE, 0xa0000, 1,
						    ENC));
	migctl_host_state(h, &st);
	EXPECT_FALSE(st.unreliable);
	EXPECT_TRUE(migctl_host_migratable(h, &why));
	/* -KVM_ENOSYS is no refusal of a notification: nothing was claimed. */
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, 0));
	EXPECT_EQ(-MIGCTL_KVM_ENOSYS, migctl_host_hypercall(h, 0, 13, 0, 1, 0));
	migctl_host_state(h, &st);
	EXPECT_FALSE(st.unreliable);
	migctl_host_destroy(h);
}

/* A version-1 guest at run time: a refused conversion, then migration is refused. */
/* Covers: H-16, V-11 */
TEST(upstream, runtime_refusal_while_ready_with_version_1)
{
	struct upstream u = { .h = v1_host() };
	const char *why = NULL;

	ASSERT_NONNULL(u.h);
	up_boot(&u, e820_matching, 3, false);
	EXPECT_TRUE(migctl_host_migratable(u.h, &why));
	/* set_memory_decrypted() over a range that is not RAM, result ignored. */
	EXPECT_EQ(KVM_EINVAL, up_hypercall(&u, 3 * HT_GIB, 16, 0));
	EXPECT_FALSE(migctl_host_migratable(u.h, &why));
	EXPECT_NONNULL(strstr(why, "stale"));
	migctl_host_destroy(u.h);
}

/*
 * H-15: without the hypercall transport a version-1 guest has nothing to
 * notify with, and upstream opts in without looking at bit 16 (as the AMD
 * QEMU series sets bit 17 without bit 16 when KVM lacks the exit). The
 * host offers no version 1, so the opt-in is refused.
 */
/* Covers: H-15, H-4, V-6 */
TEST(upstream, no_version_1_without_the_hypercall)
{
	struct migctl_host_config cfg;
	struct migctl_host_state st;
	struct migctl_host *h;
	const char *why = NULL;
	u32 r[4] = { 0 };

	ht_config(&cfg, 1, 2, MIGCTL_F_MSR_PSC, false, NULL);
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	migctl_host_cpuid(h, MIGCTL_CPUID_BASE_FIRST + MIGCTL_CPUID_LEAF_OFFSET, 0, r);
	EXPECT_EQ(2, r[1] & MIGCTL_LEAF_EBX_MIN_MASK);
	EXPECT_EQ(GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, MIGCTL_CTL_READY));
	EXPECT_EQ(GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, MIGCTL_CTL_VALUE(1, 0)));
	EXPECT_FALSE(migctl_host_migratable(h, &why));
	EXPECT_NONNULL(strstr(why, "not READY"));
	EXPECT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, V2(MIGCTL_F_MSR_PSC)));
	migctl_host_destroy(h);

	/* Version 1 only, no hypercall: nothing to offer at all. */
	ht_config(&cfg, 1, 1, 0, false, NULL);
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	migctl_host_state(h, &st);
	EXPECT_FALSE(st.enabled);
	memset(r, 0, sizeof(r));
	migctl_host_cpuid(h, MIGCTL_CPUID_BASE_FIRST + 1, 0, r);
	EXPECT_EQ(0, r[0] & (1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL));
	EXPECT_EQ(GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, MIGCTL_CTL_READY));
	migctl_host_destroy(h);
}

/* The checks of the memory-map helper itself. */
/* Covers: V-12 */
TEST(memmap, entries)
{
	static const struct {
		struct migctl_host_region e;
		int want;
	} t[] = {
		{ { 0, 0xa0000 }, 0 },
		{ { 0, 0x9fc00 }, 0 },			/* ends inside a RAM page */
		{ { 4 * HT_GIB, 2 * HT_GIB }, 0 },	/* two adjacent banks */
		{ { 0x800, 0x1000 }, -EINVAL },		/* starts inside a page */
		{ { 0, 0 }, -EINVAL },
		{ { 0, 0xa0001 }, -EINVAL },		/* its last page is a hole */
		{ { ~0xfffull, 0x2000 }, -EINVAL },	/* wraps */
		{ { ~0xfffull, 0xfff }, -EINVAL },	/* rounds up past 2^64 */
		{ { HT_PHYS_TOP - 2 * HT_MIB, 2 * HT_MIB }, 0 },
	};
	struct migctl_host *h = v1_host();
	unsigned int i;

	ASSERT_NONNULL(h);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		EXPECT_MSG(migctl_host_check_memory_map(h, &t[i].e, 1, NULL, NULL) == t[i].want,
			   "entry %u", i);
	EXPECT_EQ(0, migctl_host_check_memory_map(h, NULL, 0, NULL, NULL));
	migctl_host_destroy(h);
}
