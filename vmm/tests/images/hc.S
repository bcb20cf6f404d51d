/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* hc.S - hypercall 12 with the CPU's own instruction; prints the result or #UD. */
#include "pvh.h"

#define SAY(label)	movl $label, %esi; call puts

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	PVH_LOAD_GDT
	PVH_GP_SETUP

	xorl %eax, %eax
	cpuid
	cmpl $0x68747541, %ebx		/* "Auth"enticAMD */
	je 1f
	cmpl $0x6f677948, %ebx		/* "Hygo"nGenuine */
	je 1f
	call args
	SAFE(vmcall)
	jmp 2f
1:	call args
	SAFE(vmmcall)
2:	movl %eax, value
	SAY(s_hc)
	cmpl $6, faulted
	je 3f
	cmpl $13, faulted
	je 4f
	movl value, %eax
	call puthex
	SAY(s_nl)
	PVH_EXIT(0)
3:	SAY(s_ud)
	PVH_EXIT(0)
4:	SAY(s_gp)
	PVH_EXIT(0)

/* hypercall 12: one shared 4K page at 1 MiB */
args:	movl $12, %eax
	movl $0x100000, %ebx
	movl $1, %ecx
	xorl %edx, %edx
	ret

PVH_PUTS
PVH_PUTHEX
PVH_GDT_DATA
PVH_GP_DATA

s_hc:	.asciz "hc="
s_ud:	.asciz "ud\n"
s_gp:	.asciz "gp\n"
s_nl:	.asciz "\n"
value:	.long 0
PVH_NOTE
