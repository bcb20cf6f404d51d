/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_hash.c - the stream's END digest, computed on a thread of its own. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "stream_hash.h"

struct stream_hash {
	XXH3_state_t *st; /* xxHash's own allocation: no layout here */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a job was queued, done, or the end asked for */
	struct {
		const u8 *p;
		size_t n;
	} q[STREAM_HASH_QUEUE];
	u64 posted, done; /* tickets: jobs queued, jobs hashed */
	u64 inline_bytes; /* hashed before the thread started */
	bool threaded, no_thread, stop;
	pthread_t thread;
};

int stream_hash_create(struct stream_hash **out)
{
	struct stream_hash *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->st = XXH3_createState();
	if (!h->st) {
		free(h);
		return -ENOMEM;
	}
	XXH3_128bits_reset(h->st);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	*out = h;
	return 0;
}

static void *stream_hash_thread(void *arg)
{
	struct stream_hash *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		const u8 *p;
		size_t n;

		while (!h->stop && h->done == h->posted)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->done == h->posted)
			break; /* stop, and nothing left */
		p = h->q[h->done % STREAM_HASH_QUEUE].p;
		n = h->q[h->done % STREAM_HASH_QUEUE].n;
		pthread_mutex_unlock(&h->lock);
		XXH3_128bits_update(h->st, p, n);
		pthread_mutex_lock(&h->lock);
		h->done++;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

void stream_hash_destroy(struct stream_hash *h)
{
	if (!h)
		return;
	if (h->threaded) {
		pthread_mutex_lock(&h->lock);
		h->stop = true;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->thread, NULL);
	}
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	XXH3_freeState(h->st);
	free(h);
}

u64 stream_hash_add(struct stream_hash *h, const void *p, size_t n)
{
	u64 t;

	if (!h->threaded && !h->no_thread &&
	    h->inline_bytes + n > STREAM_HASH_THREAD_AFTER) {
		/* Without a thread the digest is the same, only slower. */
		h->threaded = !pthread_create(&h->thread, NULL, stream_hash_thread, h);
		h->no_thread = !h->threaded;
	}
	if (!h->threaded) {
		XXH3_128bits_update(h->st, p, n);
		h->inline_bytes += n;
		return ++h->done, ++h->posted;
	}
	pthread_mutex_lock(&h->lock);
	while (h->posted - h->done == STREAM_HASH_QUEUE)
		pthread_cond_wait(&h->cond, &h->lock);
	h->q[h->posted % STREAM_HASH_QUEUE].p = p;
	h->q[h->posted % STREAM_HASH_QUEUE].n = n;
	t = ++h->posted;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	return t;
}

void stream_hash_wait(struct stream_hash *h, u64 ticket)
{
	if (!h->threaded)
		return;
	pthread_mutex_lock(&h->lock);
	while (h->done < ticket)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

static void stream_hash_put(XXH128_hash_t v, u8 out[STREAM_HASH_BYTES])
{
	XXH128_canonical_t c;

	_Static_assert(sizeof(c) == STREAM_HASH_BYTES, "XXH3-128 is 16 bytes");
	XXH128_canonicalFromHash(&c, v);
	memcpy(out, c.digest, STREAM_HASH_BYTES);
}

void stream_hash_final(struct stream_hash *h, u8 out[STREAM_HASH_BYTES])
{
	stream_hash_wait(h, h->posted);
	stream_hash_put(XXH3_128bits_digest(h->st), out);
}

void stream_hash_buf(const void *p, size_t n, u8 out[STREAM_HASH_BYTES])
{
	stream_hash_put(XXH3_128bits(p, n), out);
}
