/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bzimage_test.c - bzImage parser, real kernel, zero page, MP and ACPI tables. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "test.h"
#include "../acpi.h"
#include "../boot.h"
#include "../bzimage.h"
#include "../guest_cpuid.h"
#include "../mem.h"
#include "../mptable.h"
#include "migctl-host.h"

#define MIB		(1ull << 20)
#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define KERNEL_SIZE	8192
#define IMG_SIZE	(SETUP_SIZE + KERNEL_SIZE)

static void put16(u8 *b, size_t off, u16 v) { memcpy(b + off, &v, 2); }
static void put32(u8 *b, size_t off, u32 v) { memcpy(b + off, &v, 4); }
static void put64(u8 *b, size_t off, u64 v) { memcpy(b + off, &v, 8); }
static u16 get16(const u8 *b, size_t off) { u16 v; memcpy(&v, b + off, 2); return v; }
static u32 get32(const u8 *b, size_t off) { u32 v; memcpy(&v, b + off, 4); return v; }
static u64 get64(const u8 *b, size_t off) { u64 v; memcpy(&v, b + off, 8); return v; }

/* A small but well-formed 64-bit bzImage: protocol 2.15, 2 MiB aligned, relocatable. */
static void craft(u8 *b)
{
	memset(b, 0, IMG_SIZE);
	b[0x1f1] = SETUP_SECTS;
	put32(b, 0x1f4, KERNEL_SIZE / 16);		/* syssize */
	put16(b, 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;				/* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	put16(b, 0x206, 0x020f);
	b[0x211] = BZIMAGE_LOADED_HIGH;
	put32(b, 0x22c, 0x7fffffff);			/* initrd_addr_max */
	put32(b, 0x230, 0x200000);			/* kernel_alignment */
	b[0x234] = 1;					/* relocatable_kernel */
	put16(b, 0x236, BZIMAGE_XLF_KERNEL_64);
	put32(b, 0x238, 2047);				/* cmdline_size */
	put64(b, 0x258, 0x200000);			/* pref_address */
	put32(b, 0x260, 0x100000);			/* init_size */
	for (int i = 0; i < KERNEL_SIZE; i++)
		b[SETUP_SIZE + i] = (u8)(i * 7 + 1);
}

struct reject {
	size_t off;	/* where to write, or the length to cut the file to */
	u32 value;
	int width;	/* 1, 2, 4, 8 bytes; 0: truncate the file to off */
	const char *why;	/* a part of the message */
};

FIXTURE(reject) { u8 img[IMG_SIZE]; };
FIXTURE_VARIANT(reject) { struct reject r; };
FIXTURE_VARIANT_ADD(reject, too_short) { { 0x205, 0, 0, "too short" } };
FIXTURE_VARIANT_ADD(reject, no_boot_flag) { { 0x1fe, 0x55aa, 2, "0xaa55" } };
FIXTURE_VARIANT_ADD(reject, no_hdrs) { { 0x202, 0x12345678, 4, "HdrS" } };
FIXTURE_VARIANT_ADD(reject, old_protocol) { { 0x206, 0x020b, 2, "older than 2.12" } };
FIXTURE_VARIANT_ADD(reject, short_header) { { 0x201, 0x50, 1, "ends before init_size" } };
FIXTURE_VARIANT_ADD(reject, cut_in_setup) { { SETUP_SIZE - 1, 0, 0, "inside the setup sectors" } };
FIXTURE_VARIANT_ADD(reject, cut_in_kernel) { { SETUP_SIZE + 100, 0, 0, "syssize" } };
FIXTURE_VARIANT_ADD(reject, not_loaded_high) { { 0x211, 0, 1, "LOADED_HIGH" } };
FIXTURE_VARIANT_ADD(reject, no_kernel64) { { 0x236, 0x2, 2, "XLF_KERNEL_64" } };
FIXTURE_VARIANT_ADD(reject, align_not_pow2) { { 0x230, 0x300000, 4, "kernel_alignment" } };
FIXTURE_VARIANT_ADD(reject, align_too_small) { { 0x230, 0x800, 4, "kernel_alignment" } };
FIXTURE_VARIANT_ADD(reject, pref_unaligned) { { 0x258, 0x280000, 8, "pref_address" } };
FIXTURE_VARIANT_ADD(reject, pref_low) { { 0x258, 0, 8, "pref_address" } };
FIXTURE_VARIANT_ADD(reject, init_size_small) { { 0x260, KERNEL_SIZE - 1, 4, "init_size" } };
FIXTURE_VARIANT_ADD(reject, no_cmdline) { { 0x238, 0, 4, "cmdline_size" } };
FIXTURE_VARIANT_ADD(reject, initrd_max_low) { { 0x22c, 0xfffff, 4, "initrd_addr_max" } };

FIXTURE_SETUP(reject)
{
	craft(self->img);
}

FIXTURE_TEARDOWN(reject) {}

/* Each field the parser checks, broken alone, is refused with its own message. */
TEST_F(reject, field)
{
	const struct reject *r = &variant->r;
	struct bzimage bz;
	const char *why = NULL;
	size_t len = IMG_SIZE;
	u64 v = r->value;

	if (r->width)
		memcpy(self->img + r->off, &v, r->width);
	else
		len = r->off;
	EXPECT_EQ(-ENOEXEC, bzimage_parse(self->img, len, &bz, &why));
	ASSERT_NONNULL(why);
	EXPECT_NONNULL(strstr(why, r->why));
}

TEST(parse, crafted_accepted)
{
	static u8 img[IMG_SIZE];
	struct bzimage bz;
	const char *why = NULL;

	craft(img);
	ASSERT_TRUE(bzimage_detect(img, sizeof(img)));
	ASSERT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	EXPECT_EQ(0x020f, bz.version);
	EXPECT_EQ((u64)SETUP_SIZE, bz.kernel_offset);
	EXPECT_EQ((u64)KERNEL_SIZE, bz.kernel_size);
	EXPECT_EQ(0x26cu, bz.hdr_end);
	EXPECT_TRUE(bz.relocatable);
	EXPECT_EQ(0x200000u, bz.kernel_alignment);
	EXPECT_EQ(0x100000u, bz.init_size);
	EXPECT_EQ(2047u, bz.cmdline_size);
	/* setup_sects 0 means 4 */
	img[0x1f1] = 0;
	EXPECT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	EXPECT_EQ((u64)SETUP_SIZE, bz.kernel_offset);
	/* An ELF file is not taken for a bzImage. */
	memcpy(img, "\177ELF", 4);
	put16(img, 0x1fe, 0);
	EXPECT_FALSE(bzimage_detect(img, sizeof(img)));
	EXPECT_FALSE(bzimage_detect(img, 0x205));
}

static u8 *read_kernel(size_t *len, char *path, size_t room)
{
	glob_t g;
	struct stat st;
	u8 *buf = NULL;
	int fd;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) || !g.gl_pathc)
		return NULL;
	snprintf(path, room, "%s", g.gl_pathv[0]);
	globfree(&g);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && st.st_size > 0 && (buf = malloc(st.st_size)) &&
	    read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)st.st_size : 0;
	close(fd);
	return buf;
}

