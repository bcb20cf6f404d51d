/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* entry.S - the benchmark guest: PVH entry, long mode, the measured loops. */
#include <migctl/pvh-entry.h>

#include "bench-abi.h"

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define KERNEL_CS32	0x18
#define USER_DS		(0x20 | 3)
#define USER_CS		(0x28 | 3)
#define USER_RFLAGS	0x3002		/* IOPL 3: OUT works in ring 3; IF clear */

	MIGCTL_PVH_NOTE pvh_start32

/*
 * Static identity map of the first 1 GiB in 2 MiB pages (ring 0 is
 * emulated here: no loop builds it), user-accessible for the ring-3 loops.
 */
	.section .data.pagetables, "aw"
	.balign 4096
pml4:	.quad pdpt + 0x7
	.fill 511, 8, 0
pdpt:	.quad pd + 0x7
	.fill 511, 8, 0
pd:	.set mib2, 0
	.rept 512
	.quad (mib2 << 21) | 0x87
	.set mib2, mib2 + 1
	.endr

	.section .data, "aw"
	.balign 16
gdt:	.quad 0
	.quad 0x00af9a000000ffff	/* KERNEL_CS, 64-bit */
	.quad 0x00cf92000000ffff	/* KERNEL_DS */
	.quad 0x00cf9a000000ffff	/* KERNEL_CS32 */
	.quad 0x00cff2000000ffff	/* USER_DS */
	.quad 0x00affa000000ffff	/* USER_CS, 64-bit */
gdt_end:
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	lgdt	gdt_desc
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	ljmp	$KERNEL_CS32, $1f
1:	movl	$stack_top, %esp
	MIGCTL_PVH_LONG_MODE_ON pml4
	ljmp	$KERNEL_CS, $start64

	.code64
start64:
	movq	$stack_top, %rsp
	call	bench_guest_main
	outl	%eax, $BENCH_PORT_EXIT
2:	hlt
	jmp	2b

/*
 * The measured loops: RDI = iterations (>= 1). Each iteration is the body
 * plus DEC and JNZ, so BENCH_MODE_EMPTY measures exactly what the others
 * add to their body.
 */
	.text
	.globl bench_loop_empty
bench_loop_empty:
1:	decq	%rdi
	jnz	1b
	ret

	.globl bench_loop_nop
bench_loop_nop:
1:	nop
	decq	%rdi
	jnz	1b
	ret

/* RDI = iterations, ESI = MSR index, RDX = value */
	.globl bench_loop_wrmsr
bench_loop_wrmsr:
	movl	%esi, %ecx
	movl	%edx, %eax
	shrq	$32, %rdx
1:	wrmsr
	decq	%rdi
	jnz	1b
	ret

/* RDI = iterations, ESI = port */
	.globl bench_loop_out
bench_loop_out:
	movl	%esi, %edx
	xorl	%eax, %eax
1:	outb	%al, %dx
	decq	%rdi
	jnz	1b
	ret

/*
 * Hypercall 12 in a loop: RDI = iterations, RSI = a0, RDX = a1, RCX = a2.
 * RAX (the result) is reloaded every time; RBX is callee-saved.
 */
.macro HC_LOOP name, insn
	.globl \name
\name:
	pushq	%rbx
	movq	%rsi, %rbx
	xchgq	%rdx, %rcx
1:	movl	$12, %eax
	\insn
	decq	%rdi
	jnz	1b
	popq	%rbx
	ret
.endm
	HC_LOOP bench_loop_vmcall, vmcall
	HC_LOOP bench_loop_vmmcall, vmmcall

/* EDI = value for the mark port */
	.globl bench_mark
bench_mark:
	movl	%edi, %eax
	outl	%eax, $BENCH_PORT_MARK
	ret

/*
 * bench_user_loop(n, port): drop to ring 3 with IOPL 3 and run the loop
 * there, natively on this KVM: mark, N x (OUTB to port, or nothing when
 * port is 0), mark, then end the VM through the exit port. Never returns.
 */
	.globl bench_user_loop
bench_user_loop:
	pushq	$USER_DS
	pushq	$user_stack_top
	pushq	$USER_RFLAGS
	pushq	$USER_CS
	pushq	$1f
	iretq
1:	movl	$BENCH_MARK_START, %eax
	outl	%eax, $BENCH_PORT_MARK
	movl	%esi, %edx
	xorl	%eax, %eax
	testl	%edx, %edx
	jz	3f
2:	outb	%al, %dx
	decq	%rdi
	jnz	2b
	jmp	4f
3:	decq	%rdi
	jnz	3b
4:	movl	$BENCH_MARK_STOP, %eax
	outl	%eax, $BENCH_PORT_MARK
	xorl	%eax, %eax
	outl	%eax, $BENCH_PORT_EXIT
5:	jmp	5b

	.section .stack, "aw", @nobits
	.balign 4096
	.skip 16384
stack_top:
	.skip 4096
user_stack_top:
