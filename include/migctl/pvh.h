/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* pvh.h - the PVH boot ABI and the fixed ports the VMM and the guest images share. */
#ifndef MIGCTL_PVH_H
#define MIGCTL_PVH_H

/*
 * Included by the VMM (hosted), by the freestanding guest images and by
 * their assembly entry code: the numbers come first, C only below.
 */

/* The ELF note that names a PVH image's 32-bit entry point (name "Xen"). */
#define MIGCTL_PVH_NOTE_PHYS32_ENTRY	18	/* XEN_ELFNOTE_PHYS32_ENTRY */

/* hvm_memmap_table_entry.type: the e820 types. */
#define MIGCTL_PVH_MEMMAP_RAM		1
#define MIGCTL_PVH_MEMMAP_RESERVED	2

/* The platform: COM1 (16550 THR at the base) and the isa-debug-exit port. */
#define MIGCTL_PVH_COM1			0x3f8
#define MIGCTL_PVH_EXIT_PORT		0xf4

#ifndef __ASSEMBLER__

#include <migctl/types.h>

#define MIGCTL_PVH_START_MAGIC		0x336ec578u	/* "xEn3" with bit 7 of 'E' set */

/* The start info the loader leaves at EBX, version 1 of the PVH ABI. */
struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

/* One entry of the memory map at hvm_start_info.memmap_paddr. */
struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry layout");

#endif /* __ASSEMBLER__ */

#endif /* MIGCTL_PVH_H */
