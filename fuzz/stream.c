/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream.c - libFuzzer harness: the destination's migration stream reader, raw and round trip. */

/*
 * First input byte bit 0 picks the mode.
 *
 * Raw (0): the rest is a stream. The callbacks check what the reader
 * promises (stream.h): CONFIG first and once and valid, RAM pages inside
 * RAM with the right length for their kind and the current round, PRIVATE
 * only with sev-sim, ROUNDs in sequence, STATUS once within its limit,
 * device names [a-z0-9_.-], each vCPU once and in range. PRIVATE pages go
 * through the firmware path as the VMM's would. Success means the input
 * holds a correct XXH3-128 END digest at the offset the reader stopped, STATUS and
 * every vCPU were seen; a failure always has a message. The reader's
 * allocations stay within a constant plus twice the input (H-12, R9).
 *
 * Round trip (1): the rest describes a configuration and a sequence of
 * sections; the harness writes it with the writer, reads it back and
 * requires the same sections, then flips one byte or cuts the stream and
 * requires the reader to fail.
 */

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "input.h"
#include "sevsim.h"
#include "stream.h"
#include "stream_hash.h"
#include "stream_rt.h"
#include "watch.h"

/* The reader's fixed part (64 KiB input buffer, a sealed page) plus slack. */
#define READER_FIXED	(256u << 10)

static u64 fnv1a(u64 h, const void *p, size_t len)
{
	const u8 *b = p;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

u64 stream_name_hash(const char *name)
{
	return fnv1a(0xcbf29ce484222325ull, name, strlen(name));
}

void stream_rec_add(struct stream_rec *rec, u32 type, u64 a, u64 b, u32 kind,
		    const void *data, size_t len)
{
	struct stream_ev *ev;

	if (rec->n++ >= STREAM_EV_MAX)
		return;
	ev = &rec->ev[rec->n - 1];
	ev->type = type;
	ev->kind = kind;
	ev->a = a;
	ev->b = b;
	ev->len = len;
	/* An empty blob may come as NULL. */
	ev->sum = len ? fnv1a(0xcbf29ce484222325ull, data, len) : 0;
}

static int chk_config(void *o, const struct migrate_config *cfg, char *err, size_t len)
{
	struct stream_rec *rec = o;

	FUZZ_ASSERT(rec->n == 0 && !rec->have_cfg);
	FUZZ_ASSERT(migrate_config_validate(cfg, NULL, 0) == 0);
	rec->cfg = *cfg;
	rec->have_cfg = true;
	stream_rec_add(rec, MIGCTL_SEC_CONFIG, 0, 0, 0, NULL, 0);
	return 0;
}

static int chk_ram(void *o, const struct migrate_page *pg)
{
	static const size_t len[4] = { 0, 0, MIGCTL_STREAM_PAGE_SIZE, MIGCTL_SEALED_PAGE_BYTES };
	struct stream_rec *rec = o;
	u8 page[MIGCTL_STREAM_PAGE_SIZE];
	int r;

	FUZZ_ASSERT(rec->have_cfg && migrate_config_has_gfn(&rec->cfg, pg->gfn));
	FUZZ_ASSERT(pg->kind >= MIGCTL_PAGE_ZERO && pg->kind <= MIGCTL_PAGE_PRIVATE);
	FUZZ_ASSERT(pg->len == len[pg->kind] && !pg->data == !pg->len);
	FUZZ_ASSERT(pg->kind != MIGCTL_PAGE_PRIVATE || rec->cfg.sevsim);
	FUZZ_ASSERT(pg->round == rec->round);
	stream_rec_add(rec, MIGCTL_SEC_RAM, pg->gfn, pg->round, pg->kind, pg->data, pg->len);
	if (pg->kind != MIGCTL_PAGE_PRIVATE || !rec->open_private)
		return 0;
	r = sevsim_fw_import(rec->key, rec->cfg.transport_key, pg->gfn, pg->round, pg->data,
			     page);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);
	return 0;
}

static int chk_round(void *o, u64 round)
{
	struct stream_rec *rec = o;

	FUZZ_ASSERT(rec->have_cfg && round == rec->round);
	rec->round++;
	stream_rec_add(rec, MIGCTL_SEC_ROUND, round, 0, 0, NULL, 0);
	return 0;
}

