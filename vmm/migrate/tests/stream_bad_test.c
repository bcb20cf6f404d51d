/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_bad_test.c - the stream reader against every class of malformed input. */

#include <sys/resource.h>

#include "test.h"
#include "migrate_test_util.h"
#include "stream-priv.h"
#include "raw_stream.h"

struct bad_case {
	const char *name;
	void (*build)(struct raw *r);
	int err;
	const char *msg;
};

static void b_good(struct raw *r)
{
	raw_start(r);
	raw_finish(r);
}

static void b_magic(struct raw *r)
{
	b_good(r);
	r->buf[3] = 'X';
}

static void b_ver0(struct raw *r)
{
	raw_header(r, 0, 0);
}

/* Version 1: a BLAKE2b-256 END, PRIVATE pages sealed otherwise. */
static void b_ver1(struct raw *r)
{
	raw_header(r, 1, 0);
}

/* Version 2: PRIVATE pages sealed with AES-256-GCM, the keystream ChaCha20. */
static void b_ver2(struct raw *r)
{
	raw_header(r, 2, 0);
}

static void b_ver4(struct raw *r)
{
	raw_header(r, 4, 0);
}

static void b_verff(struct raw *r)
{
	raw_header(r, 0xffffffffu, 0);
}

static void b_hflags(struct raw *r)
{
	raw_header(r, MIGCTL_STREAM_VERSION, 1);
}

static void b_type8(struct raw *r)
{
	raw_start(r);
	raw_section(r, 8, 0);
	raw_finish(r);
}

static void b_type0(struct raw *r)
{
	raw_start(r);
	raw_section(r, 0, 0);
	raw_finish(r);
}

static void b_typeff(struct raw *r)
{
	raw_start(r);
	raw_section(r, ~0u, 8);
	raw_finish(r);
}

static void b_sflags(struct raw *r)
{
	raw_start(r);
	raw_u32(r, MIGCTL_SEC_ROUND);
	raw_u32(r, 0x80);
	raw_u64(r, 8);
	raw_u64(r, 0);
	raw_finish(r);
}

static void b_no_config(struct raw *r)
{
	raw_header(r, MIGCTL_STREAM_VERSION, 0);
	raw_ram_one(r, 0, 1, MIGCTL_PAGE_ZERO, 0);
}

static void b_config2(struct raw *r)
{
	struct migrate_config c;

	raw_start(r);
	sample_config(&c, true);
	raw_config(r, &c);
	raw_finish(r);
}

static void b_cfg_len(struct raw *r)
{
	raw_header(r, MIGCTL_STREAM_VERSION, 0);
	raw_section(r, MIGCTL_SEC_CONFIG, 1ull << 63);
}

static void b_cfg_regions(struct raw *r)
{
	b_good(r);
	r->buf[32] = 3; /* nr_regions */
}

static void b_cfg_nr0(struct raw *r)
{
	b_good(r);
	memset(r->buf + 32, 0, 4);
}

static void b_cfg_sevsim2(struct raw *r)
{
	b_good(r);
	r->buf[32 + 12] = 2;
}

static void b_cfg_resv(struct raw *r)
{
	b_good(r);
	r->buf[32 + 28] = 1;
}

static void b_cfg_overlap(struct raw *r)
{
	struct migrate_config c;
	u8 body[STREAM_CFG_MAX_BYTES];
	size_t n;

	sample_config(&c, true);
	n = stream_config_encode(&c, body);
	put_le64(body + STREAM_CFG_BYTES + 16,
		 0x1000); /* region 1 gpa inside region 0 */
	raw_header(r, MIGCTL_STREAM_VERSION, 0);
	raw_section(r, MIGCTL_SEC_CONFIG, n);
	raw_bytes(r, body, n);
	raw_finish(r);
}

static void b_ram_huge(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_RAM, 1ull << 63);
}

static void b_ram_short(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_RAM, 8);
	raw_u64(r, 0);
	raw_finish(r);
}

