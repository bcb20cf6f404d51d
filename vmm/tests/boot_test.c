/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* boot_test.c - PVH loader on synthetic ELF32 and ELF64 images, RAM layout and e820. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../boot.h"
#include "../mem.h"
#include "migctl-host.h"

#define IMG_MAX		8192
#define IMG_NOTE_OFF	1024
#define IMG_DATA_OFF	2048
#define MIB		(1ull << 20)
#define GIB		(1ull << 30)

struct seg_spec {
	u64 paddr;
	u64 filesz;
	u64 memsz;
	u64 offset;	/* 0: IMG_DATA_OFF */
};

/* What a synthetic image looks like; zero fields mean "a good default". */
struct img_spec {
	u8 class;		/* ELFCLASS32 or ELFCLASS64 */
	u16 machine;		/* 0: EM_386 or EM_X86_64 for the class */
	u8 ident_class;		/* 0: class; else EI_CLASS as given */
	u8 data;		/* 0: ELFDATA2LSB */
	u8 ei_version;		/* 0: EV_CURRENT */
	u16 type;		/* 0: ET_EXEC */
	u16 phentsize;		/* 0: the class's */
	u16 phnum;		/* 0: the segments and the note */
	bool no_note;
	bool other_note;	/* a Xen note of another type only */
	bool truncated_note;	/* the PT_NOTE segment ends inside the desc */
	bool note_before;	/* another note first, in the same segment */
	u32 note_namesz;	/* 0: 4 ("Xen") */
	u32 note_descsz;	/* 0: 4 */
	u32 note_align;		/* 0: 4; the PT_NOTE p_align and padding */
	u64 entry;		/* 0: first segment's paddr */
	u64 phoff;		/* 0: right after the ELF header (e_phoff only) */
	u64 note_offset;	/* 0: IMG_NOTE_OFF */
	int nr_segs;		/* 0: one segment at 1 MiB */
	struct seg_spec segs[4];
};

struct built { u8 buf[IMG_MAX]; size_t len; };

static size_t note_pad(size_t n, u32 align)
{
	return (n + align - 1) & ~(size_t)(align - 1);
}

static size_t put_note(u8 *p, const struct img_spec *s, u32 type, u64 desc)
{
	u32 align = s->note_align ? s->note_align : 4;
	u32 descsz = s->note_descsz ? s->note_descsz : 4;
	Elf32_Nhdr nh = { .n_namesz = s->note_namesz ? s->note_namesz : 4, .n_descsz = descsz,
			  .n_type = type };
	size_t off = sizeof(nh);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + off, "Xen", 4);
	off += note_pad(4, align);
	memcpy(p + off, &desc, descsz <= 8 ? descsz : 8);
	return off + note_pad(descsz <= 8 ? descsz : 8, align);
}

/* One program header in the file's class. */
static void put_phdr(struct built *b, const struct img_spec *s, u64 phoff, int i, u32 type,
		     u64 off, u64 paddr, u64 filesz, u64 memsz, u64 align)
{
	if (s->class == ELFCLASS32) {
		Elf32_Phdr ph = { .p_type = type, .p_offset = off, .p_vaddr = paddr,
				  .p_paddr = paddr, .p_filesz = filesz, .p_memsz = memsz,
				  .p_align = align };

		memcpy(b->buf + phoff + i * sizeof(ph), &ph, sizeof(ph));
	} else {
		Elf64_Phdr ph = { .p_type = type, .p_offset = off, .p_vaddr = paddr,
				  .p_paddr = paddr, .p_filesz = filesz, .p_memsz = memsz,
				  .p_align = align };

		memcpy(b->buf + phoff + i * sizeof(ph), &ph, sizeof(ph));
	}
}

