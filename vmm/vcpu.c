/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vcpu.c - one virtual CPU: KVM_RUN in its own thread, exits completed in it. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "migctl.h"
#include "guest_cpuid.h"
#include "state_load.h"
#include "vcpu.h"
#include "vm.h"

#define VCPU_KICK_SIGNAL	SIGUSR1

static void vcpu_kick_handler(int sig)
{
	/* Nothing to do: the signal only makes KVM_RUN return -EINTR. */
}

int vcpu_signal_init(void)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: KVM_RUN must come back with -EINTR. */
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	return 0;
}

/* The VM's template (guest_cpuid_build()) with this vCPU's APIC ID. */
static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *tmpl = vcpu->vm->cpuid;
	size_t sz = sizeof(*tmpl) + tmpl->nent * sizeof(tmpl->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	memcpy(c, tmpl, sz);
	guest_cpuid_set_apic_id(c, guest_cpuid_apic_id(vcpu->id));
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
	free(c);
	return ret;
}

int vcpu_create(struct vm *vm, int id, struct vcpu **out)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int ret;

	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	ret = vcpu_set_cpuid(vcpu);
	if (ret)
		goto err_unmap;
	*out = vcpu;
	return 0;

err_unmap:
	munmap(vcpu->run, vm->run_size);
err_close:
	close(vcpu->fd);
err_free:
	free(vcpu);
	return ret;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	munmap(vcpu->run, vcpu->vm->run_size);
	close(vcpu->fd);
	free(vcpu);
}

static void vcpu_flat_seg(struct kvm_segment *s, u16 sel, u8 type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

/*
 * The segments both boot states share: flat 4 GiB code (CS) and data (DS,
 * ES, FS, GS, SS), a 32-bit busy TSS and an empty LDT, the given GDT.
 */
static void vcpu_flat_sregs(struct kvm_sregs *sregs, u64 gdt_base, u16 gdt_limit)
{
	vcpu_flat_seg(&sregs->cs, VCPU_FLAT_CS, 0xb);	/* code, read, accessed */
	vcpu_flat_seg(&sregs->ds, VCPU_FLAT_DS, 0x3);	/* data, write, accessed */
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	sregs->tr = (struct kvm_segment){
		.selector = VCPU_FLAT_TR, .limit = 0x67, .type = 0xb, .present = 1,
	};
	sregs->ldt = (struct kvm_segment){ .limit = 0xffff, .type = 0x2, .present = 1 };
	sregs->gdt.base = gdt_base;
	sregs->gdt.limit = gdt_limit;
}

int vcpu_set_flat32(struct vcpu *vcpu, const struct vcpu_flat32 *st)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = st->eip, .rsp = st->esp, .rbx = st->ebx, .rflags = 0x2,
	};

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	vcpu_flat_sregs(&sregs, st->gdt_base, st->gdt_limit);
	sregs.idt.base = st->idt_base;
	sregs.idt.limit = st->idt_limit;
	sregs.cr0 = 0x11;	/* PE | ET, paging off */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

int vcpu_set_long64(struct vcpu *vcpu, const struct vcpu_long64 *st)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = st->rip, .rsp = st->rsp, .rsi = st->rsi, .rflags = 0x2 };

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	vcpu_flat_sregs(&sregs, st->gdt_base, st->gdt_limit);
	sregs.cs.l = 1;		/* 64-bit code: D must be clear */
	sregs.cs.db = 0;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = 0x80000011;	/* PG | ET | PE */
	sregs.cr3 = st->cr3;
	sregs.cr4 = 0x20;	/* PAE */
	sregs.efer = 0x500;	/* LMA | LME */
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