static void b_ram_count(struct raw *r, u32 n)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_RAM, 16 + 8);
	raw_u64(r, 0);
	raw_u32(r, n);
	raw_u32(r, 0);
	raw_u64(r, MIGCTL_PAGE_DESC(1, MIGCTL_PAGE_ZERO));
	raw_finish(r);
}

static void b_ram_zero(struct raw *r)
{
	b_ram_count(r, 0);
}

static void b_ram_257(struct raw *r)
{
	b_ram_count(r, MIGCTL_STREAM_RAM_BATCH_MAX + 1);
}

static void b_ram_2(struct raw *r)
{
	b_ram_count(r, 2);
}

static void b_ram_round(struct raw *r)
{
	raw_start(r);
	raw_ram_one(r, 1, 1, MIGCTL_PAGE_ZERO, 0);
	raw_finish(r);
}

static void b_ram_kind0(struct raw *r)
{
	raw_start(r);
	raw_ram_one(r, 0, 1, 0, 0);
	raw_finish(r);
}

static void b_ram_kind4(struct raw *r)
{
	raw_start(r);
	raw_ram_one(r, 0, 1, 4, 0);
	raw_finish(r);
}

static void b_ram_hole(struct raw *r)
{
	raw_start(r);
	raw_ram_one(r, 0, 0x20, MIGCTL_PAGE_ZERO, 0);
	raw_finish(r);
}

static void b_ram_far(struct raw *r)
{
	raw_start(r);
	raw_ram_one(r, 0, 1ull << 51, MIGCTL_PAGE_ZERO, 0);
	raw_finish(r);
}

static void b_ram_trail(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_RAM, 16 + 8 + 4);
	raw_u64(r, 0);
	raw_u32(r, 1);
	raw_u32(r, 0);
	raw_u64(r, MIGCTL_PAGE_DESC(1, MIGCTL_PAGE_ZERO));
	raw_u32(r, 0);
	raw_finish(r);
}

static void b_ram_datashort(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_RAM, 16 + 8 + 100);
	raw_u64(r, 0);
	raw_u32(r, 1);
	raw_u32(r, 0);
	raw_u64(r, MIGCTL_PAGE_DESC(1, MIGCTL_PAGE_RAW));
	raw_finish(r);
}

static void b_private_plain(struct raw *r)
{
	struct migrate_config c;

	sample_config(&c, false);
	raw_header(r, MIGCTL_STREAM_VERSION, 0);
	raw_config(r, &c);
	raw_ram_one(r, 0, 1, MIGCTL_PAGE_PRIVATE, MIGCTL_SEALED_PAGE_BYTES);
	raw_finish(r);
}

static void b_status0(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_STATUS, 0);
	raw_finish(r);
}

static void b_status_big(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_STATUS, 32 + 16 * 48 + 1);
}

static void b_status2(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_STATUS, 1);
	raw_bytes(r, "t", 1);
	raw_finish(r);
}

static void b_dev(struct raw *r, const char name[16])
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_DEVICE, 16);
	raw_bytes(r, name, 16);
	raw_finish(r);
}

static void b_dev_upper(struct raw *r)
{
	b_dev(r, "Serial\0\0\0\0\0\0\0\0\0");
}

static void b_dev_empty(struct raw *r)
{
	b_dev(r, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
}

static void b_dev_junk(struct raw *r)
{
	b_dev(r, "uart\0x\0\0\0\0\0\0\0\0\0");
}

static void b_dev_full(struct raw *r)
{
	b_dev(r, "0123456789abcdef");
}

static void b_dev_short(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_DEVICE, 15);
}

static void b_dev_huge(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_DEVICE, 16 + (2u << 20));
}

static void b_vcpu_idx(struct raw *r)
{
	raw_start(r);
	raw_vcpu(r, 2);
	raw_finish(r);
}

static void b_vcpu_dup(struct raw *r)
{
	raw_start(r);
	raw_vcpu(r, 1);
	raw_finish(r);
}

