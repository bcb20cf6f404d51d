/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* secure.c - the protected migration channel: key file, handshake, records, replies. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "secure.h"
#include "stream-priv.h"

#define SEC_ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES
#define SEC_SS_HEADER	crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SEC_TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define SEC_TAG_FINAL	crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define SEC_CT_MAX	(MIGRATE_SECURE_RECORD_MAX + SEC_ABYTES)
#define SEC_LABEL	"migctl migration channel v1"
#define SEC_KDF_CONTEXT "MCSTREAM"

/* The first record each way: proves the sender derived the same keys. */
static const char sec_confirm[2][32] = {
	"migctl key confirmation: source",
	"migctl key confirmation: dest",
};

_Static_assert(SEC_ABYTES == 17, "secretstream adds 17 bytes per record");
_Static_assert(crypto_kdf_CONTEXTBYTES == sizeof(SEC_KDF_CONTEXT) - 1, "kdf context");
_Static_assert(crypto_kdf_KEYBYTES == MIGRATE_SECURE_KEY_BYTES, "kdf master key");

struct migrate_secure {
	crypto_secretstream_xchacha20poly1305_state tx, rx;
	int fd;
	bool source;
	bool tx_final, rx_final;
	int tx_err;		/* sticky: a record half sent cannot be resent */
	u64 tx_n, rx_n;		/* records so far, the confirmation included */
	size_t rx_len, rx_pos;	/* plaintext of the current record */
	u8 *tx_buf;		/* length + ciphertext of one record */
	u8 *rx_ct, *rx_pt;
	char err[256];
};

