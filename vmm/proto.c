/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* proto.c - the migctl protocol on a VM: host library wired to KVM exits. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "migctl-host.h"
#include "proto.h"
#include "vm.h"

struct proto {
	struct vm *vm;
	struct migctl_host *host;
	struct proto_config cfg;
	struct proto_observer obs;
	u32 psc_msr;		/* 0 when the MSR transport is not offered */
	atomic_ullong exits;
	atomic_ullong ctl_reads, ctl_writes, psc_reads, psc_writes, other_msr;
	atomic_ullong hypercalls, gp;
};

static const char *proto_result(int r)
{
	return r == MIGCTL_HOST_ACCEPT ? "ok" : r == MIGCTL_HOST_GP ? "#GP" : "unhandled:#GP";
}

static int proto_msr(void *opaque, int cpu, bool write, u32 index, u64 *data)
{
	struct proto *p = opaque;
	u64 in = *data;
	int r;

	atomic_fetch_add(&p->exits, 1);
	if (index == MIGCTL_MSR_CONTROL)
		atomic_fetch_add(write ? &p->ctl_writes : &p->ctl_reads, 1);
	else if (p->psc_msr && index == p->psc_msr)
		atomic_fetch_add(write ? &p->psc_writes : &p->psc_reads, 1);
	else
		atomic_fetch_add(&p->other_msr, 1);

	if (write)
		r = migctl_host_msr_write(p->host, cpu, index, in);
	else
		r = migctl_host_msr_read(p->host, cpu, index, data);
	if (r != MIGCTL_HOST_ACCEPT)
		atomic_fetch_add(&p->gp, 1);
	if (p->cfg.trace) {
		if (write)
			fprintf(stderr, "# trace: vcpu=%d kind=wrmsr index=%#x value=%#llx result=%s\n",
				cpu, index, (unsigned long long)in, proto_result(r));
		else
			fprintf(stderr, "# trace: vcpu=%d kind=rdmsr index=%#x result=%s value=%#llx\n",
				cpu, index, proto_result(r),
				(unsigned long long)(r == MIGCTL_HOST_ACCEPT ? *data : 0));
	}
	if (p->obs.msr)
		p->obs.msr(p->obs.arg, cpu, write, index,
			   write ? in : r == MIGCTL_HOST_ACCEPT ? *data : 0, r != MIGCTL_HOST_ACCEPT);
	return r == MIGCTL_HOST_ACCEPT ? 0 : -EPERM;
}

static u64 proto_hypercall(void *opaque, int cpu, u64 nr, u64 a0, u64 a1, u64 a2)
{
	struct proto *p = opaque;
	s64 ret;

	atomic_fetch_add(&p->exits, 1);
	atomic_fetch_add(&p->hypercalls, 1);
	ret = migctl_host_hypercall(p->host, cpu, nr, a0, a1, a2);
	if (p->cfg.trace)
		fprintf(stderr, "# trace: vcpu=%d kind=hypercall nr=%llu a0=%#llx a1=%#llx "
			"a2=%#llx result=%lld\n", cpu, (unsigned long long)nr,
			(unsigned long long)a0, (unsigned long long)a1,
			(unsigned long long)a2, (long long)ret);
	if (p->obs.hypercall)
		p->obs.hypercall(p->obs.arg, cpu, nr, a0, a1, a2, ret);
	return (u64)ret;
}