static void put_ehdr(struct built *b, const struct img_spec *s, u64 phoff, u16 phnum)
{
	bool c32 = s->class == ELFCLASS32;
	u8 *id = b->buf;
	u16 type = s->type ? s->type : ET_EXEC;
	u16 machine = s->machine ? s->machine : c32 ? EM_386 : EM_X86_64;

	memcpy(id, ELFMAG, SELFMAG);
	id[EI_CLASS] = s->ident_class ? s->ident_class : s->class;
	id[EI_DATA] = s->data ? s->data : ELFDATA2LSB;
	id[EI_VERSION] = s->ei_version ? s->ei_version : EV_CURRENT;
	if (c32) {
		Elf32_Ehdr eh = { .e_type = type, .e_machine = machine, .e_version = EV_CURRENT,
				  .e_phoff = phoff, .e_ehsize = sizeof(eh),
				  .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = phnum };

		memcpy(eh.e_ident, id, EI_NIDENT);
		eh.e_phentsize = s->phentsize ? s->phentsize : eh.e_phentsize;
		memcpy(b->buf, &eh, sizeof(eh));
	} else {
		Elf64_Ehdr eh = { .e_type = type, .e_machine = machine, .e_version = EV_CURRENT,
				  .e_phoff = phoff, .e_ehsize = sizeof(eh),
				  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = phnum };

		memcpy(eh.e_ident, id, EI_NIDENT);
		eh.e_phentsize = s->phentsize ? s->phentsize : eh.e_phentsize;
		memcpy(b->buf, &eh, sizeof(eh));
	}
}

static void build(const struct img_spec *s, struct built *b)
{
	static const struct seg_spec def = { 0x100000, 64, 128, 0 };
	int nr = s->nr_segs ? s->nr_segs : 1;
	const struct seg_spec *segs = s->nr_segs ? s->segs : &def;
	/* The headers go right after the ELF header; e_phoff may say otherwise. */
	u64 phoff = s->class == ELFCLASS32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	u64 entry = s->entry ? s->entry : segs[0].paddr;
	u64 note_off = s->note_offset ? s->note_offset : IMG_NOTE_OFF;
	size_t note_len = 0;

	memset(b, 0, sizeof(*b));
	b->len = IMG_MAX;
	put_ehdr(b, s, s->phoff ? s->phoff : phoff, s->phnum ? s->phnum : nr + 1);
	for (int i = 0; i < nr; i++)
		put_phdr(b, s, phoff, i, PT_LOAD, segs[i].offset ? segs[i].offset : IMG_DATA_OFF,
			 segs[i].paddr, segs[i].filesz, segs[i].memsz, 4096);
	if (s->note_before)
		note_len = put_note(b->buf + IMG_NOTE_OFF, s, 1, 0x12345678);
	if (s->other_note)
		note_len += put_note(b->buf + IMG_NOTE_OFF + note_len, s, 17, entry);
	else if (!s->no_note)
		note_len += put_note(b->buf + IMG_NOTE_OFF + note_len, s, 18, entry);
	put_phdr(b, s, phoff, nr, PT_NOTE, note_off, 0,
		 s->truncated_note ? note_len - 2 : note_len, 0,
		 s->note_align ? s->note_align : 4);
	for (size_t i = 0; i < 64; i++)
		b->buf[IMG_DATA_OFF + i] = (u8)(i + 1);
}

FIXTURE(elf) { struct built img; struct mem_bank banks[MEM_MAX_BANKS]; int nr_banks; };
FIXTURE_VARIANT(elf) {
	struct img_spec spec;
	size_t len;	/* 0: the whole buffer */
	int ret;
	const char *why;
	u32 entry;
};

#define C32	.class = ELFCLASS32
#define C64	.class = ELFCLASS64
#define SEGS1(a, f, m, o) .nr_segs = 1, .segs = { { a, f, m, o } }

/* Good files of both classes. */
FIXTURE_VARIANT_ADD(elf, elf64_good) { .spec = { C64 }, .entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, elf32_good) { .spec = { C32 }, .entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, elf64_desc8) { .spec = { C64, .note_descsz = 8, .entry = 0x100010 },
					.entry = 0x100010 };
