/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bzimage.h - Linux x86 boot protocol: bzImage setup header, zero page, 64-bit entry. */
#ifndef MIGCTL_VMM_BZIMAGE_H
#define MIGCTL_VMM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <migctl/pvh.h>
#include <migctl/types.h>

#include "mem.h"

/*
 * Low memory the VMM owns for a bzImage boot, all below 640 KiB (Linux
 * keeps the first MiB to itself and copies the zero page and the command
 * line before it allocates anything): the GDT, the identity page tables
 * (a PML4, a PDPT and four page directories of 2 MiB pages: 0..4 GiB),
 * the zero page, the command line, the ACPI page and the MP table page, the
 * last two reserved in e820. The guest finds the ACPI RSDP through the zero
 * page's acpi_rsdp_addr and, for a kernel started by kexec without it, at
 * the start of the EBDA the BIOS data area's word at 0x40e points to.
 */
#define BZIMAGE_GDT		0x1000ull
#define BZIMAGE_STACK		BZIMAGE_GDT	/* grows down from there */
#define BZIMAGE_PML4		0x2000ull
#define BZIMAGE_PDPT		0x3000ull
#define BZIMAGE_PD		0x4000ull	/* four pages */
#define BZIMAGE_ZERO_PAGE	0x8000ull
#define BZIMAGE_CMDLINE		0x9000ull
#define BZIMAGE_CMDLINE_MAX	0x1000ull	/* with the NUL */
#define BZIMAGE_ACPI		0x9e000ull	/* one page: the RSDP and the tables */
#define BZIMAGE_ACPI_SIZE	0x1000ull
#define BZIMAGE_BDA_EBDA	0x40eull	/* the EBDA's real-mode segment */
#define BZIMAGE_MPTABLE		0x9f000ull	/* one page, up to 640 KiB */
#define BZIMAGE_MPTABLE_SIZE	0x1000ull

/* Offsets in the file and in the zero page (Linux's zero-page.rst, boot.rst). */
#define BZIMAGE_SETUP_SECTS	0x1f1
#define BZIMAGE_BOOT_FLAG	0x1fe	/* 0xaa55 */
#define BZIMAGE_JUMP		0x200	/* its second byte: the header's end - 0x202 */
#define BZIMAGE_HEADER		0x202	/* "HdrS" */
#define BZIMAGE_VERSION		0x206
#define BZIMAGE_TYPE_OF_LOADER	0x210
#define BZIMAGE_LOADFLAGS	0x211
#define BZIMAGE_CODE32_START	0x214
#define BZIMAGE_RAMDISK_IMAGE	0x218
#define BZIMAGE_RAMDISK_SIZE	0x21c
#define BZIMAGE_CMD_LINE_PTR	0x228
#define BZIMAGE_INITRD_ADDR_MAX	0x22c
#define BZIMAGE_KERNEL_ALIGN	0x230
#define BZIMAGE_RELOCATABLE	0x234
#define BZIMAGE_XLOADFLAGS	0x236
#define BZIMAGE_CMDLINE_SIZE	0x238
#define BZIMAGE_PREF_ADDRESS	0x258
#define BZIMAGE_INIT_SIZE	0x260
#define BZIMAGE_HDR_MIN_END	0x264	/* protocol 2.12 ends after init_size */
#define BZIMAGE_ZP_ACPI_RSDP	0x070
#define BZIMAGE_ZP_EXT_RAMDISK_IMAGE	0x0c0
#define BZIMAGE_ZP_EXT_RAMDISK_SIZE	0x0c4
#define BZIMAGE_ZP_EXT_CMD_LINE_PTR	0x0c8
#define BZIMAGE_ZP_E820_ENTRIES	0x1e8
#define BZIMAGE_ZP_E820_TABLE	0x2d0
#define BZIMAGE_ZP_E820_MAX	128
#define BZIMAGE_ZP_SIZE		4096

#define BZIMAGE_MIN_VERSION	0x020c	/* 2.12: xloadflags, XLF_KERNEL_64 */
#define BZIMAGE_LOADED_HIGH	0x01
#define BZIMAGE_XLF_KERNEL_64	0x0001
#define BZIMAGE_LOADER_UNKNOWN	0xff	/* type_of_loader: no assigned ID */
#define BZIMAGE_ENTRY64		0x200	/* from the protected-mode kernel's start */

