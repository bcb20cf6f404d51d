/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* trap.h - the IDT: expected faults are ordinary checks, unexpected ones end the run. */
#ifndef GUEST_IMAGE_TRAP_H
#define GUEST_IMAGE_TRAP_H

#include <migctl/types.h>

/* Pushed by entry.S: general registers, vector, error code, then the CPU's frame. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/* Builds the IDT once (boot CPU). */
void trap_init(void);
/* Loads it on the calling CPU. */
void trap_load(void);

/* Called by entry.S for every exception. */
void trap_handle(struct trap_frame *f);

#endif /* GUEST_IMAGE_TRAP_H */
