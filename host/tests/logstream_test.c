/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* logstream_test.c - status log stream round trips and rejection of bad input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define P(n)	((u64)(n) << 12)

/* In pages: low RAM, a hole, two adjacent regions, a hole, a small region. */
static const struct migctl_host_region ls_ram[] = {
	{ P(0), P(160) }, { P(256), P(5000) }, { P(5256), P(300) }, { P(10000), P(64) },
};
#define LS_NR		4
#define LS_PAGES	(160 + 5000 + 300 + 64)
#define LS_SPAN		10064

static void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void put64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* Recompute the trailing FNV-1a checksum after a deliberate edit. */
static void fix_sum(u8 *buf, size_t len)
{
	u64 h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len - 8; i++)
		h = (h ^ buf[i]) * 0x100000001b3ull;
	put64(buf + len - 8, h);
}

/* Status of every GFN of the span: 0/1, or 2 outside RAM. */
static void statuses(const struct migctl_host_log *log, u8 *out)
{
	u64 g;

	for (g = 0; g < LS_SPAN; g++) {
		int s = migctl_host_log_get(log, g);

		out[g] = s < 0 ? 2 : (u8)s;
	}
}

enum fill { ALL_PRIVATE, ALL_SHARED, ALTERNATE, RANDOM };

FIXTURE(rt)
{
	struct migctl_host_log *src, *dst;
};

FIXTURE_VARIANT(rt)
{
	enum fill fill;
};

FIXTURE_VARIANT_ADD(rt, all_private) { .fill = ALL_PRIVATE };
FIXTURE_VARIANT_ADD(rt, all_shared) { .fill = ALL_SHARED };
FIXTURE_VARIANT_ADD(rt, alternate) { .fill = ALTERNATE };
FIXTURE_VARIANT_ADD(rt, random) { .fill = RANDOM };

FIXTURE_SETUP(rt)
{
	ASSERT_EQ(0, migctl_host_log_create(ls_ram, LS_NR, variant->fill != ALL_SHARED,
					    &self->src));
	ASSERT_EQ(0, migctl_host_log_create(ls_ram, LS_NR, variant->fill == ALL_SHARED,
					    &self->dst));
}

FIXTURE_TEARDOWN(rt)
{
	migctl_host_log_destroy(self->src);
	migctl_host_log_destroy(self->dst);
}

static void fill_log(struct migctl_host_log *log, enum fill fill, u64 *rng)
{
	u64 g, i;

	if (fill == ALTERNATE) {
		for (g = 0; g < LS_SPAN; g += 2)
			migctl_host_log_set(log, g, 1, false);
	} else if (fill == RANDOM) {
		for (i = 0; i < 200; i++)
			migctl_host_log_set(log, ht_rand_below(rng, LS_SPAN),
					    1 + ht_rand_below(rng, 300), ht_rand(rng) & 1);
	}
}

/* Covers: V-5 */
TEST_F(rt, round_trip)
{
	static u8 want[LS_SPAN], got[LS_SPAN];
	u64 rng = test_seed();
	unsigned int iter, iters = variant->fill == RANDOM ? 50 : 1;

	for (iter = 0; iter < iters; iter++) {
		size_t size, used = 0;
		u8 *buf;

		fill_log(self->src, variant->fill, &rng);
		size = migctl_host_log_stream_size(self->src);
		buf = malloc(size);
		ASSERT_NONNULL(buf);
		EXPECT_EQ(-ENOSPC, migctl_host_log_save(self->src, buf, size - 1, &used));
		EXPECT_EQ(size, used);
		ASSERT_EQ(0, migctl_host_log_save(self->src, buf, size, &used));
		ASSERT_EQ(size, used);
		EXPECT_EQ(0, (size - 32) % 16);
		ht_log_drain_changed(self->dst);
		ASSERT_EQ(0, migctl_host_log_load(self->dst, buf, size));
		statuses(self->src, want);
		statuses(self->dst, got);
		ASSERT_EQ(0, memcmp(want, got, sizeof(want)));
		/* The destination treats the whole log as changed. */
		EXPECT_EQ(LS_PAGES, ht_log_drain_changed(self->dst));
		free(buf);
	}
	if (variant->fill == ALL_PRIVATE)
		EXPECT_EQ(32, migctl_host_log_stream_size(self->src));
	if (variant->fill == ALTERNATE)
		EXPECT_EQ(32 + 16 * (LS_PAGES / 2), migctl_host_log_stream_size(self->src));
}

/* A valid 3-run stream for the ls_ram layout; mutations start from it. */
static size_t good_stream(u8 *buf)
{
	struct migctl_host_log *log;
	size_t used = 0;

	if (migctl_host_log_create(ls_ram, LS_NR, true, &log))
		abort();
	migctl_host_log_set(log, 5, 10, false);
	migctl_host_log_set(log, 300, 20, false);
	migctl_host_log_set(log, 10000, 64, false);
	if (migctl_host_log_save(log, buf, 256, &used))
		abort();
	migctl_host_log_destroy(log);
	return used;
}

#define RUN(i)	(24 + 16 * (i))

