/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vm.c - one KVM virtual machine: creation, capabilities, CPUID, lifetime. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "migctl.h"
#include "guest_cpuid.h"
#include "migrate/fault.h"
#include "state_load.h"
#include "vcpu.h"
#include "vm.h"

#define VM_CPUID_MAX_ENTRIES	512
/*
 * kvm-intel's private pages for real-mode emulation: the identity-mapped
 * page table (one page) and the TSS (three), in the hole below 4 GiB that
 * mem_layout() never maps, clear of the LAPIC, IOAPIC and sev-sim pages.
 */
#define VM_IDENTITY_MAP_ADDR	0xfffbc000ull
#define VM_TSS_ADDR		0xfffbd000ul

static int vm_check_ext(struct vm *vm, long cap)
{
	int ret = ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? 0 : ret;
}

static int vm_enable_cap(struct vm *vm, u32 cap, u64 arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0 } };

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &ec) < 0)
		return -errno;
	return 0;
}

/*
 * With the quirk on, a VMMCALL/VMCALL KVM cannot forward may be patched
 * and retried forever; with it off the guest sees #UD, never a hang.
 */
static void vm_disable_hypercall_quirk(struct vm *vm)
{
	int quirks = vm_check_ext(vm, KVM_CAP_DISABLE_QUIRKS2);

	if (!(quirks & KVM_X86_QUIRK_FIX_HYPERCALL_INSN))
		return;
	if (!vm_enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2, KVM_X86_QUIRK_FIX_HYPERCALL_INSN))
		vm->caps.quirk_fix_hypercall_off = true;
}

/*
 * The one place the guest's CPUID comes from: KVM_GET_SUPPORTED_CPUID
 * describes the host, and guest_cpuid_build() makes it a guest's
 * (hypervisor bit, topology, no nested virtualization). Never hand KVM's
 * table to KVM_SET_CPUID2 as it is.
 */
static int vm_build_cpuid(struct vm *vm)
{
	size_t sz = sizeof(*vm->cpuid) + VM_CPUID_MAX_ENTRIES * sizeof(vm->cpuid->entries[0]);
	struct guest_cpuid_config cc = {
		.nr_cpus = vm->cfg.nr_cpus,
		.irqchip = vm->cfg.irqchip,
		.tsc_deadline = vm_check_ext(vm, KVM_CAP_TSC_DEADLINE_TIMER) > 0,
	};

	vm->cpuid = calloc(1, sz);
	if (!vm->cpuid)
		return -ENOMEM;
	vm->cpuid->nent = VM_CPUID_MAX_ENTRIES;
	if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid) < 0)
		return -errno;
	return guest_cpuid_build(vm->cpuid, VM_CPUID_MAX_ENTRIES, &cc);
}

/* The MSRs KVM saves and restores for a vCPU (vcpu_save()). */
static int vm_get_msr_indices(struct vm *vm)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;

	if (ioctl(vm->sys_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		return -errno;
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(u32));
	if (!list)
		return -ENOMEM;
	list->nmsrs = probe.nmsrs;
	if (ioctl(vm->sys_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		return -errno;
	}
	vm->nr_msr_indices = list->nmsrs;
	vm->msr_indices = malloc((list->nmsrs ? list->nmsrs : 1) * sizeof(u32));
	if (vm->msr_indices)
		memcpy(vm->msr_indices, list->indices, list->nmsrs * sizeof(u32));
	free(list);
	return vm->msr_indices ? 0 : -ENOMEM;
}

/*
 * The PIT after the irqchip it interrupts through, with its speaker port
 * (0x61) in the kernel too. A KVM without one leaves the guest other
 * timers (the LAPIC's, kvm-clock): caps.pit says which.
 */
static int vm_create_pit(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };

	if (!vm_check_ext(vm, KVM_CAP_PIT2))
		return 0;
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return -errno;
	vm->caps.pit = true;
	return 0;
}

/*
 * What must exist before the first vCPU: kvm-intel's private pages (the
 * identity map is placed when a vCPU is created, so it comes first; kvm-amd
 * accepts and ignores both), the in-kernel irqchip and the PIT.
 */
static int vm_setup_arch(struct vm *vm)
{
	u64 idmap = VM_IDENTITY_MAP_ADDR;

	if (vm_check_ext(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return -errno;
	if (vm_check_ext(vm, KVM_CAP_SET_TSS_ADDR) &&
	    ioctl(vm->fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR) < 0)
		return -errno;
	if (!vm->cfg.irqchip)
		return 0;
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -errno;
	return vm_create_pit(vm);
}

static int vm_open(struct vm *vm)
{
	vm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0)
		return -errno;
	if (ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return -ENOTSUP;
	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run))
		return -ENOTSUP;
	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -errno;
	return 0;
}

