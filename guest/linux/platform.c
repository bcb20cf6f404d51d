// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* platform.c - the guest library's platform operations from kernel primitives. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/asm.h>
#include <asm/extable_fixup_types.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "migctl_linux.h"

static void migctl_linux_cpuid(void *arg, u32 leaf, u32 subleaf, u32 out[4])
{
	cpuid_count(leaf, subleaf, &out[0], &out[1], &out[2], &out[3]);
}

/* #GP is the host's ordinary "no" (spec G-15): the safe accessors. */
static int migctl_linux_rdmsr(void *arg, u32 index, u64 *val)
{
	u64 v;

	if (rdmsrl_safe(index, &v))
		return MIGCTL_GUEST_VEC_GP;
	*val = v;
	return 0;
}

static int migctl_linux_wrmsr(void *arg, u32 index, u64 val)
{
	return wrmsrl_safe(index, val) ? MIGCTL_GUEST_VEC_GP : 0;
}

/*
 * VMCALL or VMMCALL with an exception-table entry: a #UD (the other
 * vendor's instruction, no hypervisor) or #GP resumes at label 2 with the
 * vector in RAX (EX_TYPE_FAULT), which becomes the library's *fault.
 */
#define MIGCTL_LINUX_HC(insn, ret, vector, a0, a1, a2)			\
	asm volatile("1:	" insn "\n"					\
		     "	jmp 3f\n"					\
		     "2:	movl %%eax, %[vec]\n"				\
		     "3:\n"						\
		     _ASM_EXTABLE_TYPE(1b, 2b, EX_TYPE_FAULT)		\
		     : "+a" (ret), [vec] "+r" (vector)			\
		     : "b" (a0), "c" (a1), "d" (a2)			\
		     : "memory")

static long migctl_linux_hypercall(void *arg, u32 insn, u64 nr, u64 a0, u64 a1,
				   u64 a2, int *fault)
{
	long ret = nr;
	int vector = 0;

	if (insn == MIGCTL_GUEST_INSN_VMMCALL)
		MIGCTL_LINUX_HC("vmmcall", ret, vector, a0, a1, a2);
	else
		MIGCTL_LINUX_HC("vmcall", ret, vector, a0, a1, a2);
	*fault = vector;
	return ret;
}

/*
 * A raw spinlock with interrupts off: the library holds it across a host
 * call, and syscore callbacks and the panic notifier call the library
 * with interrupts already off.
 */
static void migctl_linux_lock(void *arg)
{
	struct migctl_linux *m = arg;
	unsigned long flags;

	raw_spin_lock_irqsave(&m->lock, flags);
	m->lock_flags = flags;
}

static void migctl_linux_unlock(void *arg)
{
	struct migctl_linux *m = arg;

	raw_spin_unlock_irqrestore(&m->lock, m->lock_flags);
}

void migctl_linux_ops_init(struct migctl_linux *m)
{
	raw_spin_lock_init(&m->lock);
	m->ops.cpuid = migctl_linux_cpuid;
	m->ops.rdmsr = migctl_linux_rdmsr;
	m->ops.wrmsr = migctl_linux_wrmsr;
	m->ops.hypercall = migctl_linux_hypercall;
	m->ops.lock = migctl_linux_lock;
	m->ops.unlock = migctl_linux_unlock;
	m->ops.arg = m;
	m->ops.lock_arg = m;
}
