/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* pvh.h - shared pieces of the vmm test images (32-bit PVH entry, COM1, exit). */
#ifndef MIGCTL_VMM_TEST_PVH_H
#define MIGCTL_VMM_TEST_PVH_H

#include <migctl/pvh.h>

/* The PVH entry note naming _start. */
#define PVH_NOTE							\
	.pushsection .note.Xen, "a";					\
	.balign 4;							\
	.long 4, 4, MIGCTL_PVH_NOTE_PHYS32_ENTRY;			\
	.asciz "Xen";							\
	.long _start;							\
	.popsection

/* Load the image's flat GDT (CS 0x10, DS 0x18) and reload every segment. */
#define PVH_LOAD_GDT							\
	lgdt gdt_ptr;							\
	ljmp $0x10, $1f;						\
1:	movl $0x18, %eax;						\
	movw %ax, %ds; movw %ax, %es; movw %ax, %ss;			\
	movw %ax, %fs; movw %ax, %gs

#define PVH_GDT_DATA							\
	.balign 8;							\
gdt:	.quad 0, 0, 0x00cf9b000000ffff, 0x00cf93000000ffff;		\
gdt_ptr: .word gdt_ptr - gdt - 1; .long gdt

/* puts: ESI = NUL-terminated string; clobbers EAX, EDX, ESI. */
#define PVH_PUTS							\
puts:	movw $MIGCTL_PVH_COM1, %dx;					\
2:	lodsb;								\
	testb %al, %al;							\
	jz 3f;								\
	outb %al, %dx;							\
	jmp 2b;								\
3:	ret

/* puthex: EAX as 8 hex digits; clobbers EAX, ECX, EDX, EBX. */
#define PVH_PUTHEX							\
puthex:	movl %eax, %ebx;						\
	movl $8, %ecx;							\
	movw $MIGCTL_PVH_COM1, %dx;					\
4:	roll $4, %ebx;							\
	movl %ebx, %eax;						\
	andl $0xf, %eax;						\
	movb hexdigits(%eax), %al;					\
	outb %al, %dx;							\
	loop 4b;							\
	ret;								\
hexdigits: .ascii "0123456789abcdef"

/*
 * Expected #GP or #UD as an ordinary check: PVH_GP_SETUP installs handlers
 * for vectors 6 and 13, SAFE(insn) runs one instruction and leaves faulted
 * = 13 (#GP), 6 (#UD) or 0. The handlers do not IRET: the test KVM's ring-0
 * emulator fails on a 32-bit IRET (KVM_EXIT_INTERNAL_ERROR), so they drop
 * the frame (error code for #GP, EIP, CS, EFLAGS) and jump to the resume
 * address instead. Needs PVH_LOAD_GDT first and PVH_GP_DATA in the image.
 */
#define PVH_GATE(vec, handler)						\
	movl $handler, %eax;						\
	movw %ax, idt + vec * 8;					\
	movw $0x10, idt + vec * 8 + 2;					\
	movw $0x8e00, idt + vec * 8 + 4;				\
	shrl $16, %eax;							\
	movw %ax, idt + vec * 8 + 6

#define PVH_GP_SETUP							\
	PVH_GATE(6, ud_handler);					\
	PVH_GATE(13, gp_handler);					\
	lidt idt_ptr

#define SAFE(insn)							\
	movl $0, faulted;						\
	movl $9f, resume;						\
	insn;								\
9:

#define PVH_GP_DATA							\
gp_handler:								\
	addl $16, %esp;							\
	movl $13, faulted;						\
	jmp *resume;							\
ud_handler:								\
	addl $12, %esp;							\
	movl $6, faulted;						\
	jmp *resume;							\
	.balign 8;							\
idt:	.fill 32, 8, 0;							\
idt_ptr: .word 32 * 8 - 1; .long idt;					\
faulted: .long 0;							\
resume:	.long 0

#define PVH_EXIT(v)							\
	movl $(v), %eax;						\
	outl %eax, $MIGCTL_PVH_EXIT_PORT;				\
	hlt

#endif /* MIGCTL_VMM_TEST_PVH_H */
