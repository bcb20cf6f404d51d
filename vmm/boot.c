/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* boot.c - PVH boot: ELF32 and ELF64 loader, hvm_start_info, e820 memory map. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "boot.h"
#include "migctl-host.h"

_Static_assert(BOOT_START_INFO + sizeof(struct hvm_start_info) <= BOOT_MEMMAP,
	       "start_info fits");
_Static_assert(BOOT_MEMMAP + BOOT_MAX_E820 * sizeof(struct hvm_memmap_table_entry) <=
	       BOOT_CMDLINE, "memory map fits");
_Static_assert(sizeof(Elf32_Nhdr) == sizeof(Elf64_Nhdr), "one note header for both classes");

/* An ELF header or program header of either class, widened. */
struct boot_ehdr {
	u8 class;
	u64 phoff;
	u16 phentsize;
	u16 phnum;
};

struct boot_phdr {
	u32 type;
	u64 offset;
	u64 paddr;
	u64 filesz;
	u64 memsz;
	u64 align;
};

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

/* Round up a 32-bit note size: computed in 64 bits, it cannot wrap. */
static u64 boot_note_align(u32 n, u64 align)
{
	return ((u64)n + align - 1) & ~(align - 1);
}

/* Find the PHYS32_ENTRY note in one PT_NOTE segment: 1 found, 0 none, -ENOEXEC. */
static int boot_find_note(const u8 *p, u64 len, u64 align, u32 *entry)
{
	u64 off = 0;

	while (len - off >= sizeof(Elf32_Nhdr)) {	/* Elf64_Nhdr is the same */
		Elf32_Nhdr nh;
		u64 name = off + sizeof(nh), desc, next;

		memcpy(&nh, p + off, sizeof(nh));
		desc = name + boot_note_align(nh.n_namesz, align);
		next = desc + boot_note_align(nh.n_descsz, align);
		if (next > len)
			return -ENOEXEC;
		if (nh.n_namesz == 4 && !memcmp(p + name, "Xen", 4) &&
		    nh.n_type == MIGCTL_PVH_NOTE_PHYS32_ENTRY) {
			u64 v = 0;

			if (nh.n_descsz != 4 && nh.n_descsz != 8)
				return -ENOEXEC;
			memcpy(&v, p + desc, nh.n_descsz);
			if (v > 0xffffffffull)
				return -ENOEXEC;
			*entry = (u32)v;
			return 1;
		}
		off = next;
	}
	return 0;
}

/* e_ident: an ELF file of either class, little-endian, version 1. */
static int boot_check_ident(const u8 *id, size_t len, const char **why)
{
	if (len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG)) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64) {
		*why = "neither a 32-bit nor a 64-bit ELF file (EI_CLASS)";
		return -ENOEXEC;
	}
	if (id[EI_DATA] != ELFDATA2LSB) {
		*why = "not a little-endian ELF file";
		return -ENOEXEC;
	}
	if (id[EI_VERSION] != EV_CURRENT) {
		*why = "unknown ELF version (EI_VERSION)";
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Read the ELF header of either class: ELF32 must be EM_386, ELF64
 * EM_X86_64. e_entry (not the PVH entry), e_version, e_ehsize and the
 * section headers are not used, and not checked, as other PVH loaders do.
 */
static int boot_read_ehdr(const void *buf, size_t len, struct boot_ehdr *eh, const char **why)
{
	u16 type, machine, want_machine;
	int ret = boot_check_ident(buf, len, why);

	if (ret)
		return ret;
	eh->class = ((const u8 *)buf)[EI_CLASS];
	if (eh->class == ELFCLASS32) {
		Elf32_Ehdr h;

		if (len < sizeof(h))
			goto truncated;
		memcpy(&h, buf, sizeof(h));
		type = h.e_type, machine = h.e_machine, eh->phoff = h.e_phoff;
		eh->phentsize = h.e_phentsize, eh->phnum = h.e_phnum;
		want_machine = EM_386;
	} else {
		Elf64_Ehdr h;

		if (len < sizeof(h))
			goto truncated;
		memcpy(&h, buf, sizeof(h));
		type = h.e_type, machine = h.e_machine, eh->phoff = h.e_phoff;
		eh->phentsize = h.e_phentsize, eh->phnum = h.e_phnum;
		want_machine = EM_X86_64;
	}
	if (machine != want_machine) {
		*why = eh->class == ELFCLASS32 ? "not an i386 ELF32 file (e_machine is not EM_386)" :
		       "not an x86-64 ELF64 file (e_machine is not EM_X86_64)";
		return -ENOEXEC;
	}
	if (type != ET_EXEC) {
		*why = "not an executable ELF file (relocatable or shared object)";
		return -ENOEXEC;
	}
	return 0;

truncated:
	*why = "the ELF header is cut short";
	return -ENOEXEC;
}

static int boot_check_phdrs(const struct boot_ehdr *eh, size_t len, const char **why)
{
	size_t size = eh->class == ELFCLASS32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);

	/* e_phnum is 16 bits: the product cannot wrap. PN_XNUM defers to a section. */
	if (eh->phentsize != size || !eh->phnum || eh->phnum == PN_XNUM ||
	    !boot_in_file(len, eh->phoff, (u64)eh->phnum * size)) {
		*why = "program headers missing, of the wrong size or outside the file";
		return -ENOEXEC;
	}
	return 0;
}

static void boot_read_phdr(const u8 *buf, const struct boot_ehdr *eh, int i,
			   struct boot_phdr *ph)
{
	const u8 *p = buf + eh->phoff + (u64)i * eh->phentsize;

