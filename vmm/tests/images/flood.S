/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* flood.S - prints 256 KiB on COM1, a page per REP OUTSB, then exits 0. */
#include "pvh.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	movl $64, %ebx
	movw $MIGCTL_PVH_COM1, %dx
	cld
1:	movl $page, %esi
	movl $4096, %ecx
	rep outsb
	decl %ebx
	jnz 1b
	PVH_EXIT(0)

	/* 64 lines of 63 'x' and a newline, one page. */
	.balign 4096
page:	.rept 64
	.fill 63, 1, 0x78
	.byte 10
	.endr
PVH_NOTE
