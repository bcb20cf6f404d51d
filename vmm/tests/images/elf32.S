/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* elf32.S - an ELF32 (i386) PVH image: checks the start info, prints "elf32", exits 0. */
#include "pvh.h"

#define START_MAGIC	0x336ec578	/* MIGCTL_PVH_START_MAGIC, C-only in pvh.h */

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	/* PVH hands over EBX = start info; anything else is a loader bug. */
	cmpl $START_MAGIC, (%ebx)
	jne 1f
	movl $msg, %esi
	call puts
	PVH_EXIT(0)
1:	PVH_EXIT(1)

PVH_PUTS
msg:	.asciz "elf32\n"
PVH_NOTE
