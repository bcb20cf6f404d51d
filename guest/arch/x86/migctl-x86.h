/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migctl-x86.h - platform operations of the guest library for bare-metal x86-64. */
#ifndef MIGCTL_X86_H
#define MIGCTL_X86_H

/*
 * Ready-made struct migctl_guest_ops for a kernel running at CPL 0 on
 * x86-64. RDMSR, WRMSR, VMCALL and VMMCALL may fault; they live in small
 * assembly routines whose faulting instruction and recovery address are
 * known, so the embedder's exception handler can resume after them:
 *
 *	void gp_or_ud_handler(struct my_frame *f, u64 vector)
 *	{
 *		if (migctl_x86_fixup(&f->rip, &f->rax, vector))
 *			return;		// iretq to the recovery path
 *		panic(...);
 *	}
 *
 * migctl_x86_fixup() recognises the saved RIP of one of those instructions,
 * moves it to the recovery address and stores the vector in the saved RAX,
 * which the recovery path returns to the library. Install it for #UD (6)
 * and #GP (13); the error code #GP pushes is the embedder's to pop. Nothing
 * else in the frame changes. There is no table to link and no global state,
 * so the handler works on every CPU at once.
 */

#include <migctl/types.h>
#include "../../migctl-guest.h"

/**
 * struct migctl_x86_spinlock - a lock for migctl_guest_ops.lock
 * @v: 0 free, 1 held
 *
 * A plain test-and-set lock; it does not mask interrupts, so take it only
 * in contexts where the embedder's interrupt handlers do not call the
 * library, or wrap these functions in the embedder's own lock.
 */
struct migctl_x86_spinlock {
	u32 v;
};

void migctl_x86_cpuid(void *arg, u32 leaf, u32 subleaf, u32 out[4]);
int migctl_x86_rdmsr(void *arg, u32 index, u64 *val);
int migctl_x86_wrmsr(void *arg, u32 index, u64 val);
long migctl_x86_hypercall(void *arg, u32 insn, u64 nr, u64 a0, u64 a1, u64 a2,
			  int *fault);
void migctl_x86_spin_lock(void *lock);
void migctl_x86_spin_unlock(void *lock);

/**
 * migctl_x86_ops_init() - fill ops with the functions above
 * @ops: the ops to fill
 * @lock: a lock shared by every CPU using the context, or NULL for none
 */
void migctl_x86_ops_init(struct migctl_guest_ops *ops, struct migctl_x86_spinlock *lock);

/**
 * migctl_x86_fixup() - resume after a fault in one of the routines above
 * @rip: the saved RIP in the exception frame (updated on success)
 * @rax: the saved RAX in the exception frame (set to @vector on success)
 * @vector: the exception vector (6 or 13)
 *
 * Return: true if @rip was one of this library's faulting instructions and
 * the frame now resumes at its recovery path; false otherwise (the fault
 * is the embedder's).
 */
bool migctl_x86_fixup(u64 *rip, u64 *rax, u64 vector);

#endif /* MIGCTL_X86_H */
