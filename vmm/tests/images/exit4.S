/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* exit4.S - exits 4 (skip) through a byte-wide OUT to port 0xf4. */
#include "pvh.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movb $4, %al
	outb %al, $MIGCTL_PVH_EXIT_PORT
	hlt
PVH_NOTE
