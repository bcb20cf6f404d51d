/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* logstream.c - libFuzzer harness: the status-log stream parser (migctl_host_log_load). */

/*
 * Input: flags, a RAM layout (1..4 regions with holes), a starting status
 * for the target log, then the stream bytes. With the FIXUP flag the
 * harness makes the header, run count and checksum consistent so that the
 * fuzzer spends its time on the runs.
 *
 * The oracle is an independent reading of the format in logstream.h:
 * - rejected input: the target log is unchanged (S and C);
 * - accepted input: the input was valid, S is private except the runs,
 *   every RAM page is in C, saving gives the canonical encoding of that S,
 *   and the saved stream loads into a fresh log with the same result;
 * - no allocation while loading (H-12).
 */

#include <errno.h>
#include <string.h>

#include "byteorder.h"
#include "fuzz.h"
#include "input.h"
#include "logstream.h"
#include "watch.h"

#define REGIONS		4
#define REGION_PAGES	256u
#define PAGES		(REGIONS * REGION_PAGES)
#define STREAM_MAX	(32 + 16 * (PAGES / 2 + REGIONS))
#define F_FIXUP		0x01
#define F_PAGES		0x02	/* with FIXUP: also write the right page count */

typedef unsigned __int128 u128;

struct ls_case {
	struct migctl_host_region ram[REGIONS];
	unsigned int nr;
	u64 pages;
	u8 s[PAGES];		/* expected S, linear page index */
	u8 stream[STREAM_MAX];	/* a fixed-up input, or a saved log */
	u8 canon[STREAM_MAX];
};

static u64 fnv1a(const u8 *p, size_t len)
{
	u64 h = 0xcbf29ce484222325ull;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

static bool layout(struct ls_case *c, struct fuzz_input *in)
{
	u64 gfn = 0;
	unsigned int i;

	c->nr = 1 + fuzz_u8(in) % REGIONS;
	c->pages = 0;
	for (i = 0; i < c->nr; i++) {
		u8 g = fuzz_u8(in);
		u64 gap = g & 0x80 ? (u64)fuzz_u32(in) << (g & 0x1f) : g & 0x7f;
		u64 npages = 1 + fuzz_u8(in) % REGION_PAGES;

		if (gap >= 1ull << 40 || gfn + gap >= 1ull << 40)
			return false;
		gfn += gap;
		c->ram[i].gpa = gfn << 12;
		c->ram[i].size = npages << 12;
		c->pages += npages;
		gfn += npages;
	}
	return true;
}

/* Linear index of @gfn, or -1. */
static s64 page_index(const struct ls_case *c, u64 gfn)
{
	u64 first = 0;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		u64 g = c->ram[i].gpa >> 12, n = c->ram[i].size >> 12;

		if (gfn >= g && gfn - g < n)
			return (s64)(first + gfn - g);
		first += n;
	}
	return -1;
}

static bool in_ram(const struct ls_case *c, u64 gfn, u64 npages)
{
	u128 lo = gfn, hi = (u128)gfn + npages, sum = 0;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		u128 rlo = c->ram[i].gpa >> 12, rhi = rlo + (c->ram[i].size >> 12);
		u128 a = lo > rlo ? lo : rlo, b = hi < rhi ? hi : rhi;

		if (a < b)
			sum += b - a;
	}
	return npages && sum == npages;
}

/* The format rules of logstream.h, read independently. */
static bool stream_valid(const struct ls_case *c, const u8 *p, size_t len)
{
	u64 runs, i, prev_end = 0;

	if (len < 32 || (len - 32) % 16)
		return false;
	runs = (len - 32) / 16;
	if (migctl_get_le32(p) != MIGCTL_HOST_LOG_STREAM_MAGIC ||
	    migctl_get_le32(p + 4) != MIGCTL_HOST_LOG_STREAM_VERSION ||
	    migctl_get_le64(p + 8) != c->pages || migctl_get_le64(p + 16) != runs ||
	    migctl_get_le64(p + len - 8) != fnv1a(p, len - 8))
		return false;
	for (i = 0; i < runs; i++) {
		u64 gfn = migctl_get_le64(p + 24 + 16 * i), n = migctl_get_le64(p + 32 + 16 * i);

		if (gfn < prev_end || !in_ram(c, gfn, n))
			return false;
		prev_end = gfn + n;
	}
	return true;
}

/* Header, count and checksum made consistent; the runs stay as given. */
static size_t fixup(struct ls_case *c, u8 flags, const u8 *p, size_t len)
{
	size_t body, have = len;

	if (len > sizeof(c->stream))
		len = sizeof(c->stream);
	if (len < 32)
		len = 32;
	len -= (len - 32) % 16;
	memset(c->stream, 0, len);
	memcpy(c->stream, p, have < len ? have : len);
	body = len - 8;
	migctl_put_le32(c->stream, MIGCTL_HOST_LOG_STREAM_MAGIC);
	migctl_put_le32(c->stream + 4, MIGCTL_HOST_LOG_STREAM_VERSION);
	if (flags & F_PAGES)
		migctl_put_le64(c->stream + 8, c->pages);
	migctl_put_le64(c->stream + 16, (body - 24) / 16);
	migctl_put_le64(c->stream + body, fnv1a(c->stream, body));
	return len;
}