static void b_vcpu_resv(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_VCPU, 8);
	raw_u32(r, 0);
	raw_u32(r, 1);
}

static void b_vcpu_huge(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_VCPU, ~0ull);
}

static void b_round_len(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_ROUND, 9);
}

static void b_round_seq(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_ROUND, 8);
	raw_u64(r, 1);
}

static void b_end_len(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_END, 31);
}

/* Version 1's END length (BLAKE2b-256): refused before any digest is read. */
static void b_end_len_v1(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_END, 32);
}

static void b_end_nostatus(struct raw *r)
{
	raw_start(r);
	raw_vcpu(r, 0);
	raw_vcpu(r, 1);
	raw_end(r);
}

static void b_end_novcpu(struct raw *r)
{
	raw_start(r);
	raw_section(r, MIGCTL_SEC_STATUS, 1);
	raw_bytes(r, "s", 1);
	raw_vcpu(r, 1);
	raw_end(r);
}

static void b_checksum(struct raw *r)
{
	b_good(r);
	r->buf[r->len - 1] ^= 0x40;
}

static void b_empty(struct raw *r)
{
}

static const struct bad_case bad_cases[] = {
	{ "valid", b_good, 0, "" },
	{ "empty input", b_empty, -ENODATA, "truncated" },
	{ "bad magic", b_magic, -EBADMSG, "bad magic" },
	{ "version 0", b_ver0, -EPROTONOSUPPORT,
	  "unsupported stream format version 0" },
	{ "version 1", b_ver1, -EPROTONOSUPPORT,
	  "unsupported stream format version 1 (this build reads version 3)" },
	{ "version 2", b_ver2, -EPROTONOSUPPORT,
	  "unsupported stream format version 2 (this build reads version 3)" },
	{ "version 4", b_ver4, -EPROTONOSUPPORT,
	  "unsupported stream format version 4" },
	{ "version ~0", b_verff, -EPROTONOSUPPORT,
	  "unsupported stream format version" },
	{ "header flags", b_hflags, -EBADMSG, "header flags" },
	{ "section type 8", b_type8, -EBADMSG, "unknown section type 8" },
	{ "section type 0", b_type0, -EBADMSG, "unknown section type 0" },
	{ "section type ~0", b_typeff, -EBADMSG,
	  "unknown section type 4294967295" },
	{ "section flags", b_sflags, -EBADMSG, "has flags 0x80" },
	{ "no CONFIG first", b_no_config, -EBADMSG, "not CONFIG" },
	{ "second CONFIG", b_config2, -EBADMSG, "second CONFIG" },
	{ "CONFIG length 2^63", b_cfg_len, -EBADMSG, "CONFIG length" },
	{ "CONFIG length vs regions", b_cfg_regions, -EBADMSG,
	  "CONFIG length" },
	{ "CONFIG 0 regions", b_cfg_nr0, -EBADMSG, "0 RAM regions" },
	{ "CONFIG sev-sim 2", b_cfg_sevsim2, -EBADMSG, "sev-sim field" },
	{ "CONFIG reserved", b_cfg_resv, -EBADMSG, "reserved" },
	{ "CONFIG overlapping regions", b_cfg_overlap, -EBADMSG, "overlaps" },
	{ "RAM length 2^63", b_ram_huge, -EBADMSG, "RAM section length" },
	{ "RAM length 8", b_ram_short, -EBADMSG, "RAM section length" },
	{ "RAM 0 pages", b_ram_zero, -EBADMSG, "RAM batch of 0 pages" },
	{ "RAM 257 pages", b_ram_257, -EBADMSG, "RAM batch of 257 pages" },
	{ "RAM count > content", b_ram_2, -EBADMSG, "too short" },
	{ "RAM wrong round", b_ram_round, -EBADMSG, "round 1 during round 0" },
	{ "RAM kind 0", b_ram_kind0, -EBADMSG, "unknown kind 0" },
	{ "RAM kind 4", b_ram_kind4, -EBADMSG, "unknown kind 4" },
	{ "RAM gfn in hole", b_ram_hole, -EBADMSG, "outside guest RAM" },
	{ "RAM gfn 2^51", b_ram_far, -EBADMSG, "outside guest RAM" },
	{ "RAM trailing bytes", b_ram_trail, -EBADMSG, "bytes after" },
	{ "RAM data short", b_ram_datashort, -EBADMSG, "too short for page" },
	{ "PRIVATE without sev-sim", b_private_plain, -EBADMSG,
	  "without sev-sim" },
	{ "STATUS empty", b_status0, -EBADMSG, "STATUS length 0" },
	{ "STATUS over limit", b_status_big, -EBADMSG, "STATUS length 801" },
	{ "second STATUS", b_status2, -EBADMSG, "second STATUS" },
	{ "DEVICE name case", b_dev_upper, -EBADMSG, "DEVICE name" },
	{ "DEVICE name empty", b_dev_empty, -EBADMSG, "DEVICE name" },
	{ "DEVICE name junk", b_dev_junk, -EBADMSG, "DEVICE name" },
	{ "DEVICE name unterminated", b_dev_full, 0, "" },
	{ "DEVICE length 15", b_dev_short, -EBADMSG, "DEVICE length 15" },
	{ "DEVICE over limit", b_dev_huge, -EBADMSG, "DEVICE length" },
	{ "VCPU index", b_vcpu_idx, -EBADMSG, "VCPU index 2" },
	{ "VCPU duplicate", b_vcpu_dup, -EBADMSG,
	  "second VCPU section for vCPU 1" },
	{ "VCPU reserved", b_vcpu_resv, -EBADMSG, "reserved" },
	{ "VCPU length ~0", b_vcpu_huge, -EBADMSG, "VCPU length" },
	{ "ROUND length 9", b_round_len, -EBADMSG, "ROUND length 9" },
	{ "ROUND sequence", b_round_seq, -EBADMSG, "ROUND 1 out of sequence" },
	{ "END length 31", b_end_len, -EBADMSG, "END length 31" },
	{ "END length 32", b_end_len_v1, -EBADMSG, "END length 32 (must be 16)" },
	{ "END without STATUS", b_end_nostatus, -EBADMSG, "without a STATUS" },
	{ "END missing a vCPU", b_end_novcpu, -EBADMSG, "1 of 2 vCPUs" },
	{ "bad checksum", b_checksum, -EBADMSG, "checksum mismatch" },
};

