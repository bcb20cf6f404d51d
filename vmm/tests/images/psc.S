/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* psc.S - MSR transport requests, valid and invalid; prints ok or gp for each. */
#include "pvh.h"

#define MSR_PSC		0x4b564d40	/* MIGCTL_MSR_PSC_DEFAULT */
#define SAY(label)	movl $label, %esi; call puts
/* WRMSR of EDX:EAX = hi:lo to the PSC MSR, then print "name=ok|gp" */
#define PSC(name, hi, lo)						\
	movl $MSR_PSC, %ecx;						\
	movl $(hi), %edx;						\
	movl $(lo), %eax;						\
	SAFE(wrmsr);							\
	SAY(name);							\
	call result

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	PVH_LOAD_GDT
	PVH_GP_SETUP

	/* 16 pages from 1 MiB, shared, 4K unit: COUNT-1 = 15 in bits 63:52 */
	PSC(s_valid, 0x00f00000, 0x00100000)
	/* 2M unit with a GFN that is not 2M aligned */
	PSC(s_misaligned, 0, 0x00101001)
	/* reserved attribute bit 6 */
	PSC(s_reserved, 0, 0x00100040)
	/* one page in the legacy hole at 0xa0000: not RAM */
	PSC(s_hole, 0, 0x000a0000)

	movl $MSR_PSC, %ecx
	SAFE(rdmsr)
	SAY(s_read)
	call result
	PVH_EXIT(0)

result:	cmpl $0, faulted
	jne 1f
	SAY(s_ok)
	ret
1:	SAY(s_gp)
	ret

PVH_PUTS
PVH_GDT_DATA
PVH_GP_DATA

s_valid:	.asciz "valid="
s_misaligned:	.asciz "misaligned="
s_reserved:	.asciz "reserved="
s_hole:		.asciz "hole="
s_read:		.asciz "read="
s_ok:		.asciz "ok\n"
s_gp:		.asciz "gp\n"
PVH_NOTE
