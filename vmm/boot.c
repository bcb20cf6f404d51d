/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* boot.c - PVH boot: ELF64 loader, hvm_start_info, e820 memory map. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "boot.h"

_Static_assert(BOOT_START_INFO + sizeof(struct hvm_start_info) <= BOOT_MEMMAP,
	       "start_info fits");
_Static_assert(BOOT_MEMMAP + BOOT_MAX_E820 * sizeof(struct hvm_memmap_table_entry) <=
	       BOOT_CMDLINE, "memory map fits");

static bool boot_in_ram(const struct mem_bank *banks, int n, u64 gpa, u64 len)
{
	for (int i = 0; i < n; i++)
		if (gpa >= banks[i].gpa && gpa - banks[i].gpa < banks[i].size &&
		    len <= banks[i].size - (gpa - banks[i].gpa))
			return true;
	return false;
}

static bool boot_in_file(size_t file_len, u64 off, u64 len)
{
	return off <= file_len && len <= file_len - off;
}

#define BOOT_ALIGN4(x)	(((x) + 3) & ~(u64)3)

/* Find the PHYS32_ENTRY note in one PT_NOTE segment; 0 if none. */
static int boot_find_note(const u8 *p, u64 len, u32 *entry)
{
	u64 off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		const Elf64_Nhdr *nh = (const void *)(p + off);
		u64 name = off + sizeof(*nh);
		u64 desc = name + BOOT_ALIGN4(nh->n_namesz);
		u64 next = desc + BOOT_ALIGN4(nh->n_descsz);

		if (next > len || next <= off)
			return -ENOEXEC;
		if (nh->n_namesz == 4 && !memcmp(p + name, "Xen", 4) &&
		    nh->n_type == MIGCTL_PVH_NOTE_PHYS32_ENTRY) {
			u64 v = 0;

			if (nh->n_descsz != 4 && nh->n_descsz != 8)
				return -ENOEXEC;
			memcpy(&v, p + desc, nh->n_descsz);
			if (v > 0xffffffffull)
				return -ENOEXEC;
			*entry = (u32)v;
			return 1;
		}
		off = next;
	}
	return 0;
}

static int boot_check_header(const void *buf, size_t len, const char **why)
{
	const Elf64_Ehdr *eh = buf;

	if (len < EI_NIDENT || memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		*why = "not a 64-bit little-endian ELF file";
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64) {
		*why = "not an x86-64 ELF file (wrong e_machine)";
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		*why = "not an executable ELF file (relocatable or shared object)";
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
	    !boot_in_file(len, eh->e_phoff, (u64)eh->e_phnum * sizeof(Elf64_Phdr))) {
		*why = "program headers missing or outside the file";
		return -ENOEXEC;
	}
	return 0;
}

static int boot_add_seg(const Elf64_Phdr *ph, size_t len, const struct mem_bank *banks,
			int nr_banks, struct boot_image *img, const char **why)
{
	struct boot_seg *s = &img->segs[img->nr_segs];

	if (img->nr_segs == BOOT_MAX_SEGS) {
		*why = "too many PT_LOAD segments";
		return -ENOEXEC;
	}
	if (ph->p_filesz > ph->p_memsz || !boot_in_file(len, ph->p_offset, ph->p_filesz)) {
		*why = "a PT_LOAD segment's data lies outside the file or exceeds its size";
		return -ENOEXEC;
	}
	if (!ph->p_memsz)
		return 0;
	if (ph->p_paddr < BOOT_AREA_END) {
		*why = "a PT_LOAD segment overlaps the boot area below 0x7000";
		return -ERANGE;
	}
	if (!boot_in_ram(banks, nr_banks, ph->p_paddr, ph->p_memsz)) {
		*why = "a PT_LOAD segment is not inside guest RAM (too little --memory?)";
		return -ERANGE;
	}
	for (int i = 0; i < img->nr_segs; i++) {
		const struct boot_seg *o = &img->segs[i];

		if (ph->p_paddr < o->paddr + o->memsz && o->paddr < ph->p_paddr + ph->p_memsz) {
			*why = "two PT_LOAD segments overlap";
			return -ENOEXEC;
		}
	}
	*s = (struct boot_seg){ ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz };
	img->nr_segs++;
	return 0;
}

