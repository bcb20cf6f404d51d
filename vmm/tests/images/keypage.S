/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* keypage.S - prints the sev-sim key page and the e820 map, tries to write the page. */
#include "pvh.h"

#define KEY_PAGE	0xfeb00000
#define SAY(label)	movl $label, %esi; call puts
#define HEX(x)		movl x, %eax; call puthex

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	movl %ebx, %ebp			/* struct hvm_start_info */
	movl $0x90000, %esp
	SAY(s_magic)
	HEX(KEY_PAGE + 4)
	HEX(KEY_PAGE)
	SAY(s_gen)
	HEX(KEY_PAGE + 8)
	SAY(s_win)
	HEX(KEY_PAGE + 48)
	SAY(s_pages)
	HEX(KEY_PAGE + 56)
	movl $0x12345678, KEY_PAGE	/* the guest must not change its key page */
	SAY(s_after)
	HEX(KEY_PAGE)
	SAY(s_nl)
	movl 0x28(%ebp), %edi		/* memmap_paddr */
	movl 0x30(%ebp), %ecx		/* memmap_entries */
1:	testl %ecx, %ecx
	jz 2f
	pushl %ecx
	SAY(s_e820)
	HEX(0(%edi))
	SAY(s_sp)
	HEX(8(%edi))
	SAY(s_sp)
	HEX(16(%edi))
	SAY(s_nl)
	popl %ecx
	addl $24, %edi
	decl %ecx
	jmp 1b
2:	PVH_EXIT(0)

PVH_PUTS
PVH_PUTHEX
s_magic: .asciz "magic="
s_gen:	.asciz " gen="
s_win:	.asciz " window="
s_pages: .asciz " pages="
s_after: .asciz " after-write="
s_e820:	.asciz "e820 "
s_sp:	.asciz " "
s_nl:	.asciz "\n"
PVH_NOTE
