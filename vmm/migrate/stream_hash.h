/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_hash.h - the stream's END checksum, XXH3-128. */
#ifndef MIGCTL_VMM_STREAM_HASH_H
#define MIGCTL_VMM_STREAM_HASH_H

/*
 * XXH3-128 (xxHash's streaming API, canonical big-endian form) of every
 * byte the writer sends or the reader takes in, in order. It guards
 * against accidental corruption only; --migrate-key's AEAD is the
 * defence against an attacker. At over 10 GB/s on one core it runs on
 * the caller's thread: a helper thread (format version 1's BLAKE2b
 * needed one) made the final round no faster.
 */

#include <stddef.h>

#include <migctl/types.h>

#define STREAM_HASH_BYTES 16u

struct stream_hash;

/** stream_hash_create() - a fresh checksum; Return: 0 or -ENOMEM. */
int stream_hash_create(struct stream_hash **out);

/** stream_hash_destroy() - free; NULL is allowed. */
void stream_hash_destroy(struct stream_hash *h);

/** stream_hash_add() - append @n bytes at @p to the checksum. */
void stream_hash_add(struct stream_hash *h, const void *p, size_t n);

/** stream_hash_final() - the 16-byte checksum of everything added. */
void stream_hash_final(struct stream_hash *h, u8 out[STREAM_HASH_BYTES]);

/** stream_hash_buf() - the same checksum of @n bytes at @p, in one call (tests, fuzzing). */
void stream_hash_buf(const void *p, size_t n, u8 out[STREAM_HASH_BYTES]);

#endif /* MIGCTL_VMM_STREAM_HASH_H */
