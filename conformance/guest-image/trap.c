/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* trap.c - the IDT: expected faults are ordinary checks, unexpected ones end the run. */
#include "trap.h"

#include "console.h"
#include "cpu.h"
#include "layout.h"
#include "machine.h"
#include "migctl-x86.h"
#include "smp.h"

struct idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "frame matches entry.S");

/* Built by the boot CPU before any other CPU starts, then read-only. */
static struct idt_gate idt[256];

extern const char trap_stubs[], irq_wake_stub[], irq_spurious_stub[], syscall_stub[];

static void idt_set(unsigned int vec, const void *handler, u8 dpl)
{
	u64 a = (u64)handler;

	idt[vec] = (struct idt_gate){
		.off_lo = (u16)a,
		.sel = KERNEL_CS,
		.type = 0x8e | dpl << 5,	/* present, interrupt gate (IF stays off) */
		.off_mid = (u16)(a >> 16),
		.off_hi = (u32)(a >> 32),
	};
}

void trap_init(void)
{
	unsigned int v;

	for (v = 0; v < 32; v++)
		idt_set(v, trap_stubs + 16 * v, 0);
	idt_set(VEC_SYSCALL, syscall_stub, 3);
	idt_set(VEC_WAKE, irq_wake_stub, 0);
	idt_set(VEC_TIMER, irq_wake_stub, 0);
	idt_set(VEC_SPURIOUS, irq_spurious_stub, 0);
}

void trap_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (u64)idt };

	asm volatile("lidt %0" : : "m"(d));
}

static const char *const trap_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void trap_handle(struct trap_frame *f)
{
	const char *name = f->vector < 32 && trap_names[f->vector] ? trap_names[f->vector] : "?";
	u64 cr2;

	/* RDMSR/WRMSR/VMCALL/VMMCALL of the guest library report the vector instead. */
	if (!(f->cs & 3) && migctl_x86_fixup(&f->rip, &f->rax, f->vector))
		return;
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	con_printf("Bail out! cpu %u: unexpected %s (vector %lu) error %#lx at rip %#lx (ring %lu) "
		   "rsp %#lx cr2 %#lx rax %#lx rcx %#lx r11 %#lx rflags %#lx\n",
		   smp_cpu_index(), name, f->vector, f->error, f->rip, f->cs & 3, f->rsp, cr2,
		   f->rax, f->rcx, f->r11, f->rflags);
	machine_exit(MACHINE_EXIT_FAIL);
}
