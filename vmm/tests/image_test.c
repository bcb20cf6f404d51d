/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* image_test.c - migctl-vmm boots tiny guest images: exits, protocol, errors. */
#define _GNU_SOURCE	/* unshare() */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

#include "migctl.h"
#include "test.h"
#include "../probe.h"
#include "run.h"

/* Covers: V-10 */
TEST(cli, probe_prints_findings)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--probe");
	EXPECT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "hypercall-transport: "));
	EXPECT_TRUE(strstr(r.out, "msr-transport: "));
}

TEST(boot, hello_exits_0)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, run_image("hello"));
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("hello\n", r.out);
}

TEST(boot, exit_4_is_skip)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, run_image("exit4"));
	EXPECT_EQ(4, r.status);
}

TEST(boot, other_exit_value_fails)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, run_image("exit7"));
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(strstr(r.err, "0x7"));
}

/*
 * The dump shows the registers at the fault where KVM keeps them
 * (kvm-intel), or says they are the reset state (kvm-amd resets the vCPU
 * at a shutdown), never the reset state as if it were the fault's.
 */
TEST(boot, triple_fault_reported)
{
	bool reset;
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, run_image("triple"));
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(strstr(r.err, "triple fault"));
	reset = strstr(r.err, "rip=000000000000fff0") && strstr(r.err, "base=00000000ffff0000");
	if (reset)
		EXPECT_TRUE(strstr(r.err, "the reset state"));
	else
		EXPECT_TRUE(strstr(r.err, "rax=000000000007ab1e"));
}

TEST(boot, serial_to_file)
{
	char path[] = "/tmp/migctl-serial-XXXXXX", buf[64] = { 0 };
	struct run r;
	int fd;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	VMM(&r, "--serial", path, run_image("hello"));
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("", r.out);
	EXPECT_GT(read(fd, buf, sizeof(buf) - 1), 0);
	EXPECT_STREQ("hello\n", buf);
	close(fd);
	unlink(path);
}

TEST(boot, smp_init_sipi)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--cpus", "4", run_image("smp"), "--", "4");
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("cpus=00000004\n", r.out);
}

/*
 * An ELF32 PVH file (i386, linked with -m elf_i386), as QEMU and Xen boot
 * them: it gets the start info in EBX, prints and exits 0 on port 0xf4.
 */
TEST(boot, elf32_pvh_image)
{
	Elf32_Ehdr eh = { 0 };
	struct run r;
	int fd;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	fd = open(run_image("elf32"), O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)sizeof(eh), read(fd, &eh, sizeof(eh)));
	close(fd);
	/* The file really is ELF32 for i386, not an ELF64 one built by mistake. */
	ASSERT_EQ(ELFCLASS32, eh.e_ident[EI_CLASS]);
	ASSERT_EQ(EM_386, eh.e_machine);
	VMM(&r, run_image("elf32"));
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("elf32\n", r.out);
}

TEST(boot, start_info_and_e820)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--memory", "5G", run_image("info"), "--", "test=a*", "cpus=1");
	EXPECT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "magic=336ec578\nversion=00000001\n"));
	EXPECT_TRUE(strstr(r.out, "cmdline=test=a* cpus=1\n"));
	EXPECT_TRUE(strstr(r.out, "e820 0000000000000000 00000000000a0000 00000001\n"
			    "e820 00000000000a0000 0000000000060000 00000002\n"
			    "e820 0000000000100000 00000000bff00000 00000001\n"
			    "e820 0000000100000000 0000000080000000 00000001\n"));
}

/*
 * The guest sees the hypervisor bit, which KVM_GET_SUPPORTED_CPUID of a
 * standard KVM never reports (the VMM sets it), and its own APIC ID.
 */
