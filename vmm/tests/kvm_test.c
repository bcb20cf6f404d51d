/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* kvm_test.c - the VMM's modules on the real /dev/kvm: probe, vCPUs, pausing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "migctl.h"
#include "migctl-host.h"
#include "test.h"
#include "../boot.h"
#include "../dev/exitport.h"
#include "../dev/serial.h"
#include "../probe.h"
#include "../proto.h"
#include "../state_check.h"
#include "../state_load.h"
#include "../vcpu.h"
#include "../vm.h"
#include "run.h"

/* Covers: V-10 */
TEST(probe, definite_answer)
{
	struct probe_result p;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, probe_run(&p));
	test_diag("hypercall: %s; msr: %s; %ld us", p.hypercall_why, p.msr_why, p.usec);
	EXPECT_TRUE(p.hypercall_why[0] && p.msr_why[0]);
	EXPECT_EQ(p.hypercall, !strcmp(p.hypercall_why, "KVM_EXIT_HYPERCALL delivered"));
	EXPECT_EQ(p.msr_filter, !strcmp(p.msr_why, "filtered RDMSR exits delivered"));
	if (!p.hypercall)
		EXPECT_TRUE(strstr(p.hypercall_why, "not delivered") ||
			    strstr(p.hypercall_why, "does not offer"));
	/* The VMM always turns the quirk off where KVM lets it: never a hang. */
	EXPECT_TRUE(p.quirk_off || !p.hypercall);
}

/*
 * What KVM_SET_CPUID2 gave each vCPU (read back with KVM_GET_CPUID2): the
 * hypervisor bit, which a standard KVM's supported table lacks, and the
 * vCPU's own APIC ID in leaves 1 and 0xb, from one template.
 */
TEST(vm, vcpu_cpuid_hypervisor_bit_and_apic_id)
{
	struct vm_config cfg = { .mem_size = 64ull << 20, .nr_cpus = 3, .irqchip = true };
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[256];
	} c;
	struct vm *vm;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, vm_create(&vm, &cfg));
	ASSERT_EQ(0, vm_create_vcpus(vm));
	for (int i = 0; i < 3; i++) {
		struct kvm_cpuid_entry2 *l1 = NULL, *topo = NULL;

		/* Zeroed: Linux 6.1 leaves nent as given on success (not the count). */
		memset(&c, 0, sizeof(c));
		c.hdr.nent = 256;
		ASSERT_EQ(0, ioctl(vm->vcpus[i]->fd, KVM_GET_CPUID2, &c));
		for (u32 k = 0; k < c.hdr.nent && c.e[k].function | c.e[k].eax; k++) {
			if (c.e[k].function == 1 && !l1)
				l1 = &c.e[k];
			if (c.e[k].function == 0xb && c.e[k].index == 1 && !topo)
				topo = &c.e[k];
		}
		ASSERT_NONNULL(l1);
		EXPECT_TRUE(l1->ecx & (1u << MIGCTL_CPUID_HYPERVISOR_BIT));
		EXPECT_EQ((u32)i, l1->ebx >> 24);
		if (topo) {
			EXPECT_EQ((u32)i, topo->edx);
			EXPECT_EQ(3u, topo->ebx);	/* logical processors at the core level */
		}
	}
	vm_destroy(vm);
}

#define GO_PORT		0xf8	/* resume.S polls it */

/* Port 0xf8 answers *opaque: 0 keeps resume.S polling. */
static void go_port(void *opaque, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	if (!out)
		*data = *(const u8 *)opaque;
}

/* A VM with COM1 on @out_fd, the exit port and port 0xf8 reading *@go. */
static struct vm *new_vm(int cpus, struct serial **serial, int out_fd, const u8 *go)
{
	struct vm_config cfg = { .mem_size = 64ull << 20, .nr_cpus = cpus, .irqchip = true };
	struct vm *vm;

