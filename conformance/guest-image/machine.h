/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* machine.h - what the loader told the image (PVH start info) and how the image ends. */
#ifndef GUEST_IMAGE_MACHINE_H
#define GUEST_IMAGE_MACHINE_H

#include <migctl/types.h>
#include "migctl-guest.h"

#define MACHINE_RAM_MAX		16
#define MACHINE_CMDLINE_MAX	1024

/* Exit codes through port 0xf4 (kselftest's). */
#define MACHINE_EXIT_PASS	0
#define MACHINE_EXIT_FAIL	1
#define MACHINE_EXIT_SKIP	4

struct machine {
	u32 start_info;		/* physical address of struct hvm_start_info */
	char cmdline[MACHINE_CMDLINE_MAX];
	struct migctl_guest_range ram[MACHINE_RAM_MAX];	/* RAM (type 1), sorted */
	u32 nram;
	u64 ram_end;		/* end of the highest RAM range */
	u32 phys_bits;		/* CPUID 0x80000008 EAX[7:0] */
};

/* Returns 0, or -1 with *why set when the start info is not PVH version >= 1. */
int machine_init(struct machine *m, u32 start_info, const char **why);
/* True when [gpa, gpa + npages pages) lies entirely in RAM. */
bool machine_is_ram(const struct machine *m, u64 gpa, u64 npages);
/* A page-aligned address with no RAM page, below ram_end if there is a hole. */
u64 machine_hole(const struct machine *m);

/* Writes the code to port 0xf4; QEMU exits (code << 1) | 1, migctl-vmm with code. */
void machine_exit(u32 code) __attribute__((noreturn));

#endif /* GUEST_IMAGE_MACHINE_H */
