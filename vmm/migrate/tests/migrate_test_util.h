/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migrate_test_util.h - sample configurations, streams and recorders for the migrate tests. */
#ifndef MIGCTL_MIGRATE_TEST_UTIL_H
#define MIGCTL_MIGRATE_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>
#include <sodium.h>

#include "migctl.h"
#include "sevsim.h"
#include "stream.h"

/* A growing memory buffer as a write transport. */
struct membuf {
	u8 *buf;
	size_t len, cap;
	size_t fail_after; /* 0: never fail; else -EPIPE once len would pass it */
};

static inline ssize_t membuf_write(void *ctx, const void *p, size_t n)
{
	struct membuf *m = ctx;

	if (m->fail_after && m->len + n > m->fail_after)
		return -EPIPE;
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;

		while (cap < m->len + n)
			cap *= 2;
		m->buf = realloc(m->buf, cap);
		if (!m->buf)
			return -ENOMEM;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	return (ssize_t)n;
}

static const struct migrate_io membuf_io = { .write = membuf_write };

/* Sample layout: 64 KiB at 0 and 128 KiB at 1 MiB (48 pages), 2 vCPUs. */
#define SAMPLE_GFN_HIGH 0x100u

static inline void sample_cpuid(u8 digest[32], u32 tweak)
{
	struct kvm_cpuid_entry2 e[3] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x68747541 },
		{ .function = 1, .eax = 0x800f12, .ecx = 1u << 31 },
		{ .function = 0x40000001,
		  .eax = (1u << 16) | (1u << 17) | tweak },
	};

	migrate_cpuid_digest(e, 3, digest);
}

static inline void sample_config(struct migrate_config *c, bool sevsim)
{
	memset(c, 0, sizeof(*c));
	c->nr_regions = 2;
	c->regions[0] = (struct migrate_region){ 0, 64 << 10 };
	c->regions[1] =
		(struct migrate_region){ SAMPLE_GFN_HIGH << 12, 128 << 10 };
	c->nr_vcpus = 2;
	c->page_size = 4096;
	c->sevsim = sevsim;
	c->offer_min = MIGCTL_VERSION_1;
	c->offer_max = MIGCTL_VERSION_2;
	c->offer_features = MIGCTL_F_ALL;
	c->protocol_ctl = MIGCTL_CTL_VALUE(MIGCTL_VERSION_2, MIGCTL_F_LIST);
	sample_cpuid(c->cpuid_digest, 0);
	if (sevsim) {
		memset(c->transport_key, 0x5a, sizeof(c->transport_key));
		c->sevsim_generation = 7;
	}
}

static inline void fill_page(u8 *p, u64 gfn, u8 salt)
{
	for (unsigned int i = 0; i < 4096; i++)
		p[i] = (u8)(gfn * 31 + i * 7 + salt);
}

/*
 * The sample stream: round 0 = ZERO gfn 0, RAW gfn 1, PRIVATE gfn 0x100;
 * ROUND 0; round 1 = RAW gfn 2; ROUND 1; STATUS; DEVICE serial0; VCPU 1,
 * VCPU 0; END. Returns 0 or the first writer error.
 */
static inline int sample_stream(struct membuf *m, bool sevsim)
{
	static const u8 status[40] = "status-log-blob-from-the-host-library!!";
	static const u8 serial[5] = "uart";
	u8 page[4096], sealed[MIGCTL_SEALED_PAGE_BYTES], key[32];
	struct migrate_config c;
	struct migrate_writer *w;
	int ret;

	sample_config(&c, sevsim);
	ret = migrate_writer_create(&membuf_io, m, &w);
	if (ret)
		return ret;
	ret = migrate_writer_config(w, &c);
	ret = ret ?: migrate_writer_ram(w, 0, 0, MIGCTL_PAGE_ZERO, NULL);
	fill_page(page, 1, 0);
	ret = ret ?: migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_RAW, page);
	if (sevsim) {
		memset(key, 0x11, sizeof(key));
		fill_page(page, SAMPLE_GFN_HIGH, 0);
		sevsim_prf_page_xor(key, (u64)SAMPLE_GFN_HIGH << 12, page);
		ret = ret   ?:
			      sevsim_fw_export(key, c.transport_key,
					       SAMPLE_GFN_HIGH, 0, page,
					       sealed);
		ret = ret   ?:
			      migrate_writer_ram(w, 0, SAMPLE_GFN_HIGH,
						 MIGCTL_PAGE_PRIVATE, sealed);
	}
	ret = ret ?: migrate_writer_round(w, 0);
	fill_page(page, 2, 1);
	ret = ret ?: migrate_writer_ram(w, 1, 2, MIGCTL_PAGE_RAW, page);
	ret = ret ?: migrate_writer_round(w, 1);
	ret = ret ?: migrate_writer_status(w, status, sizeof(status));
	ret = ret   ?:
		      migrate_writer_device(w, "serial0", serial,
					    sizeof(serial));
	ret = ret ?: migrate_writer_vcpu(w, 1, "vcpu-one", 8);
	ret = ret ?: migrate_writer_vcpu(w, 0, "vcpu-zero", 9);
	ret = ret ?: migrate_writer_end(w);
	migrate_writer_destroy(w);
	return ret;
}

