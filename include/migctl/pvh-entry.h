/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* pvh-entry.h - assembler macros for a 64-bit guest kernel's PVH entry: the note, long mode on. */
#ifndef MIGCTL_PVH_ENTRY_H
#define MIGCTL_PVH_ENTRY_H

#include <migctl/pvh.h>

#define MIGCTL_X86_CR0_PE	0x00000001
#define MIGCTL_X86_CR0_PG	0x80000000
#define MIGCTL_X86_CR4_PAE	0x00000020
#define MIGCTL_X86_MSR_EFER	0xc0000080
#define MIGCTL_X86_EFER_LME	0x00000100

#ifdef __ASSEMBLER__

/*
 * XEN_ELFNOTE_PHYS32_ENTRY naming \entry, with an 8-byte desc as Linux
 * and QEMU's loader use on x86-64 (migctl-vmm takes 4 or 8 bytes).
 */
.macro MIGCTL_PVH_NOTE entry
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long MIGCTL_PVH_NOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.quad \entry
4:	.balign 4
	.popsection
.endm

/*
 * From the PVH entry state (32-bit protected mode, paging off) to long
 * mode on the page tables at \pml4, still running 32-bit code until the
 * far jump to a 64-bit code segment that the caller makes. Clobbers EAX,
 * ECX, EDX.
 */
.macro MIGCTL_PVH_LONG_MODE_ON pml4
	movl	%cr4, %eax
	orl	$MIGCTL_X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$\pml4, %eax
	movl	%eax, %cr3
	movl	$MIGCTL_X86_MSR_EFER, %ecx
	rdmsr
	orl	$MIGCTL_X86_EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(MIGCTL_X86_CR0_PG | MIGCTL_X86_CR0_PE), %eax
	movl	%eax, %cr0
.endm

#endif /* __ASSEMBLER__ */

#endif /* MIGCTL_PVH_ENTRY_H */
