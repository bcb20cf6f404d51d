/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_rt.c - the stream harness's round trip: write what the input says, read it back. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "input.h"
#include "migctl.h"
#include "stream_rt.h"

#define RT_BUF		(1u << 20)
#define RT_OPS_MAX	48
#define RT_STATUS_MAX	48	/* within the reader's limit for one page of RAM */

struct rt {
	struct fuzz_input in;
	struct migrate_config cfg;
	struct migrate_writer *w;
	struct stream_rec exp;		/* what the writer was given */
	struct stream_rec got;		/* what the reader delivered */
	u64 round;
	bool status;
	u8 vcpu_done[4];
	size_t len;			/* bytes in @out */
	/* Not reset between inputs. */
	u8 data[MIGCTL_SEALED_PAGE_BYTES];
	u8 out[RT_BUF];
};

static ssize_t rt_write(void *ctx, const void *p, size_t n)
{
	struct rt *rt = ctx;

	if (n > RT_BUF - rt->len)
		return -ENOSPC;
	memcpy(rt->out + rt->len, p, n);
	rt->len += n;
	return (ssize_t)n;
}

static const struct migrate_io rt_io = { .write = rt_write };

/* A valid configuration: small regions with holes, one of four offers. */
static void rt_config(struct rt *rt)
{
	static const u32 offers[4][3] = { { 0, 0, 0 }, { 1, 1, 0 }, { 1, 2, MIGCTL_F_ALL },
					  { 2, 2, MIGCTL_F_MSR_PSC } };
	static const u64 ctls[4] = { 0, MIGCTL_CTL_READY,
				     MIGCTL_CTL_VALUE(MIGCTL_VERSION_2, MIGCTL_F_LIST), 0 };
	struct migrate_config *c = &rt->cfg;
	u64 gfn = 0;
	u32 i;
	u8 sel;

	memset(c, 0, sizeof(*c));
	c->nr_regions = 1 + fuzz_u8(&rt->in) % 4;
	for (i = 0; i < c->nr_regions; i++) {
		u64 npages = 1 + fuzz_u8(&rt->in) % 32;

		gfn += fuzz_u8(&rt->in);
		c->regions[i].gpa = gfn << 12;
		c->regions[i].size = npages << 12;
		gfn += npages;
	}
	c->nr_vcpus = 1 + fuzz_u8(&rt->in) % 4;
	c->page_size = MIGCTL_STREAM_PAGE_SIZE;
	sel = fuzz_u8(&rt->in);
	c->sevsim = sel & 1;
	c->offer_min = offers[sel / 2 % 4][0];
	c->offer_max = offers[sel / 2 % 4][1];
	c->offer_features = offers[sel / 2 % 4][2];
	c->protocol_ctl = sel & 0x10 ? ctls[sel / 2 % 4] : 0;
	for (i = 0; i < MIGCTL_STREAM_CPUID_DIGEST_BYTES; i++)
		c->cpuid_digest[i] = fuzz_u8(&rt->in);
	if (c->sevsim) {
		for (i = 0; i < MIGCTL_STREAM_KEY_BYTES; i++)
			c->transport_key[i] = fuzz_u8(&rt->in);
		c->transport_key[0] |= 1;
		c->sevsim_generation = 1 + fuzz_u8(&rt->in);
	}
	FUZZ_ASSERT(migrate_config_validate(c, NULL, 0) == 0);
}

static void rt_ram(struct rt *rt)
{
	static const size_t len[4] = { 0, 0, MIGCTL_STREAM_PAGE_SIZE, MIGCTL_SEALED_PAGE_BYTES };
	const struct migrate_region *r = &rt->cfg.regions[fuzz_u8(&rt->in) % rt->cfg.nr_regions];
	u64 gfn = r->gpa / 4096 + fuzz_u8(&rt->in) % (r->size / 4096);
	u32 kind = MIGCTL_PAGE_ZERO + fuzz_u8(&rt->in) % (rt->cfg.sevsim ? 3 : 2);
	const void *data = kind == MIGCTL_PAGE_ZERO ? NULL : rt->data;

	memset(rt->data, fuzz_u8(&rt->in), len[kind]);
	memcpy(rt->data, &gfn, sizeof(gfn));
	FUZZ_ASSERT(migrate_writer_ram(rt->w, rt->round, gfn, kind, data) == 0);
	stream_rec_add(&rt->exp, MIGCTL_SEC_RAM, gfn, rt->round, kind, data, len[kind]);
}

