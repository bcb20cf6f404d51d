/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* secure_test.c - the protected channel: round trip, keys, and a relay that tampers. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "test.h"
#include "channel.h"
#include "secure.h"
#include "stream-priv.h"

/*
 * Source -> relay -> destination over two socket pairs. The source sends
 * the records below through migrate_io_secure, then its end mark, then
 * waits for the reply; the destination reads and checks every byte,
 * checks the end mark and answers DONE, or FAIL with its reason. The
 * relay knows the framing: it can flip a byte of the handshake or of
 * record N, drop, repeat or swap records, or cut the stream before one.
 * Record 0 is the key confirmation, 1..4 the data, 5 the end mark.
 */
static const size_t rec_sizes[] = { 1000, 70000, MIGRATE_SECURE_RECORD_MAX, 5 };
#define NR_DATA (sizeof(rec_sizes) / sizeof(rec_sizes[0]))
#define HANDSHAKE_BYTES (MIGRATE_SECURE_HELLO_BYTES + 24)

enum fault { F_NONE, F_FLIP, F_FLIP_HELLO, F_DROP, F_DUP, F_SWAP, F_CUT, F_FLIP_REPLY };

struct relay {
	int from, to;		/* source side, destination side */
	enum fault fault;
	unsigned int rec;	/* the record the fault hits */
	long off;		/* F_FLIP: offset in the record, -1: its last byte */
	u8 *capture;		/* when set: every source byte is kept here */
	size_t cap_len;
};

struct side {
	int fd;
	u8 key[MIGRATE_SECURE_KEY_BYTES];
	int open_ret, ret, reply;
	char err[256], reason[MIGCTL_REPLY_REASON_MAX + 1];
};

static u8 pattern(size_t rec, size_t i)
{
	return (u8)(rec * 31 + i * 7 + (i >> 9));
}