/* What the reader's callbacks saw. */
struct recorder {
	struct migrate_config cfg;
	int configs, rams, rounds, statuses, devices, vcpus;
	u64 gfns[16];
	u32 kinds[16];
	u64 page_rounds[16];
	u8 pages[16][MIGCTL_SEALED_PAGE_BYTES];
	size_t page_len[16];
	u64 round_nrs[8];
	u8 status[64];
	size_t status_len;
	char device[17];
	u8 device_blob[16];
	size_t device_len;
	u32 vcpu_idx[4];
	u8 vcpu_blob[4][16];
	size_t vcpu_len[4];
	/* config callback: refuse with this message if set */
	const char *refuse;
};

static inline int rec_config(void *o, const struct migrate_config *cfg,
			     char *err, size_t len)
{
	struct recorder *r = o;

	r->configs++;
	r->cfg = *cfg;
	if (r->refuse) {
		snprintf(err, len, "%s", r->refuse);
		return -EPERM;
	}
	return 0;
}

static inline int rec_ram(void *o, const struct migrate_page *pg)
{
	struct recorder *r = o;
	int i = r->rams++;

	if (i < 16) {
		r->gfns[i] = pg->gfn;
		r->kinds[i] = pg->kind;
		r->page_rounds[i] = pg->round;
		r->page_len[i] = pg->len;
		if (pg->len)
			memcpy(r->pages[i], pg->data, pg->len);
	}
	return 0;
}

static inline int rec_round(void *o, u64 round)
{
	struct recorder *r = o;

	if (r->rounds < 8)
		r->round_nrs[r->rounds] = round;
	r->rounds++;
	return 0;
}

static inline int rec_status(void *o, const void *blob, size_t len)
{
	struct recorder *r = o;

	r->statuses++;
	r->status_len = len;
	memcpy(r->status, blob,
	       len < sizeof(r->status) ? len : sizeof(r->status));
	return 0;
}

static inline int rec_device(void *o, const char *name, const void *blob,
			     size_t len)
{
	struct recorder *r = o;

	r->devices++;
	snprintf(r->device, sizeof(r->device), "%s", name);
	r->device_len = len;
	memcpy(r->device_blob, blob, len < 16 ? len : 16);
	return 0;
}

static inline int rec_vcpu(void *o, u32 idx, const void *blob, size_t len)
{
	struct recorder *r = o;
	int i = r->vcpus++;

	if (i < 4) {
		r->vcpu_idx[i] = idx;
		r->vcpu_len[i] = len;
		memcpy(r->vcpu_blob[i], blob, len < 16 ? len : 16);
	}
	return 0;
}

static const struct migrate_reader_ops rec_ops = {
	.config = rec_config,
	.ram = rec_ram,
	.round = rec_round,
	.status = rec_status,
	.device = rec_device,
	.vcpu = rec_vcpu,
};

/* Parse @len bytes of @buf; returns the reader's result, message in @msg. */
static inline int parse_mem(const void *buf, size_t len, struct recorder *rec,
			    const struct migrate_reader_limits *lim, char *msg,
			    size_t msglen)
{
	struct migrate_io_mem mem = { .buf = buf, .len = len };
	struct migrate_reader *r;
	int ret;

	ret = migrate_reader_create(&migrate_io_mem, &mem,
				    rec ? &rec_ops : NULL, rec, lim, &r);
	if (ret)
		return ret;
	ret = migrate_reader_run(r);
	if (msg)
		snprintf(msg, msglen, "%s", migrate_reader_error(r));
	migrate_reader_destroy(r);
	return ret;
}

#endif /* MIGCTL_MIGRATE_TEST_UTIL_H */
