/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bzimage.c - harness: a hostile bzImage through the setup header parser, placement and zero page. */
#include <string.h>

#include "fuzz.h"
#include "boot.h"
#include "bzimage.h"
#include "mem.h"

/*
 * The input is the kernel file; its last 4 bytes, when there are more
 * than 4, also give an initrd size. Whatever the parser accepts must
 * describe bytes inside the input, and whatever the placement accepts
 * must lie in guest RAM below 4 GiB, aligned, the initrd above the
 * kernel's init_size and below initrd_addr_max. The zero page is then
 * built from the input (it reads the setup header of it).
 */
static void fuzz_place(struct bzimage *bz, const struct mem_bank *banks, int n, u64 initrd)
{
	const char *why = NULL;
	int ret = bzimage_place(bz, banks, n, initrd, 100, &why);

	if (ret) {
		FUZZ_ASSERT(why);
		return;
	}
	FUZZ_ASSERT(!(bz->load_addr & (bz->kernel_alignment - 1)));
	FUZZ_ASSERT(bz->load_addr >= MEM_HIGH_START);
	FUZZ_ASSERT(bz->load_addr + bz->init_size <= MEM_HOLE_START);
	if (!initrd)
		return;
	FUZZ_ASSERT(bz->initrd_size == initrd);
	FUZZ_ASSERT(!(bz->initrd_addr & 4095));
	FUZZ_ASSERT(bz->initrd_addr >= bz->load_addr + bz->init_size);
	FUZZ_ASSERT(bz->initrd_addr + initrd <= (u64)bz->initrd_addr_max + 1);
	FUZZ_ASSERT(bz->initrd_addr + initrd <= MEM_HOLE_START);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 zp[BZIMAGE_ZP_SIZE];
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	struct mem mem = { 0 };
	struct bzimage bz;
	const char *why = NULL;
	u32 initrd = 0;

	if (size > 4)
		memcpy(&initrd, data + size - 4, 4);
	if (bzimage_parse(data, size, &bz, &why)) {
		FUZZ_ASSERT(why);
		return 0;
	}
	FUZZ_ASSERT(bzimage_detect(data, size));
	FUZZ_ASSERT(bz.kernel_offset + bz.kernel_size == size && bz.kernel_size);
	FUZZ_ASSERT(bz.hdr_end >= BZIMAGE_HDR_MIN_END && bz.hdr_end <= bz.kernel_offset);
	FUZZ_ASSERT(bz.init_size >= bz.kernel_size);
	FUZZ_ASSERT(bz.xloadflags & BZIMAGE_XLF_KERNEL_64);

	mem.nr_banks = mem_layout(256ull << 20, mem.banks);
	fuzz_place(&bz, mem.banks, mem.nr_banks, initrd & 0x0fffffff);
	bzimage_zero_page(zp, data, &bz, map, bzimage_e820(&mem, map));
	FUZZ_ASSERT(zp[BZIMAGE_ZP_E820_ENTRIES] == 4);
	FUZZ_ASSERT(!memcmp(zp + BZIMAGE_HEADER, "HdrS", 4));
	return 0;
}