FIXTURE_VARIANT_ADD(elf, elf32_desc8) { .spec = { C32, .note_descsz = 8, .entry = 0x100010 },
					.entry = 0x100010 };
FIXTURE_VARIANT_ADD(elf, elf64_note_align8) { .spec = { C64, .note_align = 8 },
					      .entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, elf32_other_note_first) { .spec = { C32, .note_before = true },
						   .entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, elf64_bss_only_segment) {
	.spec = { C64, .nr_segs = 2, .segs = { { 0x100000, 64, 64 }, { 0x200000, 0, 0x1000 } } },
	.entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, elf32_entry_in_second_segment) {
	.spec = { C32, .nr_segs = 2, .entry = 0x200010,
		  .segs = { { 0x100000, 64, 64 }, { 0x200000, 64, 0x1000 } } },
	.entry = 0x200010 };
FIXTURE_VARIANT_ADD(elf, elf32_up_to_3g) {
	.spec = { C32, SEGS1(3 * GIB - 0x1000, 64, 0x1000, 0) }, .entry = 3 * GIB - 0x1000 };

/* Headers. */
FIXTURE_VARIANT_ADD(elf, not_elf) { .spec = { C64 }, .len = 3, .ret = -ENOEXEC,
				    .why = "not an ELF" };
FIXTURE_VARIANT_ADD(elf, class_3) { .spec = { C64, .ident_class = ELFCLASS64 + 1 },
				       .ret = -ENOEXEC, .why = "neither a 32-bit nor a 64-bit" };
FIXTURE_VARIANT_ADD(elf, elf32_big_endian) { .spec = { C32, .data = ELFDATA2MSB },
					     .ret = -ENOEXEC, .why = "little-endian" };
FIXTURE_VARIANT_ADD(elf, elf64_ei_version) { .spec = { C64, .ei_version = 2 },
					     .ret = -ENOEXEC, .why = "EI_VERSION" };
FIXTURE_VARIANT_ADD(elf, elf32_header_cut) { .spec = { C32 }, .len = sizeof(Elf32_Ehdr) - 1,
					     .ret = -ENOEXEC, .why = "cut short" };
FIXTURE_VARIANT_ADD(elf, elf64_header_cut) { .spec = { C64 }, .len = sizeof(Elf64_Ehdr) - 1,
					     .ret = -ENOEXEC, .why = "cut short" };
/* An ELF32 header read as ELF64 or the other way round: EI_CLASS decides. */
FIXTURE_VARIANT_ADD(elf, elf64_claims_class32) { .spec = { C64, .ident_class = ELFCLASS32 },
						 .ret = -ENOEXEC, .why = "EM_386" };
FIXTURE_VARIANT_ADD(elf, elf32_claims_class64) { .spec = { C32, .ident_class = ELFCLASS64 },
						 .ret = -ENOEXEC, .why = "EM_X86_64" };
FIXTURE_VARIANT_ADD(elf, elf64_wrong_machine) { .spec = { C64, .machine = EM_AARCH64 },
						.ret = -ENOEXEC, .why = "x86-64" };
FIXTURE_VARIANT_ADD(elf, elf64_machine_386) { .spec = { C64, .machine = EM_386 },
					      .ret = -ENOEXEC, .why = "EM_X86_64" };
FIXTURE_VARIANT_ADD(elf, elf32_machine_x86_64) { .spec = { C32, .machine = EM_X86_64 },
						 .ret = -ENOEXEC, .why = "EM_386" };
FIXTURE_VARIANT_ADD(elf, elf64_shared_object) { .spec = { C64, .type = ET_DYN },
						.ret = -ENOEXEC, .why = "executable" };
FIXTURE_VARIANT_ADD(elf, elf32_relocatable) { .spec = { C32, .type = ET_REL },
					      .ret = -ENOEXEC, .why = "executable" };