/* The distribution's kernel is accepted, placed at pref_address, and refused cut short. */
TEST(parse, real_kernel)
{
	struct mem_bank banks[MEM_MAX_BANKS];
	struct bzimage bz;
	const char *why = NULL;
	char path[256];
	size_t len;
	u8 *buf = read_kernel(&len, path, sizeof(path));
	int n;

	REQUIRE(buf, "no readable /boot/vmlinuz-* (package linux-image-amd64)");
	test_diag("%s: %zu bytes", path, len);
	ASSERT_TRUE(bzimage_detect(buf, len));
	ASSERT_EQ(0, bzimage_parse(buf, len, &bz, &why));
	EXPECT_GE(bz.version, 0x020c);
	EXPECT_TRUE(bz.xloadflags & BZIMAGE_XLF_KERNEL_64);
	EXPECT_GE((u64)bz.init_size, bz.kernel_size);
	n = mem_layout(256 * MIB, banks);
	ASSERT_EQ(0, bzimage_place(&bz, banks, n, 4 * MIB, 40, &why));
	EXPECT_EQ(bz.pref_address, bz.load_addr);
	EXPECT_GE(bz.initrd_addr, bz.load_addr + bz.init_size);
	EXPECT_EQ(256 * MIB - 4 * MIB, bz.initrd_addr);
	/* Too little RAM for init_size: the message says what to do. */
	n = mem_layout(16 * MIB, banks);
	EXPECT_EQ(-ERANGE, bzimage_place(&bz, banks, n, 0, 40, &why));
	EXPECT_NONNULL(strstr(why, "--memory"));

	EXPECT_EQ(-ENOEXEC, bzimage_parse(buf, len / 2, &bz, &why));
	EXPECT_NONNULL(strstr(why, "truncated"));
	EXPECT_EQ(-ENOEXEC, bzimage_parse(buf, 4096, &bz, &why));
	EXPECT_NONNULL(strstr(why, "truncated"));
	free(buf);
}