TEST(boot, guest_sees_hypervisor_bit)
{
	const char *key = "cpuid 00000001: ", *p;
	u32 l[4];
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--cpus", "2", run_image("info"));
	ASSERT_EQ(0, r.status);
	p = strstr(r.out, key);
	ASSERT_NONNULL(p);
	ASSERT_EQ(4, sscanf(p + strlen(key), "%x %x %x %x", &l[0], &l[1], &l[2], &l[3]));
	EXPECT_TRUE(l[2] & (1u << MIGCTL_CPUID_HYPERVISOR_BIT));
	EXPECT_EQ(0u, l[1] >> 24);		/* the BSP's initial APIC ID */
	EXPECT_EQ(2u, (l[1] >> 16) & 0xff);	/* APIC IDs in the package */
	EXPECT_FALSE(l[2] & (1u << 5));		/* no VMX: nested state is not migrated */
}

FIXTURE(cpuid) { struct run r; struct probe_result probe; u32 leaf[3][4]; };
FIXTURE_VARIANT(cpuid) { const char *migctl; const char *features; u32 want_features; };
FIXTURE_VARIANT_ADD(cpuid, off) { "off", "none", 0 };
FIXTURE_VARIANT_ADD(cpuid, v1) { "v1", "none", 0 };
FIXTURE_VARIANT_ADD(cpuid, v2_all) { "v2", "all", MIGCTL_F_ALL };
FIXTURE_VARIANT_ADD(cpuid, v2_msr_psc) { "v2", "msr-psc", MIGCTL_F_MSR_PSC };
FIXTURE_VARIANT_ADD(cpuid, v2_list) { "v2", "list", MIGCTL_F_LIST };
FIXTURE_VARIANT_ADD(cpuid, v2_none) { "v2", "none", 0 };

FIXTURE_SETUP(cpuid)
{
	static const u32 fn[3] = { 0x40000000, 0x40000001, 0x4000004d };

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, probe_run(&self->probe));
	VMM(&self->r, "--migctl", variant->migctl, "--features", variant->features,
	    run_image("info"));
	ASSERT_EQ(0, self->r.status);
	for (int i = 0; i < 3; i++) {
		char key[32];
		const char *p;
		u32 *l = self->leaf[i];

		snprintf(key, sizeof(key), "cpuid %08x: ", fn[i]);
		p = strstr(self->r.out, key);
		ASSERT_NONNULL(p);
		ASSERT_EQ(4, sscanf(p + strlen(key), "%x %x %x %x", &l[0], &l[1], &l[2], &l[3]));
	}
}

FIXTURE_TEARDOWN(cpuid) {}

/* Covers: H-1, H-2, H-3, H-15, V-10 */
TEST_F(cpuid, protocol_leaves)
{
	u32 *base = self->leaf[0], *feat = self->leaf[1], *vl = self->leaf[2];
	bool v2 = !strcmp(variant->migctl, "v2");
	/* no version 1 without the hypercall transport (H-15) */
	bool on = v2 || (!strcmp(variant->migctl, "v1") && self->probe.hypercall);
	u32 offered = self->probe.msr_filter ? variant->want_features : 0;

	EXPECT_EQ(MIGCTL_KVM_SIG_EBX, base[1]);
	EXPECT_EQ(MIGCTL_KVM_SIG_ECX, base[2]);
	EXPECT_EQ(MIGCTL_KVM_SIG_EDX, base[3]);
	EXPECT_GE(base[0], 0x40000001u);
	/* bit 17 only with a working MSR filter, bit 16 only with hypercall exits */
	EXPECT_EQ(on && self->probe.msr_filter, !!(feat[0] & (1u << 17)));
	EXPECT_EQ(on && self->probe.msr_filter && self->probe.hypercall,
		  !!(feat[0] & (1u << 16)));
	if (!v2 || !self->probe.msr_filter) {
		EXPECT_LT(base[0], 0x4000004du);
		return;
	}
	EXPECT_EQ(0x4000004du, base[0]);
	EXPECT_EQ(MIGCTL_LEAF_MAGIC, vl[0]);
	/* min 1 (2 without hypercall exits: H-15), max 2 */
	EXPECT_EQ(self->probe.hypercall ? 0x201u : 0x202u, vl[1]);
	EXPECT_EQ(offered, vl[2]);
	EXPECT_EQ((offered & MIGCTL_F_MSR_PSC) ? MIGCTL_MSR_PSC_DEFAULT : 0, vl[3]);
}