static int read_all(int fd, u8 *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const u8 *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void relay_keep(struct relay *r, const u8 *p, size_t len)
{
	if (!r->capture)
		return;
	memcpy(r->capture + r->cap_len, p, len);
	r->cap_len += len;
}

/* One record (length and ciphertext) from the source, or NULL at its end. */
static u8 *relay_record(struct relay *r, size_t *len)
{
	u8 hdr[4], *rec;
	u32 n;

	if (read_all(r->from, hdr, 4))
		return NULL;
	n = get_le32(hdr);
	rec = n <= MIGRATE_SECURE_RECORD_MAX + 17 ? malloc(4 + n) : NULL;
	if (!rec)
		return NULL;
	memcpy(rec, hdr, 4);
	if (read_all(r->from, rec + 4, n)) {
		free(rec);
		return NULL;
	}
	relay_keep(r, rec, 4 + n);
	*len = 4 + n;
	return rec;
}

static void *relay_s2d(void *arg)
{
	struct relay *r = arg;
	u8 hs[HANDSHAKE_BYTES], *rec, *held = NULL;
	size_t len, held_len = 0;

	if (read_all(r->from, hs, sizeof(hs)))
		goto out;
	relay_keep(r, hs, sizeof(hs));
	if (r->fault == F_FLIP_HELLO)
		hs[r->off] ^= 0x01;
	if (write_all(r->to, hs, sizeof(hs)))
		goto out;
	for (unsigned int k = 0; (rec = relay_record(r, &len)); k++) {
		bool hit = k == r->rec, ok = true;

		if (hit && r->fault == F_FLIP)
			rec[r->off < 0 ? (long)len - 1 : r->off] ^= 0x01;
		if (hit && r->fault == F_CUT) {
			free(rec);
			break;
		}
		if (hit && r->fault == F_SWAP) {
			held = rec;
			held_len = len;
			continue;
		}
		if (!(hit && r->fault == F_DROP))
			ok = !write_all(r->to, rec, len);
		if (ok && hit && r->fault == F_DUP)
			ok = !write_all(r->to, rec, len);
		if (ok && held) {
			ok = !write_all(r->to, held, held_len);
			free(held);
			held = NULL;
		}
		free(rec);
		if (!ok)
			break;
	}
out:
	free(held);
	/* The destination gave up or the source ended: tell the other. */
	shutdown(r->to, SHUT_WR);
	shutdown(r->from, SHUT_RD);
	return NULL;
}

/* Destination -> source, as is, except F_FLIP_REPLY: byte @off of that stream. */
static void *relay_d2s(void *arg)
{
	struct relay *r = arg;
	size_t pos = 0;
	u8 buf[4096];
	ssize_t n;

	while ((n = read(r->to, buf, sizeof(buf))) > 0) {
		if (r->fault == F_FLIP_REPLY && r->off >= (long)pos && r->off < (long)pos + n)
			buf[r->off - pos] ^= 0x01;
		pos += (size_t)n;
		if (write_all(r->from, buf, (size_t)n))
			break;
	}
	shutdown(r->from, SHUT_WR);
	return NULL;
}

static void *source_run(void *arg)
{
	struct side *s = arg;
	struct migrate_secure *sec;
	u8 *buf = malloc(MIGRATE_SECURE_RECORD_MAX);

	s->ret = -1;
	s->open_ret = migrate_secure_open(s->fd, true, s->key, 5000, &sec, s->err,
					  sizeof(s->err));
	if (s->open_ret || !buf)
		goto out;
	for (size_t r = 0; r < NR_DATA; r++) {
		for (size_t i = 0; i < rec_sizes[r]; i++)
			buf[i] = pattern(r, i);
		if (migrate_io_secure.write(sec, buf, rec_sizes[r]) != (ssize_t)rec_sizes[r])
			break;
	}
	s->ret = migrate_secure_close(sec);
	/* Even when the relay cut the way out: the destination's reason comes back. */
	s->reply = migrate_secure_recv_reply(sec, 5000, s->reason, sizeof(s->reason));
	snprintf(s->err, sizeof(s->err), "%s", migrate_secure_error(sec));
	migrate_secure_destroy(sec);
out:
	free(buf);
	return NULL;
}

/* Read, check, answer. */
static void dest_run(struct side *d)
{
	struct migrate_secure *sec;
	u8 *buf = malloc(MIGRATE_SECURE_RECORD_MAX);
	ssize_t n = 0;

	d->ret = -1;
	d->open_ret = migrate_secure_open(d->fd, false, d->key, 5000, &sec, d->err,
					  sizeof(d->err));
	if (d->open_ret || !buf)
		goto out;
	d->ret = 0;
	for (size_t r = 0; r < NR_DATA && !d->ret; r++) {
		for (size_t got = 0; got < rec_sizes[r] && !d->ret; got += (size_t)n) {
			n = migrate_io_secure.read(sec, buf, rec_sizes[r] - got);
			if (n <= 0)
				d->ret = n ? (int)n : -ENODATA;
			for (ssize_t i = 0; i < n && !d->ret; i++)
				if (buf[i] != pattern(r, got + (size_t)i))
					d->ret = -EILSEQ;
		}
	}
	if (!d->ret)
		d->ret = migrate_secure_recv_final(sec);
	snprintf(d->err, sizeof(d->err), "%s", migrate_secure_error(sec));
	migrate_secure_send_reply(sec, d->ret ? MIGCTL_REPLY_FAIL : MIGCTL_REPLY_DONE,
				  d->ret ? d->err : NULL);
	migrate_secure_destroy(sec);
out:
	free(buf);
}

/* A whole session through a relay; the results in @src and @dst. */
static void session(struct relay *r, struct side *src, struct side *dst)
{
	int a[2], b[2];
	pthread_t ts, t1, t2;
	struct timeval tv = { 5, 0 };

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b));
	src->fd = a[0];
	r->from = a[1];
	r->to = b[0];
	dst->fd = b[1];
	setsockopt(dst->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(src->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, pthread_create(&t1, NULL, relay_s2d, r));
	ASSERT_EQ(0, pthread_create(&t2, NULL, relay_d2s, r));
	ASSERT_EQ(0, pthread_create(&ts, NULL, source_run, src));
	dest_run(dst);
	close(dst->fd);
	pthread_join(ts, NULL);
	close(src->fd);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	close(a[1]);
	close(b[0]);
	test_diag("source: open %d, ret %d, reply %d (%s) %s", src->open_ret, src->ret,
		  src->reply, src->reason, src->err);
	test_diag("destination: open %d, ret %d: %s", dst->open_ret, dst->ret, dst->err);
}