static int proto_mem_read(void *arg, gpa_t gpa, void *buf, size_t len)
{
	struct vm *vm = arg;
	void *src = mem_gpa_to_hva(&vm->mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

static void proto_log(void *arg, int level, const char *fmt, ...)
{
	struct proto *p = arg;
	va_list ap;

	if (!p->cfg.trace && level > MIGCTL_HOST_LOG_ERR)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "# migctl-host: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static u32 proto_phys_bits(struct vm *vm)
{
	struct kvm_cpuid_entry2 *e = vm_cpuid_find(vm, 0x80000008, 0);
	u32 bits = e ? (e->eax & 0xff) : 0;

	return bits >= 32 && bits <= MIGCTL_HOST_PHYS_BITS_DEFAULT ? bits : 0;
}

/* Patch every KVM leaf of the template and add the ones it lacks (H-1, H-2). */
static int proto_cpuid(struct proto *p)
{
	u32 leaves[MIGCTL_HOST_CPUID_LEAVES_MAX];
	unsigned int n;
	struct vm *vm = p->vm;
	int ret;

	for (u32 i = 0; i < vm->cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		u32 regs[4] = { e->eax, e->ebx, e->ecx, e->edx };

		if (migctl_host_cpuid(p->host, e->function, e->index, regs)) {
			e->eax = regs[0], e->ebx = regs[1], e->ecx = regs[2], e->edx = regs[3];
		}
	}
	n = migctl_host_cpuid_leaves(p->host, leaves);
	for (unsigned int i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 e = { .function = leaves[i] };
		u32 regs[4] = { 0 };
		struct kvm_cpuid_entry2 *have = vm_cpuid_find(vm, leaves[i], 0);

		if (have)
			memcpy(regs, (u32[]){ have->eax, have->ebx, have->ecx, have->edx }, 16);
		else {
			migctl_host_cpuid(p->host, leaves[i], 0, regs);
			e.eax = regs[0], e.ebx = regs[1], e.ecx = regs[2], e.edx = regs[3];
			ret = vm_cpuid_set(vm, &e);
			if (ret)
				return ret;
		}
		if (p->cfg.trace)
			fprintf(stderr, "# trace: vcpu=all kind=cpuid leaf=%#x eax=%#x ebx=%#x "
				"ecx=%#x edx=%#x\n", leaves[i], regs[0], regs[1], regs[2], regs[3]);
	}
	return 0;
}

static int proto_engine(struct proto *p, u32 max_version, u32 features, bool hypercall)
{
	struct migctl_host_region ram[MEM_MAX_BANKS];
	struct vm *vm = p->vm;
	struct migctl_host_config hc = {
		.min_version = max_version ? MIGCTL_VERSION_1 : 0,
		.max_version = max_version,
		.features = max_version >= MIGCTL_VERSION_2 ? features : 0,
		.hypercall = hypercall && max_version,
		.phys_bits = proto_phys_bits(vm),
		.encrypted = p->cfg.encrypted,
		/* vm_create() makes a plain KVM_X86_DEFAULT_VM (H-14). */
		.vm_type = MIGCTL_HOST_VM_DEFAULT,
		.ram = ram,
		.nr_ram = vm->mem.nr_banks,
		.mem = { proto_mem_read, vm },
		.log = proto_log,
		.log_arg = p,
	};

	for (int i = 0; i < vm->mem.nr_banks; i++)
		ram[i] = (struct migctl_host_region){ vm->mem.banks[i].gpa, vm->mem.banks[i].size };
	migctl_host_destroy(p->host);
	p->host = NULL;
	p->psc_msr = (hc.features & MIGCTL_F_MSR_PSC) ? MIGCTL_MSR_PSC_DEFAULT : 0;
	return migctl_host_create(&hc, &p->host);
}

/*
 * The MSRs the filter sends to user space, ascending: the engine's, and
 * with check_guest the rest of the MSR transport's range
 * MIGCTL_MSR_PSC_FIRST..MIGCTL_MSR_PSC_LAST, so that a guest using an
 * index the leaf did not name is seen; those get #GP. The rest of the KVM
 * block belongs to upstream KVM, live or proposed, and is left to it.
 */
static int proto_trap_msrs(struct proto *p, u32 msrs[VM_MAX_FILTER_MSRS])
{
	u32 own[MIGCTL_HOST_MSR_INDICES_MAX], index;
	unsigned int nown = migctl_host_msr_indices(p->host, own), i;
	int n = 0;

	for (index = MIGCTL_MSR_KVM_FIRST; index <= MIGCTL_MSR_KVM_LAST; index++) {
		bool trap = false;

		for (i = 0; i < nown; i++)
			trap |= own[i] == index;
		if (p->cfg.check_guest && index >= MIGCTL_MSR_PSC_FIRST &&
		    index <= MIGCTL_MSR_PSC_LAST)
			trap = true;
		if (trap && n < VM_MAX_FILTER_MSRS)
			msrs[n++] = index;
	}
	return n;
}

/* The one line that says H-15 dropped version 1, and why. */
static const char *proto_h15_note(bool cap_failed, u32 max_version)
{
	static const char *const notes[2][2] = {
		{ "no hypercall transport on this KVM, so version 1 is not offered: "
		  "protocol off (H-15)",
		  "no hypercall transport on this KVM, so version 1 is not offered: "
		  "minimum version 2 (H-15)" },
		{ "cannot enable KVM_CAP_EXIT_HYPERCALL: no hypercall transport, so "
		  "version 1 is not offered: protocol off (H-15)",
		  "cannot enable KVM_CAP_EXIT_HYPERCALL: no hypercall transport, so "
		  "version 1 is not offered: minimum version 2 (H-15)" },
	};

	return notes[cap_failed][max_version >= MIGCTL_VERSION_2];
}

static int proto_offer(struct proto *p, const char **note)
{
	const struct proto_config *pc = &p->cfg;
	u32 msrs[VM_MAX_FILTER_MSRS];
	bool hc = pc->hypercall_works && pc->max_version, cap_failed = false;
	int n;
	int ret;

	if (pc->max_version && !pc->msr_works) {
		*note = "MSR exits do not work on this KVM: protocol not offered (V-10)";
		return proto_engine(p, 0, 0, false);
	}
	if (hc && vm_enable_hypercall_exit(p->vm)) {
		cap_failed = true;
		hc = false;
	}
	if (pc->max_version && !hc)
		*note = proto_h15_note(cap_failed, pc->max_version);
	ret = proto_engine(p, pc->max_version, pc->features, hc);
	if (ret)
		return ret;
	n = proto_trap_msrs(p, msrs);
	if (!n || !vm_set_msr_filter(p->vm, msrs, n))
		return 0;
	if (pc->max_version)
		*note = "cannot install the MSR filter: protocol not offered (V-10)";
	return proto_engine(p, 0, 0, false);
}

int proto_create(struct vm *vm, const struct proto_config *pc, struct proto **out,
		 const char **note)
{
	struct proto *p = calloc(1, sizeof(*p));
	int ret;

	*note = NULL;
	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->cfg = *pc;
	ret = proto_offer(p, note);
	if (!ret)
		ret = proto_cpuid(p);
	if (ret) {
		proto_destroy(p);
		return ret;
	}
	vm->exit_ops = (struct vm_exit_ops){ p, proto_msr, proto_hypercall };
	*out = p;
	return 0;
}

void proto_destroy(struct proto *p)
{
	if (!p)
		return;
	if (p->vm->exit_ops.opaque == p)
		p->vm->exit_ops = (struct vm_exit_ops){ 0 };
	migctl_host_destroy(p->host);
	free(p);
}

void proto_observe(struct proto *p, const struct proto_observer *obs)
{
	p->obs = *obs;
}

struct migctl_host *proto_host(struct proto *p)
{
	return p->host;
}

void proto_print_stats(struct proto *p, FILE *f)
{
	struct migctl_host_counters c;
	struct migctl_host_state st;
	u32 psc = p->psc_msr ? p->psc_msr : MIGCTL_MSR_PSC_DEFAULT;

	migctl_host_counters(p->host, &c);
	migctl_host_state(p->host, &st);
	fprintf(f, "# stats: protocol_exits=%llu rdmsr_%#x=%llu wrmsr_%#x=%llu "
		"rdmsr_%#x=%llu wrmsr_%#x=%llu other_msr=%llu hypercalls=%llu gp=%llu "
		"ctl_accepted=%llu ctl_rejected=%llu psc_gp=%llu requests_ok=%llu pages=%llu "
		"einval=%llu e2big=%llu efault=%llu enosys=%llu ready=%d version=%u features=%#x\n",
		(unsigned long long)p->exits,
		MIGCTL_MSR_CONTROL, (unsigned long long)p->ctl_reads,
		MIGCTL_MSR_CONTROL, (unsigned long long)p->ctl_writes,
		psc, (unsigned long long)p->psc_reads, psc, (unsigned long long)p->psc_writes,
		(unsigned long long)p->other_msr, (unsigned long long)p->hypercalls,
		(unsigned long long)p->gp, (unsigned long long)c.ctl_accepted,
		(unsigned long long)c.ctl_rejected, (unsigned long long)c.psc_gp,
		(unsigned long long)c.ok, (unsigned long long)c.pages,
		(unsigned long long)c.einval, (unsigned long long)c.e2big,
		(unsigned long long)c.efault, (unsigned long long)c.enosys,
		st.ready, st.version, st.features);
}