/* Covers: H-3 */
TEST(msr, off_raises_gp)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--migctl", "off", "--stats", run_image("msr"));
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("wrmsr=gp\nrdmsr=gp\n", r.out);
	EXPECT_TRUE(strstr(r.err, "wrmsr_0x4b564d08=1 "));
	EXPECT_TRUE(strstr(r.err, "ctl_accepted=0 "));
	EXPECT_TRUE(strstr(r.err, "ready=0 "));
}

/*
 * Version 1 where hypercall exits work; where they do not, no version 1
 * at all, so an upstream guest never opts in to be notified by nobody.
 * Covers: H-7, H-15, V-1
 */
TEST(msr, v1_ready_reads_back)
{
	struct run r;
	struct probe_result p;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, probe_run(&p));
	REQUIRE(p.msr_filter, "MSR exits do not work here: %s", p.msr_why);
	VMM(&r, "--migctl", "v1", "--stats", "--trace", run_image("msr"));
	EXPECT_EQ(0, r.status);
	if (!p.hypercall) {
		test_diag("no hypercall exits here (%s): version 1 is not offered", p.hypercall_why);
		EXPECT_STREQ("wrmsr=gp\nrdmsr=gp\n", r.out);
		EXPECT_TRUE(strstr(r.err, "ctl_accepted=0 "));
		EXPECT_TRUE(strstr(r.err, "ready=0 "));
		/* and the VMM says why, once */
		EXPECT_TRUE(strstr(r.err, "version 1 is not offered: protocol off (H-15)"));
		return;
	}
	EXPECT_FALSE(strstr(r.err, "(H-15)"));
	EXPECT_STREQ("wrmsr=ok\nrdmsr=00000001\n", r.out);
	EXPECT_TRUE(strstr(r.err, "kind=wrmsr index=0x4b564d08 value=0x1 result=ok"));
	EXPECT_TRUE(strstr(r.err, "kind=rdmsr index=0x4b564d08 result=ok value=0x1"));
	EXPECT_TRUE(strstr(r.err, "ready=1 version=1 "));
}

FIXTURE(psc) { struct run r; struct probe_result probe; };
FIXTURE_VARIANT(psc) { const char *migctl; const char *features; bool offered; };
FIXTURE_VARIANT_ADD(psc, v2_msr_psc) { "v2", "msr-psc", true };
FIXTURE_VARIANT_ADD(psc, v2_list_only) { "v2", "list", false };
FIXTURE_VARIANT_ADD(psc, v1) { "v1", "none", false };
FIXTURE_VARIANT_ADD(psc, off) { "off", "none", false };

FIXTURE_SETUP(psc)
{
	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, probe_run(&self->probe));
	VMM(&self->r, "--migctl", variant->migctl, "--features", variant->features, "--stats",
	    run_image("psc"));
}

FIXTURE_TEARDOWN(psc) {}

/*
 * The MSR transport end to end: a valid request is recorded before the
 * WRMSR completes; misaligned, reserved-bit and outside-RAM requests and
 * every RDMSR raise #GP; without F_MSR_PSC every access raises #GP.
 */
/* Covers: H-8, H-10, V-1, V-10 */
TEST_F(psc, requests)
{
	bool offered = variant->offered && self->probe.msr_filter;

	EXPECT_EQ(0, self->r.status);
	if (!offered) {
		EXPECT_STREQ("valid=gp\nmisaligned=gp\nreserved=gp\nhole=gp\nread=gp\n",
			     self->r.out);
		EXPECT_TRUE(strstr(self->r.err, "pages=0 "));
		return;
	}
	EXPECT_STREQ("valid=ok\nmisaligned=gp\nreserved=gp\nhole=gp\nread=gp\n", self->r.out);
	EXPECT_TRUE(strstr(self->r.err, "wrmsr_0x4b564d40=4 "));
	EXPECT_TRUE(strstr(self->r.err, "psc_gp=4 requests_ok=1 pages=16 "));
}

