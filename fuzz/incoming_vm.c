/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* incoming_vm.c - the incoming-path harness's VM without KVM: RAM, vCPUs, CPUID, MSRs, states. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "migctl.h"
#include "migctl-host.h"
#include "incoming_vm.h"
#include "vcpu.h"
#include "vm.h"

/* A modest x86-64 guest: XSAVE with AVX, x2APIC, PCID, FSGSBASE, SMEP, NX, 40-bit addresses. */
static const struct kvm_cpuid_entry2 incoming_cpuid[] = {
	{ .function = 0, .eax = 0xd },
	{ .function = 1, .ecx = 1u << 26 | 1u << 21 | 1u << 17,
	  .edx = 1u << 6 | 1u << 13 | 1u << 24 | 1u << 25 },
	{ .function = 7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 1u << 0 | 1u << 7 },
	{ .function = 0xd, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7, .ebx = 832,
	  .ecx = 832 },
	{ .function = 0xd, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 256,
	  .ebx = 576 },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000001, .edx = 1u << 11 | 1u << 20 | 1u << 29 },
	{ .function = 0x80000008, .eax = 0x3028 },
};

const u32 incoming_msr_list[] = {
	0x10, 0x174, 0x175, 0x176, 0x1a0, 0x277, 0x6e0, 0xc0000081, 0xc0000082, 0xc0000083,
	0xc0000084, 0xc0000102, 0xc0000103,
};
const u32 incoming_nr_msrs = sizeof(incoming_msr_list) / sizeof(incoming_msr_list[0]);

static int incoming_mem_read(void *arg, gpa_t gpa, void *buf, size_t len)
{
	void *p = mem_gpa_to_hva(&((struct vm *)arg)->mem, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

struct vm *incoming_vm_create(const struct vm_load_ops *load)
{
	size_t n = sizeof(incoming_cpuid) / sizeof(incoming_cpuid[0]);
	struct vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm)
		return NULL;
	vm->cfg = (struct vm_config){ .mem_size = INCOMING_MEM, .nr_cpus = INCOMING_CPUS,
				      .irqchip = true };
	vm->load = load;
	vm->sys_fd = vm->fd = vm->done_fd = -1;
	vm->caps.xsave_size = 4096;
	vm->caps.debugregs = true;
	vm->caps.pit = true;
	vm->cpuid = calloc(1, sizeof(*vm->cpuid) + sizeof(incoming_cpuid));
	vm->msr_indices = malloc(sizeof(incoming_msr_list));
	ret = mem_layout(INCOMING_MEM, vm->mem.banks);
	vm->mem.host = mmap(NULL, INCOMING_MEM, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!vm->cpuid || !vm->msr_indices || ret < 0 || vm->mem.host == MAP_FAILED)
		abort();
	vm->mem.nr_banks = ret;
	vm->mem.host_size = INCOMING_MEM;
	vm->cpuid->nent = (u32)n;
	memcpy(vm->cpuid->entries, incoming_cpuid, sizeof(incoming_cpuid));
	memcpy(vm->msr_indices, incoming_msr_list, sizeof(incoming_msr_list));
	vm->nr_msr_indices = incoming_nr_msrs;
	for (int i = 0; i < INCOMING_CPUS; i++) {
		vm->vcpus[i] = calloc(1, sizeof(*vm->vcpus[i]));
		if (!vm->vcpus[i])
			abort();
		vm->vcpus[i]->vm = vm;
		vm->vcpus[i]->id = i;
		vm->vcpus[i]->fd = -1;
	}
	vm->nr_vcpus = INCOMING_CPUS;
	return vm;
}

void incoming_ram_reset(struct vm *vm)
{
	madvise(vm->mem.host, vm->mem.host_size, MADV_DONTNEED);
}

int incoming_host_create(struct vm *vm, struct migctl_host **out)
{
	struct migctl_host_region ram[MEM_MAX_BANKS];
	struct migctl_host_config hc = {
		.min_version = MIGCTL_VERSION_1,
		.max_version = MIGCTL_VERSION_2,
		.features = MIGCTL_F_ALL,
		.hypercall = true,
		.phys_bits = 40,
		.vm_type = MIGCTL_HOST_VM_DEFAULT,
		.ram = ram,
		.nr_ram = vm->mem.nr_banks,
		.mem = { incoming_mem_read, vm },
	};

	for (int i = 0; i < vm->mem.nr_banks; i++)
		ram[i] = (struct migctl_host_region){ vm->mem.banks[i].gpa, vm->mem.banks[i].size };
	return migctl_host_create(&hc, out);
}

static void incoming_seg(struct kvm_segment *s, u16 sel, u8 type, bool code64)
{
	*s = (struct kvm_segment){
		.limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.db = !code64, .s = 1, .l = code64, .g = 1,
	};
}

void incoming_vcpu_state(int id, bool long_mode, struct vcpu_state *st)
{
	static const u64 msr_val[] = {
		0x12345678, 0x10, 0xffff8880000f0000ull, 0xffffffff81a00000ull, 0x800,
		0x0007040600070406ull, 0, 0x0023001000000000ull, 0xffffffff81c00000ull,
		0xffffffff81c01000ull, 0x47700, 0, 0,
	};
	u64 mxcsr = 0x1f80, bv = 3;

	memset(st, 0, sizeof(*st));
	st->regs.rip = long_mode ? 0xffffffff81000000ull : 0x100000;
	st->regs.rsp = 0x8000;
	st->regs.rflags = 0x202;
	incoming_seg(&st->sregs.cs, 0x10, 0xb, long_mode);
	incoming_seg(&st->sregs.ds, 0x18, 0x3, false);
	st->sregs.es = st->sregs.fs = st->sregs.gs = st->sregs.ss = st->sregs.ds;
	st->sregs.tr = (struct kvm_segment){ .selector = 0x20, .limit = 0x67, .type = 0xb,
					     .present = 1 };
	st->sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 0x2, .present = 1 };
	st->sregs.gdt.base = 0x500;
	st->sregs.gdt.limit = 0x27;
	st->sregs.cr0 = long_mode ? 0x80050033ull : 0x11;
	st->sregs.cr3 = long_mode ? 0x9000 : 0;
	st->sregs.cr4 = long_mode ? 0x406a0 : 0;	/* PAE PGE OSFXSR OSXSAVE */
	st->sregs.efer = long_mode ? 0xd01 : 0;		/* SCE LME LMA NX */
	st->sregs.apic_base = 0xfee00000ull | 1u << 11 | (id ? 0 : 1u << 8);
	memcpy((u8 *)st->xsave.region + 24, &mxcsr, 4);
	memcpy((u8 *)st->xsave.region + 512, &bv, 8);
	st->xcrs.nr_xcrs = 1;
	st->xcrs.xcrs[0].value = long_mode ? 7 : 1;
	st->lapic.regs[0x23] = (char)id;		/* APIC ID, bits 31:24 */
	st->lapic.regs[0x322] = 1;			/* LVTT masked */
	st->events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			   KVM_VCPUEVENT_VALID_SHADOW;
	st->mp.mp_state = id ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE;
	st->debugregs.dr6 = 0xffff0ff0;
	st->debugregs.dr7 = 0x400;
	st->tsc_khz = INCOMING_TSC_KHZ;
	for (u32 i = 0; i < incoming_nr_msrs; i++)
		st->msrs[i] = (struct kvm_msr_entry){ .index = incoming_msr_list[i],
						      .data = msr_val[i] };
	st->nr_msrs = incoming_nr_msrs;
}

