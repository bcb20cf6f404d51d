/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream.c - migration stream writer, transports and reply messages. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "stream-priv.h"
#include "stream_hash.h"

/*
 * One buffer holds everything between flushes. A RAM batch is built in
 * place and its two headers are patched when it closes, so a batch never
 * straddles a flush: a batch closes early when the next page would not
 * fit (a full batch of sealed pages is slightly larger than the buffer).
 */
#define WRITER_BUF_BYTES (1u << 20)
#define RAM_ENTRY_MAX	 (STREAM_DESC_BYTES + MIGCTL_SEALED_PAGE_BYTES)

struct migrate_writer {
	struct stream_hash *hash;
	const struct migrate_io *io;
	void *ctx;
	int err; /* sticky I/O error */
	bool config_done, end_done, status_done;
	struct migrate_config cfg;
	u8 vcpu_seen[MIGCTL_STREAM_VCPUS_MAX / 8];
	u64 round;
	bool batch_open;
	size_t batch_start;
	u32 batch_pages;
	struct migrate_stream_stats st;
	size_t len;
	u8 buf[WRITER_BUF_BYTES];
};

static ssize_t io_fd_read(void *ctx, void *buf, size_t len)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT :
								 -errno;
	return n;
}

static ssize_t io_fd_write(void *ctx, const void *buf, size_t len)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n;

	/* send() for MSG_NOSIGNAL: a vanished peer is an error, not a signal. */
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == ENOTSOCK) {
		do
			n = write(fd, buf, len);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT :
								 -errno;
	return n;
}

const struct migrate_io migrate_io_fd = {
	.read = io_fd_read,
	.write = io_fd_write,
};