int vm_create(struct vm **out, const struct vm_config *cfg)
{
	struct vm *vm;
	int ret;

	if (cfg->nr_cpus < 1 || cfg->nr_cpus > VM_MAX_CPUS)
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->cfg = *cfg;
	vm->load = &vm_kvm_load_ops;
	vm->sys_fd = vm->fd = vm->done_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);

	ret = vm_open(vm);
	if (ret)
		goto err;
	vm->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->done_fd < 0) {
		ret = -errno;
		goto err;
	}
	ret = vm_setup_arch(vm);
	if (ret)
		goto err;
	vm_disable_hypercall_quirk(vm);
	vm->caps.hypercall_exit_mask = vm_check_ext(vm, KVM_CAP_EXIT_HYPERCALL);
	vm->caps.xsave_size = vm_check_ext(vm, KVM_CAP_XSAVE2);
	vm->caps.debugregs = vm_check_ext(vm, KVM_CAP_DEBUGREGS) > 0;
	ret = vm_build_cpuid(vm);
	if (!ret)
		ret = vm_get_msr_indices(vm);
	if (ret)
		goto err;
	ret = mem_create(&vm->mem, vm->fd, cfg->mem_size);
	if (ret)
		goto err;
	*out = vm;
	return 0;

err:
	vm_destroy(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->nr_vcpus) {
		vm_end(vm, VM_END_ERROR, 0);
		vm_join(vm);
	}
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	mem_destroy(&vm->mem);
	free(vm->cpuid);
	free(vm->msr_indices);
	if (vm->done_fd >= 0)
		close(vm->done_fd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

int vm_enable_hypercall_exit(struct vm *vm)
{
	u64 bit = 1ull << MIGCTL_HC_MAP_GPA_RANGE;
	int ret;

	if (!(vm->caps.hypercall_exit_mask & bit))
		return -ENOTSUP;
	ret = vm_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, bit);
	if (!ret)
		vm->caps.hypercall_exit = true;
	return ret;
}

int vm_set_msr_filter(struct vm *vm, const u32 *msrs, int n)
{
	/* Bits clear: every MSR of a range exits to user space. */
	static const u64 deny[VM_MAX_FILTER_MSRS / 64];
	struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	int ret, i, j, nr = 0;

	if (n < 1 || n > VM_MAX_FILTER_MSRS)
		return -EINVAL;
	/* Consecutive indices share one of KVM's few ranges. */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && msrs[j] == msrs[j - 1] + 1; j++)
			;
		if (nr == KVM_MSR_FILTER_MAX_RANGES)
			return -EINVAL;
		filter.ranges[nr++] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = j - i,
			.base = msrs[i],
			.bitmap = (u8 *)deny,
		};
	}
	if (!vm_check_ext(vm, KVM_CAP_X86_USER_SPACE_MSR) ||
	    !vm_check_ext(vm, KVM_CAP_X86_MSR_FILTER))
		return -ENOTSUP;
	ret = vm_enable_cap(vm, KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER);
	if (ret)
		return ret;
	vm->caps.user_space_msr = true;
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
		return -errno;
	vm->caps.msr_filter = true;
	return 0;
}

struct kvm_cpuid_entry2 *vm_cpuid_find(struct vm *vm, u32 function, u32 index)
{
	return guest_cpuid_find(vm->cpuid, function, index);
}

int vm_cpuid_set(struct vm *vm, const struct kvm_cpuid_entry2 *entry)
{
	return guest_cpuid_set(vm->cpuid, VM_CPUID_MAX_ENTRIES, entry);
}

void vm_cpuid_remove_range(struct vm *vm, u32 first, u32 last)
{
	guest_cpuid_remove_range(vm->cpuid, first, last);
}

int vm_ioport_register(struct vm *vm, u16 base, u16 len, vm_ioport_fn fn, void *opaque)
{
	if (vm->nr_ioports >= VM_MAX_IOPORTS || !len)
		return -ENOSPC;
	vm->ioports[vm->nr_ioports++] = (struct vm_ioport){ base, len, fn, opaque };
	return 0;
}

bool vm_ioport_dispatch(struct vm *vm, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	for (int i = 0; i < vm->nr_ioports; i++) {
		struct vm_ioport *p = &vm->ioports[i];

		if (port >= p->base && port - p->base < p->len) {
			p->fn(p->opaque, cpu, port, out, size, data);
			return true;
		}
	}
	return false;
}