void incoming_vm_state(struct vm_state *st)
{
	struct kvm_ioapic_state *io = &st->chips[2].chip.ioapic;

	memset(st, 0, sizeof(*st));
	st->clock.clock = 123456789;
	st->nr_chips = 3;
	for (u32 i = 0; i < 3; i++)
		st->chips[i].chip_id = i;
	st->chips[0].chip.pic = (struct kvm_pic_state){ .imr = 0xfb, .irq_base = 0x20,
							.init4 = 1, .elcr_mask = 0xf8 };
	st->chips[1].chip.pic = (struct kvm_pic_state){ .imr = 0xff, .irq_base = 0x28,
							.init4 = 1, .elcr_mask = 0xde };
	io->base_address = 0xfec00000ull;
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		io->redirtbl[i].fields.mask = 1;
	/* The PIT as KVM resets it, channel 0 as a kernel programs it. */
	st->has_pit = 1;
	for (int i = 0; i < 3; i++)
		st->pit.channels[i] = (struct kvm_pit_channel_state){
			.count = 0x10000, .mode = 0xff, .gate = i != 2 };
	st->pit.channels[0] = (struct kvm_pit_channel_state){
		.count = 4772, .mode = 2, .rw_mode = 3, .read_state = 3, .write_state = 3,
		.gate = 1 };
	/* COM1 with its FIFO on, interrupts enabled and two bytes received. */
	st->has_uart = 1;
	st->uart = (struct uart_regs){ .ier = 0x05, .fcr = 0xc1, .lcr = 0x03, .mcr = 0x0b,
				       .dll = 1, .thri = 1, .rx_count = 2, .rx = { 'o', 'k' } };
}