struct bad_stream {
	const char *name;
	size_t off;	/* where to write @val (8 bytes, or 4 if @four) */
	u64 val;
	bool four;
	bool no_fix;	/* leave the checksum as it was */
	long dlen;	/* change of length (after the edit) */
};

static const struct bad_stream bad_streams[] = {
	{ "bad magic", 0, 0x474c534e, true },
	{ "version 2", 4, 2, true },
	{ "ram pages + 1", 8, LS_PAGES + 1 },
	{ "ram pages 0", 8, 0 },
	{ "run count + 1", 16, 4 },
	{ "run count - 1", 16, 2 },
	{ "run count 2^60", 16, 1ull << 60 },
	{ "run count 2^64-1", 16, ~0ull },
	{ "extra run bytes", 16, 3, false, false, 16 },
	{ "one byte more", 16, 3, false, false, 1 },
	{ "npages 0", RUN(0) + 8, 0 },
	{ "overlapping runs", RUN(1), 10 },
	{ "unsorted runs", RUN(1), 1 },
	{ "run into a hole", RUN(0) + 8, 160 },
	{ "run in a hole", RUN(1), 200 },
	{ "run past the last region", RUN(2) + 8, 65 },
	{ "run beyond RAM", RUN(2), 20000 },
	{ "run wraps", RUN(2) + 8, ~0ull - 9000 },
	{ "checksum replaced", RUN(3), 1, false, true },
	{ "run edited, checksum stale", RUN(0), 6, false, true },
};

static void expect_untouched(struct test_case *tc, struct migctl_host_log *log,
			     const u8 *before, const char *name)
{
	static u8 now[LS_SPAN];

	statuses(log, now);
	EXPECT_MSG(!memcmp(before, now, LS_SPAN), "%s: target changed", name);
	EXPECT_MSG(ht_log_drain_changed(log) == 0, "%s: target C changed", name);
}

/* Covers: V-5, H-12 */
TEST(stream, rejects_malformed)
{
	static u8 before[LS_SPAN];
	u8 good[256], buf[512];
	struct migctl_host_log *dst;
	size_t len = good_stream(good), i;
	unsigned int b;

	ASSERT_EQ(32 + 3 * 16, len);
	ASSERT_EQ(0, migctl_host_log_create(ls_ram, LS_NR, false, &dst));
	migctl_host_log_set(dst, 1000, 7, true);
	ht_log_drain_changed(dst);
	statuses(dst, before);
	for (i = 0; i < sizeof(bad_streams) / sizeof(bad_streams[0]); i++) {
		const struct bad_stream *c = &bad_streams[i];
		size_t l = len + c->dlen;

		memset(buf, 0, sizeof(buf));
		memcpy(buf, good, len);
		if (c->four)
			put32(buf + c->off, (u32)c->val);
		else
			put64(buf + c->off, c->val);
		if (!c->no_fix)
			fix_sum(buf, l);
		EXPECT_MSG(migctl_host_log_load(dst, buf, l) == -EINVAL, "%s accepted", c->name);
		expect_untouched(tc, dst, before, c->name);
	}
	/* Every truncation and every single-byte corruption. */
	for (i = 0; i < len; i++)
		EXPECT_MSG(migctl_host_log_load(dst, good, i) == -EINVAL, "length %zu accepted", i);
	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			memcpy(buf, good, len);
			buf[i] ^= 1u << b;
			EXPECT_MSG(migctl_host_log_load(dst, buf, len) == -EINVAL,
				   "bit %u of byte %zu flipped: accepted", b, i);
		}
	}
	EXPECT_EQ(-EINVAL, migctl_host_log_load(dst, NULL, len));
	expect_untouched(tc, dst, before, "truncated or corrupted");
	/* The unmodified stream loads. */
	EXPECT_EQ(0, migctl_host_log_load(dst, good, len));
	EXPECT_EQ(LS_PAGES - 94, migctl_host_log_count(dst, true));
	migctl_host_log_destroy(dst);
}

/* Covers: V-5 */
TEST(stream, accepts_touching_runs_across_regions)
{
	u8 buf[64];
	struct migctl_host_log *dst;

	/* Two touching runs, the second spanning the adjacent regions. */
	put32(buf, MIGCTL_HOST_LOG_STREAM_MAGIC);
	put32(buf + 4, MIGCTL_HOST_LOG_STREAM_VERSION);
	put64(buf + 8, LS_PAGES);
	put64(buf + 16, 2);
	put64(buf + RUN(0), 5200);
	put64(buf + RUN(0) + 8, 50);
	put64(buf + RUN(1), 5250);
	put64(buf + RUN(1) + 8, 100);
	fix_sum(buf, 64);
	ASSERT_EQ(0, migctl_host_log_create(ls_ram, LS_NR, true, &dst));
	EXPECT_EQ(0, migctl_host_log_load(dst, buf, 64));
	EXPECT_EQ(150, migctl_host_log_count(dst, false));
	EXPECT_EQ(0, migctl_host_log_get(dst, 5256));
	EXPECT_EQ(1, migctl_host_log_get(dst, 5350));
	migctl_host_log_destroy(dst);
}
