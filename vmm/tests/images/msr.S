/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* msr.S - writes 1 (v1 READY) to the control MSR, reads it back; reports #GP. */
#include "pvh.h"

#define MSR_CONTROL	0x4b564d08
#define SAY(label)	movl $label, %esi; call puts

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	PVH_LOAD_GDT
	PVH_GP_SETUP

	movl $MSR_CONTROL, %ecx
	movl $1, %eax
	xorl %edx, %edx
	SAFE(wrmsr)
	SAY(s_wrmsr)
	call result

	movl $MSR_CONTROL, %ecx
	xorl %eax, %eax
	SAFE(rdmsr)
	movl %eax, value
	SAY(s_rdmsr)
	cmpl $0, faulted
	jne 1f
	movl value, %eax
	call puthex
	SAY(s_nl)
	PVH_EXIT(0)
1:	SAY(s_gp)
	PVH_EXIT(0)

/* print "ok" or "gp" for the last SAFE() */
result:	cmpl $0, faulted
	jne 1f
	SAY(s_ok)
	ret
1:	SAY(s_gp)
	ret

PVH_PUTS
PVH_PUTHEX
PVH_GDT_DATA
PVH_GP_DATA

s_wrmsr:	.asciz "wrmsr="
s_rdmsr:	.asciz "rdmsr="
s_ok:		.asciz "ok\n"
s_gp:		.asciz "gp\n"
s_nl:		.asciz "\n"
value:		.long 0
PVH_NOTE
