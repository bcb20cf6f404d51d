/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* boot.h - PVH boot: ELF64 loader, hvm_start_info, e820 memory map. */
#ifndef MIGCTL_VMM_BOOT_H
#define MIGCTL_VMM_BOOT_H

#include <stddef.h>

#include <migctl/pvh.h>
#include <migctl/types.h>

#include "mem.h"

#define BOOT_MAX_SEGS		16
#define BOOT_MAX_E820		8
/* Low memory the VMM owns: start_info, memory map and command line. */
#define BOOT_AREA_END		0x7000ull
#define BOOT_START_INFO		0x6000ull
#define BOOT_MEMMAP		0x6040ull
#define BOOT_CMDLINE		0x6100ull
#define BOOT_CMDLINE_MAX	(BOOT_AREA_END - BOOT_CMDLINE)	/* with the NUL */

struct boot_seg {
	gpa_t paddr;
	u64 offset;	/* in the file */
	u64 filesz;
	u64 memsz;
};

/* What the loader found in an image: where it goes and where it starts. */
struct boot_image {
	u32 entry;	/* XEN_ELFNOTE_PHYS32_ENTRY */
	int nr_segs;
	struct boot_seg segs[BOOT_MAX_SEGS];
};

/**
 * boot_parse_elf() - check an ELF64 x86-64 PVH image against the RAM map.
 * @buf, @len: the whole file
 * @banks, @nr_banks: guest RAM (from mem_layout())
 * @img: receives the segments and the entry point
 * @why: receives a static message saying what is wrong, on error
 *
 * Rejects: not ELF64 little-endian x86-64 executable, headers or data
 * outside the file, filesz > memsz, a segment not inside one RAM bank or
 * overlapping the VMM's boot area, overlapping segments, no PT_LOAD, no
 * Xen PHYS32_ENTRY note (not a PVH image), an entry outside the segments.
 *
 * Return: 0, -ENOEXEC (bad image) or -ERANGE (does not fit the RAM).
 */
int boot_parse_elf(const void *buf, size_t len, const struct mem_bank *banks, int nr_banks,
		   struct boot_image *img, const char **why);

/**
 * boot_e820() - the PVH memory map for RAM @banks: RAM banks and the legacy
 * hole [640 KiB, 1 MiB) reserved, sorted by address.
 *
 * Return: the number of entries written to @out (at most BOOT_MAX_E820).
 */
int boot_e820(const struct mem_bank *banks, int nr_banks, struct hvm_memmap_table_entry *out);

/**
 * boot_e820_reserve() - insert a reserved entry into a sorted map of @n
 * entries (room for BOOT_MAX_E820). Return: the new number of entries.
 */
int boot_e820_reserve(struct hvm_memmap_table_entry *map, int n, u64 addr, u64 size);

/**
 * boot_load() - copy the image's segments into guest RAM (zeroing the BSS),
 * write hvm_start_info, the memory map (with the extra page of @mem
 * reserved) and @cmdline into the boot area.
 *
 * Return: 0, -E2BIG for a command line over BOOT_CMDLINE_MAX - 1 bytes,
 * -EFAULT if RAM is missing.
 */
int boot_load(struct mem *mem, const void *buf, const struct boot_image *img,
	      const char *cmdline);

#endif /* MIGCTL_VMM_BOOT_H */
