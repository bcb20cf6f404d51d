/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* hello.S - prints "hello" on COM1 and exits 0 through port 0xf4. */
#include "pvh.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	movl $msg, %esi
	call puts
	PVH_EXIT(0)

PVH_PUTS
msg:	.asciz "hello\n"
PVH_NOTE
