/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial.c - COM1: a transmit-only 16550 that relays guest output to a file. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <migctl/pvh.h>

#include "../vm.h"
#include "serial.h"

#define SERIAL_THR	0	/* transmit holding (DLAB=0) */
#define SERIAL_LCR	3
#define SERIAL_LSR	5
#define SERIAL_LCR_DLAB	0x80
#define SERIAL_LSR_IDLE	0x60	/* THR empty, transmitter empty */
#define SERIAL_BUF	256

struct serial {
	int fd;
	pthread_mutex_t lock;	/* several vCPUs may print */
	u8 lcr;
	const char *prefix;	/* put before every line, or NULL */
	bool midline;		/* the last byte was not a newline */
	size_t len;
	char buf[SERIAL_BUF + SERIAL_PREFIX_MAX];
};

static void serial_flush_locked(struct serial *s)
{
	size_t off = 0;

	while (off < s->len) {
		ssize_t n = write(s->fd, s->buf + off, s->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* a closed reader must not stop the guest */
		off += n;
	}
	s->len = 0;
}

static void serial_io(void *opaque, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	struct serial *s = opaque;
	u16 reg = port - MIGCTL_PVH_COM1;

	pthread_mutex_lock(&s->lock);
	if (!out) {
		*data = reg == SERIAL_LSR ? SERIAL_LSR_IDLE : 0;
	} else if (reg == SERIAL_LCR) {
		s->lcr = *data;
	} else if (reg == SERIAL_THR && !(s->lcr & SERIAL_LCR_DLAB)) {
		if (!s->midline && s->prefix)
			for (const char *p = s->prefix; *p; p++)
				s->buf[s->len++] = *p;
		s->midline = *data != '\n';
		s->buf[s->len++] = (char)*data;
		if (*data == '\n' || s->len >= SERIAL_BUF)
			serial_flush_locked(s);
	}
	pthread_mutex_unlock(&s->lock);
}

int serial_create(struct vm *vm, int fd, struct serial **out)
{
	struct serial *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->fd = fd;
	pthread_mutex_init(&s->lock, NULL);
	ret = vm_ioport_register(vm, MIGCTL_PVH_COM1, SERIAL_NR_PORTS, serial_io, s);
	if (ret) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return ret;
	}
	*out = s;
	return 0;
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

void serial_flush(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	serial_flush_locked(s);
	pthread_mutex_unlock(&s->lock);
}

void serial_destroy(struct serial *s)
{
	if (!s)
		return;
	serial_flush(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