/*
 * Hypercall 12 from the guest: where the probe found hypercall exits work
 * the VMM answers it; where not, the VMM turned FIX_HYPERCALL off, so the
 * guest gets #UD instead of a hang, and bit 16 was never offered.
 */
/* Covers: H-1, H-9, V-10 */
TEST(hypercall, follows_probe)
{
	struct probe_result p;
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, probe_run(&p));
	VMM(&r, "--migctl", "v1", "--stats", run_image("hc"));
	EXPECT_EQ(0, r.status);
	if (!p.hypercall) {
		test_diag("hypercall exits: %s", p.hypercall_why);
		EXPECT_TRUE(p.quirk_off);
		EXPECT_STREQ("hc=ud\n", r.out);
		EXPECT_TRUE(strstr(r.err, "hypercalls=0 "));
		return;
	}
	EXPECT_STREQ("hc=00000000\n", r.out);
	EXPECT_TRUE(strstr(r.err, "hypercalls=1 "));
	EXPECT_TRUE(strstr(r.err, "pages=1 "));
}

TEST(stop, timeout)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--timeout", "1", "--cpus", "2", run_image("hang"));
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(strstr(r.err, "timeout"));
}

FIXTURE(signal) { struct run r; };
FIXTURE_VARIANT(signal) { int sig; const char *name; };
FIXTURE_VARIANT_ADD(signal, sigterm) { SIGTERM, "Terminated" };
FIXTURE_VARIANT_ADD(signal, sigint) { SIGINT, "Interrupt" };
FIXTURE_SETUP(signal) {}
FIXTURE_TEARDOWN(signal) {}

TEST_F(signal, stops_vcpus)
{
	struct run_opts o = { .signal_after = "hang\n", .kill_sig = variant->sig };

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	run_vmm(&self->r, &o, (const char *const[]){ "--cpus", "2", run_image("hang"), NULL });
	EXPECT_EQ(125, self->r.status);
	EXPECT_TRUE(strstr(self->r.err, variant->name));
}

/* The destination stops on SIGINT/SIGTERM while no source has connected. */
TEST_F(signal, stops_incoming_wait)
{
	struct run_opts o = { .signal_after_err = "waiting for a migration",
			      .kill_sig = variant->sig };
	char uri[64];

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	snprintf(uri, sizeof(uri), "unix:/tmp/migctl-incoming-%d.sock", getpid());
	run_vmm(&self->r, &o, (const char *const[]){ "--incoming", uri, NULL });
	EXPECT_EQ(125, self->r.status);
	EXPECT_TRUE(strstr(self->r.err, variant->name));
	EXPECT_TRUE(strstr(self->r.err, "while waiting for a migration"));
	EXPECT_EQ(-1, access(uri + 5, F_OK));	/* the socket file is removed */
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		test_fail(__FILE__, __LINE__, true, "cannot write %s", path);
	close(fd);
}

FIXTURE(bad) { struct run r; char path[64]; };
FIXTURE_VARIANT(bad) { int kind; const char *msg; };
enum { BAD_OPTION, BAD_NOT_ELF, BAD_NO_NOTE, BAD_MISSING, BAD_MEMORY };
FIXTURE_VARIANT_ADD(bad, option) { BAD_OPTION, "unknown option --frob" };
FIXTURE_VARIANT_ADD(bad, not_elf) { BAD_NOT_ELF, "not an ELF file" };
FIXTURE_VARIANT_ADD(bad, no_pvh_note) { BAD_NO_NOTE, "not a PVH image" };
FIXTURE_VARIANT_ADD(bad, missing_file) { BAD_MISSING, "cannot open image" };
FIXTURE_VARIANT_ADD(bad, memory_too_large) { BAD_MEMORY, "exceeds the host" };

FIXTURE_SETUP(bad)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		u8 code[16];
	} elf = {
		.eh = { .e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
			.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_phoff = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1 },
		.ph = { .p_type = PT_LOAD, .p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
			.p_paddr = 0x100000, .p_filesz = 16, .p_memsz = 16 },
	};

	snprintf(self->path, sizeof(self->path), "/tmp/migctl-bad-%d", getpid());
	if (variant->kind == BAD_NOT_ELF)
		write_file(self->path, "#!/bin/sh\n", 10);
	else if (variant->kind == BAD_NO_NOTE)
		write_file(self->path, &elf, sizeof(elf));
}

FIXTURE_TEARDOWN(bad)
{
	unlink(self->path);
}

TEST_F(bad, exits_125_with_message)
{
	struct sysinfo si;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	switch (variant->kind) {
	case BAD_OPTION:
		VMM(&self->r, "--frob", run_image("hello"));
		break;
	case BAD_MEMORY:
		REQUIRE(!sysinfo(&si) && (u64)si.totalram * si.mem_unit < (1ull << 40),
			"host has 1 TiB of RAM");
		VMM(&self->r, "--memory", "1T", run_image("hello"));
		break;
	default:
		VMM(&self->r, self->path);
		break;
	}
	EXPECT_EQ(125, self->r.status);
	EXPECT_MSG(strstr(self->r.err, variant->msg), "stderr lacks '%s'", variant->msg);
}

static void hide_dev_kvm(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
		_exit(99);
}

static void drop_root(void)
{
	if (setgid(65534) || setuid(65534))
		_exit(99);
}

TEST(env, no_dev_kvm)
{
	struct run_opts o = { .child_setup = hide_dev_kvm };
	struct run r;

	REQUIRE(geteuid() == 0, "needs root to hide /dev/kvm in a mount namespace");
	run_vmm(&r, &o, (const char *const[]){ run_image("hello"), NULL });
	REQUIRE(r.status != 99, "cannot create a mount namespace");
	EXPECT_EQ(125, r.status);
	EXPECT_TRUE(strstr(r.err, "/dev/kvm does not exist"));
}

TEST(env, no_permission)
{
	struct run_opts o = { .child_setup = drop_root };
	struct run r;

	REQUIRE(geteuid() == 0, "needs root to switch to an unprivileged user");
	REQUIRE(HAVE_KVM, "no /dev/kvm");
	run_vmm(&r, &o, (const char *const[]){ run_image("hello"), NULL });
	REQUIRE(r.status != 99 && r.status != 127, "cannot run as nobody");
	EXPECT_EQ(125, r.status);
	EXPECT_TRUE(strstr(r.err, "no permission to open /dev/kvm"));
}

/*
 * --sev-sim: the key page at 0xfeb00000 holds the magic, generation 1 and
 * the default window (upper half of the bank at 1 MiB); the guest cannot
 * change it; the e820 map reserves it. Without --sev-sim nothing is there.
 */
/* Covers: H-13 */
TEST(sevsim, key_page_and_e820)
{
	struct run r;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	VMM(&r, "--sev-sim", "--memory", "256M", run_image("keypage"));
	EXPECT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "magic=384b4d49534d5653 gen=00000001 window=08000000 "
			   "pages=00008000 after-write=534d5653\n"));
	EXPECT_TRUE(strstr(r.out, "e820 feb00000 00001000 00000002\n"));
	VMM(&r, "--sev-sim", "--memory", "256M", "--sev-sim-window", "0x2000000:16M",
	    run_image("keypage"));
	EXPECT_TRUE(strstr(r.out, "window=02000000 pages=00001000"));
	VMM(&r, "--sev-sim", "--memory", "256M", "--sev-sim-window", "0x20000000:16M",
	    run_image("keypage"));
	EXPECT_EQ(125, r.status);
	EXPECT_TRUE(strstr(r.err, "not 2 MiB aligned RAM"));
	VMM(&r, run_image("keypage"));
	EXPECT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "magic=ffffffffffffffff"));
	EXPECT_FALSE(strstr(r.out, "e820 feb00000"));
}

