/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bzimage.c - Linux x86 boot protocol: bzImage setup header, zero page, 64-bit entry. */
#include <errno.h>
#include <string.h>

#include "acpi.h"
#include "boot.h"
#include "bzimage.h"
#include "mptable.h"

#define BZIMAGE_SECTOR		512
#define BZIMAGE_DEFAULT_SECTS	4	/* setup_sects 0 means 4 */
#define BZIMAGE_SYSSIZE		0x1f4	/* 16-byte units, protocol 2.04 and later */
#define BZIMAGE_E820_ENTRY	20
#define BZIMAGE_MPTABLE_FLOAT	(BZIMAGE_MPTABLE + 0xc00)	/* the last KiB below 640 KiB */
#define BZIMAGE_PAGE		4096ull
#define BZIMAGE_4G		(1ull << 32)
/* Page table entries: present, writable; a 2 MiB page. */
#define BZIMAGE_PTE_PW		0x03ull
#define BZIMAGE_PTE_2M		0x80ull
/* GDT: null, null, 64-bit code at 0x10, data at 0x18 (Linux's __BOOT_CS, __BOOT_DS). */
#define BZIMAGE_GDT_CODE64	0x00af9b000000ffffull
#define BZIMAGE_GDT_DATA	0x00cf93000000ffffull

_Static_assert(BZIMAGE_MPTABLE + BZIMAGE_MPTABLE_SIZE == MEM_LOW_END,
	       "the MP table page ends the low RAM");
_Static_assert(BZIMAGE_ACPI + BZIMAGE_ACPI_SIZE == BZIMAGE_MPTABLE, "ACPI, then MP table");
_Static_assert(BZIMAGE_CMDLINE + BZIMAGE_CMDLINE_MAX <= BZIMAGE_ACPI, "boot area fits");