int vm_irq_line(struct vm *vm, u32 irq, bool level)
{
	struct kvm_irq_level line = { .irq = irq, .level = level };

	if (!vm->cfg.irqchip)
		return -ENOTSUP;
	return ioctl(vm->fd, KVM_IRQ_LINE, &line) < 0 ? -errno : 0;
}

int vm_create_vcpus(struct vm *vm)
{
	int ret;

	for (int i = vm->nr_vcpus; i < vm->cfg.nr_cpus; i++) {
		ret = vcpu_create(vm, i, &vm->vcpus[i]);
		if (ret)
			return ret;
		vm->nr_vcpus++;
	}
	return 0;
}

int vm_start(struct vm *vm)
{
	int ret = vcpu_signal_init();

	for (int i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = vcpu_start(vm->vcpus[i]);
	if (ret)
		vm_end(vm, VM_END_ERROR, ret);
	return ret;
}

void vm_end(struct vm *vm, enum vm_end_kind kind, int code)
{
	static const u64 one = 1;

	pthread_mutex_lock(&vm->lock);
	if (vm->end_kind == VM_END_NONE) {
		vm->end_kind = kind;
		vm->end_code = code;
	}
	atomic_store(&vm->stopping, true);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpus[i]);
	if (write(vm->done_fd, &one, sizeof(one)) < 0) {
		/* the counter is already set: the waiter wakes anyway */
	}
}

int vm_wait(struct vm *vm, int timeout_ms, int sig_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = vm->done_fd, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
	};
	int ret;

	do
		ret = poll(pfd, sig_fd >= 0 ? 2 : 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (pfd[0].revents & POLLIN)
		return 1;
	if (sig_fd >= 0 && (pfd[1].revents & POLLIN))
		return 2;
	return 0;
}

void vm_join(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(vm->vcpus[i]);
}

void vm_park(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->nr_parked++;
	pthread_cond_broadcast(&vm->cond);
	while (atomic_load(&vm->pause_req) && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->cond, &vm->lock);
	vm->nr_parked--;
	pthread_mutex_unlock(&vm->lock);
}

int vm_pause(struct vm *vm)
{
	int ret = 0;

	atomic_store(&vm->pause_req, true);
#ifdef MIGCTL_FAULT_NO_PAUSE_WAIT
	/* Fault: claim the VM is paused while vCPUs still run (breaks V-3). */
	return 0;
#endif
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpus[i]);
	pthread_mutex_lock(&vm->lock);
	while (vm->nr_parked < vm->nr_vcpus && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->cond, &vm->lock);
	if (atomic_load(&vm->stopping))
		ret = -ESHUTDOWN;
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	atomic_store(&vm->pause_req, false);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

bool vm_is_paused(struct vm *vm)
{
	return atomic_load(&vm->pause_req);
}

int vm_save_state(struct vm *vm, struct vm_state *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(vm->fd, KVM_GET_CLOCK, &st->clock) < 0)
		return -errno;
	for (u32 i = 0; vm->cfg.irqchip && i < 3; i++) {
		st->chips[i].chip_id = i;
		if (ioctl(vm->fd, KVM_GET_IRQCHIP, &st->chips[i]) < 0)
			return -errno;
		st->nr_chips = i + 1;
	}
	if (vm->caps.pit) {
		if (ioctl(vm->fd, KVM_GET_PIT2, &st->pit) < 0)
			return -errno;
		st->has_pit = 1;
	}
	/* Last: a byte received meanwhile then raises the line on the destination. */
	if (vm->uart) {
		vm->uart->save(vm->uart_opaque, &st->uart);
		st->has_uart = 1;
	}
	return 0;
}

static int vm_kvm_set_clock(struct vm *vm, const struct kvm_clock_data *clock)
{
	return ioctl(vm->fd, KVM_SET_CLOCK, clock) < 0 ? -errno : 0;
}

static int vm_kvm_set_irqchip(struct vm *vm, const struct kvm_irqchip *chip)
{
	return ioctl(vm->fd, KVM_SET_IRQCHIP, chip) < 0 ? -errno : 0;
}

static int vm_kvm_set_pit(struct vm *vm, const struct kvm_pit_state2 *pit)
{
	return ioctl(vm->fd, KVM_SET_PIT2, pit) < 0 ? -errno : 0;
}

const struct vm_load_ops vm_kvm_load_ops = {
	.set_clock = vm_kvm_set_clock,
	.set_irqchip = vm_kvm_set_irqchip,
	.set_pit = vm_kvm_set_pit,
	.vcpu = &vcpu_kvm_load_ops,
};