/* Kernel and initrd placement, the relocatable fallback, the command line's limit. */
TEST(place, kernel_initrd_cmdline)
{
	static u8 img[IMG_SIZE];
	struct mem_bank banks[MEM_MAX_BANKS];
	struct bzimage bz;
	const char *why = NULL;
	int n = mem_layout(8 * MIB, banks);

	craft(img);
	put64(img, 0x258, 0x1000000);		/* pref_address 16 MiB: not in 8 MiB */
	ASSERT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	ASSERT_EQ(0, bzimage_place(&bz, banks, n, 10000, 2047, &why));
	EXPECT_EQ(2 * MIB, bz.load_addr);	/* relocated to the first 2 MiB boundary */
	EXPECT_EQ(8 * MIB - 3 * 4096, bz.initrd_addr);
	EXPECT_EQ(10000u, bz.initrd_size);
	EXPECT_EQ(-E2BIG, bzimage_place(&bz, banks, n, 0, 2048, &why));
	/* The initrd may not reach down into the kernel's init_size. */
	EXPECT_EQ(-ERANGE, bzimage_place(&bz, banks, n, 5 * MIB + 4096, 0, &why));
	EXPECT_NONNULL(strstr(why, "initrd"));
	/* Not relocatable: pref_address or nothing. */
	img[0x234] = 0;
	ASSERT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	EXPECT_EQ(-ERANGE, bzimage_place(&bz, banks, n, 0, 0, &why));
	/* initrd_addr_max caps the initrd's top. */
	put32(img, 0x22c, 0x5fffff);
	put64(img, 0x258, 0x200000);
	ASSERT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	ASSERT_EQ(0, bzimage_place(&bz, banks, n, 4096, 0, &why));
	EXPECT_EQ(0x5ff000u, bz.initrd_addr);
}

/* An engine whose RAM is @banks (for the V-12 check). */
static struct migctl_host *host_for(const struct mem_bank *banks, int n)
{
	struct migctl_host_region ram[MEM_MAX_BANKS];
	struct migctl_host_config cfg = { .ram = ram, .nr_ram = n };
	struct migctl_host *host = NULL;

	for (int i = 0; i < n; i++)
		ram[i] = (struct migctl_host_region){ banks[i].gpa, banks[i].size };
	return migctl_host_create(&cfg, &host) ? NULL : host;
}

/*
 * The e820 map: the MP table page carved out of the low RAM and reserved,
 * the legacy hole, RAM from 1 MiB; it passes the host library's check.
 * Covers: V-12
 */
TEST(e820, tables_reserved)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	struct mem mem = { 0 };
	struct migctl_host *host;
	const char *why = NULL;
	u64 addr = 0, size = 0;
	int n;

	mem.nr_banks = mem_layout(256 * MIB, mem.banks);
	n = bzimage_e820(&mem, map);
	ASSERT_EQ(4, n);
	EXPECT_EQ(0u, map[0].addr);
	EXPECT_EQ(BZIMAGE_ACPI, map[0].size);
	EXPECT_EQ((u32)MIGCTL_PVH_MEMMAP_RAM, map[0].type);
	EXPECT_EQ(BZIMAGE_ACPI, map[1].addr);
	EXPECT_EQ(BZIMAGE_ACPI_SIZE + BZIMAGE_MPTABLE_SIZE, map[1].size);
	EXPECT_EQ((u32)MIGCTL_PVH_MEMMAP_RESERVED, map[1].type);
	EXPECT_EQ(0xa0000u, map[2].addr);
	EXPECT_EQ((u32)MIGCTL_PVH_MEMMAP_RESERVED, map[2].type);
	EXPECT_EQ(MIB, map[3].addr);
	EXPECT_EQ(255 * MIB, map[3].size);
	host = host_for(mem.banks, mem.nr_banks);
	ASSERT_NONNULL(host);
	EXPECT_EQ(0, boot_check_e820(host, map, n, &why, &addr, &size));
	migctl_host_destroy(host);
}