/* The control socket answers JSON lines; ctl prints the reply. */
TEST(control, query_stop_cont_quit)
{
	char sock[64];
	struct run r;
	pid_t pid;
	int st;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	snprintf(sock, sizeof(sock), "/tmp/migctl-ctl-%d.sock", getpid());
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(run_vmm_path("migctl-vmm"), "migctl-vmm", "--control", sock,
		      run_image("hang"), (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 50 * test_timeout_scale(); i++) {
		VMM(&r, "ctl", sock, "query-status");
		if (!r.status)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "\"status\":\"running\""));
	EXPECT_TRUE(strstr(r.out, "\"ready\":false"));
	VMM(&r, "ctl", sock, "stop");
	EXPECT_STREQ("{\"return\":\"paused\"}\n", r.out);
	VMM(&r, "ctl", sock, "query-status");
	EXPECT_TRUE(strstr(r.out, "\"status\":\"paused\""));
	VMM(&r, "ctl", sock, "cont");
	EXPECT_STREQ("{\"return\":\"running\"}\n", r.out);
	VMM(&r, "ctl", sock, "query-migrate");
	EXPECT_STREQ("{\"status\":\"none\"}\n", r.out);
	/* A guest that converted nothing: its RAM shared (no encryption), the hole a gap. */
	VMM(&r, "ctl", sock, "query-status-log");
	EXPECT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "{\"return\":{\"private_pages\":0,\"shared_pages\":"));
	EXPECT_TRUE(strstr(r.out, ",\"from_gfn\":0,\"runs\":[[0,160,\"shared\"],[256,"));
	EXPECT_TRUE(strstr(r.out, ",\"shared\"]],\"next_gfn\":null}}\n"));
	VMM(&r, "ctl", sock, "{\"cmd\":\"query-status-log\",\"from_gfn\":-1}");
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(strstr(r.out, "from_gfn: an integer"));
	VMM(&r, "ctl", sock, "frobnicate");
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(strstr(r.out, "{\"error\":\"unknown command"));
	VMM(&r, "ctl", sock, "migrate", "tcp:127.0.0.1:0");
	EXPECT_EQ(1, r.status);
	VMM(&r, "ctl", sock, "quit");
	EXPECT_STREQ("{\"return\":\"quitting\"}\n", r.out);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 125);
}

#define FLOOD_PAGES	20	/* flood.elf: its vCPUs print 20 / N pages each */
#define FLOOD_PIPE	4096		/* a stalled reader's pipe: one page */
#define FLOOD_OUT_MAX	(8u << 20)

static long flood_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

FIXTURE(flood) { int out[2]; FILE *err; pid_t pid; char *buf; size_t len; };
FIXTURE_VARIANT(flood) { const char *cpus; bool live; };
FIXTURE_VARIANT_ADD(flood, cpus1_stalled) { "1", false };
FIXTURE_VARIANT_ADD(flood, cpus2_stalled) { "2", false };
FIXTURE_VARIANT_ADD(flood, cpus4_stalled) { "4", false };
FIXTURE_VARIANT_ADD(flood, cpus2_live) { "2", true };
FIXTURE_VARIANT_ADD(flood, cpus4_live) { "4", true };

FIXTURE_SETUP(flood)
{
	char limit[16];

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	self->err = tmpfile();
	self->buf = malloc(FLOOD_OUT_MAX + 1);
	ASSERT_NONNULL(self->err);
	ASSERT_NONNULL(self->buf);
	ASSERT_EQ(0, pipe2(self->out, O_CLOEXEC));
	/* The ring, not the pipe, takes what a stalled reader leaves. */
	if (!variant->live)
		ASSERT_EQ(FLOOD_PIPE, fcntl(self->out[1], F_SETPIPE_SZ, FLOOD_PIPE));
	/* The guest's own limit is the test's: the test then sees a timeout as exit 1. */
	snprintf(limit, sizeof(limit), "%d", RUN_LIMIT_S * test_timeout_scale());
	self->pid = fork();
	ASSERT_TRUE(self->pid >= 0);
	if (!self->pid) {
		dup2(self->out[1], 1);
		dup2(fileno(self->err), 2);
		execl(run_vmm_path("migctl-vmm"), "migctl-vmm", "--cpus", variant->cpus,
		      "--timeout", limit, run_image("flood"), "--", variant->cpus, (char *)NULL);
		_exit(127);
	}
	close(self->out[1]);
}

