/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* exit7.S - exits with 7, a value outside 0/1/4 (the VMM reports it, exits 1). */
#include "pvh.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PVH_EXIT(7)
PVH_NOTE