static int sec_fail(struct migrate_secure *s, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sec_fail(struct migrate_secure *s, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return ret;
}

const char *migrate_secure_error(const struct migrate_secure *s)
{
	return s ? s->err : "";
}

/* --- Key file ------------------------------------------------------------ */

static int key_parse(const u8 *buf, size_t n, u8 key[MIGRATE_SECURE_KEY_BYTES])
{
	size_t bin = 0;
	const char *end = NULL;

	if (n == MIGRATE_SECURE_KEY_BYTES) {
		memcpy(key, buf, n);
		return 0;
	}
	if (n && buf[n - 1] == '\n')
		n--;
	if (n != 2 * MIGRATE_SECURE_KEY_BYTES)
		return -EINVAL;
	if (sodium_hex2bin(key, MIGRATE_SECURE_KEY_BYTES, (const char *)buf, n, NULL, &bin,
			   &end) || bin != MIGRATE_SECURE_KEY_BYTES ||
	    end != (const char *)buf + n)
		return -EINVAL;
	return 0;
}

int migrate_key_load(const char *path, u8 key[MIGRATE_SECURE_KEY_BYTES], char *err,
		     size_t errlen)
{
	u8 buf[2 * MIGRATE_SECURE_KEY_BYTES + 2];
	struct stat st;
	size_t n = 0;
	ssize_t got;
	int fd, ret;

	if (errlen)
		err[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open migration key %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = fstat(fd, &st) ? -errno : 0;
	if (!ret && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "migration key %s is not a regular file", path);
		ret = -EINVAL;
	} else if (!ret && (st.st_mode & 077)) {
		snprintf(err, errlen, "migration key %s has mode %04o: group or others may "
			 "read it; chmod 600 %s", path, (unsigned int)(st.st_mode & 07777), path);
		ret = -EPERM;
	}
	while (!ret && n < sizeof(buf)) {
		got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			ret = -errno;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (ret && errlen && !err[0])
		snprintf(err, errlen, "cannot read migration key %s: %s", path, strerror(-ret));
	if (!ret && key_parse(buf, n, key)) {
		snprintf(err, errlen, "migration key %s: expected 32 random bytes or 64 hex "
			 "digits (make one with: head -c 32 /dev/urandom > FILE)", path);
		ret = -EINVAL;
	}
	if (!ret && sodium_is_zero(key, MIGRATE_SECURE_KEY_BYTES)) {
		snprintf(err, errlen, "migration key %s is all zero: use random bytes", path);
		ret = -EINVAL;
	}
	sodium_memzero(buf, sizeof(buf));
	if (ret)
		sodium_memzero(key, MIGRATE_SECURE_KEY_BYTES);
	return ret;
}

/* --- Socket I/O ---------------------------------------------------------- */

static s64 sec_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exactly @len bytes; a negative @deadline leaves timeouts to SO_RCVTIMEO. */
static int sec_read_full(struct migrate_secure *s, u8 *p, size_t len, s64 deadline)
{
	while (len) {
		ssize_t n;

		if (deadline >= 0) {
			struct pollfd pf = { .fd = s->fd, .events = POLLIN };
			s64 left = deadline - sec_now_ms();
			int ret = poll(&pf, 1, left > 0 ? (int)left : 0);

			if (ret < 0 && errno == EINTR)
				continue;
			if (ret < 0)
				return -errno;
			if (!ret)
				return -ETIMEDOUT;
		}
		n = migrate_io_fd.read(MIGRATE_IO_FD(s->fd), p, len);
		if (!n)
			return -ENODATA;
		if (n < 0)
			return (int)n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sec_write_full(struct migrate_secure *s, const u8 *p, size_t len)
{
	while (len) {
		ssize_t n = migrate_io_fd.write(MIGRATE_IO_FD(s->fd), p, len);

		if (n <= 0)
			return n ? (int)n : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* --- Records ------------------------------------------------------------- */

static int sec_send(struct migrate_secure *s, const void *m, size_t len, u8 tag)
{
	unsigned long long clen;
	int ret;

	if (s->tx_err)
		return s->tx_err;
	if (s->tx_final)
		return -EPIPE;
	put_le32(s->tx_buf, (u32)(len + SEC_ABYTES));
	crypto_secretstream_xchacha20poly1305_push(&s->tx, s->tx_buf + MIGRATE_SECURE_RECORD_HDR,
						   &clen, m, len, s->tx_buf,
						   MIGRATE_SECURE_RECORD_HDR, tag);
	ret = sec_write_full(s, s->tx_buf, MIGRATE_SECURE_RECORD_HDR + (size_t)clen);
	if (ret) {
		s->tx_err = ret;
		return sec_fail(s, ret, "sending record %llu: %s", (unsigned long long)s->tx_n,
				strerror(-ret));
	}
	s->tx_n++;
	s->tx_final = tag == SEC_TAG_FINAL;
	return 0;
}

/* The next record into rx_pt; -errno with the reason in s->err. */
static int sec_recv(struct migrate_secure *s, s64 deadline)
{
	unsigned long long mlen;
	u8 hdr[MIGRATE_SECURE_RECORD_HDR], tag;
	unsigned long long n = s->rx_n;
	u32 len;
	int ret;

	if (s->rx_final)
		return sec_fail(s, -EBADMSG, "record %llu: the peer already ended its stream", n);
	ret = sec_read_full(s, hdr, sizeof(hdr), deadline);
	if (ret == -ENODATA)
		return sec_fail(s, ret, "protected stream cut after record %llu, before its "
				"end mark: truncated", n ? n - 1 : 0);
	if (ret)
		return sec_fail(s, ret, "reading record %llu: %s", n, strerror(-ret));
	len = get_le32(hdr);
	if (len < SEC_ABYTES || len > SEC_CT_MAX)
		return sec_fail(s, -EBADMSG, "record %llu: length %u out of range %u..%u: "
				"tampered with or not a protected stream", n, len,
				(unsigned int)SEC_ABYTES, (unsigned int)SEC_CT_MAX);
	ret = sec_read_full(s, s->rx_ct, len, deadline);
	if (ret == -ENODATA)
		return sec_fail(s, ret, "protected stream cut inside record %llu: truncated", n);
	if (ret)
		return sec_fail(s, ret, "reading record %llu: %s", n, strerror(-ret));
	if (crypto_secretstream_xchacha20poly1305_pull(&s->rx, s->rx_pt, &mlen, &tag, s->rx_ct,
						       len, hdr, sizeof(hdr)))
		return sec_fail(s, -EBADMSG, "record %llu does not authenticate: tampered with, "
				"reordered, replayed or dropped on the way", n);
	if (tag != SEC_TAG_MESSAGE && tag != SEC_TAG_FINAL)
		return sec_fail(s, -EBADMSG, "record %llu: unexpected tag %u", n, tag);
	s->rx_n++;
	s->rx_len = (size_t)mlen;
	s->rx_pos = 0;
	s->rx_final = tag == SEC_TAG_FINAL;
	return 0;
}

static ssize_t sec_io_read(void *ctx, void *buf, size_t len)
{
	struct migrate_secure *s = ctx;
	size_t n;

	while (s->rx_pos == s->rx_len) {
		int ret;

		if (s->rx_final)
			return 0;
		ret = sec_recv(s, -1);
		if (ret)
			return ret;
	}
	n = s->rx_len - s->rx_pos < len ? s->rx_len - s->rx_pos : len;
	memcpy(buf, s->rx_pt + s->rx_pos, n);
	s->rx_pos += n;
	return (ssize_t)n;
}

static ssize_t sec_io_write(void *ctx, const void *buf, size_t len)
{
	struct migrate_secure *s = ctx;
	size_t n = len < MIGRATE_SECURE_RECORD_MAX ? len : MIGRATE_SECURE_RECORD_MAX;
	int ret = sec_send(s, buf, n, SEC_TAG_MESSAGE);

	return ret ? ret : (ssize_t)n;
}

const struct migrate_io migrate_io_secure = {
	.read = sec_io_read,
	.write = sec_io_write,
};

int migrate_secure_close(struct migrate_secure *s)
{
	return sec_send(s, NULL, 0, SEC_TAG_FINAL);
}

int migrate_secure_recv_final(struct migrate_secure *s)
{
	int ret;

	if (s->rx_pos != s->rx_len)
		return sec_fail(s, -EBADMSG, "%zu bytes follow END in record %llu",
				s->rx_len - s->rx_pos, (unsigned long long)s->rx_n - 1);
	if (s->rx_final)
		return 0;
	ret = sec_recv(s, -1);
	if (ret)
		return ret;
	if (!s->rx_final || s->rx_len)
		return sec_fail(s, -EBADMSG, "record %llu after END is not the stream's end mark",
				(unsigned long long)s->rx_n - 1);
	return 0;
}

static bool reply_is_terminal(u32 type)
{
	return type != MIGCTL_REPLY_ACCEPT && type != MIGCTL_REPLY_ROUND;
}

int migrate_secure_send_reply(struct migrate_secure *s, u32 type, const char *reason)
{
	u8 buf[sizeof(struct migctl_stream_reply) + MIGCTL_REPLY_REASON_MAX];
	ssize_t len = migrate_reply_encode(type, reason, buf, sizeof(buf));

	if (len < 0)
		return (int)len;
	return sec_send(s, buf, (size_t)len, reply_is_terminal(type) ? SEC_TAG_FINAL :
								      SEC_TAG_MESSAGE);
}

int migrate_secure_recv_reply(struct migrate_secure *s, int timeout_ms, char *reason,
			      size_t len)
{
	s64 deadline = timeout_ms < 0 ? -1 : sec_now_ms() + timeout_ms;
	u32 rlen = 0;
	int type, ret;

	if (reason && len)
		reason[0] = 0;
	ret = sec_recv(s, deadline);
	if (ret)
		return ret == -ENODATA ? -ECONNRESET : ret;
	if (s->rx_len < sizeof(struct migctl_stream_reply))
		return sec_fail(s, -EBADMSG, "reply record %llu too short (%zu bytes)",
				(unsigned long long)s->rx_n - 1, s->rx_len);
	type = migrate_reply_decode_header(s->rx_pt, &rlen);
	if (type < 0 || rlen != s->rx_len - sizeof(struct migctl_stream_reply) ||
	    reply_is_terminal((u32)type) != s->rx_final)
		return sec_fail(s, -EBADMSG, "reply record %llu is malformed",
				(unsigned long long)s->rx_n - 1);
	s->rx_pos = s->rx_len;
	if (reason && len) {
		const u8 *text = s->rx_pt + sizeof(struct migctl_stream_reply);
		size_t n = rlen < len - 1 ? rlen : len - 1;

		for (size_t i = 0; i < n; i++)
			reason[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
		reason[n] = 0;
	}
	return type;
}

/* --- Handshake ----------------------------------------------------------- */

int migrate_secure_derive(const u8 key[MIGRATE_SECURE_KEY_BYTES],
			  const u8 hello_src[MIGRATE_SECURE_HELLO_BYTES],
			  const u8 hello_dst[MIGRATE_SECURE_HELLO_BYTES],
			  u8 k_s2d[MIGRATE_SECURE_KEY_BYTES], u8 k_d2s[MIGRATE_SECURE_KEY_BYTES])
{
	crypto_generichash_state h;
	u8 session[crypto_kdf_KEYBYTES];
	int ret;

	if (crypto_generichash_init(&h, key, MIGRATE_SECURE_KEY_BYTES, sizeof(session)) ||
	    crypto_generichash_update(&h, (const u8 *)SEC_LABEL, sizeof(SEC_LABEL) - 1) ||
	    crypto_generichash_update(&h, hello_src, MIGRATE_SECURE_HELLO_BYTES) ||
	    crypto_generichash_update(&h, hello_dst, MIGRATE_SECURE_HELLO_BYTES) ||
	    crypto_generichash_final(&h, session, sizeof(session)))
		return -1;
	ret = crypto_kdf_derive_from_key(k_s2d, MIGRATE_SECURE_KEY_BYTES, 1, SEC_KDF_CONTEXT,
					 session) |
	      crypto_kdf_derive_from_key(k_d2s, MIGRATE_SECURE_KEY_BYTES, 2, SEC_KDF_CONTEXT,
					 session);
	sodium_memzero(session, sizeof(session));
	sodium_memzero(&h, sizeof(h));
	return ret ? -1 : 0;
}

static const char *sec_role_name(u32 role)
{
	return role == MIGRATE_SECURE_ROLE_SRC ? "source" : "destination";
}

/* The peer's HELLO: says what it is when it is not one. */
static int sec_check_hello(struct migrate_secure *s, const u8 *mine, const u8 *peer)
{
	u32 want = s->source ? MIGRATE_SECURE_ROLE_DST : MIGRATE_SECURE_ROLE_SRC;

	if (!memcmp(peer, MIGCTL_STREAM_MAGIC, MIGCTL_STREAM_MAGIC_LEN))
		return sec_fail(s, -EPROTO, "the source sends a plaintext stream: give both "
				"sides the same --migrate-key");
	if (get_le32(peer) == MIGCTL_REPLY_MAGIC)
		return sec_fail(s, -EPROTO, "the destination expects a plaintext stream: give "
				"both sides the same --migrate-key");
	if (memcmp(peer, MIGRATE_SECURE_MAGIC, 8))
		return sec_fail(s, -EPROTO, "the peer does not speak the protected migration "
				"channel");
	if (get_le32(peer + 8) != MIGRATE_SECURE_VERSION)
		return sec_fail(s, -EPROTO, "the peer speaks version %u of it (this VMM: %u)",
				get_le32(peer + 8), MIGRATE_SECURE_VERSION);
	if (get_le32(peer + 12) != want)
		return sec_fail(s, -EPROTO, "the peer says it is a %s too",
				sec_role_name(get_le32(peer + 12)));
	if (!memcmp(peer + 16, mine + 16, MIGRATE_SECURE_NONCE_BYTES))
		return sec_fail(s, -EPROTO, "the peer's nonce is ours: a reflected handshake");
	return 0;
}

/* HELLOs both ways, then the keys. */
static int sec_hello(struct migrate_secure *s, const u8 *key, s64 deadline, u8 *k_tx, u8 *k_rx)
{
	u8 mine[MIGRATE_SECURE_HELLO_BYTES], peer[MIGRATE_SECURE_HELLO_BYTES];
	u8 *ks2d = s->source ? k_tx : k_rx, *kd2s = s->source ? k_rx : k_tx;
	int ret;

	memcpy(mine, MIGRATE_SECURE_MAGIC, 8);
	put_le32(mine + 8, MIGRATE_SECURE_VERSION);
	put_le32(mine + 12, s->source ? MIGRATE_SECURE_ROLE_SRC : MIGRATE_SECURE_ROLE_DST);
	randombytes_buf(mine + 16, MIGRATE_SECURE_NONCE_BYTES);
	ret = sec_write_full(s, mine, sizeof(mine));
	if (ret)
		return sec_fail(s, ret, "sending the handshake: %s", strerror(-ret));
	/* 16 bytes first: a plaintext peer's header or reply is no shorter. */
	ret = sec_read_full(s, peer, 16, deadline);
	if (!ret && !memcmp(peer, MIGRATE_SECURE_MAGIC, 8))
		ret = sec_read_full(s, peer + 16, sizeof(peer) - 16, deadline);
	if (ret)
		return sec_fail(s, ret, "no handshake from the %s: %s",
				s->source ? "destination" : "source",
				ret == -ENODATA ? "it closed the connection" : strerror(-ret));
	ret = sec_check_hello(s, mine, peer);
	if (ret)
		return ret;
	if (migrate_secure_derive(key, s->source ? mine : peer, s->source ? peer : mine, ks2d,
				  kd2s))
		return sec_fail(s, -EIO, "cannot derive the session keys");
	return 0;
}

/* Each side's first record: proves the keys match before anything else. */
static int sec_confirm_keys(struct migrate_secure *s, const u8 *k_tx, const u8 *k_rx,
			    s64 deadline)
{
	u8 hdr[SEC_SS_HEADER];
	const char *want = sec_confirm[s->source ? 1 : 0];
	int ret;

	crypto_secretstream_xchacha20poly1305_init_push(&s->tx, hdr, k_tx);
	ret = sec_write_full(s, hdr, sizeof(hdr));
	if (!ret)
		ret = sec_send(s, sec_confirm[s->source ? 0 : 1], sizeof(sec_confirm[0]),
			       SEC_TAG_MESSAGE);
	if (ret)
		return sec_fail(s, ret, "sending the key confirmation: %s", strerror(-ret));
	ret = sec_read_full(s, hdr, sizeof(hdr), deadline);
	if (ret)
		return sec_fail(s, ret, "no key confirmation from the peer: %s",
				ret == -ENODATA ? "it closed the connection" : strerror(-ret));
	if (crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, hdr, k_rx))
		return sec_fail(s, -EBADMSG, "bad stream header from the peer");
	ret = sec_recv(s, deadline);
	if (ret == -EBADMSG)
		return sec_fail(s, -EACCES, "the peer's key confirmation does not authenticate: "
				"the two sides hold different migration keys (check --migrate-key "
				"on both) or the handshake was tampered with");
	if (ret)
		return ret;
	if (s->rx_final || s->rx_len != sizeof(sec_confirm[0]) ||
	    sodium_memcmp(s->rx_pt, want, sizeof(sec_confirm[0])))
		return sec_fail(s, -EPROTO, "the peer's key confirmation is malformed");
	s->rx_pos = s->rx_len;
	return 0;
}

int migrate_secure_open(int fd, bool source, const u8 key[MIGRATE_SECURE_KEY_BYTES],
			int timeout_ms, struct migrate_secure **out, char *err, size_t errlen)
{
	s64 deadline = timeout_ms < 0 ? -1 : sec_now_ms() + timeout_ms;
	u8 k_tx[MIGRATE_SECURE_KEY_BYTES], k_rx[MIGRATE_SECURE_KEY_BYTES];
	struct migrate_secure *s;
	int ret;

	*out = NULL;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium does not initialise");
		return -EIO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto err_nomem;
	s->fd = fd;
	s->source = source;
	s->tx_buf = malloc(MIGRATE_SECURE_RECORD_HDR + SEC_CT_MAX);
	s->rx_ct = malloc(SEC_CT_MAX);
	s->rx_pt = malloc(MIGRATE_SECURE_RECORD_MAX);
	if (!s->tx_buf || !s->rx_ct || !s->rx_pt)
		goto err_nomem;
	ret = sec_hello(s, key, deadline, k_tx, k_rx);
	if (!ret)
		ret = sec_confirm_keys(s, k_tx, k_rx, deadline);
	sodium_memzero(k_tx, sizeof(k_tx));
	sodium_memzero(k_rx, sizeof(k_rx));
	if (ret) {
		snprintf(err, errlen, "protected channel: %s", s->err);
		migrate_secure_destroy(s);
		return ret;
	}
	*out = s;
	return 0;

err_nomem:
	migrate_secure_destroy(s);
	snprintf(err, errlen, "protected channel: out of memory");
	return -ENOMEM;
}

void migrate_secure_destroy(struct migrate_secure *s)
{
	if (!s)
		return;
	if (s->rx_pt)
		sodium_memzero(s->rx_pt, MIGRATE_SECURE_RECORD_MAX);
	free(s->tx_buf);
	free(s->rx_ct);
	free(s->rx_pt);
	sodium_memzero(s, sizeof(*s));
	free(s);
}
