/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_reader.c - the destination's validating migration stream parser. */

/*
 * Hostile input is expected (the parser is fuzzed): every length is checked
 * against a limit before anything is read or allocated, the only buffer
 * that grows (STATUS/DEVICE/VCPU blobs) grows with the bytes actually
 * received, and a failure is sticky with one message.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "stream-priv.h"
#include "stream_hash.h"

/*
 * Input arrives in one 64 KiB buffer, the reader's fixed memory whatever
 * the stream (fuzz/stream.c checks it). Its bytes go to the checksum once
 * they were consumed, before it is filled again.
 */
#define READER_IN_BYTES (64u << 10)
#define BLOB_CHUNK	(64u << 10)
#define RAM_SECTION_MAX                     \
	(STREAM_RAM_BYTES +                 \
	 (u64)MIGCTL_STREAM_RAM_BATCH_MAX * \
		 (STREAM_DESC_BYTES + MIGCTL_SEALED_PAGE_BYTES))

enum reader_state { RD_HEADER, RD_CONFIG, RD_BODY, RD_DONE, RD_FAILED };

struct migrate_reader {
	struct stream_hash *hash;
	const struct migrate_io *io;
	void *ctx;
	const struct migrate_reader_ops *ops;
	void *opaque;
	struct migrate_reader_limits lim;
	enum reader_state state;
	int err;
	char msg[512];
	u64 offset; /* bytes consumed */
	struct migrate_config cfg;
	u64 round;
	bool config_read, status_seen;
	u32 vcpus_seen;
	u8 vcpu_seen[MIGCTL_STREAM_VCPUS_MAX / 8];
	u8 *blob;
	size_t blob_cap;
	struct migrate_stream_stats st;
	size_t in_pos, in_len;
	size_t hash_from; /* in[hash_from..] is not handed to the digest yet */
	bool hash_off; /* at the END digest: nothing more is hashed */
	u8 page[MIGCTL_SEALED_PAGE_BYTES];
	u8 in[READER_IN_BYTES];
};

static int rd_fail(struct migrate_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rd_fail(struct migrate_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->state == RD_FAILED)
		return r->err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->state = RD_FAILED;
	r->err = err;
	return err;
}