int vcpu_set_rip(struct vcpu *vcpu, u64 rip)
{
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	regs.rip = rip;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

int vcpu_run_once(struct vcpu *vcpu)
{
	if (ioctl(vcpu->fd, KVM_RUN, 0) == 0)
		return 0;
	if (errno == EINTR || errno == EAGAIN) {
		/* Clear before the caller looks at its flags: a later kick re-arms. */
		vcpu->run->immediate_exit = 0;
		return -EINTR;
	}
	return -errno;
}

/*
 * KVM_GET_VCPU_EVENTS never reports a queued software exception (INT3,
 * INTO): KVM expects the guest to execute the instruction again. Where
 * KVM itself delivers events from ring 3 to ring 0 (PVM), RIP is already
 * past the INT3 when a kick ends KVM_RUN with the #BP still queued, so a
 * state saved then would lose the guest's system call. A KVM_RUN entered
 * with a kick already pending injects the queued events into the guest
 * state and returns -EINTR before any guest instruction runs; it also
 * finishes a pending MSR, I/O or hypercall exit, as immediate_exit would.
 */
int vcpu_complete(struct vcpu *vcpu)
{
	static const struct timespec now;
	sigset_t kick, old;
	int ret = 0;

	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	/* Blocked here, pending: only KVM_RUN's own mask lets it through. */
	pthread_sigmask(SIG_BLOCK, &kick, &old);
	do {
		pthread_kill(pthread_self(), VCPU_KICK_SIGNAL);
		vcpu->run->immediate_exit = 0;
		if (ioctl(vcpu->fd, KVM_RUN, 0) == 0) {
			ret = 1;	/* an exit came first: the caller handles it */
			break;
		}
		if (errno != EINTR && errno != EAGAIN) {
			ret = -errno;
			break;
		}
		/* A kick meanwhile set immediate_exit: nothing was injected. */
	} while (vcpu->run->immediate_exit && !atomic_load(&vcpu->vm->stopping));
	vcpu->run->immediate_exit = 0;
	while (sigtimedwait(&kick, NULL, &now) == VCPU_KICK_SIGNAL)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* KVM_RUN's signal mask: the thread's, with the kick always deliverable. */
static int vcpu_set_run_sigmask(struct vcpu *vcpu)
{
	struct {
		struct kvm_signal_mask hdr;
		u8 set[8];	/* the kernel's sigset_t */
	} req = { .hdr.len = 8 };
	sigset_t set;

	pthread_sigmask(SIG_SETMASK, NULL, &set);
	sigdelset(&set, VCPU_KICK_SIGNAL);
	memcpy(req.set, &set, sizeof(req.set));
	if (ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, &req) < 0)
		return -errno;
	return 0;
}

/*
 * The kicker sets its flag (stopping, pause_req) before it calls this, and
 * the thread sets kickable before it reads those flags: either the thread
 * sees the flag, or this sees kickable and the signal ends its KVM_RUN.
 * thread_started would not do: it is set only after pthread_create()
 * returns, and a vCPU thread may be blocked in KVM_RUN by then.
 */
void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	vcpu->run->immediate_exit = 1;
	if (atomic_load(&vcpu->kickable))
		pthread_kill(vcpu->self, VCPU_KICK_SIGNAL);
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u8 *p = (u8 *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	for (u32 i = 0; i < run->io.count; i++, p += run->io.size) {
		u32 v = 0;

		if (out)
			memcpy(&v, p, run->io.size);
		if (!vm_ioport_dispatch(vcpu->vm, vcpu->id, run->io.port, out, run->io.size, &v))
			v = 0xffffffff;	/* nothing there: the bus floats */
		if (!out)
			memcpy(p, &v, run->io.size);
	}
}

static void vcpu_handle_msr(struct vcpu *vcpu, bool write)
{
	struct vm_exit_ops *ops = &vcpu->vm->exit_ops;
	struct kvm_run *run = vcpu->run;
	u64 data = write ? run->msr.data : 0;
	int ret = -EPERM;

	if (ops->msr)
		ret = ops->msr(ops->opaque, vcpu->id, write, run->msr.index, &data);
	run->msr.error = ret ? 1 : 0;	/* 1: KVM injects #GP */
	if (!write && !ret)
		run->msr.data = data;
}

static void vcpu_handle_hypercall(struct vcpu *vcpu)
{
	struct vm_exit_ops *ops = &vcpu->vm->exit_ops;
	struct kvm_run *run = vcpu->run;

	if (ops->hypercall)
		run->hypercall.ret = ops->hypercall(ops->opaque, vcpu->id, run->hypercall.nr,
						    run->hypercall.args[0], run->hypercall.args[1],
						    run->hypercall.args[2]);
	else
		run->hypercall.ret = -(u64)MIGCTL_KVM_ENOSYS;
}

/*
 * kvm-amd resets the vCPU at a shutdown (the VMCB is undefined after one),
 * kvm-intel keeps the state of the fault: say which one the dump shows.
 */
static void vcpu_dump_shutdown_note(struct vcpu *vcpu, FILE *f)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return;
	if (r.rip == 0xfff0 && s.cs.selector == 0xf000 && s.cs.base == 0xffff0000ull)
		fprintf(f, "  (the reset state: this KVM resets the vCPU at a shutdown, "
			"the registers at the fault are lost)\n");
}