FIXTURE_VARIANT_ADD(elf, elf64_phentsize) { .spec = { C64, .phentsize = sizeof(Elf32_Phdr) },
					    .ret = -ENOEXEC, .why = "program headers" };
FIXTURE_VARIANT_ADD(elf, elf32_phentsize) { .spec = { C32, .phentsize = sizeof(Elf64_Phdr) },
					    .ret = -ENOEXEC, .why = "program headers" };
FIXTURE_VARIANT_ADD(elf, elf32_phdrs_outside_file) { .spec = { C32, .phoff = IMG_MAX - 8 },
						     .ret = -ENOEXEC, .why = "program headers" };
FIXTURE_VARIANT_ADD(elf, elf64_phoff_wraps) { .spec = { C64, .phoff = ~0ull - 8 },
					      .ret = -ENOEXEC, .why = "program headers" };
FIXTURE_VARIANT_ADD(elf, elf64_phnum_past_file) { .spec = { C64, .phnum = 0xfffe },
						  .ret = -ENOEXEC, .why = "program headers" };
FIXTURE_VARIANT_ADD(elf, elf32_phnum_xnum) { .spec = { C32, .phnum = PN_XNUM },
					     .ret = -ENOEXEC, .why = "program headers" };

/* Notes. */
FIXTURE_VARIANT_ADD(elf, elf64_no_note) { .spec = { C64, .no_note = true }, .ret = -ENOEXEC,
					  .why = "not a PVH image" };
FIXTURE_VARIANT_ADD(elf, elf32_other_xen_note) { .spec = { C32, .other_note = true },
						 .ret = -ENOEXEC, .why = "not a PVH image" };
FIXTURE_VARIANT_ADD(elf, elf64_truncated_note) { .spec = { C64, .truncated_note = true },
						 .ret = -ENOEXEC, .why = "malformed" };
FIXTURE_VARIANT_ADD(elf, elf32_truncated_note) { .spec = { C32, .truncated_note = true },
						 .ret = -ENOEXEC, .why = "malformed" };
FIXTURE_VARIANT_ADD(elf, elf32_note_namesz_huge) { .spec = { C32, .note_namesz = 0xfffffffd },
						   .ret = -ENOEXEC, .why = "malformed" };
FIXTURE_VARIANT_ADD(elf, elf64_note_descsz_huge) { .spec = { C64, .note_descsz = 0xfffffffe },
						   .ret = -ENOEXEC, .why = "malformed" };
FIXTURE_VARIANT_ADD(elf, elf32_note_desc2) { .spec = { C32, .note_descsz = 2 },
					     .ret = -ENOEXEC, .why = "malformed" };
FIXTURE_VARIANT_ADD(elf, elf64_entry_above_4g) {
	.spec = { C64, .note_descsz = 8, .entry = 0x100000000ull }, .ret = -ENOEXEC,
	.why = "malformed" };
FIXTURE_VARIANT_ADD(elf, elf32_note_outside_file) { .spec = { C32, .note_offset = IMG_MAX - 4 },
						    .ret = -ENOEXEC, .why = "PT_NOTE" };
FIXTURE_VARIANT_ADD(elf, elf64_entry_outside) { .spec = { C64, .entry = 0x300000 },
						.ret = -ENOEXEC, .why = "entry point" };
FIXTURE_VARIANT_ADD(elf, elf32_entry_outside) { .spec = { C32, .entry = 0x100080 },
						.ret = -ENOEXEC, .why = "entry point" };

/* Segments. */
FIXTURE_VARIANT_ADD(elf, elf64_filesz_over_memsz) {
	.spec = { C64, SEGS1(0x100000, 256, 128, 0) }, .ret = -ENOEXEC, .why = "outside the file" };
FIXTURE_VARIANT_ADD(elf, elf32_data_outside_file) {
	.spec = { C32, SEGS1(0x100000, 64, 64, IMG_MAX - 16) }, .ret = -ENOEXEC,
	.why = "outside the file" };
