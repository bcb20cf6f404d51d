/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* triple.S - loads an empty IDT and executes UD2: a triple fault. */
#include "pvh.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	lidt idt_empty
	movl $0x7ab1e, %eax	/* seen in the VMM's register dump */
	ud2
	hlt
idt_empty: .word 0; .long 0
PVH_NOTE