static void two_sides(struct side *src, struct side *dst, u8 key_byte)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	randombytes_buf(src->key, sizeof(src->key));
	memcpy(dst->key, src->key, sizeof(dst->key));
	dst->key[0] ^= key_byte;
}

/* Covers: V-16, V-17. */
TEST(secure, round_trip)
{
	struct relay r = { .fault = F_NONE };
	struct side src, dst;

	ASSERT_EQ(0, sodium_init() < 0);
	two_sides(&src, &dst, 0);
	session(&r, &src, &dst);
	EXPECT_EQ(0, src.open_ret);
	EXPECT_EQ(0, dst.open_ret);
	EXPECT_EQ(0, dst.ret);
	EXPECT_EQ(0, src.ret);
	EXPECT_EQ((int)MIGCTL_REPLY_DONE, src.reply);
}

/* Covers: V-16. Both sides refuse, and say why, before any record of data. */
TEST(secure, wrong_key)
{
	struct relay r = { .fault = F_NONE };
	struct side src, dst;

	ASSERT_EQ(0, sodium_init() < 0);
	two_sides(&src, &dst, 0x80);
	session(&r, &src, &dst);
	EXPECT_EQ(-EACCES, dst.open_ret);
	EXPECT_EQ(-EACCES, src.open_ret);
	EXPECT_MSG(strstr(dst.err, "different migration keys"), "%s", dst.err);
}

/* How a tampered stream must end on the destination, and on the source. */
FIXTURE(tamper) {
	struct relay r;
	struct side src, dst;
};

FIXTURE_VARIANT(tamper) {
	enum fault fault;
	unsigned int rec;
	long off;
	int dst_open;		/* the destination's handshake result */
	int dst_ret;		/* its reading result when the handshake passed */
	int src_reply;		/* the source's last reply */
	const char *msg;	/* in the destination's (or source's) message */
};