/* What the parser found in a bzImage and where the loader puts it. */
struct bzimage {
	u16 version;
	u8 loadflags;
	u16 xloadflags;
	bool relocatable;
	u32 kernel_alignment;
	u64 pref_address;
	u32 init_size;
	u32 cmdline_size;	/* longest command line without the NUL */
	u32 initrd_addr_max;	/* last byte the initrd may occupy */
	u32 hdr_end;		/* the setup header is [0x1f1, hdr_end) of the file */
	u64 kernel_offset;	/* the protected-mode kernel in the file */
	u64 kernel_size;
	/* Set by bzimage_place(). */
	gpa_t load_addr;
	gpa_t initrd_addr;
	u64 initrd_size;
};

/** bzimage_detect() - does @buf start like a bzImage (0xaa55 and "HdrS")? */
bool bzimage_detect(const void *buf, size_t len);

/**
 * bzimage_parse() - check a bzImage's setup header, field by field. The
 * file is untrusted: nothing is read outside @buf.
 * @why: receives a static message naming what is wrong, on error
 *
 * Rejects: a file too short for the header, no 0xaa55 boot flag or no
 * "HdrS", protocol older than 2.12, a setup header that ends before
 * init_size, setup sectors or a protected-mode
 * kernel outside the file, not LOADED_HIGH, no XLF_KERNEL_64, a
 * kernel_alignment that is not a power of two of at least 4 KiB, a
 * pref_address not aligned to it or below 1 MiB, an init_size smaller
 * than the kernel, a cmdline_size or initrd_addr_max of zero.
 *
 * Return: 0 or -ENOEXEC.
 */
int bzimage_parse(const void *buf, size_t len, struct bzimage *bz, const char **why);

/**
 * bzimage_place() - choose where the kernel and the initrd go in RAM
 * @banks, @nr_banks: guest RAM (from mem_layout())
 * @initrd_size: 0 for none
 * @cmdline_len: the command line's length without the NUL
 *
 * The kernel goes at pref_address, or for a relocatable kernel that does
 * not fit there at the lowest kernel_alignment boundary from 1 MiB, with
 * init_size bytes of RAM; the initrd at the top of the RAM bank from 1 MiB,
 * page-aligned, below initrd_addr_max and above the kernel's init_size.
 *
 * Return: 0, -E2BIG (command line longer than the kernel's cmdline_size or
 * the boot area), -ERANGE (does not fit the RAM), @why set.
 */
int bzimage_place(struct bzimage *bz, const struct mem_bank *banks, int nr_banks,
		  u64 initrd_size, size_t cmdline_len, const char **why);

/**
 * bzimage_e820() - the memory map a bzImage guest gets: that of
 * boot_e820() with the ACPI and MP table pages and @mem's extra page
 * reserved.
 *
 * Return: the number of entries in @map (room for BOOT_MAX_E820).
 */
int bzimage_e820(const struct mem *mem, struct hvm_memmap_table_entry *map);

/**
 * bzimage_zero_page() - fill the boot_params page @zp (BZIMAGE_ZP_SIZE
 * bytes): zeroes, the file's setup header, type_of_loader, the command
 * line pointer, the initrd, the ACPI RSDP's address and the e820 table
 * @map of @n entries.
 */
void bzimage_zero_page(u8 *zp, const void *buf, const struct bzimage *bz,
		       const struct hvm_memmap_table_entry *map, int n);

/**
 * bzimage_load() - write everything the 64-bit entry needs into guest RAM:
 * the protected-mode kernel, the initrd, the command line, the zero page,
 * the identity page tables, the GDT, and the ACPI tables (acpi_build())
 * and the MP table for @nr_cpus vCPUs.
 *
 * Return: 0, -EFAULT when RAM is missing, -E2BIG (too many vCPUs for the
 * ACPI or MP table page).
 */
int bzimage_load(struct mem *mem, const void *buf, const struct bzimage *bz,
		 const void *initrd, const char *cmdline, int nr_cpus);

#endif /* MIGCTL_VMM_BZIMAGE_H */
