/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* raw_stream.h - hand-built migration streams with a correct checksum, for negative tests. */
#ifndef MIGCTL_MIGRATE_RAW_STREAM_H
#define MIGCTL_MIGRATE_RAW_STREAM_H

#include "test.h"
#include "migrate_test_util.h"
#include "stream-priv.h"
#include "stream_hash.h"

/* A hand-built stream whose END checksum is right, so only the planted defect counts. */
struct raw {
	u8 buf[1 << 16];
	size_t len;
};

static inline void raw_bytes(struct raw *r, const void *p, size_t n)
{
	if (r->len + n > sizeof(r->buf))
		test_stop();
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static inline void raw_u32(struct raw *r, u32 v)
{
	u8 b[4];

	put_le32(b, v);
	raw_bytes(r, b, 4);
}

static inline void raw_u64(struct raw *r, u64 v)
{
	u8 b[8];

	put_le64(b, v);
	raw_bytes(r, b, 8);
}

static inline void raw_header(struct raw *r, u32 version, u32 flags)
{
	raw_bytes(r, MIGCTL_STREAM_MAGIC, 8);
	raw_u32(r, version);
	raw_u32(r, flags);
}

static inline void raw_section(struct raw *r, u32 type, u64 len)
{
	raw_u32(r, type);
	raw_u32(r, 0);
	raw_u64(r, len);
}

static inline void raw_config(struct raw *r, const struct migrate_config *c)
{
	u8 body[STREAM_CFG_MAX_BYTES];
	size_t n = stream_config_encode(c, body);

	raw_section(r, MIGCTL_SEC_CONFIG, n);
	raw_bytes(r, body, n);
}

/* Header and the sample CONFIG (sev-sim on). */
static inline void raw_start(struct raw *r)
{
	struct migrate_config c;

	sample_config(&c, true);
	r->len = 0;
	raw_header(r, MIGCTL_STREAM_VERSION, 0);
	raw_config(r, &c);
}

static inline void raw_vcpu(struct raw *r, u32 idx)
{
	raw_section(r, MIGCTL_SEC_VCPU, 8);
	raw_u32(r, idx);
	raw_u32(r, 0);
}

static inline void raw_end(struct raw *r)
{
	u8 d[MIGCTL_STREAM_DIGEST_BYTES];

	raw_section(r, MIGCTL_SEC_END, sizeof(d));
	stream_hash_buf(r->buf, r->len, d);
	raw_bytes(r, d, sizeof(d));
}

/* STATUS, both vCPUs, END. */
static inline void raw_finish(struct raw *r)
{
	raw_section(r, MIGCTL_SEC_STATUS, 1);
	raw_bytes(r, "s", 1);
	raw_vcpu(r, 0);
	raw_vcpu(r, 1);
	raw_end(r);
}

static inline void raw_ram_one(struct raw *r, u64 round, u64 gfn, u32 kind,
			       size_t data)
{
	static const u8 zero[MIGCTL_SEALED_PAGE_BYTES];

	raw_section(r, MIGCTL_SEC_RAM, 16 + 8 + data);
	raw_u64(r, round);
	raw_u32(r, 1);
	raw_u32(r, 0);
	raw_u64(r, MIGCTL_PAGE_DESC(gfn, kind));
	raw_bytes(r, zero, data);
}

#endif /* MIGCTL_MIGRATE_RAW_STREAM_H */
