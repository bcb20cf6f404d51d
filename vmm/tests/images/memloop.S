/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* memloop.S - rewrites and re-checks a RAM area for many passes (migration tests). */
#include "pvh.h"

/*
 * Pass p writes addr + p to every dword of [AREA, AREA + SIZE) after
 * checking that it holds addr + p - 1 (pass 0 writes without checking).
 * A migration or a refused one anywhere in between must keep the area and
 * the registers exact. The image runs until it is stopped, printing a
 * line "." per pass (a whole line: the VMM's serial port writes out line
 * by line) so that a test can count passes, or prints "memloop bad" and
 * exits 1 at the first difference.
 */
#define AREA	0x200000
#define SIZE	0x10000

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	movl $hello, %esi
	call puts
	xorl %ebp, %ebp			/* pass */
pass:
	movl $AREA, %edi
1:	testl %ebp, %ebp
	jz 2f
	leal -1(%edi, %ebp), %eax
	cmpl %eax, (%edi)
	jne bad
2:	leal (%edi, %ebp), %eax
	movl %eax, (%edi)
	addl $4, %edi
	cmpl $(AREA + SIZE), %edi
	jne 1b
	movw $MIGCTL_PVH_COM1, %dx
	movb $'.', %al
	outb %al, %dx
	movb $'\n', %al
	outb %al, %dx
	incl %ebp
	jmp pass
bad:
	movl $nok, %esi
	call puts
	PVH_EXIT(1)

PVH_PUTS
hello:	.asciz "memloop\n"
nok:	.asciz "\nmemloop bad\n"
PVH_NOTE