/* Guest RAM from malloc, the crafted kernel loaded: zero page, tables, GDT, MP table. */
TEST(load, zero_page_and_tables)
{
	static u8 img[IMG_SIZE];
	struct mem mem = { 0 };
	struct bzimage bz;
	const char *why = NULL;
	u8 initrd[5000], *zp, *e;
	u64 *pml4, *pdpt, *pd, *gdt;

	memset(initrd, 0x5a, sizeof(initrd));
	craft(img);
	mem.nr_banks = mem_layout(8 * MIB, mem.banks);
	mem.host = calloc(1, 8 * MIB);
	ASSERT_NONNULL(mem.host);
	ASSERT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	ASSERT_EQ(0, bzimage_place(&bz, mem.banks, mem.nr_banks, sizeof(initrd), 11, &why));
	ASSERT_EQ(0, bzimage_load(&mem, img, &bz, initrd, "console=x y", 2));

	EXPECT_EQ(0, memcmp(mem.host + 2 * MIB, img + SETUP_SIZE, KERNEL_SIZE));
	EXPECT_EQ(0, memcmp(mem.host + bz.initrd_addr, initrd, sizeof(initrd)));
	EXPECT_STREQ("console=x y", (char *)mem.host + BZIMAGE_CMDLINE);

	zp = mem.host + BZIMAGE_ZERO_PAGE;
	/* The file's header, but for what the loader fills in (0x210..0x22b). */
	EXPECT_EQ(0, memcmp(zp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1));
	EXPECT_EQ(0, memcmp(zp + 0x22c, img + 0x22c, 0x26c - 0x22c));
	EXPECT_EQ(0, zp[0x26c]);
	EXPECT_EQ(0x020f, get16(zp, 0x206));
	EXPECT_EQ(0xff, zp[0x210]);				/* type_of_loader */
	EXPECT_EQ((u32)BZIMAGE_CMDLINE, get32(zp, 0x228));
	EXPECT_EQ((u32)bz.initrd_addr, get32(zp, 0x218));
	EXPECT_EQ((u32)sizeof(initrd), get32(zp, 0x21c));
	EXPECT_EQ(0u, get32(zp, 0x0c0));
	EXPECT_EQ(0x200000u, get32(zp, 0x214));		/* code32_start */
	EXPECT_EQ(0, zp[0x1ef]);				/* sentinel */
	EXPECT_EQ(BZIMAGE_ACPI, get64(zp, 0x070));		/* acpi_rsdp_addr */
	EXPECT_EQ(BZIMAGE_ACPI >> 4, get16(mem.host, 0x40e));	/* the EBDA: the RSDP */
	EXPECT_EQ(0, memcmp(mem.host + BZIMAGE_ACPI, "RSD PTR ", 8));
	ASSERT_EQ(4, zp[0x1e8]);
	e = zp + 0x2d0;
	EXPECT_EQ(0u, get64(e, 0));
	EXPECT_EQ(BZIMAGE_ACPI, get64(e, 8));
	EXPECT_EQ(1u, get32(e, 16));
	EXPECT_EQ(BZIMAGE_ACPI, get64(e + 20, 0));
	EXPECT_EQ(0x2000u, get64(e + 20, 8));
	EXPECT_EQ(2u, get32(e + 20, 16));
	EXPECT_EQ(MIB, get64(e + 60, 0));
	EXPECT_EQ(7 * MIB, get64(e + 60, 8));
	EXPECT_EQ(0, zp[0x2d0 + 4 * 20]);			/* nothing after */

	pml4 = (u64 *)(mem.host + BZIMAGE_PML4);
	pdpt = (u64 *)(mem.host + BZIMAGE_PDPT);
	pd = (u64 *)(mem.host + BZIMAGE_PD);
	EXPECT_EQ(BZIMAGE_PDPT | 3, pml4[0]);
	EXPECT_EQ(0u, pml4[1]);
	EXPECT_EQ((BZIMAGE_PD + 3 * 4096) | 3, pdpt[3]);
	EXPECT_EQ(0u, pdpt[4]);
	EXPECT_EQ(0x83u, pd[0]);
	EXPECT_EQ((16 * MIB) | 0x83, pd[8]);
	EXPECT_EQ((4ull << 30) - 2 * MIB + 0x83, pd[4 * 512 - 1]);
	gdt = (u64 *)(mem.host + BZIMAGE_GDT);
	EXPECT_EQ(0u, gdt[0]);
	EXPECT_TRUE(gdt[2] >> 53 & 1);				/* CS: L */
	EXPECT_FALSE(gdt[2] >> 54 & 1);				/* CS: not D */
	EXPECT_EQ(0x93u, (u32)(gdt[3] >> 40 & 0xff));		/* DS: data, present */

	EXPECT_EQ(0, memcmp(mem.host + 0x9fc00, "_MP_", 4));
	EXPECT_EQ((u32)BZIMAGE_MPTABLE, get32(mem.host, 0x9fc04));
	EXPECT_EQ(0, memcmp(mem.host + BZIMAGE_MPTABLE, "PCMP", 4));
	free(mem.host);
}

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