static void vcpu_fatal(struct vcpu *vcpu, enum vm_end_kind kind, const char *what)
{
	fprintf(stderr, "migctl-vmm: vcpu %d: %s\n", vcpu->id, what);
	vcpu_dump(vcpu, stderr);
	if (kind == VM_END_SHUTDOWN)
		vcpu_dump_shutdown_note(vcpu, stderr);
	vm_end(vcpu->vm, kind, 0);
}

static void vcpu_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char msg[160];
	int n;

	n = snprintf(msg, sizeof(msg), "KVM internal error, suberror %u, data",
		     run->internal.suberror);
	for (u32 i = 0; i < run->internal.ndata && i < 4 && n < (int)sizeof(msg) - 20; i++)
		n += snprintf(msg + n, sizeof(msg) - n, " %#llx",
			      (unsigned long long)run->internal.data[i]);
	vcpu_fatal(vcpu, VM_END_ERROR, msg);
}

/* Return: false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char msg[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return true;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		vcpu_handle_msr(vcpu, run->exit_reason == KVM_EXIT_X86_WRMSR);
		return true;
	case KVM_EXIT_HYPERCALL:
		vcpu_handle_hypercall(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fatal(vcpu, VM_END_SHUTDOWN, "triple fault (shutdown)");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_internal_error(vcpu);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(msg, sizeof(msg), "entry failed, reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_fatal(vcpu, VM_END_ERROR, msg);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_fatal(vcpu, VM_END_SHUTDOWN, "system event (reset or shutdown)");
		return false;
	default:
		snprintf(msg, sizeof(msg), "unhandled exit %s (%u)",
			 vcpu_exit_name(run->exit_reason), run->exit_reason);
		vcpu_fatal(vcpu, VM_END_ERROR, msg);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	ret = vcpu_set_run_sigmask(vcpu);
	if (ret) {
		fprintf(stderr, "migctl-vmm: vcpu %d: KVM_SET_SIGNAL_MASK: %s\n", vcpu->id,
			strerror(-ret));
		vm_end(vm, VM_END_ERROR, ret);
		return NULL;
	}
	vcpu->self = pthread_self();
	atomic_store(&vcpu->kickable, true);

	while (!atomic_load(&vm->stopping)) {
		if (atomic_load(&vm->pause_req)) {
			/* V-3: no half-done exit or queued event while parked. */
			ret = vcpu_complete(vcpu);
			if (ret > 0) {
				if (!vcpu_handle_exit(vcpu))
					break;
				continue;
			}
			vm_park(vm);
			continue;
		}
		ret = vcpu_run_once(vcpu);
		if (ret == -EINTR)
			continue;
		if (ret) {
			fprintf(stderr, "migctl-vmm: vcpu %d: KVM_RUN: %s\n", vcpu->id,
				strerror(-ret));
			vm_end(vm, VM_END_ERROR, ret);
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	atomic_store(&vcpu->kickable, false);
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (ret)
		return -ret;
	vcpu->thread_started = true;
	return 0;
}

void vcpu_join(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	pthread_join(vcpu->thread, NULL);
	vcpu->thread_started = false;
}

#define VCPU_MSR_CHUNK		STATE_MSR_CHUNK