/* The length field: 0x00011181 -> 0x00011081, in range, the wrong length. */
FIXTURE_VARIANT_ADD(tamper, flip_header) {
	F_FLIP, 2, 1, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 2 does not authenticate" };
/* The record's high length byte: out of range, refused before it is read. */
FIXTURE_VARIANT_ADD(tamper, flip_length_range) {
	F_FLIP, 3, 2, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "out of range" };
/* The encrypted secretstream tag byte, the body, the MAC. */
FIXTURE_VARIANT_ADD(tamper, flip_tag_byte) {
	F_FLIP, 1, 4, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 1 does not authenticate" };
FIXTURE_VARIANT_ADD(tamper, flip_body) {
	F_FLIP, 2, 4000, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 2 does not authenticate" };
FIXTURE_VARIANT_ADD(tamper, flip_mac) {
	F_FLIP, 4, -1, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 4 does not authenticate" };
FIXTURE_VARIANT_ADD(tamper, flip_end_mark) {
	F_FLIP, 5, -1, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 5 does not authenticate" };
/* The handshake: the source's nonce, its version, the stream header, the confirmation. */
FIXTURE_VARIANT_ADD(tamper, flip_hello_nonce) {
	F_FLIP_HELLO, 0, 20, -EACCES, 0, 0, "different migration keys" };
FIXTURE_VARIANT_ADD(tamper, flip_hello_version) {
	F_FLIP_HELLO, 0, 8, -EPROTO, 0, 0, "version" };
FIXTURE_VARIANT_ADD(tamper, flip_stream_header) {
	F_FLIP_HELLO, 0, 60, -EACCES, 0, 0, "different migration keys" };
FIXTURE_VARIANT_ADD(tamper, flip_confirmation) {
	F_FLIP, 0, 10, -EACCES, 0, 0, "different migration keys" };
/* Records out of place. */
FIXTURE_VARIANT_ADD(tamper, drop) {
	F_DROP, 2, 0, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 2 does not authenticate" };
FIXTURE_VARIANT_ADD(tamper, replay) {
	F_DUP, 1, 0, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 2 does not authenticate" };
FIXTURE_VARIANT_ADD(tamper, reorder) {
	F_SWAP, 2, 0, 0, -EBADMSG, MIGCTL_REPLY_FAIL, "record 2 does not authenticate" };
/* Cut inside the data, and just before the end mark. */
FIXTURE_VARIANT_ADD(tamper, truncate) {
	F_CUT, 3, 0, 0, -ENODATA, MIGCTL_REPLY_FAIL, "truncated" };
FIXTURE_VARIANT_ADD(tamper, truncate_end_mark) {
	F_CUT, 5, 0, 0, -ENODATA, MIGCTL_REPLY_FAIL, "truncated" };
/* The back channel: a byte of the DONE record (after hello, header, confirmation). */
FIXTURE_VARIANT_ADD(tamper, flip_reply) {
	F_FLIP_REPLY, 0, MIGRATE_SECURE_HELLO_BYTES + 24 + 4 + 32 + 17 + 6, 0, 0, -EBADMSG,
	"does not authenticate" };

FIXTURE_SETUP(tamper)
{
	ASSERT_EQ(0, sodium_init() < 0);
	two_sides(&self->src, &self->dst, 0);
	self->r = (struct relay){ .fault = variant->fault, .rec = variant->rec,
				  .off = variant->off };
}

FIXTURE_TEARDOWN(tamper)
{
}

/* Covers: V-16, V-17. Refused with a reason, never accepted as data. */
TEST_F(tamper, refused)
{
	session(&self->r, &self->src, &self->dst);
	EXPECT_EQ(variant->dst_open, self->dst.open_ret);
	if (variant->dst_open) {
		/* The source may only learn it from the missing DONE. */
		EXPECT_TRUE(self->src.open_ret || self->src.reply != (int)MIGCTL_REPLY_DONE);
		EXPECT_MSG(strstr(self->dst.err, variant->msg), "%s", self->dst.err);
		return;
	}
	EXPECT_EQ(variant->dst_ret, self->dst.ret);
	EXPECT_EQ(variant->src_reply, self->src.reply);
	if (variant->fault == F_FLIP_REPLY)
		EXPECT_MSG(strstr(self->src.err, variant->msg), "%s", self->src.err);
	else
		EXPECT_MSG(strstr(self->dst.err, variant->msg), "%s", self->dst.err);
}

/*
 * Covers: V-16. A recorded source stream, replayed in full to a new
 * session (another destination, or the same one again), does not open:
 * the destination's fresh nonce gives other keys.
 */
TEST(secure, replay_to_another_session)
{
	struct relay r = { .fault = F_NONE };
	struct side src, dst;
	struct migrate_secure *sec;
	char err[256];
	int sv[2], ret;

	ASSERT_EQ(0, sodium_init() < 0);
	r.capture = malloc(4u << 20);
	ASSERT_NONNULL(r.capture);
	two_sides(&src, &dst, 0);
	session(&r, &src, &dst);
	ASSERT_EQ(0, dst.ret);
	ASSERT_GT(r.cap_len, (size_t)HANDSHAKE_BYTES);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* The replay is small enough for the socket buffer only in part: write the handshake. */
	ASSERT_EQ(0, write_all(sv[0], r.capture, HANDSHAKE_BYTES + 4 + 32 + 17));
	ret = migrate_secure_open(sv[1], false, dst.key, 5000, &sec, err, sizeof(err));
	EXPECT_EQ(-EACCES, ret);
	EXPECT_MSG(strstr(err, "different migration keys"), "%s", err);
	close(sv[0]);
	close(sv[1]);
	free(r.capture);
}

/* Covers: V-16. Keys depend on both nonces, the direction, and the PSK. */
TEST(secure, fresh_nonces_fresh_keys)
{
	u8 psk[32], hs[48], hd[48], hd2[48];
	u8 a1[32], a2[32], b1[32], b2[32], c1[32], c2[32];

	ASSERT_EQ(0, sodium_init() < 0);
	randombytes_buf(psk, sizeof(psk));
	randombytes_buf(hs, sizeof(hs));
	randombytes_buf(hd, sizeof(hd));
	memcpy(hd2, hd, sizeof(hd));
	hd2[47] ^= 1;
	ASSERT_EQ(0, migrate_secure_derive(psk, hs, hd, a1, a2));
	ASSERT_EQ(0, migrate_secure_derive(psk, hs, hd, b1, b2));
	EXPECT_EQ(0, memcmp(a1, b1, 32));	/* both sides agree */
	EXPECT_EQ(0, memcmp(a2, b2, 32));
	EXPECT_NE(0, memcmp(a1, a2, 32));	/* one key per direction */
	/* The source's nonce used again against a new destination nonce. */
	ASSERT_EQ(0, migrate_secure_derive(psk, hs, hd2, c1, c2));
	EXPECT_NE(0, memcmp(a1, c1, 32));
	EXPECT_NE(0, memcmp(a2, c2, 32));
	/* The roles swapped. */
	ASSERT_EQ(0, migrate_secure_derive(psk, hd, hs, c1, c2));
	EXPECT_NE(0, memcmp(a1, c1, 32));
	psk[5] ^= 1;
	ASSERT_EQ(0, migrate_secure_derive(psk, hs, hd, c1, c2));
	EXPECT_NE(0, memcmp(a1, c1, 32));
}

/* Covers: V-16. Plaintext on one side only: refused with what to do. */
TEST(secure, plaintext_peer)
{
	static const u8 header[16] = "MIGCTLVM\x02";
	u8 reply[64];
	struct migrate_secure *sec;
	u8 key[32];
	char err[256];
	int sv[2];
	ssize_t n;

	ASSERT_EQ(0, sodium_init() < 0);
	randombytes_buf(key, sizeof(key));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, write_all(sv[0], header, sizeof(header)));
	EXPECT_EQ(-EPROTO, migrate_secure_open(sv[1], false, key, 2000, &sec, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "plaintext stream"), "%s", err);
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	n = migrate_reply_encode(MIGCTL_REPLY_FAIL, "bad magic in the stream header", reply,
				 sizeof(reply));
	ASSERT_GT(n, 16);
	ASSERT_EQ(0, write_all(sv[0], reply, (size_t)n));
	EXPECT_EQ(-EPROTO, migrate_secure_open(sv[1], true, key, 2000, &sec, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "expects a plaintext stream"), "%s", err);
	close(sv[0]);
	close(sv[1]);
}

/* Covers: V-16. The key file: raw or hex, private, not zero. */
TEST(secure, key_file)
{
	char path[] = "/tmp/migctl-key-XXXXXX", err[256];
	static const char hex[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
	u8 key[32], raw[32] = { 0 };
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)sizeof(hex) - 1, write(fd, hex, sizeof(hex) - 1));
	EXPECT_EQ(0, migrate_key_load(path, key, err, sizeof(err)));
	EXPECT_EQ(0x1f, key[31]);
	ASSERT_EQ(0, fchmod(fd, 0640));
	EXPECT_EQ(-EPERM, migrate_key_load(path, key, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "chmod 600"), "%s", err);
	ASSERT_EQ(0, fchmod(fd, 0600));
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ(32, pwrite(fd, raw, 32, 0));
	EXPECT_EQ(-EINVAL, migrate_key_load(path, key, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "all zero"), "%s", err);
	raw[7] = 0x0a;
	ASSERT_EQ(32, pwrite(fd, raw, 32, 0));
	EXPECT_EQ(0, migrate_key_load(path, key, err, sizeof(err)));
	EXPECT_EQ(0, memcmp(key, raw, 32));
	ASSERT_EQ(33, pwrite(fd, hex, 33, 0));
	ASSERT_EQ(0, ftruncate(fd, 33));
	EXPECT_EQ(-EINVAL, migrate_key_load(path, key, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "64 hex"), "%s", err);
	close(fd);
	unlink(path);
	EXPECT_EQ(-ENOENT, migrate_key_load(path, key, err, sizeof(err)));
}
