/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* logstream.c - encode and parse the status log as runs of shared pages. */
#include <errno.h>
#include <string.h>

#include "byteorder.h"
#include "logstream.h"

#define FNV_OFFSET	0xcbf29ce484222325ull
#define FNV_PRIME	0x100000001b3ull
#define STREAM_MIN	(MIGCTL_HOST_LOG_STREAM_HDR + MIGCTL_HOST_LOG_STREAM_TRAILER)

static u64 fnv1a(u64 h, const u8 *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

/* Calls @fn for every run of shared pages; returns the number of runs. */
static u64 for_each_shared(const struct migctl_host_log *log,
			   void (*fn)(void *arg, u64 gfn, u64 npages), void *arg)
{
	u64 gfn = 0, npages, runs = 0;
	bool private;

	while (migctl_host_log_next_run(log, &gfn, &npages, &private)) {
		if (!private) {
			if (fn)
				fn(arg, gfn, npages);
			runs++;
		}
		gfn += npages;
	}
	return runs;
}

size_t migctl_host_log_stream_size(const struct migctl_host_log *log)
{
	return STREAM_MIN + for_each_shared(log, NULL, NULL) * MIGCTL_HOST_LOG_STREAM_RUN;
}

struct save_ctx {
	u8 *buf;
	size_t len;
	size_t pos;
};

static void save_run(void *arg, u64 gfn, u64 npages)
{
	struct save_ctx *ctx = arg;

	if (ctx->pos + MIGCTL_HOST_LOG_STREAM_RUN + MIGCTL_HOST_LOG_STREAM_TRAILER <= ctx->len) {
		migctl_put_le64(ctx->buf + ctx->pos, gfn);
		migctl_put_le64(ctx->buf + ctx->pos + 8, npages);
	}
	ctx->pos += MIGCTL_HOST_LOG_STREAM_RUN;
}

int migctl_host_log_save(const struct migctl_host_log *log, void *buf, size_t len,
			 size_t *used)
{
	struct save_ctx ctx = { buf, len, MIGCTL_HOST_LOG_STREAM_HDR };
	u64 runs;

	runs = for_each_shared(log, save_run, &ctx);
	*used = ctx.pos + MIGCTL_HOST_LOG_STREAM_TRAILER;
	if (*used > len)
		return -ENOSPC;
	migctl_put_le32(ctx.buf, MIGCTL_HOST_LOG_STREAM_MAGIC);
	migctl_put_le32(ctx.buf + 4, MIGCTL_HOST_LOG_STREAM_VERSION);
	migctl_put_le64(ctx.buf + 8, migctl_host_log_pages(log));
	migctl_put_le64(ctx.buf + 16, runs);
	migctl_put_le64(ctx.buf + ctx.pos, fnv1a(FNV_OFFSET, ctx.buf, ctx.pos));
	return 0;
}

/* Every check, no change. Returns the number of runs or -EINVAL. */
static s64 stream_check(const struct migctl_host_log *log, const u8 *p, size_t len)
{
	u64 runs, i, prev_end = 0;
	size_t body;

	if (len < STREAM_MIN)
		return -EINVAL;
	body = len - MIGCTL_HOST_LOG_STREAM_TRAILER;
	if (migctl_get_le32(p) != MIGCTL_HOST_LOG_STREAM_MAGIC ||
	    migctl_get_le32(p + 4) != MIGCTL_HOST_LOG_STREAM_VERSION)
		return -EINVAL;
	if (fnv1a(FNV_OFFSET, p, body) != migctl_get_le64(p + body))
		return -EINVAL;
	if (migctl_get_le64(p + 8) != migctl_host_log_pages(log))
		return -EINVAL;
	/* The count must match the length exactly; the length bounds the work. */
	runs = migctl_get_le64(p + 16);
	if ((body - MIGCTL_HOST_LOG_STREAM_HDR) % MIGCTL_HOST_LOG_STREAM_RUN ||
	    runs != (body - MIGCTL_HOST_LOG_STREAM_HDR) / MIGCTL_HOST_LOG_STREAM_RUN)
		return -EINVAL;
	for (i = 0; i < runs; i++) {
		const u8 *run = p + MIGCTL_HOST_LOG_STREAM_HDR + i * MIGCTL_HOST_LOG_STREAM_RUN;
		u64 gfn = migctl_get_le64(run), npages = migctl_get_le64(run + 8);

		if (gfn < prev_end || !migctl_host_log_contains(log, gfn, npages))
			return -EINVAL;
		prev_end = gfn + npages;
	}
	return (s64)runs;
}

int migctl_host_log_load(struct migctl_host_log *log, const void *buf, size_t len)
{
	const u8 *p = buf;
	struct migctl_host_region r;
	s64 runs, i;
	unsigned int k;

	if (!buf)
		return -EINVAL;
	runs = stream_check(log, p, len);
	if (runs < 0)
		return (int)runs;
	/* Validated above, so none of these calls can fail. */
	for (k = 0; migctl_host_log_region(log, k, &r); k++)
		migctl_host_log_set(log, r.gpa >> 12, r.size >> 12, true);
	for (i = 0; i < runs; i++) {
		const u8 *run = p + MIGCTL_HOST_LOG_STREAM_HDR + i * MIGCTL_HOST_LOG_STREAM_RUN;

		migctl_host_log_set(log, migctl_get_le64(run), migctl_get_le64(run + 8), false);
	}
	return 0;
}