TEST(stream_bad, every_malformed_class_rejected)
{
	static struct raw r;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		char msg[512];
		int ret;

		r.len = 0;
		bc->build(&r);
		ret = parse_mem(r.buf, r.len, NULL, NULL, msg, sizeof(msg));
		test_diag("%-26s -> %d %s", bc->name, ret, msg);
		EXPECT_MSG(ret == bc->err, "%s: got %d, want %d (%s)", bc->name,
			   ret, bc->err, msg);
		EXPECT_MSG(strstr(msg, bc->msg), "%s: message '%s' lacks '%s'",
			   bc->name, msg, bc->msg);
	}
}

TEST(stream_bad, truncated_at_every_offset)
{
	struct membuf m = { 0 };
	size_t bad = 0;

	ASSERT_EQ(0, sevsim_init());
	ASSERT_EQ(0, sample_stream(&m, true));
	test_diag("stream of %zu bytes", m.len);
	for (size_t cut = 0; cut < m.len; cut++) {
		char msg[512];
		int ret = parse_mem(m.buf, cut, NULL, NULL, msg, sizeof(msg));

		if (ret != -ENODATA || !strstr(msg, "truncated")) {
			if (bad++ < 5)
				test_fail(__FILE__, __LINE__, false,
					  "cut at %zu: %d %s", cut, ret, msg);
		}
	}
	EXPECT_EQ(0u, bad);
	EXPECT_EQ(0, parse_mem(m.buf, m.len, NULL, NULL, NULL, 0));
	free(m.buf);
}

