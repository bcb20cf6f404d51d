/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_hash.h - the stream's END digest, computed on a thread of its own. */
#ifndef MIGCTL_VMM_STREAM_HASH_H
#define MIGCTL_VMM_STREAM_HASH_H

/*
 * XXH3-128 (xxHash's streaming API, canonical big-endian form) of every
 * byte the writer sends or the reader takes in, in order. It guards
 * against accidental corruption only; --migrate-key's AEAD is the
 * defence against an attacker. Once a stream passed
 * STREAM_HASH_THREAD_AFTER bytes (small streams, tests and fuzzing stay
 * on one thread) the digest is computed by a helper thread while the caller copies pages and moves bytes
 * through the socket. The caller hands over buffers it keeps unchanged
 * until the ticket it got back is done.
 */

#include <stddef.h>

#include <migctl/types.h>

#define STREAM_HASH_THREAD_AFTER (4u << 20)
#define STREAM_HASH_QUEUE	 8
#define STREAM_HASH_BYTES	 16u

struct stream_hash;

/** stream_hash_create() - a fresh digest; Return: 0 or -ENOMEM. */
int stream_hash_create(struct stream_hash **out);

/** stream_hash_destroy() - end the helper thread and free; NULL is allowed. */
void stream_hash_destroy(struct stream_hash *h);

/**
 * stream_hash_add() - append @n bytes at @p to the digest
 *
 * @p must stay unchanged until stream_hash_wait() of the returned ticket
 * (or stream_hash_final()) returned. Return: the ticket.
 */
u64 stream_hash_add(struct stream_hash *h, const void *p, size_t n);

/** stream_hash_wait() - until the bytes of @ticket (and all before) are hashed. */
void stream_hash_wait(struct stream_hash *h, u64 ticket);

/** stream_hash_final() - wait for every ticket, then the 16-byte digest. */
void stream_hash_final(struct stream_hash *h, u8 out[STREAM_HASH_BYTES]);

/** stream_hash_buf() - the same digest of @n bytes at @p, in one call (tests, fuzzing). */
void stream_hash_buf(const void *p, size_t n, u8 out[STREAM_HASH_BYTES]);

#endif /* MIGCTL_VMM_STREAM_HASH_H */