void migrate_reader_set_error(struct migrate_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

int migrate_reader_create(const struct migrate_io *io, void *ctx,
			  const struct migrate_reader_ops *ops, void *opaque,
			  const struct migrate_reader_limits *limits,
			  struct migrate_reader **out)
{
	static const struct migrate_reader_ops no_ops;
	struct migrate_reader *r;

	if (!io || !io->read)
		return -EINVAL;
	if (posix_memalign((void **)&r, 64, sizeof(*r)))
		return -ENOMEM;
	memset(r, 0, offsetof(struct migrate_reader, page));
	if (stream_hash_create(&r->hash)) {
		free(r);
		return -ENOMEM;
	}
	r->io = io;
	r->ctx = ctx;
	r->ops = ops ? ops : &no_ops;
	r->opaque = opaque;
	if (limits)
		r->lim = *limits;
	if (!r->lim.device_max)
		r->lim.device_max = MIGCTL_STREAM_BLOB_MAX;
	if (!r->lim.vcpu_max)
		r->lim.vcpu_max = MIGCTL_STREAM_BLOB_MAX;
	*out = r;
	return 0;
}

void migrate_reader_destroy(struct migrate_reader *r)
{
	if (!r)
		return;
	stream_hash_destroy(r->hash);
	free(r->blob);
	free(r);
}

/* The consumed bytes of the input buffer to the checksum (until END's). */
static void rd_hash_consumed(struct migrate_reader *r)
{
	if (r->hash_off || r->in_pos == r->hash_from)
		return;
	stream_hash_add(r->hash, r->in + r->hash_from,
			r->in_pos - r->hash_from);
	r->hash_from = r->in_pos;
}

/* Consume @n bytes that are in the input buffer. */
static void rd_skip(struct migrate_reader *r, size_t n)
{
	r->in_pos += n;
	r->offset += n;
	r->st.bytes += n;
}

/* Read exactly @n bytes of @what; every byte goes to the digest until END's. */
static int rd_exact(struct migrate_reader *r, void *dst, size_t n,
		    const char *what)
{
	u8 *d = dst;

	while (n) {
		size_t take;

		if (r->in_pos == r->in_len) {
			ssize_t got;

			rd_hash_consumed(r);
			r->in_pos = r->in_len = r->hash_from = 0;
			got = r->io->read(r->ctx, r->in, sizeof(r->in));

			if (got == 0)
				return rd_fail(
					r, -ENODATA,
					"stream truncated at offset %llu: %zu more bytes of %s expected",
					(unsigned long long)r->offset, n, what);
			if (got == -ETIMEDOUT)
				return rd_fail(
					r, -ETIMEDOUT,
					"timed out at offset %llu waiting for %s",
					(unsigned long long)r->offset, what);
			if (got < 0)
				return rd_fail(
					r, (int)got,
					"read error at offset %llu (%s): %s",
					(unsigned long long)r->offset, what,
					strerror((int)-got));
			r->in_pos = 0;
			r->in_len = (size_t)got;
		}
		take = r->in_len - r->in_pos < n ? r->in_len - r->in_pos : n;
		memcpy(d, r->in + r->in_pos, take);
		rd_skip(r, take);
		d += take;
		n -= take;
	}
	return 0;
}

/* Read an opaque blob of checked length @len, growing with what arrives. */
static int rd_blob(struct migrate_reader *r, u64 len, const char *what)
{
	size_t got = 0;
	int ret;

	while (got < len) {
		size_t want = (size_t)len - got, room;

		if (got == r->blob_cap) {
			size_t cap = r->blob_cap >= BLOB_CHUNK ?
					     r->blob_cap * 2 :
					     BLOB_CHUNK;
			u8 *nb;

			if (cap > len)
				cap = (size_t)len;
			nb = realloc(r->blob, cap);
			if (!nb)
				return rd_fail(
					r, -ENOMEM,
					"out of memory for %llu bytes of %s",
					(unsigned long long)len, what);
			r->blob = nb;
			r->blob_cap = cap;
		}
		room = r->blob_cap - got;
		if (want > room)
			want = room;
		ret = rd_exact(r, r->blob + got, want, what);
		if (ret)
			return ret;
		got += want;
	}
	return 0;
}

void *migrate_reader_take_blob(struct migrate_reader *r, const void *blob)
{
	void *b = r->blob;

	if (!blob || blob != b)
		return NULL;
	r->blob = NULL;
	r->blob_cap = 0;
	return b;
}

static int rd_callback(struct migrate_reader *r, int ret, const char *what)
{
	if (!ret)
		return 0;
	if (ret > 0)
		ret = -EINVAL;
	if (!r->msg[0])
		snprintf(r->msg, sizeof(r->msg), "%s rejected by the VMM: %s",
			 what, strerror(-ret));
	r->state = RD_FAILED;
	r->err = ret;
	return ret;
}

static int rd_header(struct migrate_reader *r)
{
	u8 h[STREAM_HDR_BYTES];
	int ret = rd_exact(r, h, sizeof(h), "the stream header");

	if (ret)
		return ret;
	if (memcmp(h, MIGCTL_STREAM_MAGIC, MIGCTL_STREAM_MAGIC_LEN))
		return rd_fail(
			r, -EBADMSG,
			"not a migctl migration stream (bad magic %02x%02x%02x%02x%02x%02x%02x%02x)",
			h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
	if (get_le32(h + 8) != MIGCTL_STREAM_VERSION)
		return rd_fail(
			r, -EPROTONOSUPPORT,
			"unsupported stream format version %u (this build reads version %u); use a matching migctl-vmm",
			get_le32(h + 8), MIGCTL_STREAM_VERSION);
	if (get_le32(h + 12))
		return rd_fail(
			r, -EBADMSG,
			"stream header flags 0x%x are not defined in version %u",
			get_le32(h + 12), MIGCTL_STREAM_VERSION);
	r->state = RD_CONFIG;
	return 0;
}

static int rd_config(struct migrate_reader *r, u64 len)
{
	u8 buf[STREAM_CFG_MAX_BYTES];
	char why[256];
	int nr, ret;

	if (len < STREAM_CFG_BYTES || len > STREAM_CFG_MAX_BYTES)
		return rd_fail(r, -EBADMSG, "CONFIG length %llu out of range",
			       (unsigned long long)len);
	ret = rd_exact(r, buf, STREAM_CFG_BYTES, "CONFIG");
	if (ret)
		return ret;
	nr = stream_config_decode_fixed(buf, &r->cfg, why, sizeof(why));
	if (nr < 0)
		return rd_fail(r, -EBADMSG, "invalid CONFIG: %s", why);
	if (len != STREAM_CFG_BYTES + (u64)nr * STREAM_REGION_BYTES)
		return rd_fail(
			r, -EBADMSG,
			"CONFIG length %llu does not match its %d regions",
			(unsigned long long)len, nr);
	ret = rd_exact(r, buf, (size_t)nr * STREAM_REGION_BYTES,
		       "CONFIG regions");
	if (ret)
		return ret;
	stream_config_decode_regions(buf, &r->cfg);
	if (migrate_config_validate(&r->cfg, why, sizeof(why)))
		return rd_fail(r, -EBADMSG, "invalid CONFIG: %s", why);
	if (!r->lim.status_max)
		r->lim.status_max = 32 + 16 * migrate_config_pages(&r->cfg);
	r->config_read = true;
	r->state = RD_BODY;
	if (!r->ops->config)
		return 0;
	why[0] = 0;
	if (r->ops->config(r->opaque, &r->cfg, why, sizeof(why)))
		return rd_fail(r, -ECONNREFUSED, "%s",
			       why[0] ? why : "configuration refused");
	return 0;
}

static size_t page_bytes(u32 kind)
{
	return kind == MIGCTL_PAGE_RAW	   ? MIGCTL_STREAM_PAGE_SIZE :
	       kind == MIGCTL_PAGE_PRIVATE ? MIGCTL_SEALED_PAGE_BYTES :
					     0;
}

static int rd_page(struct migrate_reader *r, u64 *left, u32 i, u32 nr)
{
	struct migrate_page pg = { .round = r->round };
	u8 d[STREAM_DESC_BYTES];
	int ret;

	if (*left < STREAM_DESC_BYTES)
		return rd_fail(r, -EBADMSG,
			       "RAM section too short for its %u pages", nr);
	ret = rd_exact(r, d, sizeof(d), "a RAM page descriptor");
	if (ret)
		return ret;
	*left -= STREAM_DESC_BYTES;
	pg.gfn = get_le64(d) >> 12;
	pg.kind = (u32)(get_le64(d) & MIGCTL_PAGE_KIND_MASK);
	if (pg.kind < MIGCTL_PAGE_ZERO || pg.kind > MIGCTL_PAGE_PRIVATE)
		return rd_fail(r, -EBADMSG,
			       "RAM page %u of %u has unknown kind %u", i, nr,
			       pg.kind);
	if (pg.kind == MIGCTL_PAGE_PRIVATE && !r->cfg.sevsim)
		return rd_fail(
			r, -EBADMSG,
			"PRIVATE page (gfn 0x%llx) in a stream without sev-sim",
			(unsigned long long)pg.gfn);
	if (!migrate_config_has_gfn(&r->cfg, pg.gfn))
		return rd_fail(r, -EBADMSG,
			       "RAM page gfn 0x%llx is outside guest RAM",
			       (unsigned long long)pg.gfn);
	pg.len = page_bytes(pg.kind);
	if (*left < pg.len)
		return rd_fail(r, -EBADMSG,
			       "RAM section too short for page gfn 0x%llx",
			       (unsigned long long)pg.gfn);
	if (pg.len && r->in_len - r->in_pos >= pg.len) {
		/* All in the input buffer: handed over in place, no copy. */
		pg.data = r->in + r->in_pos;
		rd_skip(r, pg.len);
	} else if (pg.len) {
		ret = rd_exact(r, r->page, pg.len, "RAM page data");
		if (ret)
			return ret;
		pg.data = r->page;
	}
	*left -= pg.len;
	if (pg.kind == MIGCTL_PAGE_ZERO)
		r->st.pages_zero++;
	else if (pg.kind == MIGCTL_PAGE_RAW)
		r->st.pages_raw++;
	else
		r->st.pages_private++;
	return r->ops->ram ?
		       rd_callback(r, r->ops->ram(r->opaque, &pg), "RAM page") :
		       0;
}

static int rd_ram(struct migrate_reader *r, u64 len)
{
	u8 h[STREAM_RAM_BYTES];
	u64 left;
	u32 nr;
	int ret;

	if (len < STREAM_RAM_BYTES || len > RAM_SECTION_MAX)
		return rd_fail(
			r, -EBADMSG,
			"RAM section length %llu out of range (%u..%llu)",
			(unsigned long long)len, (unsigned int)STREAM_RAM_BYTES,
			(unsigned long long)RAM_SECTION_MAX);
	ret = rd_exact(r, h, sizeof(h), "a RAM batch header");
	if (ret)
		return ret;
	left = len - STREAM_RAM_BYTES;
	nr = get_le32(h + 8);
	if (get_le64(h) != r->round)
		return rd_fail(r, -EBADMSG,
			       "RAM batch for round %llu during round %llu",
			       (unsigned long long)get_le64(h),
			       (unsigned long long)r->round);
	if (nr < 1 || nr > MIGCTL_STREAM_RAM_BATCH_MAX || get_le32(h + 12))
		return rd_fail(
			r, -EBADMSG,
			"RAM batch of %u pages (allowed 1..%u) or reserved bits set",
			nr, MIGCTL_STREAM_RAM_BATCH_MAX);
	for (u32 i = 0; i < nr; i++) {
		ret = rd_page(r, &left, i, nr);
		if (ret)
			return ret;
	}
	if (left)
		return rd_fail(r, -EBADMSG,
			       "RAM section has %llu bytes after its %u pages",
			       (unsigned long long)left, nr);
	return 0;
}

static int rd_round(struct migrate_reader *r, u64 len)
{
	u8 p[8];
	int ret;

	if (len != sizeof(p))
		return rd_fail(r, -EBADMSG, "ROUND length %llu (must be 8)",
			       (unsigned long long)len);
	ret = rd_exact(r, p, sizeof(p), "ROUND");
	if (ret)
		return ret;
	if (get_le64(p) != r->round)
		return rd_fail(r, -EBADMSG,
			       "ROUND %llu out of sequence (expected %llu)",
			       (unsigned long long)get_le64(p),
			       (unsigned long long)r->round);
	r->round++;
	r->st.rounds++;
	return r->ops->round ?
		       rd_callback(r, r->ops->round(r->opaque, get_le64(p)),
				   "ROUND") :
		       0;
}

static int rd_status(struct migrate_reader *r, u64 len)
{
	int ret;

	if (r->status_seen)
		return rd_fail(r, -EBADMSG, "second STATUS section");
	if (!len || len > r->lim.status_max)
		return rd_fail(r, -EBADMSG,
			       "STATUS length %llu out of range (1..%llu)",
			       (unsigned long long)len,
			       (unsigned long long)r->lim.status_max);
	ret = rd_blob(r, len, "STATUS");
	if (ret)
		return ret;
	r->status_seen = true;
	return r->ops->status ? rd_callback(r,
					    r->ops->status(r->opaque, r->blob,
							   (size_t)len),
					    "STATUS") :
				0;
}

static bool name_ok(const char *n)
{
	size_t i = 0;

	for (; i < MIGCTL_STREAM_DEVICE_NAME && n[i]; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '_' ||
		      n[i] == '-' || n[i] == '.'))
			return false;
	if (!i)
		return false;
	for (; i < MIGCTL_STREAM_DEVICE_NAME; i++)
		if (n[i])
			return false;
	return true;
}

static int rd_device(struct migrate_reader *r, u64 len)
{
	char name[MIGCTL_STREAM_DEVICE_NAME + 1] = { 0 };
	u64 blen = len - MIGCTL_STREAM_DEVICE_NAME;
	int ret;

	if (len < MIGCTL_STREAM_DEVICE_NAME || blen > r->lim.device_max)
		return rd_fail(r, -EBADMSG,
			       "DEVICE length %llu out of range (16..%llu)",
			       (unsigned long long)len,
			       (unsigned long long)r->lim.device_max +
				       MIGCTL_STREAM_DEVICE_NAME);
	ret = rd_exact(r, name, MIGCTL_STREAM_DEVICE_NAME,
		       "a DEVICE name");
	if (ret)
		return ret;
	if (!name_ok(name))
		return rd_fail(r, -EBADMSG,
			       "DEVICE name is not [a-z0-9_.-]+ NUL-padded");
	ret = rd_blob(r, blen, "DEVICE state");
	if (ret)
		return ret;
	return r->ops->device ?
		       rd_callback(r,
				   r->ops->device(r->opaque, name, r->blob,
						  (size_t)blen),
				   "DEVICE") :
		       0;
}

static int rd_vcpu(struct migrate_reader *r, u64 len)
{
	u8 h[8];
	u64 blen = len - sizeof(h);
	u32 idx;
	int ret;

	if (len < sizeof(h) || blen > r->lim.vcpu_max)
		return rd_fail(r, -EBADMSG,
			       "VCPU length %llu out of range (8..%llu)",
			       (unsigned long long)len,
			       (unsigned long long)r->lim.vcpu_max + 8);
	ret = rd_exact(r, h, sizeof(h), "a VCPU header");
	if (ret)
		return ret;
	idx = get_le32(h);
	if (idx >= r->cfg.nr_vcpus || get_le32(h + 4))
		return rd_fail(r, -EBADMSG,
			       "VCPU index %u (of %u) or reserved bits invalid",
			       idx, r->cfg.nr_vcpus);
	if (r->vcpu_seen[idx / 8] & (1u << (idx % 8)))
		return rd_fail(r, -EBADMSG, "second VCPU section for vCPU %u",
			       idx);
	ret = rd_blob(r, blen, "VCPU state");
	if (ret)
		return ret;
	r->vcpu_seen[idx / 8] |= (u8)(1u << (idx % 8));
	r->vcpus_seen++;
	return r->ops->vcpu ? rd_callback(r,
					  r->ops->vcpu(r->opaque, idx, r->blob,
						       (size_t)blen),
					  "VCPU") :
			      0;
}

static int rd_end(struct migrate_reader *r, u64 len)
{
	u8 want[MIGCTL_STREAM_DIGEST_BYTES], got[MIGCTL_STREAM_DIGEST_BYTES];
	int ret;

	if (len != sizeof(got))
		return rd_fail(r, -EBADMSG, "END length %llu (must be %zu)",
			       (unsigned long long)len, sizeof(got));
	if (!r->status_seen)
		return rd_fail(r, -EBADMSG,
			       "stream ends without a STATUS section");
	if (r->vcpus_seen != r->cfg.nr_vcpus)
		return rd_fail(r, -EBADMSG,
			       "stream ends with state for %u of %u vCPUs",
			       r->vcpus_seen, r->cfg.nr_vcpus);
	rd_hash_consumed(r);
	r->hash_off = true;
	stream_hash_final(r->hash, want);
	ret = rd_exact(r, got, sizeof(got), "the END checksum");
	if (ret)
		return ret;
	if (sodium_memcmp(want, got, sizeof(got)))
		return rd_fail(
			r, -EBADMSG,
			"checksum mismatch at END (offset %llu): the stream was corrupted in transit",
			(unsigned long long)r->offset);
	r->state = RD_DONE;
	return 1;
}

static int rd_dispatch(struct migrate_reader *r, u32 type, u64 len)
{
	switch (type) {
	case MIGCTL_SEC_CONFIG:
		return rd_fail(r, -EBADMSG,
			       "second CONFIG section at offset %llu",
			       (unsigned long long)r->offset);
	case MIGCTL_SEC_RAM:
		return rd_ram(r, len);
	case MIGCTL_SEC_STATUS:
		return rd_status(r, len);
	case MIGCTL_SEC_DEVICE:
		return rd_device(r, len);
	case MIGCTL_SEC_VCPU:
		return rd_vcpu(r, len);
	case MIGCTL_SEC_ROUND:
		return rd_round(r, len);
	default:
		return rd_end(r, len);
	}
}

int migrate_reader_next(struct migrate_reader *r, u32 *type)
{
	u8 h[STREAM_SEC_BYTES];
	u64 start;
	u32 t;
	int ret;

	if (r->state == RD_FAILED)
		return r->err;
	if (r->state == RD_DONE)
		return 1;
	if (r->state == RD_HEADER) {
		ret = rd_header(r);
		if (ret)
			return ret;
	}
	start = r->offset;
	ret = rd_exact(r, h, sizeof(h), "a section header");
	if (ret)
		return ret;
	t = get_le32(h);
	if (type)
		*type = t;
	if (t < MIGCTL_SEC_CONFIG || t > MIGCTL_SEC_MAX)
		return rd_fail(
			r, -EBADMSG,
			"unknown section type %u at offset %llu (format version %u has types %u..%u)",
			t, (unsigned long long)start, MIGCTL_STREAM_VERSION,
			MIGCTL_SEC_CONFIG, MIGCTL_SEC_MAX);
	if (get_le32(h + 4))
		return rd_fail(
			r, -EBADMSG,
			"%s section at offset %llu has flags 0x%x (must be 0)",
			migrate_section_name(t), (unsigned long long)start,
			get_le32(h + 4));
	r->st.sections++;
	if (r->state == RD_CONFIG) {
		if (t != MIGCTL_SEC_CONFIG)
			return rd_fail(r, -EBADMSG,
				       "stream starts with %s, not CONFIG",
				       migrate_section_name(t));
		return rd_config(r, get_le64(h + 8));
	}
	return rd_dispatch(r, t, get_le64(h + 8));
}

int migrate_reader_run(struct migrate_reader *r)
{
	int ret;

	do
		ret = migrate_reader_next(r, NULL);
	while (!ret);
	return ret < 0 ? ret : 0;
}

const char *migrate_reader_error(const struct migrate_reader *r)
{
	return r->msg;
}

const struct migrate_config *
migrate_reader_config(const struct migrate_reader *r)
{
	return r->config_read ? &r->cfg : NULL;
}

void migrate_reader_stats(const struct migrate_reader *r,
			  struct migrate_stream_stats *st)
{
	*st = r->st;
}
