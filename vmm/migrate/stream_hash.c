/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_hash.c - the stream's END digest, computed on a thread of its own. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "stream_hash.h"

struct stream_hash {
	crypto_generichash_state st; /* first: needs 64-byte alignment */
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

	if (posix_memalign((void **)&h, 64, sizeof(*h)))
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	crypto_generichash_init(&h->st, NULL, 0, 32);
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
		crypto_generichash_update(&h->st, p, n);
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
		crypto_generichash_update(&h->st, p, n);
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

void stream_hash_final(struct stream_hash *h, u8 *out, size_t len)
{
	stream_hash_wait(h, h->posted);
	crypto_generichash_final(&h->st, out, len);
}