/* A few ranges set on the target before the load, so that S is mixed. */
static void initial_status(struct ls_case *c, struct migctl_host_log *log, struct fuzz_input *in)
{
	unsigned int k, n = fuzz_u8(in) % 8;

	for (k = 0; k < n; k++) {
		const struct migctl_host_region *r = &c->ram[fuzz_u8(in) % c->nr];
		u64 np = r->size >> 12, off = fuzz_u8(in) % np, len = 1 + fuzz_u8(in) % (np - off);
		bool priv = fuzz_u8(in) & 1;
		s64 idx = page_index(c, (r->gpa >> 12) + off);

		FUZZ_ASSERT(migctl_host_log_set(log, (r->gpa >> 12) + off, len, priv) == 0);
		memset(&c->s[idx], priv, len);
	}
}

#define C_NONE	0
#define C_ALL	1
#define C_ANY	2

/* S equals the model; C holds what @want says, and is cleared. */
static void check_log(const struct ls_case *c, struct migctl_host_log *log, int want)
{
	u64 map[(REGION_PAGES + 63) / 64], p, first = 0;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		u64 gfn = c->ram[i].gpa >> 12, n = c->ram[i].size >> 12;
		s64 got = migctl_host_log_fetch_changed(log, i, map, sizeof(map) / sizeof(map[0]));

		FUZZ_ASSERT(want == C_ANY || got == (s64)(want == C_ALL ? n : 0));
		for (p = 0; p < n; p++)
			FUZZ_ASSERT(migctl_host_log_get(log, gfn + p) == c->s[first + p]);
		first += n;
	}
}

/* The encoding save must produce: maximal shared runs, split at region ends. */
static size_t canonical(struct ls_case *c)
{
	size_t pos = 24;
	u64 p, first = 0, runs = 0;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		u64 gfn = c->ram[i].gpa >> 12, n = c->ram[i].size >> 12;

		for (p = 0; p < n; p++) {
			u64 start = p;

			if (c->s[first + p])
				continue;
			while (p + 1 < n && !c->s[first + p + 1])
				p++;
			migctl_put_le64(c->canon + pos, gfn + start);
			migctl_put_le64(c->canon + pos + 8, p - start + 1);
			pos += 16;
			runs++;
		}
		first += n;
	}
	migctl_put_le32(c->canon, MIGCTL_HOST_LOG_STREAM_MAGIC);
	migctl_put_le32(c->canon + 4, MIGCTL_HOST_LOG_STREAM_VERSION);
	migctl_put_le64(c->canon + 8, c->pages);
	migctl_put_le64(c->canon + 16, runs);
	migctl_put_le64(c->canon + pos, fnv1a(c->canon, pos));
	return pos + 8;
}

/* After an accepted load: the model takes the runs; save and reload agree. */
static void accepted(struct ls_case *c, struct migctl_host_log *log, const u8 *p, size_t len)
{
	struct migctl_host_log *again;
	size_t used = 0, want;
	u64 i, k, runs = (len - 32) / 16;

	memset(c->s, 1, c->pages);
	for (i = 0; i < runs; i++) {
		u64 gfn = migctl_get_le64(p + 24 + 16 * i), n = migctl_get_le64(p + 32 + 16 * i);

		for (k = 0; k < n; k++)
			c->s[page_index(c, gfn + k)] = 0;
	}
	check_log(c, log, C_ALL);
	want = canonical(c);
	FUZZ_ASSERT(migctl_host_log_stream_size(log) == want);
	FUZZ_ASSERT(migctl_host_log_save(log, c->stream, sizeof(c->stream), &used) == 0);
	FUZZ_ASSERT(used == want && !memcmp(c->stream, c->canon, want));
	FUZZ_ASSERT(migctl_host_log_create(c->ram, c->nr, false, &again) == 0);
	FUZZ_ASSERT(migctl_host_log_load(again, c->stream, used) == 0);
	check_log(c, again, C_ALL);
	migctl_host_log_destroy(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ls_case c;
	struct fuzz_input in = { data, size };
	struct migctl_host_log *log;
	const u8 *p;
	size_t len;
	u8 flags = fuzz_u8(&in);
	int r;

	if (!layout(&c, &in))
		return 0;
	FUZZ_ASSERT(migctl_host_log_create(c.ram, c.nr, flags & 0x80, &log) == 0);
	memset(c.s, !!(flags & 0x80), c.pages);
	initial_status(&c, log, &in);
	check_log(&c, log, C_ANY);	/* and clears C */
	p = in.p;
	len = in.n;
	if (flags & F_FIXUP) {
		len = fixup(&c, flags, p, len);
		p = c.stream;
	}
	fuzz_watch_start();
	r = migctl_host_log_load(log, p, len);
	FUZZ_ASSERT(fuzz_watch_stop() == 0);
	FUZZ_ASSERT(r == 0 || r == -EINVAL);
	FUZZ_ASSERT((r == 0) == stream_valid(&c, p, len));
	if (r)
		check_log(&c, log, C_NONE);	/* malformed: nothing changed */
	else
		accepted(&c, log, p, len);
	migctl_host_log_destroy(log);
	return 0;
}