FIXTURE(mp) { u8 fp[MPTABLE_FLOAT_SIZE]; u8 cfg[4096]; };
FIXTURE_VARIANT(mp) { int cpus; };
FIXTURE_VARIANT_ADD(mp, cpus_1) { 1 };
FIXTURE_VARIANT_ADD(mp, cpus_2) { 2 };
FIXTURE_VARIANT_ADD(mp, cpus_4) { 4 };
FIXTURE_VARIANT_ADD(mp, cpus_64) { 64 };
FIXTURE_SETUP(mp)
{
	memset(self->cfg, 0xee, sizeof(self->cfg));
}
FIXTURE_TEARDOWN(mp) {}

/* vCPU @i's initial APIC ID in the CPUID vcpu_create() gives it. */
static u32 cpuid_apic_id(int i)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[1];
	} t = { .c.nent = 1, .e[0] = { .function = 1, .ebx = 0x00080800 } };

	guest_cpuid_set_apic_id(&t.c, i);
	return t.e[0].ebx >> 24;
}

/* Checksums, sizes, entry counts, one processor per vCPU with its CPUID's APIC ID. */
TEST_F(mp, table)
{
	int n = variant->cpus, cpus = 0, ioints = 0, lints = 0, bus = 0, ioapic = 0;
	size_t len = mptable_size(n) - MPTABLE_FLOAT_SIZE;
	const u8 *p;

	ASSERT_EQ(0, mptable_build(self->fp, self->cfg, 0x9f000, n));
	EXPECT_EQ(0, memcmp(self->fp, "_MP_", 4));
	EXPECT_EQ(0x9f000u, get32(self->fp, 4));
	EXPECT_EQ(1, self->fp[8]);
	EXPECT_EQ(4, self->fp[9]);
	EXPECT_EQ(0, sum(self->fp, MPTABLE_FLOAT_SIZE));
	EXPECT_EQ(0, memcmp(self->cfg, "PCMP", 4));
	ASSERT_EQ(len, get16(self->cfg, 4));
	EXPECT_EQ(0, sum(self->cfg, len));
	EXPECT_EQ(0xee, self->cfg[len]);			/* nothing written past */
	EXPECT_EQ((u32)n + 19, get16(self->cfg, 34));
	EXPECT_EQ(MPTABLE_LAPIC_ADDR, get32(self->cfg, 36));

	p = self->cfg + MPTABLE_HDR_SIZE;
	for (u16 i = 0; i < get16(self->cfg, 34); i++) {
		switch (p[0]) {
		case MPTABLE_PROCESSOR:
			EXPECT_EQ(cpuid_apic_id(cpus), p[1]);
			EXPECT_EQ(cpus ? 1 : 3, p[3]);		/* enabled, BSP first */
			cpus++;
			p += MPTABLE_CPU_SIZE;
			continue;
		case MPTABLE_BUS:
			EXPECT_EQ(0, memcmp(p + 2, "ISA   ", 6));
			bus++;
			break;
		case MPTABLE_IOAPIC:
			EXPECT_EQ(n, p[1]);
			EXPECT_EQ(MPTABLE_IOAPIC_ADDR, get32(p, 4));
			ioapic++;
			break;
		case MPTABLE_IOINTR:
			EXPECT_EQ(p[5], p[7]);			/* ISA IRQ n on pin n */
			EXPECT_NE(2, p[5]);
			EXPECT_EQ(n, p[6]);
			ioints++;
			break;
		case MPTABLE_LINTR:
			EXPECT_EQ(0xff, p[6]);
			lints++;
			break;
		default:
			ASSERT_TRUE(!"unknown entry type");
		}
		p += MPTABLE_ENTRY_SIZE;
	}
	EXPECT_EQ((size_t)(p - self->cfg), len);
	EXPECT_EQ(n, cpus);
	EXPECT_EQ(1, bus);
	EXPECT_EQ(1, ioapic);
	EXPECT_EQ(15, ioints);
	EXPECT_EQ(2, lints);
}

