/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* entry.S - PVH entry, long mode, AP trampoline, traps, system calls, kexec jump. */
#include <migctl/pvh-entry.h>

#include "layout.h"

	MIGCTL_PVH_NOTE pvh_start32

/*
 * Static tables: no ring-0 loop builds them (ring 0 is emulated on our test
 * KVM). The first 4 GiB are mapped with 2 MiB pages, 4..64 GiB with 1 GiB
 * pages; every page is user-accessible because ring 3 runs the workloads
 * for speed, not for isolation. 3..4 GiB (LAPIC) is uncached.
 */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl pml4
pml4:
	.quad pdpt + 0x7
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x7
	.quad pd + 0x1000 + 0x7
	.quad pd + 0x2000 + 0x7
	.quad pd + 0x3000 + 0x7
	.set gib, 4
	.rept 60
	.quad (gib << 30) | 0x87
	.set gib, gib + 1
	.endr
	.fill 512 - 64, 8, 0
pd:
	.set mib2, 0
	.rept 2048
	.quad (mib2 << 21) | 0x87 | ((mib2 >= 1536) & 0x18)
	.set mib2, mib2 + 1
	.endr

	.section .data, "aw"
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* KERNEL_CS */
	.quad 0x00cf92000000ffff	/* KERNEL_DS */
	.quad 0x00cffa000000ffff	/* USER_CS32 (SYSRET layout only) */
	.quad 0x00cff2000000ffff	/* USER_DS */
	.quad 0x00affa000000ffff	/* USER_CS */
	.quad 0x00cf9a000000ffff	/* KERNEL_CS32 */
boot_gdt_end:
	.balign 8
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

.macro FLAT_DATA_SEGMENTS
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
.endm

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl	%ebx, %esi		/* struct hvm_start_info */
	lgdt	boot_gdt_desc
	FLAT_DATA_SEGMENTS
	ljmp	$KERNEL_CS32, $1f
1:	movl	$boot_stack_top, %esp
	/* A fresh context on every entry, also the simulated kexec's. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl
	MIGCTL_PVH_LONG_MODE_ON pml4
	ljmp	$KERNEL_CS, $start64

	.globl ap_entry32
ap_entry32:
	MIGCTL_PVH_LONG_MODE_ON pml4
	ljmp	$KERNEL_CS, $ap_start64

	.code64
start64:
	FLAT_DATA_SEGMENTS
	movq	$boot_stack_top, %rsp
	movl	%esi, %edi
	call	kernel_main
	jmp	halt

ap_start64:
	FLAT_DATA_SEGMENTS
	movq	smp_ap_stack, %rsp
	call	smp_ap_main
halt:
	cli
	hlt
	jmp	halt

/*
 * kexec_jump(start_info): leave long mode and paging the way a kexec
 * purgatory does and enter pvh_start32 as a loader would.
 */
	.globl kexec_jump
kexec_jump:
	cli
	movl	%edi, %ebx
	lgdt	boot_gdt_desc
	pushq	$KERNEL_CS32
	pushq	$1f
	lretq
	.code32
1:	FLAT_DATA_SEGMENTS
	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0
	movl	$MSR_EFER, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	movl	%eax, %cr4
	movl	%eax, %cr3
	pushl	$2
	popfl
	jmp	pvh_start32

/* Copied to TRAMPOLINE_BASE; the BSP sends it the SIPI. */
	.section .rodata.trampoline, "a"
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TRAMPOLINE_BASE + (tramp_gdt_desc - trampoline_start)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$KERNEL_CS32, $(TRAMPOLINE_BASE + (tramp32 - trampoline_start))
	.code32
tramp32:
	FLAT_DATA_SEGMENTS
	movl	$ap_entry32, %eax
	jmp	*%eax
	.balign 8
tramp_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
trampoline_end:

/* Exception stubs, 16 bytes apart so that C finds stub n at trap_stubs + 16 n. */
	.text
	.code64