static ssize_t io_mem_read(void *ctx, void *buf, size_t len)
{
	struct migrate_io_mem *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

const struct migrate_io migrate_io_mem = {
	.read = io_mem_read,
};

int migrate_writer_create(const struct migrate_io *io, void *ctx,
			  struct migrate_writer **out)
{
	struct migrate_writer *w;

	if (!io || !io->write)
		return -EINVAL;
	if (posix_memalign((void **)&w, 64, sizeof(*w)))
		return -ENOMEM;
	memset(w, 0, offsetof(struct migrate_writer, buf));
	if (stream_hash_create(&w->hash)) {
		free(w);
		return -ENOMEM;
	}
	w->io = io;
	w->ctx = ctx;
	*out = w;
	return 0;
}

void migrate_writer_destroy(struct migrate_writer *w)
{
	if (!w)
		return;
	stream_hash_destroy(w->hash);
	free(w);
}

static int write_all(struct migrate_writer *w, const u8 *p, size_t len)
{
	while (len) {
		ssize_t n = w->io->write(w->ctx, p, len);

		if (n <= 0) {
			w->err = n ? (int)n : -EIO;
			return w->err;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Hash and push the buffer; a RAM batch must be closed first.
 */
static int wr_drain(struct migrate_writer *w)
{
	int ret;

	if (w->err)
		return w->err;
	stream_hash_add(w->hash, w->buf, w->len);
	ret = write_all(w, w->buf, w->len);
	w->st.bytes += w->len;
	w->len = 0;
	return ret;
}

/* Append bytes; large ones bypass the buffer (still hashed, in order). */
static int wr_put(struct migrate_writer *w, const void *p, size_t n)
{
	int ret;

	if (w->err)
		return w->err;
	if (n > WRITER_BUF_BYTES - w->len) {
		ret = wr_drain(w);
		if (ret)
			return ret;
	}
	if (n > WRITER_BUF_BYTES) {
		stream_hash_add(w->hash, p, n);
		w->st.bytes += n;
		return write_all(w, p, n);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int wr_section(struct migrate_writer *w, u32 type, u64 length)
{
	u8 h[STREAM_SEC_BYTES];

	put_le32(h, type);
	put_le32(h + 4, 0);
	put_le64(h + 8, length);
	w->st.sections++;
	return wr_put(w, h, sizeof(h));
}

static void batch_close(struct migrate_writer *w)
{
	u8 *p = w->buf + w->batch_start;

	if (!w->batch_open)
		return;
	put_le32(p, MIGCTL_SEC_RAM);
	put_le32(p + 4, 0);
	put_le64(p + 8, w->len - w->batch_start - STREAM_SEC_BYTES);
	put_le64(p + 16, w->round);
	put_le32(p + 24, w->batch_pages);
	put_le32(p + 28, 0);
	w->batch_open = false;
	w->st.sections++;
}

int migrate_writer_flush(struct migrate_writer *w)
{
	batch_close(w);
	return wr_drain(w);
}

int migrate_writer_config(struct migrate_writer *w,
			  const struct migrate_config *cfg)
{
	u8 hdr[STREAM_HDR_BYTES], body[STREAM_CFG_MAX_BYTES];
	size_t len;
	int ret;

	if (w->err)
		return w->err;
	if (w->config_done || migrate_config_validate(cfg, NULL, 0))
		return -EINVAL;
	memcpy(hdr, MIGCTL_STREAM_MAGIC, MIGCTL_STREAM_MAGIC_LEN);
	put_le32(hdr + 8, MIGCTL_STREAM_VERSION);
	put_le32(hdr + 12, 0);
	len = stream_config_encode(cfg, body);
	ret = wr_put(w, hdr, sizeof(hdr));
	if (!ret)
		ret = wr_section(w, MIGCTL_SEC_CONFIG, len);
	if (!ret)
		ret = wr_put(w, body, len);
	if (ret)
		return ret;
	w->cfg = *cfg;
	w->config_done = true;
	return migrate_writer_flush(w);
}

static size_t kind_bytes(u32 kind)
{
	switch (kind) {
	case MIGCTL_PAGE_ZERO:
		return 0;
	case MIGCTL_PAGE_RAW:
		return MIGCTL_STREAM_PAGE_SIZE;
	case MIGCTL_PAGE_PRIVATE:
		return MIGCTL_SEALED_PAGE_BYTES;
	}
	return SIZE_MAX;
}

int migrate_writer_ram(struct migrate_writer *w, u64 round, u64 gfn, u32 kind,
		       const void *data)
{
	size_t n = kind_bytes(kind);
	u8 desc[STREAM_DESC_BYTES];
	int ret;

	if (w->err)
		return w->err;
	if (!w->config_done || w->end_done || round != w->round ||
	    n == SIZE_MAX || (n && !data) ||
	    (kind == MIGCTL_PAGE_PRIVATE && !w->cfg.sevsim) ||
	    !migrate_config_has_gfn(&w->cfg, gfn))
		return -EINVAL;
	if (w->batch_open &&
	    (w->batch_pages == MIGCTL_STREAM_RAM_BATCH_MAX ||
	     WRITER_BUF_BYTES - w->len < STREAM_DESC_BYTES + n)) {
		ret = migrate_writer_flush(w);
		if (ret)
			return ret;
	}
	if (!w->batch_open) {
		if (WRITER_BUF_BYTES - w->len <
		    STREAM_SEC_BYTES + STREAM_RAM_BYTES + RAM_ENTRY_MAX) {
			ret = wr_drain(w);
			if (ret)
				return ret;
		}
		w->batch_open = true;
		w->batch_start = w->len;
		w->batch_pages = 0;
		w->len += STREAM_SEC_BYTES + STREAM_RAM_BYTES;
	}
	put_le64(desc, MIGCTL_PAGE_DESC(gfn, kind));
	memcpy(w->buf + w->len, desc, sizeof(desc));
	if (n)
		memcpy(w->buf + w->len + sizeof(desc), data, n);
	w->len += sizeof(desc) + n;
	w->batch_pages++;
	if (kind == MIGCTL_PAGE_ZERO)
		w->st.pages_zero++;
	else if (kind == MIGCTL_PAGE_RAW)
		w->st.pages_raw++;
	else
		w->st.pages_private++;
	return 0;
}

/* Close a batch and check the writer may add a non-RAM section. */
static int wr_begin(struct migrate_writer *w)
{
	if (w->err)
		return w->err;
	if (!w->config_done || w->end_done)
		return -EINVAL;
	batch_close(w);
	return 0;
}

int migrate_writer_round(struct migrate_writer *w, u64 round)
{
	u8 p[8];
	int ret = wr_begin(w);

	if (ret)
		return ret;
	if (round != w->round)
		return -EINVAL;
	put_le64(p, round);
	ret = wr_section(w, MIGCTL_SEC_ROUND, sizeof(p));
	if (!ret)
		ret = wr_put(w, p, sizeof(p));
	if (!ret) {
		w->round++;
		w->st.rounds++;
	}
	return ret;
}

int migrate_writer_status(struct migrate_writer *w, const void *blob,
			  size_t len)
{
	int ret = wr_begin(w);

	if (ret)
		return ret;
	if (w->status_done || !len)
		return -EINVAL;
	ret = wr_section(w, MIGCTL_SEC_STATUS, len);
	if (!ret)
		ret = wr_put(w, blob, len);
	if (!ret)
		w->status_done = true;
	return ret;
}

static bool device_name_ok(const char *name)
{
	size_t n = strnlen(name, MIGCTL_STREAM_DEVICE_NAME + 1);

	if (!n || n > MIGCTL_STREAM_DEVICE_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

int migrate_writer_device(struct migrate_writer *w, const char *name,
			  const void *blob, size_t len)
{
	u8 h[MIGCTL_STREAM_DEVICE_NAME] = { 0 };
	int ret = wr_begin(w);

	if (ret)
		return ret;
	if (!device_name_ok(name) || (len && !blob))
		return -EINVAL;
	memcpy(h, name, strlen(name));
	ret = wr_section(w, MIGCTL_SEC_DEVICE, sizeof(h) + len);
	if (!ret)
		ret = wr_put(w, h, sizeof(h));
	if (!ret && len)
		ret = wr_put(w, blob, len);
	return ret;
}

int migrate_writer_vcpu(struct migrate_writer *w, u32 index, const void *blob,
			size_t len)
{
	u8 h[8];
	int ret = wr_begin(w);

	if (ret)
		return ret;
	if (index >= w->cfg.nr_vcpus ||
	    (w->vcpu_seen[index / 8] & (1u << (index % 8))) || (len && !blob))
		return -EINVAL;
	put_le32(h, index);
	put_le32(h + 4, 0);
	ret = wr_section(w, MIGCTL_SEC_VCPU, sizeof(h) + len);
	if (!ret)
		ret = wr_put(w, h, sizeof(h));
	if (!ret && len)
		ret = wr_put(w, blob, len);
	if (!ret)
		w->vcpu_seen[index / 8] |= 1u << (index % 8);
	return ret;
}

_Static_assert(MIGCTL_STREAM_DIGEST_BYTES == STREAM_HASH_BYTES,
	       "END carries the stream_hash digest");

int migrate_writer_end(struct migrate_writer *w)
{
	u8 digest[MIGCTL_STREAM_DIGEST_BYTES];
	int ret = wr_begin(w);

	if (ret)
		return ret;
	if (!w->status_done)
		return -EINVAL;
	for (u32 i = 0; i < w->cfg.nr_vcpus; i++)
		if (!(w->vcpu_seen[i / 8] & (1u << (i % 8))))
			return -EINVAL;
	ret = wr_section(w, MIGCTL_SEC_END, sizeof(digest));
	if (!ret)
		ret = wr_drain(w); /* the digest covers the END header */
	if (ret)
		return ret;
	stream_hash_final(w->hash, digest);
	memcpy(w->buf, digest, sizeof(digest));
	w->len = sizeof(digest);
	ret = write_all(w, w->buf, w->len);
	w->st.bytes += w->len;
	w->len = 0;
	if (!ret)
		w->end_done = true;
	return ret;
}

void migrate_writer_stats(const struct migrate_writer *w,
			  struct migrate_stream_stats *st)
{
	*st = w->st;
	st->bytes += w->len;
}

ssize_t migrate_reply_encode(u32 type, const char *reason, void *buf,
			     size_t len)
{
	size_t rlen = reason ? strnlen(reason, MIGCTL_REPLY_REASON_MAX) : 0;
	u8 *p = buf;

	if (type < MIGCTL_REPLY_ACCEPT || type > MIGCTL_REPLY_MAX ||
	    len < sizeof(struct migctl_stream_reply) + rlen)
		return -EINVAL;
	put_le32(p, MIGCTL_REPLY_MAGIC);
	put_le32(p + 4, type);
	put_le32(p + 8, (u32)rlen);
	put_le32(p + 12, 0);
	memcpy(p + 16, reason ? reason : "", rlen);
	return (ssize_t)(sizeof(struct migctl_stream_reply) + rlen);
}

int migrate_reply_decode_header(const void *hdr, u32 *reason_len)
{
	const u8 *p = hdr;
	u32 type = get_le32(p + 4);

	if (get_le32(p) != MIGCTL_REPLY_MAGIC || type < MIGCTL_REPLY_ACCEPT ||
	    type > MIGCTL_REPLY_MAX ||
	    get_le32(p + 8) > MIGCTL_REPLY_REASON_MAX || get_le32(p + 12))
		return -EBADMSG;
	*reason_len = get_le32(p + 8);
	return (int)type;
}

const char *migrate_reply_name(u32 type)
{
	static const char *const names[] = { "?", "ACCEPT", "REFUSE", "DONE",
					     "FAIL", "ROUND" };

	_Static_assert(sizeof(names) / sizeof(names[0]) == MIGCTL_REPLY_MAX + 1,
		       "a name for every reply type");

	return type <= MIGCTL_REPLY_MAX ? names[type] : "?";
}

const char *migrate_section_name(u32 type)
{
	static const char *const names[] = { "?",      "CONFIG", "RAM",
					     "STATUS", "DEVICE", "VCPU",
					     "ROUND",  "END" };

	return type <= MIGCTL_SEC_MAX ? names[type] : "?";
}