FIXTURE_TEARDOWN(flood)
{
	if (self->pid > 0 && waitpid(self->pid, NULL, WNOHANG) == 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->err)
		fclose(self->err);
	free(self->buf);
}

/* Reads the pipe until the VMM's end closes it or @ms pass; false on the limit. */
static bool flood_read_all(int fd, char *buf, size_t *len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long end = flood_now_ms() + ms;
	ssize_t n;

	for (;;) {
		long left = end - flood_now_ms();

		if (left <= 0 || poll(&pfd, 1, left) != 1)
			return false;
		n = read(fd, buf + *len, FLOOD_OUT_MAX - *len);
		if (n <= 0)
			return n == 0;
		*len += n;
	}
}

/* The VMM's note on stderr: how many bytes it dropped (0 without one). */
static unsigned long long flood_dropped(FILE *err, char *buf, size_t size)
{
	const char *p;
	size_t n;

	rewind(err);
	n = fread(buf, 1, size - 1, err);
	buf[n] = '\0';
	p = strstr(buf, " bytes of guest serial output dropped");
	if (!p)
		return 0;
	while (p > buf && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtoull(p, NULL, 10);
}

/*
 * A guest whose vCPUs print 80 KiB between them into stdout, a pipe. A reader
 * that does not read until the VMM has exited holds no vCPU back: the
 * guest exits 0 within the time limit, the VMM exits soon after (its final
 * flush gives up), and the drop is reported. A reader that keeps up gets
 * every byte (or the count of those it did not get), in whole lines.
 */
TEST_F(flood, stalled_reader_holds_no_vcpu)
{
	int limit_ms = RUN_LIMIT_S * 1000 * test_timeout_scale(), st, nl = 0;
	int ncpus = atoi(variant->cpus);
	size_t total = 4096u * (FLOOD_PAGES / ncpus) * ncpus;
	unsigned long long dropped;
	char err[RUN_OUT_MAX];
	long t0 = flood_now_ms();

	if (variant->live) {
		ASSERT_MSG(flood_read_all(self->out[0], self->buf, &self->len, limit_ms),
			   "the guest's output still open after %d ms", limit_ms);
	} else {
		int pidfd = syscall(SYS_pidfd_open, self->pid, 0);
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		ASSERT_TRUE(pidfd >= 0);
		ASSERT_MSG(poll(&pfd, 1, limit_ms) == 1,
			   "migctl-vmm still running after %d ms with its stdout not read", limit_ms);
		close(pidfd);
		fcntl(self->out[0], F_SETFL, O_NONBLOCK);
		flood_read_all(self->out[0], self->buf, &self->len, 1000);
	}
	ASSERT_EQ(self->pid, waitpid(self->pid, &st, 0));
	self->pid = 0;
	test_diag("%s vCPUs, %s reader: exit after %ld ms, %zu bytes read", variant->cpus,
		  variant->live ? "live" : "stalled", flood_now_ms() - t0, self->len);
	dropped = flood_dropped(self->err, err, sizeof(err));
	EXPECT_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x; stderr: %s", st, err);
	for (size_t i = 0; i < self->len; i++) {
		if (self->buf[i] == '.') {	/* the marker line */
			ASSERT_EQ(0, strncmp(self->buf + i, "... ", 4));
			while (i < self->len && self->buf[i] != '\n')
				i++;
			continue;
		}
		ASSERT_MSG(self->buf[i] == 'x' || self->buf[i] == '\n', "byte %zu is %#x", i,
			   self->buf[i]);
		nl += self->buf[i] == '\n';
	}
	if (!variant->live) {
		EXPECT_MSG(dropped > 0 && dropped <= total, "dropped %llu of %zu; stderr: %s",
			   dropped, total, err);
		EXPECT_LE(self->len, (size_t)FLOOD_PIPE);
		return;
	}
	/* Nothing lost unless the reader fell behind, and then it was counted. */
	test_diag("dropped: %llu", dropped);
	if (!dropped) {
		EXPECT_EQ(total, self->len);
		EXPECT_EQ((int)(total / 64), nl);
	}
	EXPECT_LE(self->len + dropped, total + 4096);
}
