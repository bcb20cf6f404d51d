/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* boot_test.c - PVH loader on synthetic ELF images, RAM layout and e820. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../boot.h"
#include "../mem.h"

#define IMG_MAX		8192
#define IMG_PHOFF	sizeof(Elf64_Ehdr)
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
	u16 machine;		/* 0: EM_X86_64 */
	u8 class;		/* 0: ELFCLASS64 */
	u16 type;		/* 0: ET_EXEC */
	bool no_note;
	bool other_note;	/* a Xen note of another type only */
	bool truncated_note;
	u32 note_descsz;	/* 0: 4 */
	u64 entry;		/* 0: first segment's paddr */
	u64 phoff;		/* 0: right after the ELF header */
	int nr_segs;		/* 0: one segment at 1 MiB */
	struct seg_spec segs[4];
};

struct built { u8 buf[IMG_MAX]; size_t len; };

static size_t put_note(u8 *p, const char *name, u32 type, u32 descsz, u64 desc)
{
	Elf64_Nhdr nh = { .n_namesz = strlen(name) + 1, .n_descsz = descsz, .n_type = type };
	size_t off = sizeof(nh);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + off, name, nh.n_namesz);
	off += (nh.n_namesz + 3) & ~3u;
	memcpy(p + off, &desc, descsz);
	return off + ((descsz + 3) & ~3u);
}

static void build(const struct img_spec *s, struct built *b)
{
	static const struct seg_spec def = { 0x100000, 64, 128, 0 };
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b->buf;
	int nr = s->nr_segs ? s->nr_segs : 1;
	const struct seg_spec *segs = s->nr_segs ? s->segs : &def;
	Elf64_Phdr *ph;
	size_t note_len = 0;

	memset(b, 0, sizeof(*b));
	b->len = IMG_MAX;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = s->class ? s->class : ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = s->type ? s->type : ET_EXEC;
	eh->e_machine = s->machine ? s->machine : EM_X86_64;
	eh->e_phoff = s->phoff ? s->phoff : IMG_PHOFF;
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = nr + 1;
	ph = (Elf64_Phdr *)(b->buf + IMG_PHOFF);
	for (int i = 0; i < nr; i++)
		ph[i] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_paddr = segs[i].paddr, .p_vaddr = segs[i].paddr,
			.p_offset = segs[i].offset ? segs[i].offset : IMG_DATA_OFF,
			.p_filesz = segs[i].filesz, .p_memsz = segs[i].memsz,
		};
	if (s->other_note)
		note_len = put_note(b->buf + IMG_NOTE_OFF, "Xen", 17, 4, segs[0].paddr);
	else if (!s->no_note)
		note_len = put_note(b->buf + IMG_NOTE_OFF, "Xen", 18,
				    s->note_descsz ? s->note_descsz : 4,
				    s->entry ? s->entry : segs[0].paddr);
	ph[nr] = (Elf64_Phdr){
		.p_type = PT_NOTE, .p_offset = IMG_NOTE_OFF,
		.p_filesz = s->truncated_note ? 18 : note_len,	/* desc cut short */
	};
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

FIXTURE_VARIANT_ADD(elf, good) { .entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, good_desc8) { .spec = { .note_descsz = 8, .entry = 0x100010 },
				       .entry = 0x100010 };
FIXTURE_VARIANT_ADD(elf, bss_only_segment) {
	.spec = { .nr_segs = 2, .segs = { { 0x100000, 64, 64 }, { 0x200000, 0, 0x1000 } } },
	.entry = 0x100000 };
FIXTURE_VARIANT_ADD(elf, not_elf) { .spec = { .class = 0 }, .len = 3, .ret = -ENOEXEC,
				    .why = "not an ELF" };
FIXTURE_VARIANT_ADD(elf, elf32) { .spec = { .class = ELFCLASS32 }, .ret = -ENOEXEC,
				  .why = "64-bit" };