	if (vm_create(&vm, &cfg))
		return NULL;
	if (serial_create(vm, out_fd, serial) || exitport_init(vm) ||
	    vm_ioport_register(vm, GO_PORT, 1, go_port, (void *)go)) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

#define NO_DIRTY_LOG	(-1)

/*
 * Boot @name on a fresh VM with @cpus vCPUs, dirty logging in mode @dirty
 * (enum mem_dirty_mode, or NO_DIRTY_LOG); the VM runs when this returns.
 */
static struct vm *boot_image(const char *name, int cpus, int dirty, struct serial **serial,
			     int out_fd, const u8 *go)
{
	struct vcpu_flat32 st = { .ebx = BOOT_START_INFO };
	static u8 buf[1 << 16];
	struct boot_image img;
	const char *why;
	struct vm *vm;
	int fd = open(run_image(name), O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return NULL;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len <= 0 || !(vm = new_vm(cpus, serial, out_fd, go)))
		return NULL;
	if (boot_parse_elf(buf, len, vm->mem.banks, vm->mem.nr_banks, &img, &why) ||
	    boot_load(&vm->mem, buf, &img, "") || vm_create_vcpus(vm) ||
	    (dirty != NO_DIRTY_LOG && mem_dirty_log(&vm->mem, vm->fd, true, dirty)))
		goto err;
	st.eip = img.entry;
	if (vcpu_set_flat32(vm->vcpus[0], &st) || vm_start(vm))
		goto err;
	return vm;
err:
	vm_destroy(vm);
	return NULL;
}

/*
 * Pausing parks every vCPU outside KVM_RUN, whatever it was doing (the BSP
 * halted, the APs waiting for INIT/SIPI), and resuming lets them go on.
 */
/* Covers: V-3 */
TEST(vm, pause_parks_every_vcpu)
{
	static const u8 go = 1;
	struct serial *serial = NULL;
	int null_fd = open("/dev/null", O_WRONLY);
	struct vm *vm;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	vm = boot_image("hang", 3, NO_DIRTY_LOG, &serial, null_fd, &go);
	ASSERT_NONNULL(vm);
	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, vm_pause(vm));
		EXPECT_EQ(3, vm->nr_parked);
		vm_resume(vm);
	}
	vm_end(vm, VM_END_GUEST, 0);
	vm_join(vm);
	EXPECT_EQ((int)VM_END_GUEST, (int)vm->end_kind);
	EXPECT_EQ(0, vm->nr_parked);
	vm_destroy(vm);
	serial_destroy(serial);
	close(null_fd);
}

static bool page_bit(const u64 *bits, u64 pfn)
{
	return bits[pfn / 64] & (1ull << (pfn % 64));
}

/* Both ways of fetching the dirty log the VMM knows: same results. */
FIXTURE(dirty) {
	struct serial *serial;
	int null_fd;
	struct vm *vm;
	u64 *bits;
};
FIXTURE_VARIANT(dirty) { enum mem_dirty_mode mode; };
FIXTURE_VARIANT_ADD(dirty, get_dirty_log) { .mode = MEM_DIRTY_GET };
FIXTURE_VARIANT_ADD(dirty, manual_protect) { .mode = MEM_DIRTY_MANUAL };

FIXTURE_SETUP(dirty)
{
	self->null_fd = open("/dev/null", O_WRONLY);
}

FIXTURE_TEARDOWN(dirty)
{
	free(self->bits);
	if (self->vm)
		vm_destroy(self->vm);
	serial_destroy(self->serial);
	close(self->null_fd);
}

/* Boots @image with the variant's mode; skips where KVM lacks manual protect. */
static void dirty_boot(struct fixture_dirty *self,
		       const struct fixture_variant_dirty *variant, const char *image)
{
	static const u8 go = 1;
	int kvm = open("/dev/kvm", O_RDWR);
	int have = kvm < 0 ? 0 : ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);

	if (kvm >= 0)
		close(kvm);
	REQUIRE(variant->mode != MEM_DIRTY_MANUAL || have > 0,
		"KVM has no KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
	self->vm = boot_image(image, 1, variant->mode, &self->serial, self->null_fd, &go);
	ASSERT_NONNULL(self->vm);
	EXPECT_EQ(variant->mode == MEM_DIRTY_MANUAL, self->vm->mem.manual_protect);
	self->bits = calloc(mem_dirty_words(&self->vm->mem, 1), sizeof(u64));
	ASSERT_NONNULL(self->bits);
}

/*
 * Dirty logging sees the guest's own writes (its stack page, 0x8f000, for
 * the call in hello) and not the VMM's (the image it loaded), and a fetch
 * clears what it returned: with manual protect only because the VMM
 * clears it (KVM_GET_DIRTY_LOG alone would return the page again).
 */
