/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial.c - COM1: a transmit-only 16550 that relays guest output to a file. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <migctl/pvh.h>

#include "../vm.h"
#include "serial.h"

#define SERIAL_THR	0	/* transmit holding (DLAB=0) */
#define SERIAL_LCR	3
#define SERIAL_LSR	5
#define SERIAL_LCR_DLAB	0x80
#define SERIAL_LSR_IDLE	0x60	/* THR empty, transmitter empty */
#define SERIAL_BUF	256	/* a partial line this long is written anyway */
#define SERIAL_STALL_S	2	/* a flush gives up after this long without progress */

/*
 * vCPUs only append to the ring under the lock and never wait for the
 * reader of @fd: the writer thread writes [tail, ready) without the lock.
 * A vCPU appends only where the writer does not read (head - tail bytes
 * used), so the two never touch the same bytes. When the ring is full
 * output is dropped and counted instead.
 */
struct serial {
	int fd;
	pthread_mutex_t lock;	/* several vCPUs may print */
	pthread_cond_t more;	/* ready moved, or stop */
	pthread_cond_t drained;	/* tail moved */
	pthread_t writer;
	bool stop;		/* the writer ends once tail reaches ready */
	bool stalled;		/* a flush gave up: the reader stopped reading */
	u8 lcr;
	const char *prefix;	/* put before every line, or NULL */
	bool midline;		/* the last byte was not a newline */
	u64 head, ready, tail;	/* byte counts; ring index = count % SERIAL_RING */
	u64 dropped;
	char ring[SERIAL_RING];
};

static void serial_put(struct serial *s, char c)
{
	size_t plen = 0;

	while (!s->midline && s->prefix && s->prefix[plen])
		plen++;
	s->midline = c != '\n';
	if (s->stalled || s->head - s->tail + plen + 1 > SERIAL_RING) {
		s->dropped += plen + 1;
		return;
	}
	for (size_t i = 0; i < plen; i++)
		s->ring[s->head++ % SERIAL_RING] = s->prefix[i];
	s->ring[s->head++ % SERIAL_RING] = c;
	if (c == '\n' || s->head - s->ready >= SERIAL_BUF) {
		s->ready = s->head;
		pthread_cond_signal(&s->more);
	}
}

static void serial_io(void *opaque, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	struct serial *s = opaque;
	u16 reg = port - MIGCTL_PVH_COM1;

	pthread_mutex_lock(&s->lock);
	if (!out)
		*data = reg == SERIAL_LSR ? SERIAL_LSR_IDLE : 0;
	else if (reg == SERIAL_LCR)
		s->lcr = *data;
	else if (reg == SERIAL_THR && !(s->lcr & SERIAL_LCR_DLAB))
		serial_put(s, (char)*data);
	pthread_mutex_unlock(&s->lock);
}

/* Write one contiguous piece of [tail, ready); called and returns locked. */
static void serial_write_some(struct serial *s)
{
	size_t off = s->tail % SERIAL_RING, len = s->ready - s->tail;
	ssize_t n;

	if (len > SERIAL_RING - off)
		len = SERIAL_RING - off;
	pthread_mutex_unlock(&s->lock);
	/* Only here may serial_destroy() cancel a writer the reader stalled. */
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	n = write(s->fd, s->ring + off, len);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&s->lock);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		/* A closed reader must not stop the guest: drop what is ready. */
		s->dropped += s->ready - s->tail;
		n = s->ready - s->tail;
	}
	s->tail += n;
	pthread_cond_broadcast(&s->drained);
}

static void *serial_writer(void *arg)
{
	struct serial *s = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->stop && s->tail == s->ready)
			pthread_cond_wait(&s->more, &s->lock);
		if (s->tail == s->ready)
			break;
		serial_write_some(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int serial_create(struct vm *vm, int fd, struct serial **out)
{
	struct serial *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int ret;

	if (!s)
		return -ENOMEM;
	s->fd = fd;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->drained, &ca);
	pthread_condattr_destroy(&ca);
	ret = -pthread_create(&s->writer, NULL, serial_writer, s);
	if (ret)
		goto err_free;
	ret = vm_ioport_register(vm, MIGCTL_PVH_COM1, SERIAL_NR_PORTS, serial_io, s);
	if (ret)
		goto err_writer;
	*out = s;
	return 0;

err_writer:
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->writer, NULL);
err_free:
	pthread_cond_destroy(&s->drained);
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return ret;
}

void serial_set_prefix(struct serial *s, const char *prefix)
{
	size_t n = 0;

	while (prefix && prefix[n])
		n++;
	pthread_mutex_lock(&s->lock);
	s->prefix = n && n <= SERIAL_PREFIX_MAX ? prefix : NULL;
	pthread_mutex_unlock(&s->lock);
}

int serial_flush(struct serial *s)
{
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	s->ready = s->head;
	pthread_cond_signal(&s->more);
	while (!s->stalled && s->tail != s->ready) {
		u64 was = s->tail;
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += SERIAL_STALL_S;
		if (pthread_cond_timedwait(&s->drained, &s->lock, &t) == ETIMEDOUT &&
		    s->tail == was) {
			/* The reader stopped reading: what is left is lost. */
			s->stalled = true;
			s->dropped += s->head - s->tail;
		}
	}
	if (s->stalled)
		ret = -ETIMEDOUT;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

u64 serial_dropped(struct serial *s)
{
	u64 n;

	pthread_mutex_lock(&s->lock);
	n = s->dropped;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serial_destroy(struct serial *s)
{
	if (!s)
		return;
	serial_flush(s);
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->more);
	/* A writer still blocked on the reader is cancelled, never waited for. */
	if (s->stalled)
		pthread_cancel(s->writer);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->writer, NULL);
	pthread_cond_destroy(&s->drained);
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
