/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* statuslog_test.c - the status log against a byte-per-page model, threads, memory bound. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define MAX_REGIONS	4

/* The model: one byte per GFN of the span, and which GFNs are RAM. */
struct model {
	u64 span;
	u8 *ram, *s, *c;
};

FIXTURE(log)
{
	struct migctl_host_log *log;
	struct model m;
};

FIXTURE_VARIANT(log)
{
	struct migctl_host_region r[MAX_REGIONS];	/* in pages here, scaled below */
	unsigned int nr;
	bool private;
};

/* Sizes that are and are not multiples of 64, holes, adjacent regions. */
FIXTURE_VARIANT_ADD(log, single_odd) { .r = { { 0, 1000 } }, .nr = 1, .private = true };
FIXTURE_VARIANT_ADD(log, holes_adjacent) {
	.r = { { 3, 37 }, { 100, 1000 }, { 1100, 65 }, { 5000, 4097 } }, .nr = 4,
};
FIXTURE_VARIANT_ADD(log, aligned) { .r = { { 64, 6400 }, { 8192, 64 } }, .nr = 2,
				    .private = true };

FIXTURE_SETUP(log)
{
	struct migctl_host_region r[MAX_REGIONS];
	unsigned int i;
	u64 g;

	for (i = 0; i < variant->nr; i++) {
		r[i].gpa = variant->r[i].gpa << 12;
		r[i].size = variant->r[i].size << 12;
		self->m.span = variant->r[i].gpa + variant->r[i].size + 70;
	}
	ASSERT_EQ(0, migctl_host_log_create(r, variant->nr, variant->private, &self->log));
	self->m.ram = calloc(self->m.span, 1);
	self->m.s = calloc(self->m.span, 1);
	self->m.c = calloc(self->m.span, 1);
	ASSERT_TRUE(self->m.ram && self->m.s && self->m.c);
	for (i = 0; i < variant->nr; i++)
		for (g = variant->r[i].gpa; g < variant->r[i].gpa + variant->r[i].size; g++) {
			self->m.ram[g] = 1;
			self->m.s[g] = variant->private;
		}
}

FIXTURE_TEARDOWN(log)
{
	migctl_host_log_destroy(self->log);
	free(self->m.ram);
	free(self->m.s);
	free(self->m.c);
}

static bool model_contains(const struct model *m, u64 gfn, u64 n)
{
	u64 g;

	if (!n || gfn + n < gfn || gfn + n > m->span)
		return false;
	for (g = gfn; g < gfn + n; g++)
		if (!m->ram[g])
			return false;
	return true;
}

static bool region_start_at(const struct migctl_host_log *log, u64 gfn)
{
	struct migctl_host_region r;
	unsigned int i;

	for (i = 0; migctl_host_log_region(log, i, &r); i++)
		if (r.gpa >> 12 == gfn)
			return true;
	return false;
}

/* Every page, every run and the counts agree with the model. */
static void check_all(struct test_case *tc, struct migctl_host_log *log, const struct model *m)
{
	u64 g, gfn = 0, n, priv = 0, ram = 0;
	bool p;

	for (g = 0; g < m->span; g++) {
		int want = m->ram[g] ? m->s[g] : -EINVAL;

		ASSERT_MSG(migctl_host_log_get(log, g) == want, "gfn %llu", (unsigned long long)g);
		priv += m->ram[g] && m->s[g];
		ram += m->ram[g];
	}
	EXPECT_EQ(ram, migctl_host_log_pages(log));
	EXPECT_EQ(priv, migctl_host_log_count(log, true));
	EXPECT_EQ(ram - priv, migctl_host_log_count(log, false));
	/* Runs: maximal within a region, cover all RAM, in order. */
	for (g = 0; migctl_host_log_next_run(log, &gfn, &n, &p); gfn += n) {
		for (; g < gfn; g++)
			ASSERT_MSG(!m->ram[g], "run skipped RAM gfn %llu", (unsigned long long)g);
		ASSERT_GT(n, 0);
		for (; g < gfn + n; g++)
			ASSERT_MSG(m->ram[g] && m->s[g] == p, "run at %llu", (unsigned long long)gfn);
		ASSERT_MSG(g >= m->span || !m->ram[g] || m->s[g] != p || region_start_at(log, g),
			   "run at %llu not maximal",
			   (unsigned long long)gfn);
	}
	for (; g < m->span; g++)
		ASSERT_FALSE(m->ram[g]);
}

/* Fetch-and-clear one region and compare with the model's C. */
static void check_fetch(struct test_case *tc, struct migctl_host_log *log, struct model *m,
			unsigned int i)
{
	struct migctl_host_region r;
	u64 *map, g, base, npages, nwords;
	s64 n, want = 0;

	ASSERT_TRUE(migctl_host_log_region(log, i, &r));
	base = r.gpa >> 12;
	npages = r.size >> 12;
	nwords = (npages + 63) / 64 + 1;
	map = malloc(nwords * 8);
	ASSERT_NONNULL(map);
	memset(map, 0xa5, nwords * 8);
	EXPECT_EQ(-EINVAL, migctl_host_log_fetch_changed(log, i, map, nwords - 2));
	n = migctl_host_log_fetch_changed(log, i, map, nwords);
	for (g = 0; g < nwords * 64; g++) {
		bool bit = map[g / 64] >> (g % 64) & 1;
		bool exp = g < npages && m->c[base + g];

		if (bit != exp) {
			free(map);
			ASSERT_MSG(false, "C of gfn %llu: %d", (unsigned long long)(base + g), bit);
		}
		want += exp;
		if (g < npages)
			m->c[base + g] = 0;
	}
	free(map);
	EXPECT_EQ(want, n);
}

static u64 pick_len(u64 *rng, u64 span)
{
	u64 r = ht_rand_below(rng, 1000);

	if (r < 5)
		return r < 2 ? 0 : ~0ull - ht_rand_below(rng, 4);
	if (r < 700)
		return 1 + ht_rand_below(rng, 8);
	if (r < 950)
		return 1 + ht_rand_below(rng, 200);
	return 1 + ht_rand_below(rng, span);
}

/* Covers: V-1, H-12, H-13 */
TEST_F_TIMEOUT(log, random_ops_vs_model, 120)
{
	struct model *m = &self->m;
	u64 rng = test_seed(), i, g, n;
	unsigned int nr = migctl_host_log_nr_regions(self->log);

	check_all(tc, self->log, m);
	for (i = 0; i < 200000; i++) {
		u64 op = ht_rand_below(&rng, 1000);

		if (op < 550) {
			bool priv = ht_rand(&rng) & 1, ok;

			g = ht_rand_below(&rng, m->span + 10);
			n = pick_len(&rng, m->span);
			ok = model_contains(m, g, n);
			ASSERT_MSG(migctl_host_log_set(self->log, g, n, priv) == (ok ? 0 : -EINVAL),
				   "step %llu set(%llu, %llu)", (unsigned long long)i,
				   (unsigned long long)g, (unsigned long long)n);
			for (u64 k = 0; ok && k < n; k++) {
				m->s[g + k] = priv;
				m->c[g + k] = 1;
			}
		} else if (op < 800) {
			g = ht_rand_below(&rng, m->span);
			ASSERT_EQ(m->ram[g] ? m->s[g] : -EINVAL, migctl_host_log_get(self->log, g));
		} else if (op < 900) {
			g = ht_rand_below(&rng, m->span + 10);
			n = pick_len(&rng, m->span);
			ASSERT_EQ(model_contains(m, g, n),
				  migctl_host_log_contains(self->log, g, n));
		} else if (op < 990) {
			check_fetch(tc, self->log, m, (unsigned int)ht_rand_below(&rng, nr));
		} else {
			check_all(tc, self->log, m);
		}
	}
	check_all(tc, self->log, m);
	for (i = 0; i < nr; i++)
		check_fetch(tc, self->log, m, (unsigned int)i);
	EXPECT_EQ(0, ht_log_drain_changed(self->log));
}

/* Covers: H-13 */
TEST_F(log, initial_state)
{
	struct migctl_host_region r;
	u64 gfn = 0, n;
	bool p;

	check_all(tc, self->log, &self->m);
	EXPECT_EQ(0, ht_log_drain_changed(self->log));
	/* One run per region, each with the initial status. */
	ASSERT_TRUE(migctl_host_log_next_run(self->log, &gfn, &n, &p));
	ASSERT_TRUE(migctl_host_log_region(self->log, 0, &r));
	EXPECT_EQ(r.gpa >> 12, gfn);
	EXPECT_EQ(r.size >> 12, n);
	EXPECT_EQ(variant->private, p);
	EXPECT_FALSE(migctl_host_log_region(self->log, variant->nr, &r));
	gfn = ~0ull;
	EXPECT_FALSE(migctl_host_log_next_run(self->log, &gfn, &n, &p));
}

struct bit_case {
	u64 map[2];
	u64 nbits, from;
	bool set;
	u64 want;
};

static const struct bit_case bit_cases[] = {
	{ { 0, 0 }, 128, 0, true, 128 },
	{ { 1, 0 }, 128, 0, true, 0 },
	{ { 1, 0 }, 128, 1, true, 128 },
	{ { 0, 1ull << 63 }, 128, 5, true, 127 },
	{ { 0, 1ull << 63 }, 127, 5, true, 127 },
	{ { ~0ull, ~0ull }, 128, 3, false, 128 },
	{ { ~0ull, ~0ull }, 100, 3, false, 100 },
	{ { ~0ull, ~1ull }, 128, 3, false, 64 },
	{ { 0, 0 }, 70, 69, false, 69 },
	{ { 0, 0 }, 70, 70, false, 70 },
	{ { 0x10, 0 }, 64, 4, true, 4 },
	{ { 0x10, 0 }, 64, 500, true, 64 },
};

/* Covers: V-2 */
TEST(bitmap, next_table)
{
	unsigned int i;

	for (i = 0; i < sizeof(bit_cases) / sizeof(bit_cases[0]); i++) {
		const struct bit_case *c = &bit_cases[i];
		u64 got = migctl_host_bitmap_next(c->map, c->nbits, c->from, c->set);

		EXPECT_MSG(got == c->want, "case %u: got %llu want %llu", i,
			   (unsigned long long)got, (unsigned long long)c->want);
	}
}

/* Covers: H-12 */
TEST(log, rejects_bad_layouts)
{
	static const struct migctl_host_region bad[][2] = {
		{ { 0x800, 0x1000 } }, { { 0, 0x1800 } }, { { 0, 0 } },
		{ { 0x2000, 0x1000 }, { 0x1000, 0x1000 } },
		{ { 0, 0x3000 }, { 0x2000, 0x1000 } },
		{ { ~0xfffull, 0x2000 } },
	};
	static const unsigned int nr[] = { 1, 1, 1, 2, 2, 1 };
	struct migctl_host_log *log = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(nr) / sizeof(nr[0]); i++)
		EXPECT_MSG(migctl_host_log_create(bad[i], nr[i], true, &log) == -EINVAL,
			   "layout %u accepted", i);
	EXPECT_EQ(-EINVAL, migctl_host_log_create(bad[0], 0, true, &log));
	EXPECT_EQ(-EINVAL, migctl_host_log_create(NULL, 1, true, &log));
	EXPECT_EQ(-EINVAL, migctl_host_log_create(ht_holey, MIGCTL_HOST_LOG_REGIONS_MAX + 1,
						  true, &log));
	migctl_host_log_destroy(NULL);
}