/* Covers: V-2 */
TEST_F(dirty, fetch_and_clear)
{
	REQUIRE(HAVE_KVM, "no /dev/kvm");
	dirty_boot(self, variant, "hello");
	ASSERT_EQ(1, vm_wait(self->vm, 10000, -1));
	vm_join(self->vm);
	ASSERT_EQ((int)VM_END_GUEST, (int)self->vm->end_kind);

	ASSERT_EQ(0, mem_dirty_fetch(&self->vm->mem, self->vm->fd, 0, self->bits));
	EXPECT_TRUE(page_bit(self->bits, 0x8f));
	EXPECT_FALSE(page_bit(self->bits, 0x6));		/* start_info: VMM-written */
	ASSERT_EQ(0, mem_dirty_fetch(&self->vm->mem, self->vm->fd, 0, self->bits));
	EXPECT_FALSE(page_bit(self->bits, 0x8f));
	ASSERT_EQ(0, mem_dirty_log(&self->vm->mem, self->vm->fd, false, variant->mode));
	EXPECT_EQ(-EINVAL, mem_dirty_fetch(&self->vm->mem, self->vm->fd, 0, self->bits));
}

/*
 * Pages the host never backed are known zero without a read: the guest's
 * stack page and a page the VMM writes are backed, a page nobody touched
 * is not, and reading it (the zero page mapped in) makes it backed.
 */
TEST_F(dirty, untouched_pages)
{
	u64 bits[2], pages;
	volatile u8 *far;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	dirty_boot(self, variant, "hello");
	ASSERT_EQ(1, vm_wait(self->vm, 10000, -1));
	vm_join(self->vm);
	ASSERT_EQ(0, mem_untouched(&self->vm->mem, 0, 0x80, 32, bits));
	EXPECT_FALSE(page_bit(bits, 0x8f - 0x80));		/* the stack */
	pages = self->vm->mem.banks[1].size >> 12;
	ASSERT_EQ(0, mem_untouched(&self->vm->mem, 1, pages - 128, 128, bits));
	EXPECT_TRUE(page_bit(bits, 127));
	far = mem_gpa_to_hva(&self->vm->mem, self->vm->mem.banks[1].gpa + ((pages - 1) << 12), 1);
	ASSERT_NONNULL((void *)far);
	EXPECT_EQ(0, *far);
	ASSERT_EQ(0, mem_untouched(&self->vm->mem, 1, pages - 128, 128, bits));
	EXPECT_FALSE(page_bit(bits, 127));
	EXPECT_EQ(-EINVAL, mem_untouched(&self->vm->mem, 1, pages - 1, 2, bits));
}

/*
 * A page fetched is write-protected again: memloop rewrites its area
 * (0x200000..0x20ffff, in the bank at 1 MiB) on every pass, and each of
 * several fetches in a row finds the area's pages dirty anew while pages
 * it never writes stay clean.
 */
/* Covers: V-2 */
TEST_F(dirty, rewrites_are_logged_again)
{
	int seen = 0;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	dirty_boot(self, variant, "memloop");
	for (int tries = 0; tries < 1000 && seen < 4; tries++) {
		ASSERT_EQ(MEM_HIGH_START, self->vm->mem.banks[1].gpa);
		ASSERT_EQ(0, mem_dirty_fetch(&self->vm->mem, self->vm->fd, 1, self->bits));
		EXPECT_FALSE(page_bit(self->bits, 0x200));	/* 3 MiB: never written */
		if (page_bit(self->bits, 0x100) && page_bit(self->bits, 0x10f))
			seen++;
		usleep(10000);
	}
	test_diag("%d fetches in a row found the rewritten area", seen);
	EXPECT_EQ(4, seen);
	vm_end(self->vm, VM_END_GUEST, 0);
	vm_join(self->vm);
}

/* Read @fd until @want arrived (or 10 s passed); true if it did. */
static bool wait_output(int fd, const char *want)
{
	char buf[256] = { 0 };
	size_t len = 0;

	for (int i = 0; i < 100 && !strstr(buf, want); i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n > 0)
			len += n;
	}
	return strstr(buf, want);
}

/*
 * Snapshot and restore: pause a running VM mid-loop, save every vCPU (the
 * BSP polling a port, an AP never started), copy RAM to a new VM, restore
 * the vCPUs there and let the guest finish: it checks its own registers,
 * stack and memory before it prints "b".
 */
