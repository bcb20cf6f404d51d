/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* secure.h - the protected migration channel: pre-shared key, secretstream records. */
#ifndef MIGCTL_VMM_SECURE_H
#define MIGCTL_VMM_SECURE_H

/*
 * docs/migration-stream.adoc ("Protected channel") is the prose; the
 * numbers are here. On a connected socket each side first sends a HELLO
 * {"MIGCTLSC", u32 version (1), u32 role (1 source, 2 destination),
 * nonce[32] fresh random}. Both derive
 *
 *	session = BLAKE2b-256(key = PSK, "migctl migration channel v1" ||
 *			      HELLO(source) || HELLO(destination))
 *	K(source->destination) = crypto_kdf(session, id 1, "MCSTREAM")
 *	K(destination->source) = crypto_kdf(session, id 2, "MCSTREAM")
 *
 * and each direction is one crypto_secretstream_xchacha20poly1305 stream:
 * its 24-byte header, then records {u32 length, ciphertext[length]} with
 * the 4 length bytes as additional data and length = plaintext + 17,
 * plaintext at most MIGRATE_SECURE_RECORD_MAX. The first record of each
 * direction is the sender's key confirmation; each side checks the
 * other's before it sends or applies anything else. The source's last
 * record (empty) carries TAG_FINAL; so does the destination's terminal
 * reply (REFUSE, DONE or FAIL), which is a record of its own.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <migctl/types.h>

#define MIGRATE_SECURE_MAGIC	  "MIGCTLSC"
#define MIGRATE_SECURE_VERSION	  1u
#define MIGRATE_SECURE_ROLE_SRC	  1u
#define MIGRATE_SECURE_ROLE_DST	  2u
#define MIGRATE_SECURE_KEY_BYTES  32u
#define MIGRATE_SECURE_NONCE_BYTES 32u
#define MIGRATE_SECURE_HELLO_BYTES 48u
#define MIGRATE_SECURE_RECORD_MAX (1u << 20) /* plaintext bytes per record */
#define MIGRATE_SECURE_RECORD_HDR 4u

struct migrate_io;
struct migrate_secure;

/**
 * migrate_key_load() - read a pre-shared migration key file
 *
 * The file holds 32 bytes, or 64 hex digits and an optional newline. It
 * must be a regular file that neither group nor others may read or write
 * (chmod 600): a key others can read protects nothing. An all-zero key
 * is refused.
 *
 * Return: 0 or -errno with @err saying what is wrong and what to do.
 */
int migrate_key_load(const char *path, u8 key[MIGRATE_SECURE_KEY_BYTES], char *err,
		     size_t errlen);

/**
 * migrate_secure_open() - run the handshake on connected socket @fd
 * @source: true on the source, false on the destination.
 * @timeout_ms: for the whole handshake; negative waits for ever.
 *
 * Sends this side's HELLO and key confirmation, checks the peer's.
 * Return: 0 with *@out set; -EACCES (the peer holds another key),
 * -EPROTO (the peer does not protect the stream, or another role or
 * version), -EBADMSG, -ENODATA (closed), -ETIMEDOUT, -ENOMEM, -errno;
 * @err says which.
 */
int migrate_secure_open(int fd, bool source, const u8 key[MIGRATE_SECURE_KEY_BYTES],
			int timeout_ms, struct migrate_secure **out, char *err, size_t errlen);

/** migrate_secure_destroy() - wipe the keys and free; NULL is allowed. The fd stays open. */
void migrate_secure_destroy(struct migrate_secure *s);

/*
 * The stream over the session (ctx: the struct migrate_secure *): write
 * sends each call as records of at most MIGRATE_SECURE_RECORD_MAX bytes;
 * read returns record plaintext, 0 only after TAG_FINAL, and -ENODATA
 * (cut), -EBADMSG (does not authenticate), -ETIMEDOUT or -errno, with
 * migrate_secure_error() saying which record and why.
 */
extern const struct migrate_io migrate_io_secure;

/** migrate_secure_close() - source: send the empty TAG_FINAL record. Return: 0 or -errno. */
int migrate_secure_close(struct migrate_secure *s);

/**
 * migrate_secure_recv_final() - destination: the stream must end here
 *
 * After END: no plaintext left over, and the next record (if TAG_FINAL
 * was not seen yet) is the empty final one.
 * Return: 0, -EBADMSG, -ENODATA, -errno; migrate_secure_error() says why.
 */
int migrate_secure_recv_final(struct migrate_secure *s);

/**
 * migrate_secure_send_reply() - destination: a MIGCTL_REPLY_* as one record
 *
 * REFUSE, DONE and FAIL end the destination's direction (TAG_FINAL).
 * Return: 0 or -errno.
 */
int migrate_secure_send_reply(struct migrate_secure *s, u32 type, const char *reason);

/**
 * migrate_secure_recv_reply() - source: the next reply, as migrate_chan_recv_reply()
 * Return: MIGCTL_REPLY_* type or -errno (-EBADMSG: does not authenticate).
 */
int migrate_secure_recv_reply(struct migrate_secure *s, int timeout_ms, char *reason,
			      size_t len);

/** migrate_secure_error() - the last failure's message ("" if none). */
const char *migrate_secure_error(const struct migrate_secure *s);

/**
 * migrate_secure_derive() - the two direction keys for a pair of HELLOs
 * Exposed for tests (fresh nonces give fresh keys). Return: 0 or -1.
 */
int migrate_secure_derive(const u8 key[MIGRATE_SECURE_KEY_BYTES],
			  const u8 hello_src[MIGRATE_SECURE_HELLO_BYTES],
			  const u8 hello_dst[MIGRATE_SECURE_HELLO_BYTES],
			  u8 k_s2d[MIGRATE_SECURE_KEY_BYTES], u8 k_d2s[MIGRATE_SECURE_KEY_BYTES]);

#endif /* MIGCTL_VMM_SECURE_H */
