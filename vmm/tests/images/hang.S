/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* hang.S - prints "hang" and never exits (for --timeout and signals). */
#include "pvh.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	movl $msg, %esi
	call puts
	cli
1:	hlt
	jmp 1b

PVH_PUTS
msg:	.asciz "hang\n"
PVH_NOTE