static u16 rd16(const u8 *b, size_t off)
{
	u16 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static u32 rd32(const u8 *b, size_t off)
{
	u32 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static u64 rd64(const u8 *b, size_t off)
{
	u64 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static void wr16(u8 *b, size_t off, u16 v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void wr32(u8 *b, size_t off, u32 v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void wr64(u8 *b, size_t off, u64 v)
{
	memcpy(b + off, &v, sizeof(v));
}

bool bzimage_detect(const void *buf, size_t len)
{
	const u8 *b = buf;

	return len >= BZIMAGE_HEADER + 4 && rd16(b, BZIMAGE_BOOT_FLAG) == 0xaa55 &&
	       !memcmp(b + BZIMAGE_HEADER, "HdrS", 4);
}

/* The boot sector, the protocol version and the setup header's extent. */
static int bzimage_parse_setup(const u8 *b, size_t len, struct bzimage *bz, const char **why)
{
	u32 sects, setup_size;

	if (len < BZIMAGE_VERSION + 2) {
		*why = "the file is too short for a bzImage setup header (truncated?)";
		return -ENOEXEC;
	}
	if (rd16(b, BZIMAGE_BOOT_FLAG) != 0xaa55) {
		*why = "no boot sector signature 0xaa55 at offset 0x1fe: not a bzImage";
		return -ENOEXEC;
	}
	if (memcmp(b + BZIMAGE_HEADER, "HdrS", 4)) {
		*why = "no \"HdrS\" setup header at offset 0x202: not a Linux bzImage";
		return -ENOEXEC;
	}
	bz->version = rd16(b, BZIMAGE_VERSION);
	if (bz->version < BZIMAGE_MIN_VERSION) {
		*why = "boot protocol older than 2.12 (version at 0x206): no 64-bit entry";
		return -ENOEXEC;
	}
	bz->hdr_end = BZIMAGE_HEADER + b[BZIMAGE_JUMP + 1];
	if (bz->hdr_end < BZIMAGE_HDR_MIN_END) {
		*why = "the setup header (its length in the jump at 0x200) ends before init_size";
		return -ENOEXEC;
	}
	/* At least 2 sectors: the header, which ends by 0x301, always fits. */
	sects = b[BZIMAGE_SETUP_SECTS] ? b[BZIMAGE_SETUP_SECTS] : BZIMAGE_DEFAULT_SECTS;
	setup_size = (sects + 1) * BZIMAGE_SECTOR;
	if (len <= setup_size) {
		*why = "the file ends inside the setup sectors (setup_sects): truncated";
		return -ENOEXEC;
	}
	bz->kernel_offset = setup_size;
	bz->kernel_size = len - setup_size;
	if ((u64)rd32(b, BZIMAGE_SYSSIZE) * 16 > bz->kernel_size) {
		*why = "the file is shorter than the kernel its header declares (syssize): truncated";
		return -ENOEXEC;
	}
	return 0;
}

static bool bzimage_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

/* The fields that say how and where the protected-mode kernel may run. */
static int bzimage_parse_fields(const u8 *b, struct bzimage *bz, const char **why)
{
	bz->loadflags = b[BZIMAGE_LOADFLAGS];
	bz->xloadflags = rd16(b, BZIMAGE_XLOADFLAGS);
	bz->kernel_alignment = rd32(b, BZIMAGE_KERNEL_ALIGN);
	bz->relocatable = b[BZIMAGE_RELOCATABLE] != 0;
	bz->pref_address = rd64(b, BZIMAGE_PREF_ADDRESS);
	bz->init_size = rd32(b, BZIMAGE_INIT_SIZE);
	bz->cmdline_size = rd32(b, BZIMAGE_CMDLINE_SIZE);
	bz->initrd_addr_max = rd32(b, BZIMAGE_INITRD_ADDR_MAX);

	if (!(bz->loadflags & BZIMAGE_LOADED_HIGH)) {
		*why = "the kernel is not loaded high (loadflags LOADED_HIGH clear): a zImage?";
		return -ENOEXEC;
	}
	if (!(bz->xloadflags & BZIMAGE_XLF_KERNEL_64)) {
		*why = "the kernel has no 64-bit entry point (xloadflags XLF_KERNEL_64 clear)";
		return -ENOEXEC;
	}
	if (!bzimage_pow2(bz->kernel_alignment) || bz->kernel_alignment < BZIMAGE_PAGE ||
	    bz->kernel_alignment > (1u << 30)) {
		*why = "kernel_alignment is not a power of two from 4 KiB to 1 GiB";
		return -ENOEXEC;
	}
	if (bz->pref_address < MEM_HIGH_START || bz->pref_address >= BZIMAGE_4G ||
	    bz->pref_address & (bz->kernel_alignment - 1)) {
		*why = "pref_address is not in [1 MiB, 4 GiB) or not aligned to kernel_alignment";
		return -ENOEXEC;
	}
	if (bz->init_size < bz->kernel_size) {
		*why = "init_size is smaller than the protected-mode kernel in the file";
		return -ENOEXEC;
	}
	if (!bz->cmdline_size) {
		*why = "cmdline_size is zero: the kernel takes no command line";
		return -ENOEXEC;
	}
	if (bz->initrd_addr_max < MEM_HIGH_START) {
		*why = "initrd_addr_max is below 1 MiB";
		return -ENOEXEC;
	}
	return 0;
}

int bzimage_parse(const void *buf, size_t len, struct bzimage *bz, const char **why)
{
	int ret;

	memset(bz, 0, sizeof(*bz));
	ret = bzimage_parse_setup(buf, len, bz, why);
	if (!ret)
		ret = bzimage_parse_fields(buf, bz, why);
	return ret;
}

/* The RAM bank holding [gpa, gpa + len) below 4 GiB, or NULL. */
static const struct mem_bank *bzimage_bank(const struct mem_bank *banks, int n, u64 gpa, u64 len)
{
	for (int i = 0; i < n; i++)
		if (gpa >= banks[i].gpa && gpa - banks[i].gpa < banks[i].size &&
		    len <= banks[i].size - (gpa - banks[i].gpa) && gpa + len <= BZIMAGE_4G)
			return &banks[i];
	return NULL;
}

static int bzimage_place_kernel(struct bzimage *bz, const struct mem_bank *banks, int n,
				const char **why)
{
	u64 align = bz->kernel_alignment;
	u64 low = (MEM_HIGH_START + align - 1) & ~(align - 1);

	if (bzimage_bank(banks, n, bz->pref_address, bz->init_size)) {
		bz->load_addr = bz->pref_address;
		return 0;
	}
	if (bz->relocatable && bzimage_bank(banks, n, low, bz->init_size)) {
		bz->load_addr = low;
		return 0;
	}
	*why = "the kernel's init_size does not fit in guest RAM at pref_address "
	       "(or, relocatable, from 1 MiB): use a larger --memory";
	return -ERANGE;
}

static int bzimage_place_initrd(struct bzimage *bz, const struct mem_bank *banks, int n,
				u64 size, const char **why)
{
	const struct mem_bank *b = bzimage_bank(banks, n, bz->load_addr, bz->init_size);
	u64 floor = bz->load_addr + bz->init_size;
	u64 top = b->gpa + b->size;

	if (top > BZIMAGE_4G)
		top = BZIMAGE_4G;
	if (top > (u64)bz->initrd_addr_max + 1)
		top = (u64)bz->initrd_addr_max + 1;
	if (size > top || ((top - size) & ~(BZIMAGE_PAGE - 1)) < floor) {
		*why = "the initrd does not fit between the kernel's init_size and the top of "
		       "RAM below initrd_addr_max: use a larger --memory";
		return -ERANGE;
	}
	bz->initrd_addr = (top - size) & ~(BZIMAGE_PAGE - 1);
	bz->initrd_size = size;
	return 0;
}

int bzimage_place(struct bzimage *bz, const struct mem_bank *banks, int nr_banks,
		  u64 initrd_size, size_t cmdline_len, const char **why)
{
	int ret;

	if (cmdline_len > bz->cmdline_size || cmdline_len >= BZIMAGE_CMDLINE_MAX) {
		*why = "the command line is longer than the kernel's cmdline_size";
		return -E2BIG;
	}
	ret = bzimage_place_kernel(bz, banks, nr_banks, why);
	if (!ret && initrd_size)
		ret = bzimage_place_initrd(bz, banks, nr_banks, initrd_size, why);
	return ret;
}

int bzimage_e820(const struct mem *mem, struct hvm_memmap_table_entry *map)
{
	int n = boot_e820(mem->banks, mem->nr_banks, map);

	/* The low bank ends at 640 KiB, with the ACPI and MP tables in its last pages. */
	if (n && !map[0].addr && map[0].size == MEM_LOW_END) {
		map[0].size = BZIMAGE_ACPI;
		n = boot_e820_reserve(map, n, BZIMAGE_ACPI, MEM_LOW_END - BZIMAGE_ACPI);
	}
	if (mem->extra)
		n = boot_e820_reserve(map, n, mem->extra_gpa, BZIMAGE_PAGE);
	return n;
}

void bzimage_zero_page(u8 *zp, const void *buf, const struct bzimage *bz,
		       const struct hvm_memmap_table_entry *map, int n)
{
	memset(zp, 0, BZIMAGE_ZP_SIZE);
	memcpy(zp + BZIMAGE_SETUP_SECTS, (const u8 *)buf + BZIMAGE_SETUP_SECTS,
	       bz->hdr_end - BZIMAGE_SETUP_SECTS);
	zp[BZIMAGE_TYPE_OF_LOADER] = BZIMAGE_LOADER_UNKNOWN;
	wr32(zp, BZIMAGE_CODE32_START, (u32)bz->load_addr);
	wr32(zp, BZIMAGE_CMD_LINE_PTR, (u32)BZIMAGE_CMDLINE);
	wr32(zp, BZIMAGE_RAMDISK_IMAGE, (u32)bz->initrd_addr);
	wr32(zp, BZIMAGE_RAMDISK_SIZE, (u32)bz->initrd_size);
	wr32(zp, BZIMAGE_ZP_EXT_RAMDISK_IMAGE, (u32)(bz->initrd_addr >> 32));
	wr32(zp, BZIMAGE_ZP_EXT_RAMDISK_SIZE, (u32)(bz->initrd_size >> 32));
	wr64(zp, BZIMAGE_ZP_ACPI_RSDP, BZIMAGE_ACPI);
	if (n > BZIMAGE_ZP_E820_MAX)
		n = BZIMAGE_ZP_E820_MAX;
	zp[BZIMAGE_ZP_E820_ENTRIES] = (u8)n;
	for (int i = 0; i < n; i++) {
		u8 *e = zp + BZIMAGE_ZP_E820_TABLE + i * BZIMAGE_E820_ENTRY;

		wr64(e, 0, map[i].addr);
		wr64(e, 8, map[i].size);
		wr32(e, 16, map[i].type);	/* PVH and e820 share the type values */
	}
}

/* Identity map of [0, 4 GiB) in 2 MiB pages, and the boot GDT. */
static void bzimage_tables(u8 *low)
{
	u64 *pml4 = (u64 *)(low + BZIMAGE_PML4);
	u64 *pdpt = (u64 *)(low + BZIMAGE_PDPT);
	u64 *gdt = (u64 *)(low + BZIMAGE_GDT);

	pml4[0] = BZIMAGE_PDPT | BZIMAGE_PTE_PW;
	for (u64 g = 0; g < 4; g++) {
		u64 *pd = (u64 *)(low + BZIMAGE_PD + g * BZIMAGE_PAGE);

		pdpt[g] = (BZIMAGE_PD + g * BZIMAGE_PAGE) | BZIMAGE_PTE_PW;
		for (u64 i = 0; i < 512; i++)
			pd[i] = (g << 30 | i << 21) | BZIMAGE_PTE_PW | BZIMAGE_PTE_2M;
	}
	gdt[2] = BZIMAGE_GDT_CODE64;
	gdt[3] = BZIMAGE_GDT_DATA;
}

static int bzimage_mptable(struct mem *mem, int nr_cpus)
{
	u8 *page = mem_gpa_to_hva(mem, BZIMAGE_MPTABLE, BZIMAGE_MPTABLE_SIZE);

	if (!page)
		return -EFAULT;
	if (mptable_size(nr_cpus) - MPTABLE_FLOAT_SIZE > BZIMAGE_MPTABLE_FLOAT - BZIMAGE_MPTABLE)
		return -E2BIG;
	memset(page, 0, BZIMAGE_MPTABLE_SIZE);
	return mptable_build(page + (BZIMAGE_MPTABLE_FLOAT - BZIMAGE_MPTABLE), page,
			     (u32)BZIMAGE_MPTABLE, nr_cpus);
}

static int bzimage_acpi(struct mem *mem, int nr_cpus)
{
	u8 *page = mem_gpa_to_hva(mem, BZIMAGE_ACPI, BZIMAGE_ACPI_SIZE);
	u8 *bda = mem_gpa_to_hva(mem, BZIMAGE_BDA_EBDA, 2);

	if (!page || !bda)
		return -EFAULT;
	if (acpi_size(nr_cpus) > BZIMAGE_ACPI_SIZE)
		return -E2BIG;
	memset(page, 0, BZIMAGE_ACPI_SIZE);
	wr16(bda, 0, (u16)(BZIMAGE_ACPI >> 4));
	return acpi_build(page, BZIMAGE_ACPI, nr_cpus);
}

int bzimage_load(struct mem *mem, const void *buf, const struct bzimage *bz,
		 const void *initrd, const char *cmdline, int nr_cpus)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	u8 *low = mem_gpa_to_hva(mem, 0, BZIMAGE_ACPI);
	u8 *kernel = mem_gpa_to_hva(mem, bz->load_addr, bz->init_size);
	size_t cmd_len = strlen(cmdline);
	int n, ret;

	if (!low || !kernel)
		return -EFAULT;
	if (cmd_len >= BZIMAGE_CMDLINE_MAX)
		return -E2BIG;
	memcpy(kernel, (const u8 *)buf + bz->kernel_offset, bz->kernel_size);
	if (bz->initrd_size) {
		u8 *rd = mem_gpa_to_hva(mem, bz->initrd_addr, bz->initrd_size);

		if (!rd)
			return -EFAULT;
		memcpy(rd, initrd, bz->initrd_size);
	}
	memset(low + BZIMAGE_GDT, 0, BZIMAGE_ACPI - BZIMAGE_GDT);
	memcpy(low + BZIMAGE_CMDLINE, cmdline, cmd_len + 1);
	bzimage_tables(low);
	n = bzimage_e820(mem, map);
	bzimage_zero_page(low + BZIMAGE_ZERO_PAGE, buf, bz, map, n);
	ret = bzimage_acpi(mem, nr_cpus);
	return ret ? ret : bzimage_mptable(mem, nr_cpus);
}