static int chk_status(void *o, const void *blob, size_t len)
{
	struct stream_rec *rec = o;

	FUZZ_ASSERT(rec->have_cfg && !rec->status);
	FUZZ_ASSERT(len >= 1 && len <= 32 + 16 * migrate_config_pages(&rec->cfg));
	rec->status = true;
	stream_rec_add(rec, MIGCTL_SEC_STATUS, 0, 0, 0, blob, len);
	return 0;
}

static int chk_device(void *o, const char *name, const void *blob, size_t len)
{
	struct stream_rec *rec = o;
	size_t n = strnlen(name, MIGCTL_STREAM_DEVICE_NAME + 1);

	FUZZ_ASSERT(rec->have_cfg && n >= 1 && n <= MIGCTL_STREAM_DEVICE_NAME);
	FUZZ_ASSERT(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n);
	FUZZ_ASSERT(len <= MIGCTL_STREAM_BLOB_MAX);
	stream_rec_add(rec, MIGCTL_SEC_DEVICE, stream_name_hash(name), 0, 0, blob, len);
	return 0;
}

static int chk_vcpu(void *o, u32 index, const void *blob, size_t len)
{
	struct stream_rec *rec = o;

	FUZZ_ASSERT(rec->have_cfg && index < rec->cfg.nr_vcpus);
	FUZZ_ASSERT(!(rec->vcpu_seen[index / 8] & (1u << (index % 8))));
	FUZZ_ASSERT(len <= MIGCTL_STREAM_BLOB_MAX);
	rec->vcpu_seen[index / 8] |= (u8)(1u << (index % 8));
	rec->vcpus++;
	stream_rec_add(rec, MIGCTL_SEC_VCPU, index, 0, 0, blob, len);
	return 0;
}

static const struct migrate_reader_ops chk_ops = {
	.config = chk_config,
	.ram = chk_ram,
	.round = chk_round,
	.status = chk_status,
	.device = chk_device,
	.vcpu = chk_vcpu,
};

/* The END digest at @end - 16 is XXH3-128 of everything before it. */
static bool digest_ok(const u8 *data, size_t end)
{
	u8 d[MIGCTL_STREAM_DIGEST_BYTES];

	if (end < MIGCTL_STREAM_DIGEST_BYTES)
		return false;
	stream_hash_buf(data, end - sizeof(d), d);
	return !memcmp(d, data + end - sizeof(d), sizeof(d));
}

int stream_read(struct stream_rec *rec, const u8 *data, size_t size)
{
	struct migrate_io_mem mem = { .buf = data, .len = size };
	struct migrate_stream_stats st;
	struct migrate_reader *r;
	int ret;

	memset(rec, 0, offsetof(struct stream_rec, ev));
	fuzz_watch_start();
	FUZZ_ASSERT(migrate_reader_create(&migrate_io_mem, &mem, &chk_ops, rec, NULL, &r) == 0);
	ret = migrate_reader_run(r);
	migrate_reader_stats(r, &st);
	FUZZ_ASSERT(st.bytes <= size);
	if (ret) {
		FUZZ_ASSERT(ret == -ENODATA || ret == -EBADMSG || ret == -EPROTONOSUPPORT);
		FUZZ_ASSERT(migrate_reader_error(r)[0]);
	} else {
		FUZZ_ASSERT(rec->status && rec->vcpus == rec->cfg.nr_vcpus);
		FUZZ_ASSERT(digest_ok(data, (size_t)st.bytes));
	}
	migrate_reader_destroy(r);
	FUZZ_ASSERT(fuzz_watch_bytes() <= READER_FIXED + 2 * (u64)size);
	fuzz_watch_stop();
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stream_rec rec;
	static bool ready;

	/* libgcrypt's first use allocates for good: before any input's watch. */
	if (!ready) {
		FUZZ_ASSERT(sevsim_init() == 0);
		ready = true;
	}
	if (!size)
		return 0;
	if (data[0] & 1)
		return stream_round_trip(data + 1, size - 1);
	rec.open_private = true;
	stream_read(&rec, data + 1, size - 1);
	return 0;
}