struct vcpu_msr_req {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[VCPU_MSR_CHUNK];
};

/*
 * Every MSR of the VM's index list this vCPU can read. KVM_GET_MSRS stops
 * at the first index KVM cannot read for this vCPU (one its CPUID does not
 * enable): that one is left out, as the destination's KVM leaves it out.
 */
static int vcpu_save_msrs(struct vcpu *vcpu, struct vcpu_state *st, char *why)
{
	struct vm *vm = vcpu->vm;
	struct vcpu_msr_req req;
	u32 next = 0;

	st->nr_msrs = 0;
	while (next < vm->nr_msr_indices) {
		u32 n = vm->nr_msr_indices - next;
		int got;

		n = n < VCPU_MSR_CHUNK ? n : VCPU_MSR_CHUNK;
		for (u32 i = 0; i < n; i++)
			req.e[i] = (struct kvm_msr_entry){ .index = vm->msr_indices[next + i] };
		req.hdr.nmsrs = n;
		got = ioctl(vcpu->fd, KVM_GET_MSRS, &req);
		if (got < 0) {
			snprintf(why, VCPU_WHY_MAX, "KVM_GET_MSRS: %s", strerror(errno));
			return -errno;
		}
		if (st->nr_msrs + got > VCPU_MAX_MSRS) {
			snprintf(why, VCPU_WHY_MAX, "KVM lists more than %u readable MSRs, more "
				 "than this VMM saves", VCPU_MAX_MSRS);
			return -E2BIG;
		}
		memcpy(&st->msrs[st->nr_msrs], req.e, got * sizeof(req.e[0]));
		st->nr_msrs += got;
		next += got;
		if ((u32)got < n)
			next++;		/* skip the index KVM stopped at */
	}
	return 0;
}

int vcpu_save(struct vcpu *vcpu, struct vcpu_state *st, char *why)
{
	struct vm *vm = vcpu->vm;
	int khz;

	memset(st, 0, sizeof(*st));
	if (vm->caps.xsave_size > (int)sizeof(st->xsave)) {
		snprintf(why, VCPU_WHY_MAX, "the XSAVE state has %d bytes, more than the %zu "
			 "this VMM saves", vm->caps.xsave_size, sizeof(st->xsave));
		return -E2BIG;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &st->regs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &st->sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_XSAVE, &st->xsave) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_XCRS, &st->xcrs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_LAPIC, &st->lapic) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &st->events) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_MP_STATE, &st->mp) < 0 ||
	    (vm->caps.debugregs && ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &st->debugregs) < 0)) {
		snprintf(why, VCPU_WHY_MAX, "reading the registers: %s", strerror(errno));
		return -errno;
	}
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	st->tsc_khz = khz > 0 ? (u32)khz : 0;
	return vcpu_save_msrs(vcpu, st, why);
}

/* The load calls of struct vcpu_load_ops: one ioctl each on the vCPU. */
static int vcpu_kvm_set(struct vcpu *vcpu, unsigned long req, const void *arg)
{
	return ioctl(vcpu->fd, req, arg) < 0 ? -errno : 0;
}

static int vcpu_kvm_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs)
{
	return vcpu_kvm_set(vcpu, KVM_SET_SREGS, sregs);
}

static int vcpu_kvm_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	return vcpu_kvm_set(vcpu, KVM_SET_REGS, regs);
}

static int vcpu_kvm_set_xsave(struct vcpu *vcpu, const struct kvm_xsave *xsave)
{
	return vcpu_kvm_set(vcpu, KVM_SET_XSAVE, xsave);
}

static int vcpu_kvm_set_xcrs(struct vcpu *vcpu, const struct kvm_xcrs *xcrs)
{
	return vcpu_kvm_set(vcpu, KVM_SET_XCRS, xcrs);
}

static int vcpu_kvm_get_tsc_khz(struct vcpu *vcpu)
{
	int khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	return khz < 0 ? -errno : khz;
}

static int vcpu_kvm_set_tsc_khz(struct vcpu *vcpu, u32 khz)
{
	return ioctl(vcpu->fd, KVM_SET_TSC_KHZ, (unsigned long)khz) < 0 ? -errno : 0;
}