FIXTURE_VARIANT_ADD(elf, elf64_offset_wraps) {
	.spec = { C64, SEGS1(0x100000, 64, 64, ~0ull - 16) }, .ret = -ENOEXEC,
	.why = "outside the file" };
FIXTURE_VARIANT_ADD(elf, elf64_overlapping) {
	.spec = { C64, .nr_segs = 2, .segs = { { 0x100000, 64, 0x2000 }, { 0x101000, 64, 64 } } },
	.ret = -ENOEXEC, .why = "overlap" };
FIXTURE_VARIANT_ADD(elf, elf32_overlapping) {
	.spec = { C32, .nr_segs = 2, .segs = { { 0x101000, 64, 64 }, { 0x100000, 64, 0x2000 } } },
	.ret = -ENOEXEC, .why = "overlap" };
FIXTURE_VARIANT_ADD(elf, elf32_wraps_4g) {
	.spec = { C32, SEGS1(0xfffff000, 64, 0x2000, 0) }, .ret = -ENOEXEC,
	.why = "end of the address space" };
FIXTURE_VARIANT_ADD(elf, elf64_wraps) {
	.spec = { C64, SEGS1(~0ull - 0xfff, 64, 0x2000, 0) }, .ret = -ENOEXEC,
	.why = "end of the address space" };
FIXTURE_VARIANT_ADD(elf, elf64_beyond_ram) {
	.spec = { C64, SEGS1(64 * MIB - 0x1000, 64, 0x2000, 0) }, .ret = -ERANGE,
	.why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, elf32_in_3g_hole) {
	.spec = { C32, SEGS1(3 * GIB, 64, 64, 0) }, .ret = -ERANGE, .why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, elf32_in_legacy_hole) {
	.spec = { C32, SEGS1(0xa0000, 64, 64, 0) }, .ret = -ERANGE, .why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, elf64_across_legacy_hole) {
	.spec = { C64, SEGS1(0x9f000, 64, 0x2000, 0) }, .ret = -ERANGE,
	.why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, elf32_boot_area) {
	.spec = { C32, SEGS1(0x6000, 64, 64, 0) }, .ret = -ERANGE, .why = "boot area" };

FIXTURE_SETUP(elf)
{
	build(&variant->spec, &self->img);
	if (variant->len)
		self->img.len = variant->len;
	/* 4 GiB: RAM up to 3 GiB and from 4 GiB, for the ELF32 reach. */
	self->nr_banks = mem_layout(variant->spec.segs[0].paddr >= GIB ? 4 * GIB : 64 * MIB,
				    self->banks);
}

FIXTURE_TEARDOWN(elf) {}

TEST_F(elf, parse)
{
	struct boot_image img;
	const char *why = NULL;
	u8 *copy = malloc(self->img.len);	/* exactly the file: a read past it is caught */
	int ret;

	ASSERT_NONNULL(copy);
	ASSERT_GE(self->nr_banks, 2);
	memcpy(copy, self->img.buf, self->img.len);
	ret = boot_parse_elf(copy, self->img.len, self->banks, self->nr_banks, &img, &why);
	free(copy);
	ASSERT_EQ(variant->ret, ret);
	if (ret) {
		ASSERT_NONNULL(why);
		EXPECT_MSG(strstr(why, variant->why), "reason '%s' lacks '%s'", why, variant->why);
		return;
	}
	EXPECT_EQ(variant->entry, img.entry);
	EXPECT_EQ(variant->spec.class, img.elf_class);
	EXPECT_GE(img.nr_segs, 1);
}