/* Covers: V-3, V-5 */
TEST(vm, snapshot_restore_other_vm)
{
	static struct vcpu_state st[2];
	char why[VCPU_WHY_MAX] = "";
	struct serial *sa = NULL, *sb = NULL;
	static u8 stay, go = 1;
	int pa[2], pb[2];
	struct vm *a, *b;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, pipe(pa));
	ASSERT_EQ(0, pipe(pb));
	a = boot_image("resume", 2, false, &sa, pa[1], &stay);	/* keeps polling */
	ASSERT_NONNULL(a);
	ASSERT_TRUE(wait_output(pa[0], "a\n"));
	ASSERT_EQ(0, vm_pause(a));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, vcpu_save(a->vcpus[i], &st[i], why));
	EXPECT_EQ((u32)KVM_MP_STATE_UNINITIALIZED, st[1].mp.mp_state);
	EXPECT_GT(st[0].nr_msrs, 0u);
	EXPECT_EQ(0, vcpu_state_check(a, 0, &st[0], why));
	test_diag("saved %u of %u MSRs, TSC %u kHz", st[0].nr_msrs, a->nr_msr_indices,
		  st[0].tsc_khz);

	b = new_vm(2, &sb, pb[1], &go);
	ASSERT_NONNULL(b);
	ASSERT_EQ(a->mem.host_size, b->mem.host_size);
	memcpy(b->mem.host, a->mem.host, a->mem.host_size);
	ASSERT_EQ(0, vm_create_vcpus(b));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, vcpu_restore(b->vcpus[i], &st[i], why));
	vm_end(a, VM_END_GUEST, 0);
	vm_destroy(a);
	serial_destroy(sa);

	ASSERT_EQ(0, vm_start(b));
	ASSERT_EQ(1, vm_wait(b, 10000, -1));
	vm_join(b);
	EXPECT_EQ((int)VM_END_GUEST, (int)b->end_kind);
	EXPECT_EQ(0, b->end_code);
	serial_flush(sb, SERIAL_FLUSH_STALL_MS);
	EXPECT_TRUE(wait_output(pb[0], "b\n"));
	vm_destroy(b);
	serial_destroy(sb);
}

#define MSR_TSC_DEADLINE	0x6e0u
#define APIC_LVTT		0x320
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_TIMER_DEADLINE	(2u << 17)

static u64 get_msr(struct vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} req = { .hdr.nmsrs = 1, .e.index = index };

	return ioctl(vcpu->fd, KVM_GET_MSRS, &req) == 1 ? req.e.data : ~0ull;
}

/* Two fresh 1-vCPU VMs with the in-kernel LAPIC, vCPUs created. */
static void two_vms(struct vm **a, struct vm **b)
{
	struct vm_config cfg = { .mem_size = 64ull << 20, .nr_cpus = 1, .irqchip = true };

	ASSERT_EQ(0, vm_create(a, &cfg));
	ASSERT_EQ(0, vm_create_vcpus(*a));
	ASSERT_EQ(0, vm_create(b, &cfg));
	ASSERT_EQ(0, vm_create_vcpus(*b));
}

/*
 * A guest's armed TSC-deadline timer survives a restore: KVM drops a
 * deadline written while the LAPIC timer is not in TSC-deadline mode, so
 * the MSR must follow the LAPIC state, not come before it with the others.
 */
TEST(vm, restore_keeps_tsc_deadline)
{
	static struct vcpu_state st;
	struct kvm_lapic_state lapic;
	char why[VCPU_WHY_MAX] = "";
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} dl = { .hdr.nmsrs = 1, .e.index = MSR_TSC_DEADLINE };
	struct vm *a, *b;
	u32 lvtt;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	two_vms(&a, &b);
	REQUIRE(vm_cpuid_find(a, 1, 0)->ecx & (1u << 24), "KVM has no TSC-deadline timer");
	ASSERT_EQ(0, ioctl(a->vcpus[0]->fd, KVM_GET_LAPIC, &lapic));
	lvtt = APIC_TIMER_DEADLINE | APIC_LVT_MASKED | 0xec;
	memcpy(&lapic.regs[APIC_LVTT], &lvtt, 4);
	ASSERT_EQ(0, ioctl(a->vcpus[0]->fd, KVM_SET_LAPIC, &lapic));
	dl.e.data = get_msr(a->vcpus[0], 0x10) + (1ull << 50);	/* far in the future */
	ASSERT_EQ(1, ioctl(a->vcpus[0]->fd, KVM_SET_MSRS, &dl));
	ASSERT_EQ(dl.e.data, get_msr(a->vcpus[0], MSR_TSC_DEADLINE));

	ASSERT_EQ(0, vcpu_save(a->vcpus[0], &st, why));
	EXPECT_MSG(!vcpu_restore(b->vcpus[0], &st, why), "restore: %s", why);
	EXPECT_EQ(dl.e.data, get_msr(b->vcpus[0], MSR_TSC_DEADLINE));
	vm_destroy(a);
	vm_destroy(b);
}

