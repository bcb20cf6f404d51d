/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* layout.h - constants shared by the image's assembly and C code. */
#ifndef GUEST_IMAGE_LAYOUT_H
#define GUEST_IMAGE_LAYOUT_H

/* GDT selectors (in the order SYSCALL/SYSRET would need; the image uses INT3 and IRETQ). */
#define KERNEL_CS		0x08
#define KERNEL_DS		0x10
#define USER_CS32		0x18
#define USER_DS			0x20
#define USER_CS			0x28
#define KERNEL_CS32		0x30
#define TSS_SEL			0x38
#define GDT_ENTRIES		9	/* the TSS descriptor takes two */

/* The AP trampoline page (real mode, below 1 MiB; the VMM keeps it free). */
#define TRAMPOLINE_BASE		0x8000

#define MAX_CPUS		16
#define KSTACK_SIZE		16384
#define USTACK_SIZE		16384

#define CR0_PE			(1 << 0)
#define CR0_PG			(1 << 31)
#define CR4_PAE			(1 << 5)
#define MSR_EFER		0xc0000080
#define EFER_LME		(1 << 8)

/* Vectors besides the exceptions: the wake-up IPI, the LAPIC timer, spurious. */
#define VEC_WAKE		0x40
#define VEC_TIMER		0x41
#define VEC_SPURIOUS		0xff

/* Offsets in struct percpu (checked by _Static_assert in smp.c). */
#define PERCPU_SELF		0
#define PERCPU_KSAVED_RSP	8

/* System call numbers of the ring-3 tasks (INT3; RAX, arguments RDI, RSI, RDX). */
#define VEC_SYSCALL		3
#define SYS_EXIT		0
#define SYS_CONVERT		1
#define SYS_CPU			2
#define SYS_SCENARIO		3	/* the running scenario's own call */

#endif /* GUEST_IMAGE_LAYOUT_H */