static int vcpu_kvm_set_msrs(struct vcpu *vcpu, const struct kvm_msrs *msrs)
{
	int got = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);

	return got < 0 ? -errno : got;
}

static int vcpu_kvm_set_lapic(struct vcpu *vcpu, const struct kvm_lapic_state *lapic)
{
	return vcpu_kvm_set(vcpu, KVM_SET_LAPIC, lapic);
}

static int vcpu_kvm_set_events(struct vcpu *vcpu, const struct kvm_vcpu_events *events)
{
	return vcpu_kvm_set(vcpu, KVM_SET_VCPU_EVENTS, events);
}

static int vcpu_kvm_set_mp_state(struct vcpu *vcpu, const struct kvm_mp_state *mp)
{
	return vcpu_kvm_set(vcpu, KVM_SET_MP_STATE, mp);
}

static int vcpu_kvm_set_debugregs(struct vcpu *vcpu, const struct kvm_debugregs *dr)
{
	return vcpu_kvm_set(vcpu, KVM_SET_DEBUGREGS, dr);
}

const struct vcpu_load_ops vcpu_kvm_load_ops = {
	.set_sregs = vcpu_kvm_set_sregs,
	.set_regs = vcpu_kvm_set_regs,
	.set_xsave = vcpu_kvm_set_xsave,
	.set_xcrs = vcpu_kvm_set_xcrs,
	.get_tsc_khz = vcpu_kvm_get_tsc_khz,
	.set_tsc_khz = vcpu_kvm_set_tsc_khz,
	.set_msrs = vcpu_kvm_set_msrs,
	.set_lapic = vcpu_kvm_set_lapic,
	.set_events = vcpu_kvm_set_events,
	.set_mp_state = vcpu_kvm_set_mp_state,
	.set_debugregs = vcpu_kvm_set_debugregs,
};

static void vcpu_dump_seg(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s sel=%04x base=%016llx limit=%08x type=%x p=%u dpl=%u db=%u l=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->present, s->dpl, s->db, s->l);
}

void vcpu_dump(struct vcpu *vcpu, FILE *f)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(f, "  (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(f, "  rip=%016llx rsp=%016llx rflags=%016llx\n"
		"  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		"  rsi=%016llx rdi=%016llx rbp=%016llx\n"
		"  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	vcpu_dump_seg(f, "cs", &s.cs);
	vcpu_dump_seg(f, "ss", &s.ss);
	vcpu_dump_seg(f, "ds", &s.ds);
	fprintf(f, "  gdt=%016llx/%04x idt=%016llx/%04x\n", (unsigned long long)s.gdt.base,
		s.gdt.limit, (unsigned long long)s.idt.base, s.idt.limit);
}

void vcpu_describe(struct vcpu *vcpu, FILE *f)
{
	static const char *const states[] = {
		[KVM_MP_STATE_RUNNABLE] = "runnable", [KVM_MP_STATE_UNINITIALIZED] = "waiting for INIT",
		[KVM_MP_STATE_INIT_RECEIVED] = "INIT received", [KVM_MP_STATE_HALTED] = "halted",
		[KVM_MP_STATE_SIPI_RECEIVED] = "SIPI received",
	};
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	const char *state = "?";

	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) == 0 &&
	    mp.mp_state < sizeof(states) / sizeof(states[0]) && states[mp.mp_state])
		state = states[mp.mp_state];
	fprintf(f, "migctl-vmm: vcpu %d: %s, last exit %s", vcpu->id, state,
		vcpu_exit_name(vcpu->run->exit_reason));
	if (ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
		fprintf(f, ", interrupt %s, NMI %s, interrupt shadow %u",
			ev.interrupt.injected ? "injected" : "none",
			ev.nmi.pending ? "pending" : ev.nmi.injected ? "injected" : "none",
			ev.interrupt.shadow);
	fputc('\n', f);
	vcpu_dump(vcpu, f);
}

const char *vcpu_exit_name(u32 reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR", [KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}
