/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* resume.S - prints "a", polls port 0xf8 until it reads non-zero, prints "b", exits 0. */
#include "pvh.h"

/*
 * For snapshot tests: the VMM answers 0 on port 0xf8 until it wants the
 * guest to go on. The loop keeps its state in registers, the stack and
 * memory, so a vCPU restored elsewhere only finishes if all of it moved.
 */
#define GO_PORT	0xf8

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	PVH_LOAD_GDT
	movl $msg_a, %esi
	call puts
	movl $0x5eed, %edi
	pushl %edi
1:	incl polls
	inb $GO_PORT, %al
	testb %al, %al
	jz 1b
	popl %eax
	cmpl %eax, %edi			/* stack and registers survived */
	jne 2f
	cmpl $0, polls
	je 2f
	movl $msg_b, %esi
	call puts
	PVH_EXIT(0)
2:	PVH_EXIT(1)

PVH_PUTS
PVH_GDT_DATA
msg_a:	.asciz "a\n"
msg_b:	.asciz "b\n"
	.balign 4
polls:	.long 0
PVH_NOTE