TEST(mp, bad_cpu_counts)
{
	u8 fp[MPTABLE_FLOAT_SIZE], cfg[8192];

	EXPECT_EQ(-EINVAL, mptable_build(fp, cfg, 0x9f000, 0));
	EXPECT_EQ(-EINVAL, mptable_build(fp, cfg, 0x9f000, 255));
	EXPECT_EQ(0, mptable_build(fp, cfg, 0x9f000, 254));
}

/* What acpi_read() found. */
struct madt_seen {
	int lapics, ioapics, isos, nmis;
	u32 apic_id[256];
	u64 table[5];		/* RSDP, XSDT, FADT, DSDT, MADT */
	u32 len[5];
};

static const u8 *table_at(const u8 *ram, size_t ram_size, u64 gpa, u32 len)
{
	return gpa < ram_size && len <= ram_size - gpa ? ram + gpa : NULL;
}

/*
 * The ACPI tables read back as a guest reads them, from the RSDP at @rsdp_gpa
 * in RAM @ram (guest physical 0 at @ram[0], @ram_size bytes): every
 * signature, length, revision and checksum, the XSDT's two tables, the
 * FADT's DSDT, and the MADT's entries counted into @m.
 */
static void acpi_read(const u8 *ram, size_t ram_size,
		      u64 rsdp_gpa, int nr_cpus, struct madt_seen *m)
{
	const u8 *rsdp, *xsdt, *fadt, *dsdt, *madt, *p, *end;
	u64 madt_gpa = 0, fadt_gpa = 0;

	memset(m, 0, sizeof(*m));
	rsdp = table_at(ram, ram_size, rsdp_gpa, ACPI_RSDP_SIZE);
	ASSERT_NONNULL(rsdp);
	EXPECT_EQ(0, memcmp(rsdp, "RSD PTR ", 8));
	EXPECT_EQ(0, sum(rsdp, 20));
	EXPECT_EQ(0, sum(rsdp, ACPI_RSDP_SIZE));
	EXPECT_EQ(2, rsdp[15]);
	EXPECT_EQ((u32)ACPI_RSDP_SIZE, get32(rsdp, 20));
	m->table[0] = rsdp_gpa;
	m->len[0] = ACPI_RSDP_SIZE;

	m->table[1] = get64(rsdp, 24);
	xsdt = table_at(ram, ram_size, m->table[1], ACPI_HDR_SIZE + 16);
	ASSERT_NONNULL(xsdt);
	EXPECT_EQ(0, memcmp(xsdt, "XSDT", 4));
	ASSERT_EQ((u32)ACPI_HDR_SIZE + 16, get32(xsdt, 4));
	m->len[1] = ACPI_HDR_SIZE + 16;
	EXPECT_EQ(1, xsdt[8]);
	EXPECT_EQ(0, sum(xsdt, m->len[1]));
	for (int i = 0; i < 2; i++) {
		u64 t = get64(xsdt, ACPI_HDR_SIZE + 8 * i);
		const u8 *h = table_at(ram, ram_size, t, ACPI_HDR_SIZE);

		ASSERT_NONNULL(h);
		if (!memcmp(h, "FACP", 4))
			fadt_gpa = t;
		else if (!memcmp(h, "APIC", 4))
			madt_gpa = t;
	}
	ASSERT_NE(0u, fadt_gpa);
	ASSERT_NE(0u, madt_gpa);

	fadt = table_at(ram, ram_size, fadt_gpa, ACPI_FADT_SIZE);
	ASSERT_NONNULL(fadt);
	ASSERT_EQ((u32)ACPI_FADT_SIZE, get32(fadt, 4));
	EXPECT_EQ(6, fadt[8]);
	EXPECT_EQ(3, fadt[ACPI_FADT_MINOR]);
	EXPECT_EQ(0, sum(fadt, ACPI_FADT_SIZE));
	EXPECT_EQ(ACPI_FADT_HW_REDUCED, get32(fadt, ACPI_FADT_FLAGS));
	EXPECT_EQ(0u, get32(fadt, 36));				/* no FACS */
	EXPECT_EQ(0u, get64(fadt, 132));
	EXPECT_EQ(0, get16(fadt, 46));				/* no SCI */
	EXPECT_EQ(0u, get32(fadt, 76));				/* no PM timer */
	EXPECT_EQ(0u, get64(fadt, 208 + 4));			/* X_PM_TMR_BLK */
	EXPECT_EQ(0, fadt[91]);					/* PM_TMR_LEN */
	EXPECT_EQ((u64)get32(fadt, ACPI_FADT_DSDT), get64(fadt, ACPI_FADT_X_DSDT));
	m->table[2] = fadt_gpa;
	m->len[2] = ACPI_FADT_SIZE;

	m->table[3] = get64(fadt, ACPI_FADT_X_DSDT);
	dsdt = table_at(ram, ram_size, m->table[3], ACPI_HDR_SIZE);
	ASSERT_NONNULL(dsdt);
	EXPECT_EQ(0, memcmp(dsdt, "DSDT", 4));
	ASSERT_EQ((u32)ACPI_HDR_SIZE, get32(dsdt, 4));		/* an empty AML body */
	EXPECT_EQ(2, dsdt[8]);
	EXPECT_EQ(0, sum(dsdt, ACPI_HDR_SIZE));
	m->len[3] = ACPI_HDR_SIZE;

	madt = table_at(ram, ram_size, madt_gpa, ACPI_MADT_HDR_SIZE);
	ASSERT_NONNULL(madt);
	m->table[4] = madt_gpa;
	m->len[4] = get32(madt, 4);
	ASSERT_NONNULL(table_at(ram, ram_size, madt_gpa, m->len[4]));
	EXPECT_EQ(5, madt[8]);
	EXPECT_EQ(0, sum(madt, m->len[4]));
	EXPECT_EQ(MPTABLE_LAPIC_ADDR, get32(madt, 36));
	EXPECT_EQ(1u, get32(madt, 40));				/* PCAT_COMPAT */
	p = madt + ACPI_MADT_HDR_SIZE;
	end = madt + m->len[4];
	while (p < end) {
		ASSERT_TRUE(p + 2 <= end && p[1] >= 2 && p + p[1] <= end);
		switch (p[0]) {
		case ACPI_MADT_LAPIC:
			ASSERT_EQ(ACPI_MADT_LAPIC_LEN, p[1]);
			ASSERT_LT(m->lapics, 256);
			EXPECT_EQ(m->lapics, p[2]);		/* processor UID */
			m->apic_id[m->lapics++] = p[3];
			EXPECT_EQ(1u, get32(p, 4));		/* enabled */
			break;
		case ACPI_MADT_IOAPIC:
			ASSERT_EQ(ACPI_MADT_IOAPIC_LEN, p[1]);
			EXPECT_EQ(nr_cpus, p[2]);		/* the MP table's IOAPIC ID */
			EXPECT_EQ(MPTABLE_IOAPIC_ADDR, get32(p, 4));
			EXPECT_EQ(0u, get32(p, 8));		/* GSI base */
			m->ioapics++;
			break;
		case ACPI_MADT_ISO:
			ASSERT_EQ(ACPI_MADT_ISO_LEN, p[1]);
			EXPECT_EQ(0, p[2]);			/* ISA */
			EXPECT_EQ(0, p[3]);			/* IRQ 0 */
			/* The MP table puts ISA IRQ 0 on IOAPIC pin 0: GSI 0. */
			EXPECT_EQ(0u, get32(p, 4));
			EXPECT_EQ(5, get16(p, 8));		/* edge, active high */
			m->isos++;
			break;
		case ACPI_MADT_LAPIC_NMI:
			ASSERT_EQ(ACPI_MADT_NMI_LEN, p[1]);
			EXPECT_EQ(0xff, p[2]);			/* every processor */
			EXPECT_EQ(1, p[5]);			/* LINT1 */
			m->nmis++;
			break;
		default:
			ASSERT_TRUE(!"unknown MADT entry type");
		}
		p += p[1];
	}
}