TEST(stream_bad, corrupted_byte_anywhere_detected)
{
	static const u8 flips[] = { 0x01, 0x80, 0xff };
	struct membuf m = { 0 };
	size_t missed = 0;

	ASSERT_EQ(0, sevsim_init());
	ASSERT_EQ(0, sample_stream(&m, true));
	for (size_t f = 0; f < sizeof(flips); f++) {
		for (size_t i = 0; i < m.len; i++) {
			m.buf[i] ^= flips[f];
			if (!parse_mem(m.buf, m.len, NULL, NULL, NULL, 0) &&
			    missed++ < 5)
				test_fail(__FILE__, __LINE__, false,
					  "flip 0x%02x at %zu not detected",
					  flips[f], i);
			m.buf[i] ^= flips[f];
		}
	}
	EXPECT_EQ(0u, missed);
	free(m.buf);
}

TEST(stream_bad, caller_limits_are_enforced)
{
	struct migrate_reader_limits lim = { .device_max = 4,
					     .vcpu_max = 8,
					     .status_max = 39 };
	struct membuf m = { 0 };
	char msg[512];

	ASSERT_EQ(0, sample_stream(&m, false));
	/* STATUS is 40 bytes, the limit 39. */
	EXPECT_EQ(-EBADMSG,
		  parse_mem(m.buf, m.len, NULL, &lim, msg, sizeof(msg)));
	EXPECT_MSG(strstr(msg, "STATUS length 40"), "%s", msg);
	lim.status_max = 40;
	/* DEVICE blob is 5 bytes, the limit 4. */
	EXPECT_EQ(-EBADMSG,
		  parse_mem(m.buf, m.len, NULL, &lim, msg, sizeof(msg)));
	EXPECT_MSG(strstr(msg, "DEVICE length 21"), "%s", msg);
	lim.device_max = 5;
	/* vCPU 0's blob is 9 bytes, the limit 8. */
	EXPECT_EQ(-EBADMSG,
		  parse_mem(m.buf, m.len, NULL, &lim, msg, sizeof(msg)));
	EXPECT_MSG(strstr(msg, "VCPU length 17"), "%s", msg);
	lim.vcpu_max = 9;
	EXPECT_EQ(0, parse_mem(m.buf, m.len, NULL, &lim, msg, sizeof(msg)));
	free(m.buf);
}

/*
 * Under ASan the address-space cap below cannot work (the shadow needs
 * terabytes); the allocator's own cap makes an over-allocation fail instead.
 */
#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=512";
}
#endif

/*
 * A STATUS length within the limit of a 1 TiB CONFIG (4 GiB) followed by
 * 100 bytes: the reader must report truncation, having allocated about
 * what arrived, not 4 GiB. Memory is capped to make an over-allocation
 * fail loudly (-ENOMEM instead of -ENODATA).
 */
TEST(stream_bad, no_allocation_from_unchecked_length)
{
	static struct raw r;
	struct migrate_config c;
	char msg[512];

	sample_config(&c, false);
	c.nr_regions = 1;
	c.regions[0] = (struct migrate_region){ 0, 1ull << 40 };
	raw_header(&r, MIGCTL_STREAM_VERSION, 0);
	raw_config(&r, &c);
	raw_section(&r, MIGCTL_SEC_STATUS, 4ull << 30);
	memset(r.buf + r.len, 0, 100);
	r.len += 100;
#if !defined(__SANITIZE_ADDRESS__)
	{
		struct rlimit rl = { 512ull << 20, 512ull << 20 };

		ASSERT_EQ(0, setrlimit(RLIMIT_AS, &rl));
	}
#endif
	EXPECT_EQ(-ENODATA,
		  parse_mem(r.buf, r.len, NULL, NULL, msg, sizeof(msg)));
	EXPECT_MSG(strstr(msg, "truncated"), "%s", msg);
}