/* A tiny xorshift: the same mutations on every run. */
static u32 rnd(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Hostile files: good ELF32 and ELF64 images with random bytes of their
 * headers and notes changed and random lengths. Whatever the parser
 * decides, it reads nothing outside the file (each try gets a buffer of
 * exactly its length, for the sanitizers), and what it accepts is sound:
 * segments inside the file and in one RAM bank, clear of the boot area,
 * the entry inside a segment.
 */
TEST(elf, mutated_files_are_refused_or_sound)
{
	struct mem ram = { .host = (u8 *)0x10000000 };	/* never dereferenced */
	u32 seed = 0x2545f491;
	int accepted = 0;

	ram.nr_banks = mem_layout(64 * MIB, ram.banks);

	for (int i = 0; i < 20000; i++) {
		struct img_spec spec = { .class = i & 1 ? ELFCLASS32 : ELFCLASS64 };
		static struct built b;
		struct boot_image img;
		const char *why = NULL;
		size_t len = IMG_MAX;
		u8 *copy;

		build(&spec, &b);
		for (int k = 1 + rnd(&seed) % 4; k > 0; k--) {
			u32 at = rnd(&seed) % 160;	/* headers */

			if (rnd(&seed) & 1)
				at = IMG_NOTE_OFF + at % 32;	/* or the note */
			b.buf[at] = (u8)rnd(&seed);
		}
		if (!(rnd(&seed) % 8))
			len = rnd(&seed) % IMG_MAX;
		copy = malloc(len ? len : 1);
		ASSERT_NONNULL(copy);
		memcpy(copy, b.buf, len);
		if (!boot_parse_elf(copy, len, ram.banks, ram.nr_banks, &img, &why)) {
			bool in_seg = false;

			accepted++;
			for (int s = 0; s < img.nr_segs; s++) {
				const struct boot_seg *g = &img.segs[s];

				ASSERT_TRUE(g->offset <= len && g->filesz <= len - g->offset);
				ASSERT_LE(g->filesz, g->memsz);
				ASSERT_GE(g->paddr, BOOT_AREA_END);
				ASSERT_NONNULL(mem_gpa_to_hva(&ram, g->paddr, g->memsz));
				in_seg |= img.entry >= g->paddr && img.entry - g->paddr < g->memsz;
			}
			ASSERT_TRUE(in_seg);
		} else {
			ASSERT_NONNULL(why);
		}
		free(copy);
	}
	test_diag("%d of 20000 mutated files accepted", accepted);
	EXPECT_GT(accepted, 0);
}

FIXTURE(layout) { struct mem_bank banks[MEM_MAX_BANKS]; int n; };
FIXTURE_VARIANT(layout) {
	u64 size;
	int n;
	struct hvm_memmap_table_entry e820[BOOT_MAX_E820];	/* expected map */
};

#define RAM(a, s)	{ a, s, MIGCTL_PVH_MEMMAP_RAM, 0 }
#define HOLE		{ 0xa0000, 0x60000, MIGCTL_PVH_MEMMAP_RESERVED, 0 }

FIXTURE_VARIANT_ADD(layout, mem_2m) { 2 * MIB, 3, { RAM(0, 0xa0000), HOLE, RAM(MIB, MIB) } };
FIXTURE_VARIANT_ADD(layout, mem_64m) { 64 * MIB, 3,
	{ RAM(0, 0xa0000), HOLE, RAM(MIB, 63 * MIB) } };
FIXTURE_VARIANT_ADD(layout, mem_3g) { 3 * GIB, 3,
	{ RAM(0, 0xa0000), HOLE, RAM(MIB, 3 * GIB - MIB) } };
FIXTURE_VARIANT_ADD(layout, mem_3g_plus_page) { 3 * GIB + 4096, 4,
	{ RAM(0, 0xa0000), HOLE, RAM(MIB, 3 * GIB - MIB), RAM(4 * GIB, 4096) } };
FIXTURE_VARIANT_ADD(layout, mem_5g) { 5 * GIB, 4,
	{ RAM(0, 0xa0000), HOLE, RAM(MIB, 3 * GIB - MIB), RAM(4 * GIB, 2 * GIB) } };
FIXTURE_VARIANT_ADD(layout, mem_1t) { 1024 * GIB, 4,
	{ RAM(0, 0xa0000), HOLE, RAM(MIB, 3 * GIB - MIB), RAM(4 * GIB, 1021 * GIB) } };

FIXTURE_SETUP(layout)
{
	self->n = mem_layout(variant->size, self->banks);
}

FIXTURE_TEARDOWN(layout) {}

/* The map the guest gets: RAM below 640K and from 1M, the hole reserved. */
TEST_F(layout, e820)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	u64 ram = 0;
	int n;

	ASSERT_GT(self->n, 0);
	n = boot_e820(self->banks, self->n, map);
	ASSERT_EQ(variant->n, n);
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(variant->e820[i].addr, map[i].addr);
		EXPECT_EQ(variant->e820[i].size, map[i].size);
		EXPECT_EQ(variant->e820[i].type, map[i].type);
		if (i)
			EXPECT_GE(map[i].addr, map[i - 1].addr + map[i - 1].size);
		if (map[i].type == MIGCTL_PVH_MEMMAP_RAM)
			ram += map[i].size;
	}
	/* Only the legacy hole is lost; the 3G..4G hole is relocated above 4G. */
	EXPECT_EQ(variant->size - 0x60000, ram);
}