FIXTURE(acpi) { u8 ram[0xa0000]; };
FIXTURE_VARIANT(acpi) { int cpus; };
FIXTURE_VARIANT_ADD(acpi, cpus_1) { 1 };
FIXTURE_VARIANT_ADD(acpi, cpus_2) { 2 };
FIXTURE_VARIANT_ADD(acpi, cpus_4) { 4 };
FIXTURE_VARIANT_ADD(acpi, cpus_64) { 64 };
FIXTURE_VARIANT_ADD(acpi, cpus_254) { 254 };
FIXTURE_SETUP(acpi)
{
	memset(self->ram, 0xee, sizeof(self->ram));
}
FIXTURE_TEARDOWN(acpi) {}

/* Signatures, lengths, checksums, one enabled Local APIC per vCPU with its CPUID's APIC ID. */
TEST_F(acpi, tables)
{
	int n = variant->cpus;
	size_t len = acpi_size(n);
	struct madt_seen m;
	u64 end = 0;

	ASSERT_LE(len, (size_t)BZIMAGE_ACPI_SIZE);
	ASSERT_EQ(0, acpi_build(self->ram + BZIMAGE_ACPI, BZIMAGE_ACPI, n));
	EXPECT_EQ(0xee, self->ram[BZIMAGE_ACPI + len]);		/* nothing written past */
	EXPECT_EQ(0xee, self->ram[BZIMAGE_ACPI - 1]);
	acpi_read(self->ram, sizeof(self->ram), BZIMAGE_ACPI, n, &m);
	ASSERT_EQ(n, m.lapics);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(cpuid_apic_id(i), m.apic_id[i]);
	EXPECT_EQ(1, m.ioapics);
	EXPECT_EQ(1, m.isos);
	EXPECT_EQ(1, m.nmis);
	EXPECT_EQ((u32)(ACPI_MADT_HDR_SIZE + n * 8 + 12 + 10 + 6), m.len[4]);
	/* The tables do not overlap and end where acpi_size() says. */
	for (int i = 0; i < 5; i++) {
		for (int j = 0; j < 5; j++)
			if (i != j)
				EXPECT_TRUE(m.table[i] + m.len[i] <= m.table[j] ||
					    m.table[j] + m.len[j] <= m.table[i]);
		if (m.table[i] + m.len[i] > end)
			end = m.table[i] + m.len[i];
	}
	EXPECT_EQ(BZIMAGE_ACPI + len, end);
}

TEST(acpi, bad_arguments)
{
	static u8 buf[8192];

	EXPECT_EQ(-EINVAL, acpi_build(buf, 0x9e000, 0));
	EXPECT_EQ(-EINVAL, acpi_build(buf, 0x9e000, 255));
	EXPECT_EQ(-EINVAL, acpi_build(buf, 0x9e008, 1));		/* not 16-byte aligned */
	EXPECT_EQ(-EINVAL, acpi_build(buf, 0xffffff00, 1));	/* crosses 4 GiB */
	EXPECT_EQ(0, acpi_build(buf, 0x9e000, 254));
}

/* Loaded for 1, 2, 4 and 64 vCPUs: the kernel finds the RSDP and every table in reserved e820. */
TEST(load, acpi_in_reserved_e820)
{
	static const int counts[] = { 1, 2, 4, 64 };
	static u8 img[IMG_SIZE];
	struct mem mem = { 0 };
	struct bzimage bz;
	const char *why = NULL;

	craft(img);
	mem.nr_banks = mem_layout(8 * MIB, mem.banks);
	mem.host = calloc(1, 8 * MIB);
	ASSERT_NONNULL(mem.host);
	ASSERT_EQ(0, bzimage_parse(img, sizeof(img), &bz, &why));
	ASSERT_EQ(0, bzimage_place(&bz, mem.banks, mem.nr_banks, 0, 4, &why));
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		const u8 *zp = mem.host + BZIMAGE_ZERO_PAGE;
		struct madt_seen m;
		int n = counts[c], nr_e820;

		test_diag("%d vCPUs", n);
		ASSERT_EQ(0, bzimage_load(&mem, img, &bz, NULL, "x=y", n));
		acpi_read(mem.host, MEM_LOW_END, get64(zp, 0x070), n, &m);
		EXPECT_EQ(n, m.lapics);
		nr_e820 = zp[0x1e8];
		for (int i = 0; i < 5; i++) {
			bool in = false;

			for (int j = 0; j < nr_e820; j++) {
				const u8 *e = zp + 0x2d0 + j * 20;

				if (get32(e, 16) == 2 && m.table[i] >= get64(e, 0) &&
				    m.table[i] + m.len[i] <= get64(e, 0) + get64(e, 8))
					in = true;
			}
			EXPECT_TRUE(in);
		}
		/* The EBDA the BIOS data area names starts with the RSDP. */
		EXPECT_EQ(get64(zp, 0x070), (u64)get16(mem.host, 0x40e) << 4);
	}
	free(mem.host);
}
