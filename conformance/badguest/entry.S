/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* entry.S - the bad-guest kernels' PVH entry: long mode on static tables, #GP/#UD recovery. */
#include <migctl/pvh-entry.h>

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10

	MIGCTL_PVH_NOTE pvh_start32

/* The first GiB identity-mapped with 2 MiB pages: no ring-0 loop builds it. */
	.section .data.pagetables, "aw"
	.balign 4096
pml4:
	.quad pdpt + 0x3
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x3
	.fill 511, 8, 0
pd:
	.set mib2, 0
	.rept 512
	.quad (mib2 << 21) | 0x83
	.set mib2, mib2 + 1
	.endr

	.section .data, "aw"
	.balign 16
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* KERNEL_CS: 64-bit code */
	.quad 0x00cf92000000ffff	/* KERNEL_DS */
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
	cld
	movl	%ebx, %esi		/* struct hvm_start_info */
	lgdt	gdt_desc
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$stack_top, %esp
	MIGCTL_PVH_LONG_MODE_ON pml4
	ljmp	$KERNEL_CS, $start64

	.code64
start64:
	movq	$stack_top, %rsp
	movl	%esi, %edi		/* zero-extends: the upper halves are undefined */
	call	badguest_main
1:	cli
	hlt
	jmp	1b

/*
 * #UD and #GP: save the registers a C call may clobber, let C move RIP to
 * the guest library's recovery path (migctl_x86_fixup()), drop vector and
 * error code, IRETQ. The frame is 16-byte aligned at the call.
 */
	.text
	.globl trap_ud, trap_gp
trap_ud:
	pushq	$0
	pushq	$6
	jmp	trap_common
trap_gp:
	pushq	$13
trap_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	%rsp, %rdi
	call	badguest_trap
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits

	.section .bss
	.balign 16
	.skip 16384
stack_top:
