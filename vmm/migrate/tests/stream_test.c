/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_test.c - migration stream: round trips, config checks, writer rules, replies. */

#include <xxhash.h>

#include "test.h"
#include "stream_hash.h"
#include "migrate_test_util.h"

static struct recorder *rec_new(void)
{
	struct recorder *r = calloc(1, sizeof(*r));

	if (!r)
		test_stop();
	return r;
}

/* Covers: V-5 */
TEST(stream, round_trip_every_section)
{
	struct membuf m = { 0 };
	struct recorder *r = rec_new();
	struct migrate_config want;
	u8 page[4096];
	char msg[512];

	ASSERT_EQ(0, sevsim_init());
	ASSERT_EQ(0, sample_stream(&m, true));
	ASSERT_EQ(0, parse_mem(m.buf, m.len, r, NULL, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);

	sample_config(&want, true);
	ASSERT_EQ(1, r->configs);
	EXPECT_EQ(0, memcmp(&want, &r->cfg, sizeof(want)));
	/* The negotiated protocol state travels intact (V-5). */
	EXPECT_EQ(MIGCTL_CTL_VALUE(2, MIGCTL_F_LIST), r->cfg.protocol_ctl);

	ASSERT_EQ(4, r->rams);
	EXPECT_EQ(0u, r->gfns[0]);
	EXPECT_EQ(MIGCTL_PAGE_ZERO, r->kinds[0]);
	EXPECT_EQ(0u, r->page_len[0]);
	EXPECT_EQ(1u, r->gfns[1]);
	EXPECT_EQ(MIGCTL_PAGE_RAW, r->kinds[1]);
	fill_page(page, 1, 0);
	EXPECT_EQ(0, memcmp(page, r->pages[1], 4096));
	EXPECT_EQ(SAMPLE_GFN_HIGH, r->gfns[2]);
	EXPECT_EQ(MIGCTL_PAGE_PRIVATE, r->kinds[2]);
	EXPECT_EQ(MIGCTL_SEALED_PAGE_BYTES, r->page_len[2]);
	EXPECT_EQ(0u, r->page_rounds[2]);
	EXPECT_EQ(2u, r->gfns[3]);
	EXPECT_EQ(1u, r->page_rounds[3]);
	fill_page(page, 2, 1);
	EXPECT_EQ(0, memcmp(page, r->pages[3], 4096));

	ASSERT_EQ(2, r->rounds);
	EXPECT_EQ(0u, r->round_nrs[0]);
	EXPECT_EQ(1u, r->round_nrs[1]);
	ASSERT_EQ(1, r->statuses);
	EXPECT_EQ(40u, r->status_len);
	EXPECT_EQ(0, memcmp(r->status,
			    "status-log-blob-from-the-host-library!!", 40));
	ASSERT_EQ(1, r->devices);
	EXPECT_STREQ("serial0", r->device);
	EXPECT_EQ(5u, r->device_len);
	ASSERT_EQ(2, r->vcpus);
	EXPECT_EQ(1u, r->vcpu_idx[0]);
	EXPECT_EQ(0, memcmp(r->vcpu_blob[0], "vcpu-one", 8));
	EXPECT_EQ(0u, r->vcpu_idx[1]);
	EXPECT_EQ(9u, r->vcpu_len[1]);
	free(r);
	free(m.buf);
}

struct take_ctx {
	struct migrate_reader *rd;
	void *status;
	size_t status_len;
	bool foreign_refused, device_elsewhere;
};

static int take_status(void *o, const void *blob, size_t len)
{
	struct take_ctx *t = o;
	char copy[8] = "";

	t->foreign_refused = !migrate_reader_take_blob(t->rd, copy);
	t->status = migrate_reader_take_blob(t->rd, blob);
	t->status_len = len;
	return t->status == blob ? 0 : -EIO;
}

static int take_device(void *o, const char *name, const void *blob, size_t len)
{
	struct take_ctx *t = o;

	t->device_elsewhere = blob != t->status;
	return 0;
}

/*
 * The receiver keeps STATUS in the reader's own buffer, with no second
 * copy: the buffer it takes still holds the log after the reader has read
 * the sections behind it, which go into a new buffer.
 */
TEST(stream, status_taken_without_a_copy)
{
	static const struct migrate_reader_ops ops = { .status = take_status,
						       .device = take_device };
	struct take_ctx t = { 0 };
	struct membuf m = { 0 };
	struct migrate_io_mem mem;

	ASSERT_EQ(0, sevsim_init());
	ASSERT_EQ(0, sample_stream(&m, true));
	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, &ops, &t, NULL, &t.rd));
	ASSERT_EQ(0, migrate_reader_run(t.rd));
	migrate_reader_destroy(t.rd);
	ASSERT_NONNULL(t.status);
	EXPECT_TRUE(t.foreign_refused);
	EXPECT_TRUE(t.device_elsewhere);
	EXPECT_EQ(40u, t.status_len);
	EXPECT_EQ(0, memcmp(t.status, "status-log-blob-from-the-host-library!!", 40));
	free(t.status);
	free(m.buf);
}

TEST(stream, stats_match_between_writer_and_reader)
{
	struct membuf m = { 0 };
	struct migrate_io_mem mem;
	struct migrate_reader *rd;
	struct migrate_stream_stats st;

	ASSERT_EQ(0, sample_stream(&m, true));
	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, NULL, NULL,
					   NULL, &rd));
	ASSERT_EQ(0, migrate_reader_run(rd));
	migrate_reader_stats(rd, &st);
	EXPECT_EQ(m.len, st.bytes);
	EXPECT_EQ(1u, st.pages_zero);
	EXPECT_EQ(2u, st.pages_raw);
	EXPECT_EQ(1u, st.pages_private);
	EXPECT_EQ(2u, st.rounds);
	/* CONFIG, 2 RAM, 2 ROUND, STATUS, DEVICE, 2 VCPU, END */
	EXPECT_EQ(10u, st.sections);
	ASSERT_NONNULL(migrate_reader_config(rd));
	EXPECT_EQ(2u, migrate_reader_config(rd)->nr_vcpus);
	/* After END the reader stays done. */
	EXPECT_EQ(1, migrate_reader_next(rd, NULL));
	migrate_reader_destroy(rd);
	free(m.buf);
}

static int count_ram(void *o, const struct migrate_page *pg)
{
	u64 *sum = o;
	u8 want[4096];

	fill_page(want, pg->gfn, 3);
	if (pg->kind != MIGCTL_PAGE_RAW || memcmp(want, pg->data, 4096))
		return -EIO;
	*sum += pg->gfn + 1;
	return 0;
}

static int check_big(void *o, const void *blob, size_t len)
{
	const u8 *b = blob;

	for (size_t i = 0; i < len; i++)
		if (b[i] != (u8)(i * 13))
			return -EIO;
	return len == (3u << 20) + 7 ? 0 : -EIO;
}

/* Many batches, buffer flushes mid-stream, a STATUS blob larger than every buffer. */
TEST(stream, large_batches_and_blobs)
{
	static const struct migrate_reader_ops ops = { .ram = count_ram,
						       .status = check_big };
	struct migrate_config c;
	struct membuf m = { 0 };
	struct migrate_writer *w;
	struct migrate_io_mem mem;
	struct migrate_reader *rd;
	size_t big = (3u << 20) + 7;
	u8 *blob = malloc(big), page[4096];
	u64 sum = 0, want = 0, gfn;

	ASSERT_NONNULL(blob);
	for (size_t i = 0; i < big; i++)
		blob[i] = (u8)(i * 13);
	sample_config(&c, false);
	c.regions[1].size = 1ull << 30; /* 1 GiB: STATUS limit ~4 MiB */
	ASSERT_EQ(0, migrate_writer_create(&membuf_io, &m, &w));
	ASSERT_EQ(0, migrate_writer_config(w, &c));
	for (gfn = SAMPLE_GFN_HIGH; gfn < SAMPLE_GFN_HIGH + 700; gfn++) {
		fill_page(page, gfn, 3);
		ASSERT_EQ(0,
			  migrate_writer_ram(w, 0, gfn, MIGCTL_PAGE_RAW, page));
		want += gfn + 1;
	}
	ASSERT_EQ(0, migrate_writer_status(w, blob, big));
	ASSERT_EQ(0, migrate_writer_vcpu(w, 0, NULL, 0));
	ASSERT_EQ(0, migrate_writer_vcpu(w, 1, NULL, 0));
	ASSERT_EQ(0, migrate_writer_end(w));
	migrate_writer_destroy(w);

	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, &ops, &sum,
					   NULL, &rd));
	EXPECT_EQ(0, migrate_reader_run(rd));
	EXPECT_STREQ("", migrate_reader_error(rd));
	EXPECT_EQ(want, sum);
	migrate_reader_destroy(rd);
	free(blob);
	free(m.buf);
}

/*
 * A 14 MiB stream, hashed over a dozen writer flushes, the direct write of
 * a 2 MiB STATUS and over 200 reader refills (stream_hash.h): the END
 * digest is still XXH3-128 (canonical form) of every byte before it, as
 * xxHash's one-shot call computes it, and one flipped data byte near the
 * end fails END.
 */
TEST(stream, long_stream_digest_is_the_digest)
{
	static const struct migrate_reader_ops ops = { .ram = count_ram };
	u64 npages = 3072, sum = 0, want = 0;
	struct migrate_config c;
	struct membuf m = { 0 };
	struct migrate_writer *w;
	struct migrate_io_mem mem;
	struct migrate_reader *rd;
	size_t slen = 2u << 20;
	u8 page[4096], *status = malloc(slen);
	XXH128_canonical_t d;

	ASSERT_NONNULL(status);
	memset(status, 's', slen);
	sample_config(&c, false);
	c.regions[1].size = 1ull << 30;
	ASSERT_EQ(0, migrate_writer_create(&membuf_io, &m, &w));
	ASSERT_EQ(0, migrate_writer_config(w, &c));
	for (u64 gfn = SAMPLE_GFN_HIGH; gfn < SAMPLE_GFN_HIGH + npages; gfn++) {
		fill_page(page, gfn, 3);
		ASSERT_EQ(0, migrate_writer_ram(w, 0, gfn, MIGCTL_PAGE_RAW, page));
		want += gfn + 1;
	}
	ASSERT_EQ(0, migrate_writer_status(w, status, slen));
	free(status);
	ASSERT_EQ(0, migrate_writer_vcpu(w, 0, NULL, 0));
	ASSERT_EQ(0, migrate_writer_vcpu(w, 1, NULL, 0));
	ASSERT_EQ(0, migrate_writer_end(w));
	migrate_writer_destroy(w);
	ASSERT_GT(m.len, (size_t)14 << 20);
	XXH128_canonicalFromHash(&d, XXH3_128bits(m.buf, m.len - sizeof(d)));
	EXPECT_EQ(MIGCTL_STREAM_DIGEST_BYTES, sizeof(d));
	EXPECT_EQ(0, memcmp(d.digest, m.buf + m.len - sizeof(d), sizeof(d)));

	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, &ops, &sum, NULL, &rd));
	EXPECT_EQ(0, migrate_reader_run(rd));
	EXPECT_EQ(want, sum);
	migrate_reader_destroy(rd);

	/*
	 * A byte in the middle of the last page's data, before STATUS (16
	 * bytes and its data), two empty VCPU sections (24 each) and END (32):
	 * the page still reads, END does not verify.
	 */
	m.buf[m.len - 32 - 2 * 24 - (16 + slen) - 2048] ^= 0x40;
	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, NULL, NULL, NULL, &rd));
	EXPECT_EQ(-EBADMSG, migrate_reader_run(rd));
	EXPECT_NONNULL(strstr(migrate_reader_error(rd), "checksum mismatch"));
	migrate_reader_destroy(rd);
	free(m.buf);
}

struct check_case {
	const char *name;
	void (*mutate)(struct migrate_config *src,
		       struct migrate_config *local);
	const char *tag;
};

static void mut_mem_size(struct migrate_config *s, struct migrate_config *l)
{
	l->regions[1].size *= 2;
}

static void mut_regions(struct migrate_config *s, struct migrate_config *l)
{
	l->nr_regions = 1;
}

static void mut_vcpus(struct migrate_config *s, struct migrate_config *l)
{
	l->nr_vcpus = 4;
}

static void mut_sevsim(struct migrate_config *s, struct migrate_config *l)
{
	l->sevsim = false;
}

static void mut_not_ready(struct migrate_config *s, struct migrate_config *l)
{
	s->protocol_ctl = 0;
}

static void mut_version(struct migrate_config *s, struct migrate_config *l)
{
	l->offer_max = 1;
	l->offer_features = 0;
}

static void mut_no_proto(struct migrate_config *s, struct migrate_config *l)
{
	l->offer_min = l->offer_max = 0;
	l->offer_features = 0;
}

static void mut_features(struct migrate_config *s, struct migrate_config *l)
{
	l->offer_features = MIGCTL_F_MSR_PSC;
}

static void mut_offer(struct migrate_config *s, struct migrate_config *l)
{
	l->offer_max = 3;
}

static void mut_cpuid(struct migrate_config *s, struct migrate_config *l)
{
	sample_cpuid(l->cpuid_digest, 1u << 20);
}

static void mut_none(struct migrate_config *s, struct migrate_config *l)
{
}

static const struct check_case check_cases[] = {
	{ "identical", mut_none, NULL },
	{ "memory size", mut_mem_size, "memory layout mismatch" },
	{ "region count", mut_regions, "memory layout mismatch" },
	{ "vcpu count", mut_vcpus, "vCPU count mismatch" },
	{ "sev-sim off here", mut_sevsim, "sev-sim mismatch" },
	{ "guest not READY", mut_not_ready, "sev-sim guest not READY" },
	{ "version skew", mut_version, "version skew" },
	{ "no protocol here", mut_no_proto, "version skew" },
	{ "feature skew", mut_features, "feature skew" },
	{ "offer differs", mut_offer, "protocol offer mismatch" },
	{ "cpuid differs", mut_cpuid, "CPUID mismatch" },
};

/* Covers: V-6, V-8 */
TEST(stream, config_check_matrix)
{
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]);
	     i++) {
		const struct check_case *cc = &check_cases[i];
		struct migrate_config src, local;
		char err[512] = "";
		int ret;

		sample_config(&src, true);
		sample_config(&local, true);
		local.protocol_ctl = 0;
		memset(local.transport_key, 0, sizeof(local.transport_key));
		cc->mutate(&src, &local);
		ret = migrate_config_check(&src, &local, err, sizeof(err));
		test_diag("%s: %s", cc->name, ret ? err : "compatible");
		if (!cc->tag) {
			EXPECT_EQ(0, ret);
			continue;
		}
		EXPECT_EQ(-EINVAL, ret);
		EXPECT_MSG(!strncmp(err, cc->tag, strlen(cc->tag)),
			   "%s: message '%s' lacks '%s'", cc->name, err,
			   cc->tag);
	}
}

/* A version-1 guest on a v1-only destination whose offer equals the source's is fine. */
/* Covers: V-8 */
TEST(stream, config_check_v1_guest_v1_hosts)
{
	struct migrate_config src, local;
	char err[256];

	sample_config(&src, false);
	src.offer_max = 1;
	src.offer_features = 0;
	src.protocol_ctl = MIGCTL_CTL_VALUE(1, 0) &
			   ~MIGCTL_CTL_VERSION_MASK; /* upstream: 1 */
	local = src;
	local.protocol_ctl = 0;
	EXPECT_EQ(0, migrate_config_validate(&src, err, sizeof(err)));
	EXPECT_EQ(0, migrate_config_check(&src, &local, err, sizeof(err)));
	/* Not READY without sev-sim is migratable (nothing to keep private). */
	src.protocol_ctl = 0;
	EXPECT_EQ(0, migrate_config_check(&src, &local, err, sizeof(err)));
}

struct bad_cfg {
	const char *name;
	void (*mutate)(struct migrate_config *c);
};

static void bc_overlap(struct migrate_config *c)
{
	c->regions[1].gpa = 0x8000;
}

static void bc_unaligned(struct migrate_config *c)
{
	c->regions[0].size = 4097;
}

static void bc_empty(struct migrate_config *c)
{
	c->regions[0].size = 0;
}

static void bc_wrap(struct migrate_config *c)
{
	c->regions[1].gpa = ~0xfffull;
}

static void bc_too_big(struct migrate_config *c)
{
	c->regions[1].size = 2ull << 40;
}

static void bc_no_regions(struct migrate_config *c)
{
	c->nr_regions = 0;
}

static void bc_vcpus0(struct migrate_config *c)
{
	c->nr_vcpus = 0;
}

static void bc_vcpus_max(struct migrate_config *c)
{
	c->nr_vcpus = MIGCTL_STREAM_VCPUS_MAX + 1;
}

static void bc_page(struct migrate_config *c)
{
	c->page_size = 2 << 20;
}

static void bc_offer(struct migrate_config *c)
{
	c->offer_min = 3;
}

static void bc_ver_out(struct migrate_config *c)
{
	c->protocol_ctl = MIGCTL_CTL_VALUE(3, 0);
}

static void bc_feat(struct migrate_config *c)
{
	c->offer_features = MIGCTL_F_MSR_PSC;
}

static void bc_v1feat(struct migrate_config *c)
{
	c->protocol_ctl = MIGCTL_CTL_VALUE(1, MIGCTL_F_LIST);
}

static void bc_resv(struct migrate_config *c)
{
	c->protocol_ctl |= 2;
}

static void bc_nokey(struct migrate_config *c)
{
	memset(c->transport_key, 0, 32);
}

static void bc_key(struct migrate_config *c)
{
	c->sevsim = false;
	c->sevsim_generation = 0;
}

static void bc_gen0(struct migrate_config *c)
{
	c->sevsim_generation = 0;
}

static void bc_gen_max(struct migrate_config *c)
{
	c->sevsim_generation = ~0ull;
}

static void bc_gen_plain(struct migrate_config *c)
{
	c->sevsim = false;
	memset(c->transport_key, 0, 32);
}

static const struct bad_cfg bad_cfgs[] = {
	{ "overlapping regions", bc_overlap },
	{ "unaligned region", bc_unaligned },
	{ "empty region", bc_empty },
	{ "wrapping region", bc_wrap },
	{ "more than 1 TiB", bc_too_big },
	{ "no regions", bc_no_regions },
	{ "zero vCPUs", bc_vcpus0 },
	{ "too many vCPUs", bc_vcpus_max },
	{ "2 MiB pages", bc_page },
	{ "offer min > max", bc_offer },
	{ "version outside offer", bc_ver_out },
	{ "features outside offer", bc_feat },
	{ "features with v1", bc_v1feat },
	{ "reserved control bits", bc_resv },
	{ "sev-sim without key", bc_nokey },
	{ "key without sev-sim", bc_key },
	{ "generation 0 with sev-sim", bc_gen0 },
	{ "generation that would wrap", bc_gen_max },
	{ "generation without sev-sim", bc_gen_plain },
};

TEST(stream, invalid_configs_rejected_by_writer)
{
	for (size_t i = 0; i < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); i++) {
		struct migrate_config c;
		struct membuf m = { 0 };
		struct migrate_writer *w;
		char err[256] = "";

		sample_config(&c, true);
		bad_cfgs[i].mutate(&c);
		EXPECT_EQ(-EINVAL,
			  migrate_config_validate(&c, err, sizeof(err)));
		EXPECT_MSG(err[0], "%s: no message", bad_cfgs[i].name);
		test_diag("%s: %s", bad_cfgs[i].name, err);
		ASSERT_EQ(0, migrate_writer_create(&membuf_io, &m, &w));
		EXPECT_EQ(-EINVAL, migrate_writer_config(w, &c));
		EXPECT_EQ(0u, m.len);
		migrate_writer_destroy(w);
		free(m.buf);
	}
}

/* Covers: V-8, V-9 */
TEST(stream, config_refusal_stops_before_ram)
{
	struct membuf m = { 0 };
	struct recorder *r = rec_new();
	char msg[512];

	ASSERT_EQ(0, sample_stream(&m, true));
	r->refuse = "version skew: test refusal";
	EXPECT_EQ(-ECONNREFUSED,
		  parse_mem(m.buf, m.len, r, NULL, msg, sizeof(msg)));
	EXPECT_STREQ("version skew: test refusal", msg);
	EXPECT_EQ(1, r->configs);
	EXPECT_EQ(0, r->rams);
	EXPECT_EQ(0, r->statuses);
	free(r);
	free(m.buf);
}

static int fail_ram(void *o, const struct migrate_page *pg)
{
	return pg->gfn == 1 ? -EFAULT : 0;
}

TEST(stream, callback_error_stops_reader)
{
	static const struct migrate_reader_ops ops = { .ram = fail_ram };
	struct membuf m = { 0 };
	struct migrate_io_mem mem;
	struct migrate_reader *rd;

	ASSERT_EQ(0, sample_stream(&m, false));
	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, &ops, NULL,
					   NULL, &rd));
	EXPECT_EQ(-EFAULT, migrate_reader_run(rd));
	EXPECT_MSG(strstr(migrate_reader_error(rd), "RAM page"), "message: %s",
		   migrate_reader_error(rd));
	/* Sticky: the same error again. */
	EXPECT_EQ(-EFAULT, migrate_reader_next(rd, NULL));
	migrate_reader_destroy(rd);
	free(m.buf);
}

TEST(stream, writer_enforces_order_and_limits)
{
	struct migrate_config c;
	struct membuf m = { 0 };
	struct migrate_writer *w;
	u8 page[4096] = { 0 };

	sample_config(&c, false);
	ASSERT_EQ(0, migrate_writer_create(&membuf_io, &m, &w));
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_RAW, page));
	EXPECT_EQ(-EINVAL, migrate_writer_round(w, 0));
	ASSERT_EQ(0, migrate_writer_config(w, &c));
	EXPECT_EQ(-EINVAL, migrate_writer_config(w, &c));
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 1, 1, MIGCTL_PAGE_RAW,
					      page)); /* round */
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 0, 0x20, MIGCTL_PAGE_RAW,
					      page)); /* hole */
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_PRIVATE,
					      page)); /* no sev-sim */
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 0, 1, 0, page));
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_RAW, NULL));
	EXPECT_EQ(-EINVAL, migrate_writer_round(w, 5));
	EXPECT_EQ(-EINVAL, migrate_writer_device(w, "Serial", "x", 1));
	EXPECT_EQ(-EINVAL,
		  migrate_writer_device(w, "a-name-longer-than-16", "x", 1));
	EXPECT_EQ(-EINVAL, migrate_writer_vcpu(w, 2, "x", 1));
	EXPECT_EQ(-EINVAL, migrate_writer_status(w, "x", 0));
	EXPECT_EQ(-EINVAL, migrate_writer_end(w)); /* no STATUS */
	ASSERT_EQ(0, migrate_writer_status(w, "s", 1));
	EXPECT_EQ(-EINVAL, migrate_writer_status(w, "s", 1));
	ASSERT_EQ(0, migrate_writer_vcpu(w, 0, "v", 1));
	EXPECT_EQ(-EINVAL, migrate_writer_vcpu(w, 0, "v", 1));
	EXPECT_EQ(-EINVAL, migrate_writer_end(w)); /* vCPU 1 missing */
	ASSERT_EQ(0, migrate_writer_vcpu(w, 1, "v", 1));
	ASSERT_EQ(0, migrate_writer_end(w));
	EXPECT_EQ(-EINVAL, migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_ZERO, NULL));
	migrate_writer_destroy(w);
	EXPECT_EQ(0, parse_mem(m.buf, m.len, NULL, NULL, NULL, 0));
	free(m.buf);
}

TEST(stream, writer_io_error_is_sticky)
{
	struct migrate_config c;
	struct membuf m = { .fail_after = 100 };
	struct migrate_writer *w;
	u8 page[4096] = { 1 };

	sample_config(&c, false);
	ASSERT_EQ(0, migrate_writer_create(&membuf_io, &m, &w));
	EXPECT_EQ(-EPIPE, migrate_writer_config(w, &c));
	m.fail_after = 0; /* the transport "recovers"; the writer must not */
	EXPECT_EQ(-EPIPE, migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_RAW, page));
	EXPECT_EQ(-EPIPE, migrate_writer_flush(w));
	EXPECT_EQ(-EPIPE, migrate_writer_end(w));
	migrate_writer_destroy(w);
	free(m.buf);
}

TEST(stream, reply_encode_decode)
{
	u8 buf[16 + MIGCTL_REPLY_REASON_MAX];
	char longer[MIGCTL_REPLY_REASON_MAX + 50];
	u32 rlen;
	ssize_t n;

	n = migrate_reply_encode(MIGCTL_REPLY_REFUSE, "vCPU count mismatch",
				 buf, sizeof(buf));
	ASSERT_EQ(16 + 19, n);
	EXPECT_EQ((int)MIGCTL_REPLY_REFUSE,
		  migrate_reply_decode_header(buf, &rlen));
	EXPECT_EQ(19u, rlen);
	EXPECT_EQ(0, memcmp(buf + 16, "vCPU count mismatch", 19));
	EXPECT_EQ(16, migrate_reply_encode(MIGCTL_REPLY_DONE, NULL, buf,
					   sizeof(buf)));
	EXPECT_EQ((int)MIGCTL_REPLY_DONE,
		  migrate_reply_decode_header(buf, &rlen));
	EXPECT_EQ(0u, rlen);
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	EXPECT_EQ(16 + MIGCTL_REPLY_REASON_MAX,
		  migrate_reply_encode(MIGCTL_REPLY_FAIL, longer, buf,
				       sizeof(buf)));
	EXPECT_EQ(-EINVAL, migrate_reply_encode(0, NULL, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, migrate_reply_encode(6, NULL, buf, sizeof(buf)));
	EXPECT_EQ(16, migrate_reply_encode(MIGCTL_REPLY_ROUND, NULL, buf, sizeof(buf)));
	EXPECT_EQ((int)MIGCTL_REPLY_ROUND, migrate_reply_decode_header(buf, &rlen));
	EXPECT_EQ(-EINVAL,
		  migrate_reply_encode(MIGCTL_REPLY_FAIL, "abc", buf, 18));

	migrate_reply_encode(MIGCTL_REPLY_ACCEPT, NULL, buf, sizeof(buf));
	buf[0] ^= 1; /* magic */
	EXPECT_EQ(-EBADMSG, migrate_reply_decode_header(buf, &rlen));
	migrate_reply_encode(MIGCTL_REPLY_ACCEPT, NULL, buf, sizeof(buf));
	buf[4] = 9; /* type */
	EXPECT_EQ(-EBADMSG, migrate_reply_decode_header(buf, &rlen));
	migrate_reply_encode(MIGCTL_REPLY_ACCEPT, NULL, buf, sizeof(buf));
	buf[9] = 0x10; /* 4096 > max */
	EXPECT_EQ(-EBADMSG, migrate_reply_decode_header(buf, &rlen));
	migrate_reply_encode(MIGCTL_REPLY_ACCEPT, NULL, buf, sizeof(buf));
	buf[12] = 1; /* reserved */
	EXPECT_EQ(-EBADMSG, migrate_reply_decode_header(buf, &rlen));
	EXPECT_STREQ("REFUSE", migrate_reply_name(MIGCTL_REPLY_REFUSE));
	EXPECT_STREQ("?", migrate_reply_name(77));
	EXPECT_STREQ("VCPU", migrate_section_name(MIGCTL_SEC_VCPU));
}

TEST(stream, cpuid_digest_sees_every_register)
{
	struct kvm_cpuid_entry2 e[2] = { { .function = 1, .eax = 2 },
					 { .function = 7 } };
	u8 base[32], d[32];
	u32 *regs[] = { &e[1].function, &e[1].index, &e[1].flags, &e[1].eax,
			&e[1].ebx,	&e[1].ecx,   &e[1].edx };

	migrate_cpuid_digest(e, 2, base);
	migrate_cpuid_digest(e, 2, d);
	EXPECT_EQ(0, memcmp(base, d, 32));
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		*regs[i] ^= 0x100;
		migrate_cpuid_digest(e, 2, d);
		EXPECT_MSG(memcmp(base, d, 32), "field %zu not hashed", i);
		*regs[i] ^= 0x100;
	}
	migrate_cpuid_digest(e, 1, d);
	EXPECT_NE(0, memcmp(base, d, 32));
}
