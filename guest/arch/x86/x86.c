/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* x86.c - CPUID, fault-safe RDMSR/WRMSR and VMCALL/VMMCALL for x86-64 guests. */
#include "migctl-x86.h"

/*
 * The routines that may fault are written in assembly so that the address
 * of the faulting instruction and of the path to resume at are fixed labels
 * that migctl_x86_fixup() can compare against. Each recovery path returns
 * the vector the fixup left in RAX. The labels are local to this object.
 */
int migctl_x86_rdmsr_raw(u32 index, u64 *val);
int migctl_x86_wrmsr_raw(u32 index, u64 val);
long migctl_x86_vmcall_raw(u64 nr, u64 a0, u64 a1, u64 a2, int *fault);
long migctl_x86_vmmcall_raw(u64 nr, u64 a0, u64 a1, u64 a2, int *fault);

extern const char migctl_x86_rdmsr_insn[], migctl_x86_rdmsr_out[];
extern const char migctl_x86_wrmsr_insn[], migctl_x86_wrmsr_out[];
extern const char migctl_x86_vmcall_insn[], migctl_x86_vmcall_out[];
extern const char migctl_x86_vmmcall_insn[], migctl_x86_vmmcall_out[];

__asm__(".pushsection .text.migctl_x86, \"ax\", @progbits\n"
	".globl migctl_x86_rdmsr_raw\n"
	".type migctl_x86_rdmsr_raw, @function\n"
	"migctl_x86_rdmsr_raw:\n"
	"	movl %edi, %ecx\n"
	"migctl_x86_rdmsr_insn:\n"
	"	rdmsr\n"
	"	shlq $32, %rdx\n"
	"	movl %eax, %eax\n"
	"	orq %rdx, %rax\n"
	"	movq %rax, (%rsi)\n"
	"	xorl %eax, %eax\n"
	"migctl_x86_rdmsr_out:\n"
	"	ret\n"
	".size migctl_x86_rdmsr_raw, . - migctl_x86_rdmsr_raw\n"

	".globl migctl_x86_wrmsr_raw\n"
	".type migctl_x86_wrmsr_raw, @function\n"
	"migctl_x86_wrmsr_raw:\n"
	"	movl %edi, %ecx\n"
	"	movl %esi, %eax\n"
	"	movq %rsi, %rdx\n"
	"	shrq $32, %rdx\n"
	"migctl_x86_wrmsr_insn:\n"
	"	wrmsr\n"
	"	xorl %eax, %eax\n"
	"migctl_x86_wrmsr_out:\n"
	"	ret\n"
	".size migctl_x86_wrmsr_raw, . - migctl_x86_wrmsr_raw\n"

	/* nr, a0, a1, a2, fault: RDI, RSI, RDX, RCX, R8 -> RAX, RBX, RCX, RDX */
	".macro migctl_x86_hc name, insn\n"
	".globl migctl_x86_\\name\\()_raw\n"
	".type migctl_x86_\\name\\()_raw, @function\n"
	"migctl_x86_\\name\\()_raw:\n"
	"	pushq %rbx\n"
	"	pushq %r8\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rbx\n"
	"	movq %rdx, %r9\n"
	"	movq %rcx, %rdx\n"
	"	movq %r9, %rcx\n"
	"migctl_x86_\\name\\()_insn:\n"
	"	\\insn\n"
	"	popq %r8\n"
	"	popq %rbx\n"
	"	ret\n"
	"migctl_x86_\\name\\()_out:\n"
	"	popq %r8\n"
	"	movl %eax, (%r8)\n"
	"	popq %rbx\n"
	"	ret\n"
	".size migctl_x86_\\name\\()_raw, . - migctl_x86_\\name\\()_raw\n"
	".endm\n"
	"migctl_x86_hc vmcall, vmcall\n"
	"migctl_x86_hc vmmcall, vmmcall\n"
	".purgem migctl_x86_hc\n"
	".popsection\n");

void migctl_x86_cpuid(void *arg, u32 leaf, u32 subleaf, u32 out[4])
{
	u32 a, b, c, d;

	__asm__ volatile("cpuid"
			 : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(leaf), "c"(subleaf));
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = d;
}

int migctl_x86_rdmsr(void *arg, u32 index, u64 *val)
{
	u64 v;
	int vector = migctl_x86_rdmsr_raw(index, &v);

	if (!vector)
		*val = v;
	return vector;
}

int migctl_x86_wrmsr(void *arg, u32 index, u64 val)
{
	return migctl_x86_wrmsr_raw(index, val);
}

long migctl_x86_hypercall(void *arg, u32 insn, u64 nr, u64 a0, u64 a1, u64 a2,
			  int *fault)
{
	*fault = 0;
	if (insn == MIGCTL_GUEST_INSN_VMMCALL)
		return migctl_x86_vmmcall_raw(nr, a0, a1, a2, fault);
	return migctl_x86_vmcall_raw(nr, a0, a1, a2, fault);
}

void migctl_x86_spin_lock(void *lock)
{
	struct migctl_x86_spinlock *l = lock;

	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			__asm__ volatile("pause" ::: "memory");
	}
}

void migctl_x86_spin_unlock(void *lock)
{
	struct migctl_x86_spinlock *l = lock;

	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

void migctl_x86_ops_init(struct migctl_guest_ops *ops, struct migctl_x86_spinlock *lock)
{
	ops->cpuid = migctl_x86_cpuid;
	ops->rdmsr = migctl_x86_rdmsr;
	ops->wrmsr = migctl_x86_wrmsr;
	ops->hypercall = migctl_x86_hypercall;
	ops->lock = lock ? migctl_x86_spin_lock : NULL;
	ops->unlock = lock ? migctl_x86_spin_unlock : NULL;
	ops->arg = NULL;
	ops->lock_arg = lock;
}

bool migctl_x86_fixup(u64 *rip, u64 *rax, u64 vector)
{
	static const struct {
		const char *insn;
		const char *out;
	} sites[] = {
		{ migctl_x86_rdmsr_insn, migctl_x86_rdmsr_out },
		{ migctl_x86_wrmsr_insn, migctl_x86_wrmsr_out },
		{ migctl_x86_vmcall_insn, migctl_x86_vmcall_out },
		{ migctl_x86_vmmcall_insn, migctl_x86_vmmcall_out },
	};
	unsigned int i;

	if (vector != MIGCTL_GUEST_VEC_UD && vector != MIGCTL_GUEST_VEC_GP)
		return false;
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		if (*rip == (u64)(uintptr_t)sites[i].insn) {
			*rip = (u64)(uintptr_t)sites[i].out;
			*rax = vector;
			return true;
		}
	}
	return false;
}
