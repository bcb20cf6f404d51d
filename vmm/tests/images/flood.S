/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* flood.S - the CPUs print 80 KiB on COM1 between them, a page per REP OUTSB; then exit 0. */
#include "pvh.h"

/*
 * The command line is one digit N, the number of CPUs (1 if absent). The
 * BSP starts the APs with INIT-SIPI-SIPI (xAPIC); each prints the page
 * 20 / N times in real mode from its copy at 0xa000 and counts itself
 * done at 0x7ff0. The BSP prints it as often, waits for the APs and exits
 * 0. The lines are 63 'x' and a newline; the CPUs' bytes interleave.
 */
#define APIC_SVR	0xfee000f0
#define APIC_ICR_LO	0xfee00300
#define ICR_INIT_ALL	0x000c4500	/* all excluding self, assert, INIT */
#define ICR_SIPI_ALL	0x000c4608	/* all excluding self, SIPI vector 0x08 */
#define TRAMPOLINE	0x8000
#define AP_PAGE		0xa000
#define DONE		0x7ff0
#define TIMES		0x7ff4	/* pages each CPU prints */
#define PAGES		20	/* pages all CPUs print */

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	movl 24(%ebx), %eax		/* cmdline_paddr */
	movzbl (%eax), %eax
	subl $'1', %eax			/* APs: N - 1 */
	cmpl $8, %eax
	jbe 1f
	xorl %eax, %eax
1:	movl %eax, want
	movw $0, DONE
	leal 1(%eax), %ecx
	movl $PAGES, %eax
	xorl %edx, %edx
	divl %ecx
	movw %ax, TIMES
	cld
	movl $trampoline, %esi
	movl $TRAMPOLINE, %edi
	movl $(trampoline_end - trampoline), %ecx
	rep movsb
	movl $page, %esi
	movl $AP_PAGE, %edi
	movl $4096, %ecx
	rep movsb
	cmpl $0, want
	je 2f
	movl $0x1ff, APIC_SVR
	movl $ICR_INIT_ALL, APIC_ICR_LO
	movl $ICR_SIPI_ALL, APIC_ICR_LO
	movl $ICR_SIPI_ALL, APIC_ICR_LO

2:	movzwl TIMES, %ebx
	movw $MIGCTL_PVH_COM1, %dx
3:	movl $page, %esi
	movl $4096, %ecx
	rep outsb
	decl %ebx
	jnz 3b
4:	movzwl DONE, %eax
	cmpl want, %eax
	jae 5f
	pause
	jmp 4b
5:	PVH_EXIT(0)

	.code16
trampoline:
	xorw %ax, %ax
	movw %ax, %ds
	cld
	movw TIMES, %bx
	movw $MIGCTL_PVH_COM1, %dx
6:	movw $AP_PAGE, %si
	movw $4096, %cx
	rep outsb
	decw %bx
	jnz 6b
	lock incw DONE
7:	cli
	hlt
	jmp 7b
trampoline_end:
	.code32

	.balign 4
want:	.long 0

	/* 64 lines of 63 'x' and a newline, one page. */
	.balign 4096
page:	.rept 64
	.fill 63, 1, 0x78
	.byte 10
	.endr
PVH_NOTE
