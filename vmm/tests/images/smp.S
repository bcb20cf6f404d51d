/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* smp.S - starts the APs with INIT-SIPI-SIPI (xAPIC) and prints how many came. */
#include "pvh.h"

/*
 * The command line is one digit N, the number of CPUs to wait for. Each AP
 * starts in real mode at 0x8000, increments the counter at 0x7ff0 and
 * halts. The BSP prints "cpus=" and 1 + the count in hex, then exits 0.
 */
#define APIC_SVR	0xfee000f0
#define APIC_ICR_LO	0xfee00300
#define ICR_INIT_ALL	0x000c4500	/* all excluding self, assert, INIT */
#define ICR_SIPI_ALL	0x000c4608	/* all excluding self, SIPI vector 0x08 */
#define TRAMPOLINE	0x8000
#define COUNTER		0x7ff0
#define SPIN_LIMIT	4000000

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl $0x90000, %esp
	movl 24(%ebx), %eax		/* cmdline_paddr */
	movzbl (%eax), %eax
	subl $'0', %eax
	decl %eax
	movl %eax, want			/* APs to wait for */
	movw $0, COUNTER

	movl $trampoline, %esi
	movl $TRAMPOLINE, %edi
	movl $(trampoline_end - trampoline), %ecx
	cld
	rep movsb

	movl $0x1ff, APIC_SVR
	movl $ICR_INIT_ALL, APIC_ICR_LO
	movl $ICR_SIPI_ALL, APIC_ICR_LO
	movl $ICR_SIPI_ALL, APIC_ICR_LO

	movl $SPIN_LIMIT, %ecx
1:	movzwl COUNTER, %eax
	cmpl want, %eax
	jae 2f
	pause
	loop 1b
2:	movl $msg, %esi
	call puts
	movzwl COUNTER, %eax
	incl %eax
	call puthex
	movl $nl, %esi
	call puts
	PVH_EXIT(0)

	.code16
trampoline:
	lock incw COUNTER
3:	cli
	hlt
	jmp 3b
trampoline_end:
	.code32

PVH_PUTS
PVH_PUTHEX
msg:	.asciz "cpus="
nl:	.asciz "\n"
	.balign 4
want:	.long 0
PVH_NOTE
