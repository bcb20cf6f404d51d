/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* kernel.c - a tiny PVH kernel that speaks migctl through the guest library, as a guest OS would. */
#include "kernel.h"

#include <migctl/pvh.h>

#include "faults.h"
#include "migctl-x86.h"
#include "migctl.h"

#define EXIT_PASS	0
#define EXIT_FAIL	1
#define RAM_MAX		8

struct idt_gate {
	u16 off0, sel, flags, off1;
	u32 off2, zero;
};

/* The only page tables and tables of the kernel; the loader zeroes them. */
static struct idt_gate idt[32] __attribute__((aligned(16)));
/* Shared with the host: the range-list page, then the buffer the kernel converts. */
static u8 list_page[4096] __attribute__((aligned(4096)));
static u8 buffer[16][4096] __attribute__((aligned(4096)));

void trap_ud(void);
void trap_gp(void);

static void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void say(const char *s)
{
	while (*s)
		outb(MIGCTL_PVH_COM1, (u8)*s++);
}

static void say_hex(u64 v)
{
	char buf[19] = "0x";
	int i;

	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = '\0';
	say(buf);
}

static void __attribute__((noreturn)) machine_exit(u32 code)
{
	asm volatile("outl %0, %1" : : "a"(code), "Nd"((u16)MIGCTL_PVH_EXIT_PORT));
	for (;;)
		asm volatile("cli; hlt");
}

static void idt_set(u32 vector, void (*fn)(void))
{
	u64 a = (u64)fn;

	idt[vector] = (struct idt_gate){ (u16)a, 0x08, 0x8e00, (u16)(a >> 16), (u32)(a >> 32), 0 };
}

static void idt_load(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) d = { sizeof(idt) - 1, (u64)idt };

	idt_set(MIGCTL_GUEST_VEC_UD, trap_ud);
	idt_set(MIGCTL_GUEST_VEC_GP, trap_gp);
	asm volatile("lidt %0" : : "m"(d));
}

void badguest_trap(struct badguest_frame *f)
{
	if (migctl_x86_fixup(&f->rip, &f->rax, f->vector))
		return;
	say("Bail out! unexpected exception ");
	say_hex(f->vector);
	say(" at ");
	say_hex(f->rip);
	say("\n");
	machine_exit(EXIT_FAIL);
}

/* The RAM ranges of the memory map: what the boot-time reset covers (G-13). */
static u32 read_ram(u32 start_info, struct migctl_guest_range *ram)
{
	const struct hvm_start_info *si = (const void *)(u64)start_info;
	const struct hvm_memmap_table_entry *e;
	u32 i, n = 0;

	if (si->magic != MIGCTL_PVH_START_MAGIC)
		return 0;
	e = (const void *)si->memmap_paddr;
	for (i = 0; i < si->memmap_entries && n < RAM_MAX; i++)
		if (e[i].type == MIGCTL_PVH_MEMMAP_RAM && e[i].size >= 4096)
			ram[n++] = (struct migctl_guest_range){ e[i].addr, e[i].size >> 12 };
	return n;
}

/* What any OS does with a buffer it shares: convert, use, convert back (G-10 order). */
static int convert_buffer(struct migctl_guest *g)
{
	struct migctl_guest_batch batch;
	int r;

	r = migctl_guest_set_status(g, (gpa_t)buffer, 16, false);
	if (!r)
		buffer[0][0] = 1;
	migctl_guest_batch_init(&batch);
	migctl_guest_batch_add(g, &batch, (gpa_t)buffer[0], 2, true);
	migctl_guest_batch_add(g, &batch, (gpa_t)buffer[8], 2, true);
	return r ? r : migctl_guest_batch_flush(g, &batch);
}

static void say_result(bool ok, const char *name, int r)
{
	say(ok ? "ok 1 " : "not ok 1 ");
	say(name);
	say(ok ? "\n" : " # the guest library returned an error\n");
	if (!ok) {
		say("# error ");
		say_hex((u64)(s64)r);
		say("\n");
	}
}

void badguest_main(u32 start_info)
{
	const struct migctl_guest_range shared = { (gpa_t)list_page, 1 };
	const struct badguest_fault *f = badguest_fault();
	struct migctl_guest_range ram[RAM_MAX];
	struct migctl_guest_ops ops;
	struct migctl_guest g;
	struct badguest b = { &g, ram, 0, (gpa_t)buffer };
	int r;

	idt_load();
	say("KTAP version 1\n1..1\n");
	if (!f) {
		say("Bail out! unknown BADGUEST_FAULT\n");
		machine_exit(EXIT_FAIL);
	}
	say("# bad-guest kernel '");
	say(f->name);
	say("': ");
	say(f->how);
	say(*f->breaks ? " (breaks " : "");
	say(f->breaks);
	say(*f->breaks ? ")\n" : "\n");
	b.nram = read_ram(start_info, ram);
	migctl_x86_ops_init(&ops, NULL);
	migctl_guest_init(&g, &ops, 0);
	migctl_guest_set_list_page(&g, list_page, (gpa_t)list_page);
	if (f->before)
		f->before(&b);
	migctl_guest_discover(&g);
	r = migctl_guest_boot_reset(&g, ram, b.nram, &shared, 1);
	/* No transport (a version-1 host without hypercalls): not READY, rightly. */
	if (r == -MIGCTL_GUEST_ENODEV)
		r = 0;
	if (!r)
		r = convert_buffer(&g);
	if (f->after)
		f->after(&b);
	if (!f->no_opt_out)
		migctl_guest_opt_out(&g, MIGCTL_GUEST_OUT_SHUTDOWN);
	say_result(!r, f->name, r);
	machine_exit(r ? EXIT_FAIL : EXIT_PASS);
}
