/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* boot.h - PVH boot: ELF32 and ELF64 loader, hvm_start_info, e820 memory map. */
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
	u8 elf_class;	/* ELFCLASS32 or ELFCLASS64 */
	int nr_segs;
	struct boot_seg segs[BOOT_MAX_SEGS];
};

/**
 * boot_parse_elf() - check a PVH image, ELF32 (i386) or ELF64 (x86-64),
 * against the RAM map. The file is untrusted: every field is checked
 * before it is used, and nothing is read outside @buf.
 * @buf, @len: the whole file
 * @banks, @nr_banks: guest RAM (from mem_layout())
 * @img: receives the segments, the entry point and the class
 * @why: receives a static message saying what is wrong, on error
 *
 * Rejects: not a little-endian ELF executable (EI_VERSION 1), an ELF32
 * file whose e_machine is not EM_386 or an ELF64 file not EM_X86_64,
 * e_phentsize not the class's, no program headers or PN_XNUM, headers,
 * segment data or notes outside the file, filesz > memsz, a segment that
 * wraps (or for ELF32 ends above 4 GiB), is not inside one RAM bank or
 * overlaps the VMM's boot area, overlapping segments, more than
 * BOOT_MAX_SEGS, a note running past its segment, no PT_LOAD, no Xen
 * PHYS32_ENTRY note (not a PVH image) or one of another size than 4 or 8
 * bytes or above 4 GiB, an entry outside the segments.
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

struct migctl_host;

/**
 * boot_pvh_map() - the memory map boot_load() gives a PVH guest: the RAM
 * banks (boot_e820()) with @mem's extra page reserved.
 * Return: the number of entries in @map (room for BOOT_MAX_E820).
 */
int boot_pvh_map(const struct mem *mem, struct hvm_memmap_table_entry *map);

/**
 * boot_check_map() - may the guest be given the map boot_load() writes (V-12)
 * @host: the VM's protocol engine, whose RAM the status log covers.
 * @mem: the guest memory boot_load() will describe.
 * @why: set to the host library's reason on failure.
 * @addr: on failure, set to the start of the first refused RAM entry.
 * @size: on failure, set to its size.
 *
 * Return: 0, or -EINVAL when a RAM entry is not page-aligned or touches a
 * page that is not RAM of @host (migctl_host_check_memory_map()).
 */
int boot_check_map(struct migctl_host *host, const struct mem *mem, const char **why,
		   u64 *addr, u64 *size);

/**
 * boot_check_e820() - boot_check_map() for a map of @n entries built
 * otherwise (a bzImage's, bzimage_e820()).
 */
int boot_check_e820(struct migctl_host *host, const struct hvm_memmap_table_entry *map, int n,
		    const char **why, u64 *addr, u64 *size);

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