/* An engine whose RAM is @banks, the last one @cut bytes short. */
static struct migctl_host *layout_host(const struct mem_bank *banks, int n, u64 cut)
{
	struct migctl_host_region ram[MEM_MAX_BANKS];
	struct migctl_host_config cfg = { .ram = ram, .nr_ram = n };
	struct migctl_host *host = NULL;

	for (int i = 0; i < n; i++)
		ram[i] = (struct migctl_host_region){ banks[i].gpa, banks[i].size };
	ram[n - 1].size -= cut;
	cfg.nr_ram -= !ram[n - 1].size;		/* a one-page bank goes */
	return migctl_host_create(&cfg, &host) ? NULL : host;
}

/*
 * The map the guest gets passes the host library's check against the RAM
 * the engine is given, and is refused, naming the entry, when the last
 * bank's final page is not the engine's RAM.
 * Covers: V-12
 */
TEST_F(layout, map_is_host_ram)
{
	struct mem mem = { 0 };
	struct migctl_host *host;
	const char *why = NULL;
	u64 addr = 0, size = 0;
	int last = self->n - 1;

	ASSERT_GT(self->n, 0);
	memcpy(mem.banks, self->banks, sizeof(mem.banks));
	mem.nr_banks = self->n;
	host = layout_host(self->banks, self->n, 0);
	ASSERT_NONNULL(host);
	EXPECT_EQ(0, boot_check_map(host, &mem, &why, &addr, &size));
	migctl_host_destroy(host);

	host = layout_host(self->banks, self->n, 4096);
	ASSERT_NONNULL(host);
	EXPECT_EQ(-EINVAL, boot_check_map(host, &mem, &why, &addr, &size));
	EXPECT_NONNULL(why);
	EXPECT_EQ(self->banks[last].gpa, addr);
	EXPECT_EQ(self->banks[last].size, size);
	migctl_host_destroy(host);
}

TEST(layout, bad_sizes)
{
	struct mem_bank b[MEM_MAX_BANKS];

	EXPECT_EQ(-EINVAL, mem_layout(0, b));
	EXPECT_EQ(-EINVAL, mem_layout(MIB, b));
	EXPECT_EQ(-EINVAL, mem_layout(64 * MIB + 1, b));
	EXPECT_EQ(-EINVAL, mem_layout(MEM_MAX_SIZE + 4096, b));
}