int boot_parse_elf(const void *buf, size_t len, const struct mem_bank *banks, int nr_banks,
		   struct boot_image *img, const char **why)
{
	const Elf64_Ehdr *eh = buf;
	const Elf64_Phdr *ph;
	bool have_entry = false;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = boot_check_header(buf, len, why);
	if (ret)
		return ret;
	ph = (const void *)((const u8 *)buf + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			ret = boot_add_seg(&ph[i], len, banks, nr_banks, img, why);
		} else if (ph[i].p_type == PT_NOTE && !have_entry) {
			if (!boot_in_file(len, ph[i].p_offset, ph[i].p_filesz)) {
				*why = "a PT_NOTE segment lies outside the file";
				return -ENOEXEC;
			}
			ret = boot_find_note((const u8 *)buf + ph[i].p_offset, ph[i].p_filesz,
					     &img->entry);
			if (ret < 0)
				*why = "malformed ELF note";
			have_entry = ret > 0;
			ret = ret < 0 ? ret : 0;
		}
		if (ret)
			return ret;
	}
	if (!img->nr_segs) {
		*why = "no PT_LOAD segment";
		return -ENOEXEC;
	}
	if (!have_entry) {
		*why = "no Xen ELF note type 18 (XEN_ELFNOTE_PHYS32_ENTRY): not a PVH image";
		return -ENOEXEC;
	}
	for (int i = 0; i < img->nr_segs; i++)
		if (img->entry >= img->segs[i].paddr &&
		    img->entry - img->segs[i].paddr < img->segs[i].memsz)
			return 0;
	*why = "the PVH entry point is outside every PT_LOAD segment";
	return -ENOEXEC;
}

int boot_e820(const struct mem_bank *banks, int nr_banks, struct hvm_memmap_table_entry *out)
{
	int n = 0;

	for (int i = 0; i < nr_banks && n < BOOT_MAX_E820; i++) {
		/* The legacy hole sits between the bank below and the bank at 1 MiB. */
		if (banks[i].gpa == MEM_HIGH_START && n < BOOT_MAX_E820 - 1)
			out[n++] = (struct hvm_memmap_table_entry){
				MEM_LOW_END, MEM_HIGH_START - MEM_LOW_END,
				MIGCTL_PVH_MEMMAP_RESERVED, 0 };
		out[n++] = (struct hvm_memmap_table_entry){ banks[i].gpa, banks[i].size,
							    MIGCTL_PVH_MEMMAP_RAM, 0 };
	}
	return n;
}

int boot_e820_reserve(struct hvm_memmap_table_entry *map, int n, u64 addr, u64 size)
{
	int i;

	if (n >= BOOT_MAX_E820)
		return n;
	for (i = n; i > 0 && map[i - 1].addr > addr; i--)
		map[i] = map[i - 1];
	map[i] = (struct hvm_memmap_table_entry){ addr, size, MIGCTL_PVH_MEMMAP_RESERVED, 0 };
	return n + 1;
}

int boot_load(struct mem *mem, const void *buf, const struct boot_image *img,
	      const char *cmdline)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	struct hvm_start_info *si;
	size_t cmd_len = strlen(cmdline);
	int n;

	if (cmd_len >= BOOT_CMDLINE_MAX)
		return -E2BIG;
	for (int i = 0; i < img->nr_segs; i++) {
		const struct boot_seg *s = &img->segs[i];
		u8 *dst = mem_gpa_to_hva(mem, s->paddr, s->memsz);

		if (!dst)
			return -EFAULT;
		memcpy(dst, (const u8 *)buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}

	n = boot_e820(mem->banks, mem->nr_banks, map);
	if (mem->extra)
		n = boot_e820_reserve(map, n, mem->extra_gpa, 4096);
	si = mem_gpa_to_hva(mem, BOOT_START_INFO, BOOT_AREA_END - BOOT_START_INFO);
	if (!si)
		return -EFAULT;
	memset(si, 0, BOOT_AREA_END - BOOT_START_INFO);
	*si = (struct hvm_start_info){
		.magic = MIGCTL_PVH_START_MAGIC,
		.version = 1,
		.cmdline_paddr = BOOT_CMDLINE,
		.memmap_paddr = BOOT_MEMMAP,
		.memmap_entries = n,
	};
	memcpy((u8 *)si + (BOOT_MEMMAP - BOOT_START_INFO), map, n * sizeof(map[0]));
	memcpy((u8 *)si + (BOOT_CMDLINE - BOOT_START_INFO), cmdline, cmd_len + 1);
	return 0;
}
