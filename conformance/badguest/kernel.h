/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* kernel.h - the bad-guest kernel's entry points, called from entry.S. */
#ifndef BADGUEST_KERNEL_H
#define BADGUEST_KERNEL_H

#include <migctl/types.h>

/* The registers entry.S saves around a #UD or #GP, then the CPU's frame. */
struct badguest_frame {
	u64 r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/** badguest_main() - the kernel: @start_info is the PVH struct hvm_start_info */
void badguest_main(u32 start_info) __attribute__((noreturn));

/** badguest_trap() - #UD or #GP: resume the guest library's faulting access */
void badguest_trap(struct badguest_frame *f);

#endif /* BADGUEST_KERNEL_H */