static void rt_blob(struct rt *rt, u32 type, u32 index)
{
	static const char *const names[4] = { "serial0", "pit", "lapic-0", "x.y_z-1" };
	size_t len = fuzz_u8(&rt->in) % (type == MIGCTL_SEC_STATUS ? RT_STATUS_MAX : 64);
	const char *name = names[index % 4];

	memset(rt->data, fuzz_u8(&rt->in), len);
	if (type == MIGCTL_SEC_STATUS) {
		len++;			/* STATUS is never empty */
		FUZZ_ASSERT(migrate_writer_status(rt->w, rt->data, len) == 0);
		rt->status = true;
	} else if (type == MIGCTL_SEC_DEVICE) {
		FUZZ_ASSERT(migrate_writer_device(rt->w, name, rt->data, len) == 0);
		index = 0;
	} else {
		FUZZ_ASSERT(migrate_writer_vcpu(rt->w, index, rt->data, len) == 0);
		rt->vcpu_done[index] = 1;
	}
	stream_rec_add(&rt->exp, type, type == MIGCTL_SEC_DEVICE ? stream_name_hash(name) : index,
		       0, 0, rt->data, len);
}

static void rt_step(struct rt *rt)
{
	u32 v;

	switch (fuzz_u8(&rt->in) % 6) {
	case 0:
		rt_ram(rt);
		break;
	case 1:
		FUZZ_ASSERT(migrate_writer_round(rt->w, rt->round) == 0);
		stream_rec_add(&rt->exp, MIGCTL_SEC_ROUND, rt->round++, 0, 0, NULL, 0);
		break;
	case 2:
		if (!rt->status)
			rt_blob(rt, MIGCTL_SEC_STATUS, 0);
		break;
	case 3:
		rt_blob(rt, MIGCTL_SEC_DEVICE, fuzz_u8(&rt->in));
		break;
	case 4:
		v = fuzz_u8(&rt->in) % rt->cfg.nr_vcpus;
		if (!rt->vcpu_done[v])
			rt_blob(rt, MIGCTL_SEC_VCPU, v);
		break;
	default:
		FUZZ_ASSERT(migrate_writer_flush(rt->w) == 0);
	}
}

static void rt_write_stream(struct rt *rt)
{
	unsigned int n;
	u32 v;

	FUZZ_ASSERT(migrate_writer_create(&rt_io, rt, &rt->w) == 0);
	FUZZ_ASSERT(migrate_writer_config(rt->w, &rt->cfg) == 0);
	stream_rec_add(&rt->exp, MIGCTL_SEC_CONFIG, 0, 0, 0, NULL, 0);
	for (n = 0; n < RT_OPS_MAX && !fuzz_input_empty(&rt->in); n++)
		rt_step(rt);
	if (!rt->status)
		rt_blob(rt, MIGCTL_SEC_STATUS, 0);
	for (v = 0; v < rt->cfg.nr_vcpus; v++)
		if (!rt->vcpu_done[v])
			rt_blob(rt, MIGCTL_SEC_VCPU, v);
	FUZZ_ASSERT(migrate_writer_end(rt->w) == 0);
	migrate_writer_destroy(rt->w);
}

static bool cfg_equal(const struct migrate_config *a, const struct migrate_config *b)
{
	u32 i;

	for (i = 0; i < a->nr_regions; i++)
		if (a->regions[i].gpa != b->regions[i].gpa ||
		    a->regions[i].size != b->regions[i].size)
			return false;
	return a->nr_regions == b->nr_regions && a->nr_vcpus == b->nr_vcpus &&
	       a->page_size == b->page_size && a->sevsim == b->sevsim &&
	       a->offer_min == b->offer_min && a->offer_max == b->offer_max &&
	       a->offer_features == b->offer_features && a->protocol_ctl == b->protocol_ctl &&
	       a->sevsim_generation == b->sevsim_generation &&
	       !memcmp(a->cpuid_digest, b->cpuid_digest, sizeof(a->cpuid_digest)) &&
	       !memcmp(a->transport_key, b->transport_key, sizeof(a->transport_key));
}

int stream_round_trip(const u8 *data, size_t size)
{
	static struct rt rt;
	unsigned int i;
	u32 pos;
	u8 how;

	memset(&rt, 0, offsetof(struct rt, data));
	rt.in.p = data;
	rt.in.n = size;
	rt_config(&rt);
	rt_write_stream(&rt);
	FUZZ_ASSERT(stream_read(&rt.got, rt.out, rt.len) == 0);
	FUZZ_ASSERT(cfg_equal(&rt.got.cfg, &rt.cfg));
	FUZZ_ASSERT(rt.got.n == rt.exp.n);
	for (i = 0; i < rt.exp.n && i < STREAM_EV_MAX; i++)
		FUZZ_ASSERT(!memcmp(&rt.got.ev[i], &rt.exp.ev[i], sizeof(rt.exp.ev[i])));
	/* Any one corrupted byte or a cut anywhere must fail the stream. */
	how = fuzz_u8(&rt.in);
	pos = fuzz_u32(&rt.in) % rt.len;
	if (how & 1) {
		rt.out[pos] ^= (u8)(1 + how / 2 % 255);
		FUZZ_ASSERT(stream_read(&rt.got, rt.out, rt.len) != 0);
	} else {
		FUZZ_ASSERT(stream_read(&rt.got, rt.out, pos) != 0);
	}
	return 0;
}