.macro TRAP_STUB vec
	.balign 16
	/* Vectors with an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX. */
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || \
	    (\vec == 29) || (\vec == 30)
	pushq	$\vec
	.else
	pushq	$0
	pushq	$\vec
	.endif
	jmp	trap_common
.endm
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set v, 0
	.rept 32
	TRAP_STUB v
	.set v, v + 1
	.endr

/*
 * INT3 (a DPL-3 gate): from ring 3 a system call, RAX the number, RDI, RSI,
 * RDX the arguments, RAX the result. RCX, RDX, RSI, RDI and R8-R11 are the
 * caller's to lose (user.h) and the C code keeps the rest, so no trap frame
 * is built: ring 0 is emulated on our test KVM and every saved register
 * costs an emulated memory access. From ring 0 it is an unexpected #BP.
 */
	.globl syscall_stub
syscall_stub:
	testb	$3, 8(%rsp)		/* the interrupted CS */
	jz	1f
	cld
	movq	%rdx, %rcx
	movq	%rsi, %rdx
	movq	%rdi, %rsi
	movq	%rax, %rdi
	subq	$8, %rsp		/* the CPU pushed 5 words: realign for the call */
	call	syscall_dispatch
	addq	$8, %rsp
	iretq
1:	pushq	$0
	pushq	$VEC_SYSCALL
	jmp	trap_common

/* The wake-up IPI and the timer only end a HLT: acknowledge and return. */
	.globl irq_wake_stub, irq_spurious_stub
irq_wake_stub:
	pushq	%rax
	movl	$0xfee000b0, %eax
	movl	$0, (%rax)
	popq	%rax
	iretq
irq_spurious_stub:
	iretq

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap_handle
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

/* u64 user_run(fn, arg, stack_top): run fn(arg) in ring 3 until SYS_EXIT. */
	.globl user_run
user_run:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %gs:PERCPU_KSAVED_RSP
	subq	$8, %rdx
	movq	$user_exit_stub, (%rdx)
	pushq	$(USER_DS | 3)
	pushq	%rdx
	pushq	$0x2
	pushq	$(USER_CS | 3)
	pushq	%rdi
	movq	%rsi, %rdi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%ebp, %ebp
	xorl	%esi, %esi
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	iretq

/*
 * System calls are INT3 from ring 3 (a DPL-3 gate), answered by
 * syscall_stub and IRETQ. On our test KVM SYSCALL from ring 3 reaches
 * LSTAR still at CPL 3, SYSRETQ raises #GP and INT 0x80 raises #UD, while
 * exceptions from ring 3 and IRETQ to ring 3 work. GS always holds this
 * CPU's struct percpu with a null GS selector, which IRETQ keeps.
 *
 * Called from syscall_dispatch for SYS_EXIT: back into user_run's frame.
 */
	.globl user_return
user_return:
	movq	%gs:PERCPU_KSAVED_RSP, %rsp
	movq	%rdi, %rax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/* Ring 3: where a task's function returns to. */
user_exit_stub:
	movq	%rax, %rdi
	movl	$SYS_EXIT, %eax
	int3
	ud2

	.section .stack, "aw", @nobits
	.balign 4096
	.globl boot_stack_top, ap_stacks, trap_stacks, user_stacks
	.skip KSTACK_SIZE
boot_stack_top:
ap_stacks:
	.skip KSTACK_SIZE * MAX_CPUS
trap_stacks:
	.skip KSTACK_SIZE * MAX_CPUS
user_stacks:
	.skip USTACK_SIZE * MAX_CPUS

	.section .stack, "aw", @nobits
	.balign 4096
	.globl scratch_pages
scratch_pages:
	.skip 4096 * 64

	.section .kexec, "aw", @nobits
	.balign 4096
	.globl kexec_area
kexec_area:
	.skip 4096

	.section .note.GNU-stack, "", @progbits