/* boot_load() on RAM from malloc: segments, BSS, start_info, map, command line. */
TEST(boot, load_start_info)
{
	struct mem mem = { 0 };
	struct built b;
	struct boot_image img;
	const struct img_spec spec = { .class = ELFCLASS32, .nr_segs = 1,
					.segs = { { 0x100000, 64, 0x1000 } } };
	const char *why;
	u32 *si;
	u8 *seg;

	mem.nr_banks = mem_layout(4 * MIB, mem.banks);
	mem.host = malloc(4 * MIB);
	ASSERT_NONNULL(mem.host);
	memset(mem.host, 0xcc, 4 * MIB);
	build(&spec, &b);
	ASSERT_EQ(0, boot_parse_elf(b.buf, b.len, mem.banks, mem.nr_banks, &img, &why));
	ASSERT_EQ(0, boot_load(&mem, b.buf, &img, "test=* cpus=2"));

	seg = mem.host + 0x100000;
	EXPECT_EQ(1, seg[0]);
	EXPECT_EQ(64, seg[63]);
	EXPECT_EQ(0, seg[64]);		/* BSS zeroed */
	EXPECT_EQ(0, seg[0xfff]);
	EXPECT_EQ(0xcc, seg[0x1000]);	/* nothing beyond memsz */

	si = (u32 *)(mem.host + BOOT_START_INFO);
	EXPECT_EQ(0x336ec578u, si[0]);		/* magic */
	EXPECT_EQ(1u, si[1]);			/* version */
	EXPECT_EQ(0u, si[3]);			/* nr_modules */
	EXPECT_EQ(BOOT_CMDLINE, *(u64 *)(si + 6));
	EXPECT_EQ(BOOT_MEMMAP, *(u64 *)(si + 10));
	EXPECT_EQ(3u, si[12]);			/* memmap_entries */
	EXPECT_STREQ("test=* cpus=2", (char *)mem.host + BOOT_CMDLINE);
	EXPECT_EQ((u32)MIGCTL_PVH_MEMMAP_RESERVED,
		  ((struct hvm_memmap_table_entry *)(mem.host + BOOT_MEMMAP))[1].type);
	free(mem.host);
}

TEST(boot, cmdline_too_long)
{
	struct mem mem = { 0 };
	struct boot_image img = { 0 };
	char *cmd = malloc(BOOT_CMDLINE_MAX + 1);

	ASSERT_NONNULL(cmd);
	mem.nr_banks = mem_layout(2 * MIB, mem.banks);
	mem.host = calloc(1, 2 * MIB);
	ASSERT_NONNULL(mem.host);
	memset(cmd, 'a', BOOT_CMDLINE_MAX);
	cmd[BOOT_CMDLINE_MAX] = '\0';
	EXPECT_EQ(-E2BIG, boot_load(&mem, NULL, &img, cmd));
	cmd[BOOT_CMDLINE_MAX - 1] = '\0';
	EXPECT_EQ(0, boot_load(&mem, NULL, &img, cmd));
	free(cmd);
	free(mem.host);
}

TEST(mem, gpa_to_hva_respects_holes)
{
	struct mem mem = { 0 };

	mem.nr_banks = mem_layout(5 * GIB, mem.banks);
	mem.host = (u8 *)0x10000000;	/* never dereferenced */
	EXPECT_EQ((void *)(mem.host + 0x1000), mem_gpa_to_hva(&mem, 0x1000, 4096));
	EXPECT_NULL(mem_gpa_to_hva(&mem, 0xa0000, 1));
	EXPECT_NULL(mem_gpa_to_hva(&mem, 0x9ffff, 2));		/* runs into the hole */
	EXPECT_NULL(mem_gpa_to_hva(&mem, 3 * GIB, 1));		/* 32-bit hole */
	EXPECT_EQ((void *)(mem.host + 3 * GIB), mem_gpa_to_hva(&mem, 4 * GIB, 4096));
	EXPECT_NULL(mem_gpa_to_hva(&mem, 6 * GIB, 1));
	EXPECT_EQ(5 * GIB - 0x60000, mem_ram_size(&mem));
}