FIXTURE_VARIANT_ADD(elf, wrong_machine) { .spec = { .machine = EM_AARCH64 }, .ret = -ENOEXEC,
					  .why = "x86-64" };
FIXTURE_VARIANT_ADD(elf, shared_object) { .spec = { .type = ET_DYN }, .ret = -ENOEXEC,
					  .why = "executable" };
FIXTURE_VARIANT_ADD(elf, phdrs_outside_file) { .spec = { .phoff = IMG_MAX - 8 },
					       .ret = -ENOEXEC, .why = "program headers" };
FIXTURE_VARIANT_ADD(elf, no_note) { .spec = { .no_note = true }, .ret = -ENOEXEC,
				    .why = "not a PVH image" };
FIXTURE_VARIANT_ADD(elf, other_xen_note) { .spec = { .other_note = true }, .ret = -ENOEXEC,
					   .why = "not a PVH image" };
FIXTURE_VARIANT_ADD(elf, truncated_note) { .spec = { .truncated_note = true },
					   .ret = -ENOEXEC, .why = "malformed" };
FIXTURE_VARIANT_ADD(elf, entry_outside) { .spec = { .entry = 0x300000 }, .ret = -ENOEXEC,
					  .why = "entry point" };
FIXTURE_VARIANT_ADD(elf, filesz_over_memsz) {
	.spec = { .nr_segs = 1, .segs = { { 0x100000, 256, 128 } } }, .ret = -ENOEXEC,
	.why = "outside the file" };
FIXTURE_VARIANT_ADD(elf, data_outside_file) {
	.spec = { .nr_segs = 1, .segs = { { 0x100000, 64, 64, IMG_MAX - 16 } } },
	.ret = -ENOEXEC, .why = "outside the file" };
FIXTURE_VARIANT_ADD(elf, overlapping) {
	.spec = { .nr_segs = 2, .segs = { { 0x100000, 64, 0x2000 }, { 0x101000, 64, 64 } } },
	.ret = -ENOEXEC, .why = "overlap" };
FIXTURE_VARIANT_ADD(elf, beyond_ram) {
	.spec = { .nr_segs = 1, .segs = { { 64 * MIB - 0x1000, 64, 0x2000 } } },
	.ret = -ERANGE, .why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, in_legacy_hole) {
	.spec = { .nr_segs = 1, .segs = { { 0xa0000, 64, 64 } } }, .ret = -ERANGE,
	.why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, across_legacy_hole) {
	.spec = { .nr_segs = 1, .segs = { { 0x9f000, 64, 0x2000 } } }, .ret = -ERANGE,
	.why = "not inside guest RAM" };
FIXTURE_VARIANT_ADD(elf, boot_area) {
	.spec = { .nr_segs = 1, .segs = { { 0x6000, 64, 64 } } }, .ret = -ERANGE,
	.why = "boot area" };

FIXTURE_SETUP(elf)
{
	build(&variant->spec, &self->img);
	if (variant->len)
		self->img.len = variant->len;
	self->nr_banks = mem_layout(64 * MIB, self->banks);
}

FIXTURE_TEARDOWN(elf) {}

TEST_F(elf, parse)
{
	struct boot_image img;
	const char *why = NULL;
	int ret;

	ASSERT_EQ(2, self->nr_banks);
	ret = boot_parse_elf(self->img.buf, self->img.len, self->banks, self->nr_banks, &img,
			     &why);
	ASSERT_EQ(variant->ret, ret);
	if (ret) {
		ASSERT_NONNULL(why);
		EXPECT_MSG(strstr(why, variant->why), "reason '%s' lacks '%s'", why, variant->why);
		return;
	}
	EXPECT_EQ(variant->entry, img.entry);
	EXPECT_GE(img.nr_segs, 1);
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
	const struct img_spec spec = { .nr_segs = 1, .segs = { { 0x100000, 64, 0x1000 } } };
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