/* A state that fails vcpu_state_check() is refused with nothing of it applied. */
TEST(vm, restore_refuses_bad_state_untouched)
{
	static struct vcpu_state st;
	char why[VCPU_WHY_MAX] = "";
	struct kvm_regs regs;
	struct vm *a, *b;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	two_vms(&a, &b);
	ASSERT_EQ(0, vcpu_save(a->vcpus[0], &st, why));
	st.regs.rip = 0x123456;
	st.nr_msrs = 0xffffffffu;	/* would index far past msrs[] */
	EXPECT_EQ(-EINVAL, vcpu_restore(b->vcpus[0], &st, why));
	test_diag("%s", why);
	EXPECT_TRUE(strstr(why, "4294967295 MSRs"));
	ASSERT_EQ(0, ioctl(b->vcpus[0]->fd, KVM_GET_REGS, &regs));
	EXPECT_NE(0x123456ull, (unsigned long long)regs.rip);
	vm_destroy(a);
	vm_destroy(b);
}

/*
 * The glue between KVM exits and the host library, driven as the vCPU
 * loop drives it: hypercall 12 as if KVM_EXIT_HYPERCALL had arrived (this
 * machine's KVM cannot deliver it, so the hypercall logic is exercised here
 * in-process), the control MSR as a user-space MSR exit. What the handler
 * returns is already in the status log (V-1).
 */
/* Covers: H-1, H-8, H-9, V-1 */
TEST(proto, exit_glue)
{
	struct vm_config cfg = { .mem_size = 64ull << 20, .nr_cpus = 1 };
	struct proto_config pc = { .max_version = 2, .features = MIGCTL_F_ALL,
				   .hypercall_works = true, .msr_works = true };
	struct migctl_host_counters c;
	struct kvm_cpuid_entry2 *e;
	struct vm_exit_ops *ops;
	struct migctl_host_log *log;
	struct proto *p;
	const char *note;
	struct vm *vm;
	u64 v = 1;

	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, vm_create(&vm, &cfg));
	REQUIRE(vm->caps.hypercall_exit_mask & (1u << MIGCTL_HC_MAP_GPA_RANGE),
		"KVM lacks KVM_CAP_EXIT_HYPERCALL for hypercall 12");
	ASSERT_EQ(0, proto_create(vm, &pc, &p, &note));
	EXPECT_NULL(note);
	EXPECT_TRUE(vm->caps.hypercall_exit && vm->caps.msr_filter);
	e = vm_cpuid_find(vm, 0x40000001, 0);
	ASSERT_NONNULL(e);
	EXPECT_EQ(3u << 16, e->eax & (3u << 16));	/* bits 16 and 17 offered */

	ops = &vm->exit_ops;
	log = migctl_host_log(proto_host(p));
	EXPECT_EQ(0, migctl_host_log_get(log, 0x100));	/* not encrypted: starts shared */
	EXPECT_EQ(0ull, ops->hypercall(ops->opaque, 0, 12, 0x100000, 16, MIGCTL_ATTR_ENCRYPTED));
	EXPECT_EQ(1, migctl_host_log_get(log, 0x100));
	EXPECT_EQ(1, migctl_host_log_get(log, 0x10f));
	EXPECT_EQ(0ull, ops->hypercall(ops->opaque, 0, 12, 0x100000, 1, 0));
	EXPECT_EQ(0, migctl_host_log_get(log, 0x100));
	EXPECT_EQ(1, migctl_host_log_get(log, 0x101));
	EXPECT_EQ((u64)-MIGCTL_KVM_EINVAL, ops->hypercall(ops->opaque, 0, 12, 0x100800, 1, 0));
	EXPECT_EQ((u64)-MIGCTL_KVM_EINVAL, ops->hypercall(ops->opaque, 0, 12, 0xa0000, 1, 0));
	EXPECT_EQ((u64)-MIGCTL_KVM_ENOSYS, ops->hypercall(ops->opaque, 0, 13, 0, 0, 0));

	EXPECT_EQ(0, ops->msr(ops->opaque, 0, true, MIGCTL_MSR_CONTROL, &v));
	v = 0;
	EXPECT_EQ(0, ops->msr(ops->opaque, 0, false, MIGCTL_MSR_CONTROL, &v));
	EXPECT_EQ(1ull, v);
	v = 0x2;	/* reserved bit */
	EXPECT_EQ(-EPERM, ops->msr(ops->opaque, 0, true, MIGCTL_MSR_CONTROL, &v));
	migctl_host_counters(proto_host(p), &c);
	EXPECT_EQ(17ull, c.pages);
	EXPECT_EQ(2ull, c.einval);
	proto_destroy(p);
	vm_destroy(vm);
}