	if (eh->class == ELFCLASS32) {
		Elf32_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct boot_phdr){ h.p_type, h.p_offset, h.p_paddr, h.p_filesz,
					  h.p_memsz, h.p_align };
	} else {
		Elf64_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct boot_phdr){ h.p_type, h.p_offset, h.p_paddr, h.p_filesz,
					  h.p_memsz, h.p_align };
	}
}

/* Where a segment may go: its own range, RAM, the boot area, the class's reach. */
static int boot_check_seg_range(const struct boot_phdr *ph, u8 class,
				const struct mem_bank *banks, int nr_banks, const char **why)
{
	if (ph->memsz > UINT64_MAX - ph->paddr ||
	    (class == ELFCLASS32 && ph->paddr + ph->memsz > 0x100000000ull)) {
		*why = "a PT_LOAD segment runs past the end of the address space";
		return -ENOEXEC;
	}
	if (ph->paddr < BOOT_AREA_END) {
		*why = "a PT_LOAD segment overlaps the boot area below 0x7000";
		return -ERANGE;
	}
	if (!boot_in_ram(banks, nr_banks, ph->paddr, ph->memsz)) {
		*why = "a PT_LOAD segment is not inside guest RAM (too little --memory?)";
		return -ERANGE;
	}
	return 0;
}

static int boot_add_seg(const struct boot_phdr *ph, u8 class, size_t len,
			const struct mem_bank *banks, int nr_banks, struct boot_image *img,
			const char **why)
{
	int ret;

	if (ph->filesz > ph->memsz || !boot_in_file(len, ph->offset, ph->filesz)) {
		*why = "a PT_LOAD segment's data lies outside the file or exceeds its size";
		return -ENOEXEC;
	}
	if (!ph->memsz)
		return 0;
	if (img->nr_segs == BOOT_MAX_SEGS) {
		*why = "too many PT_LOAD segments";
		return -ENOEXEC;
	}
	ret = boot_check_seg_range(ph, class, banks, nr_banks, why);
	if (ret)
		return ret;
	for (int i = 0; i < img->nr_segs; i++) {
		const struct boot_seg *o = &img->segs[i];

		if (ph->paddr < o->paddr + o->memsz && o->paddr < ph->paddr + ph->memsz) {
			*why = "two PT_LOAD segments overlap";
			return -ENOEXEC;
		}
	}
	img->segs[img->nr_segs++] = (struct boot_seg){ ph->paddr, ph->offset, ph->filesz,
						       ph->memsz };
	return 0;
}

/* One PT_NOTE segment: 1 if it holds the PVH entry, 0 if not, -ENOEXEC. */
static int boot_add_note(const u8 *buf, size_t len, const struct boot_phdr *ph,
			 struct boot_image *img, const char **why)
{
	int ret;

	if (!boot_in_file(len, ph->offset, ph->filesz)) {
		*why = "a PT_NOTE segment lies outside the file";
		return -ENOEXEC;
	}
	/* Notes are 4-byte aligned; some 64-bit ones (p_align 8) are 8-byte. */
	ret = boot_find_note(buf + ph->offset, ph->filesz, ph->align == 8 ? 8 : 4, &img->entry);
	if (ret < 0)
		*why = "malformed ELF note";
	return ret;
}

static int boot_check_entry(const struct boot_image *img, bool have_entry, const char **why)
{
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

int boot_parse_elf(const void *buf, size_t len, const struct mem_bank *banks, int nr_banks,
		   struct boot_image *img, const char **why)
{
	struct boot_ehdr eh;
	bool have_entry = false;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = boot_read_ehdr(buf, len, &eh, why);
	if (!ret)
		ret = boot_check_phdrs(&eh, len, why);
	if (ret)
		return ret;
	img->elf_class = eh.class;
	for (int i = 0; i < eh.phnum; i++) {
		struct boot_phdr ph;

		boot_read_phdr(buf, &eh, i, &ph);
		if (ph.type == PT_LOAD) {
			ret = boot_add_seg(&ph, eh.class, len, banks, nr_banks, img, why);
		} else if (ph.type == PT_NOTE && !have_entry) {
			ret = boot_add_note(buf, len, &ph, img, why);
			have_entry = ret > 0;
			ret = ret < 0 ? ret : 0;
		}
		if (ret)
			return ret;
	}
	return boot_check_entry(img, have_entry, why);
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

int boot_pvh_map(const struct mem *mem, struct hvm_memmap_table_entry *map)
{
	int n = boot_e820(mem->banks, mem->nr_banks, map);

	if (mem->extra)
		n = boot_e820_reserve(map, n, mem->extra_gpa, 4096);
	return n;
}

int boot_check_map(struct migctl_host *host, const struct mem *mem, const char **why,
		   u64 *addr, u64 *size)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];

	return boot_check_e820(host, map, boot_pvh_map(mem, map), why, addr, size);
}

int boot_check_e820(struct migctl_host *host, const struct hvm_memmap_table_entry *map, int n,
		    const char **why, u64 *addr, u64 *size)
{
	struct migctl_host_region ram[BOOT_MAX_E820] = { 0 };
	unsigned int nr_ram = 0, bad = 0;
	int ret;

	for (int i = 0; i < n && i < BOOT_MAX_E820; i++)
		if (map[i].type == MIGCTL_PVH_MEMMAP_RAM)
			ram[nr_ram++] = (struct migctl_host_region){ map[i].addr, map[i].size };
	ret = migctl_host_check_memory_map(host, ram, nr_ram, why, &bad);
	if (ret && bad < nr_ram) {
		*addr = ram[bad].gpa;
		*size = ram[bad].size;
	}
	return ret;
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

	n = boot_pvh_map(mem, map);
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
