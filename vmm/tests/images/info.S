/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* info.S - prints what PVH boot handed over, CPUID leaf 1 and the KVM leaves, exits 0. */
#include "pvh.h"

/* print a string literal: clobbers EAX, EDX, ESI */
#define SAY(label)	movl $label, %esi; call puts
/* print a 32-bit memory or register operand in hex */
#define HEX(x)		movl x, %eax; call puthex

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl %ebx, %ebp			/* struct hvm_start_info */
	movl $0x90000, %esp
	SAY(s_magic)
	HEX(0(%ebp))
	SAY(s_version)
	HEX(4(%ebp))
	SAY(s_cmdline)
	movl 24(%ebp), %esi
	call puts
	SAY(s_nl)

	movl 40(%ebp), %edi		/* memmap_paddr */
	movl 48(%ebp), %ecx		/* memmap_entries */
1:	pushl %ecx
	SAY(s_e820)
	HEX(4(%edi))
	HEX(0(%edi))
	SAY(s_sp)
	HEX(12(%edi))
	HEX(8(%edi))
	SAY(s_sp)
	HEX(16(%edi))
	SAY(s_nl)
	addl $24, %edi
	popl %ecx
	loop 1b

	movl $1, %eax
	call leaf
	movl $0x40000000, %eax
	call leaf
	movl $0x40000001, %eax
	call leaf
	movl $0x4000004d, %eax
	call leaf
	PVH_EXIT(0)

/* leaf: EAX = function; prints "cpuid F: a b c d" */
leaf:	movl %eax, regs
	xorl %ecx, %ecx
	cpuid
	movl %eax, regs + 4
	movl %ebx, regs + 8
	movl %ecx, regs + 12
	movl %edx, regs + 16
	SAY(s_cpuid)
	HEX(regs)
	SAY(s_colon)
	HEX(regs + 4)
	SAY(s_sp)
	HEX(regs + 8)
	SAY(s_sp)
	HEX(regs + 12)
	SAY(s_sp)
	HEX(regs + 16)
	SAY(s_nl)
	ret

PVH_PUTS
PVH_PUTHEX

s_magic:	.asciz "magic="
s_version:	.asciz "\nversion="
s_cmdline:	.asciz "\ncmdline="
s_e820:		.asciz "e820 "
s_cpuid:	.asciz "cpuid "
s_colon:	.asciz ": "
s_sp:		.asciz " "
s_nl:		.asciz "\n"
	.balign 4
regs:	.long 0, 0, 0, 0, 0
PVH_NOTE
