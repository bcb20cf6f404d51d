/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial.c - COM1: a 16550A on IRQ 4 relaying guest output to a file, input from a pipe or tty. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <migctl/pvh.h>

#include "../vm.h"
#include "serial.h"
#include "uart.h"

#define SERIAL_LINE	256	/* a partial line this long is written anyway */
#define SERIAL_PARTIAL_MS 50	/* so is one the guest added nothing to for this long */
#define SERIAL_MARK_MAX	(SERIAL_PREFIX_MAX + 96)
#define SERIAL_EAGAIN_MS 100	/* an O_NONBLOCK output: wait this long for room */

/*
 * Who waits for what; nothing else ever waits:
 *  - a vCPU (serial_putc()) takes @lock only to append to the ring or to
 *    count a drop: no I/O and no wait under it. It never waits for the
 *    writer, nor for the reader of @fd;
 *  - the writer thread sleeps on @more (predicate, under @lock: bytes
 *    ready, or stop, or orphan; with a partial line held, at most
 *    SERIAL_PARTIAL_MS) and writes them with @lock released. Only it ever
 *    waits for the reader of @fd;
 *  - serial_flush() and serial_destroy() sleep on @drained (predicate:
 *    drained, or the writer ended) with a deadline that a reader making no
 *    progress cannot extend.
 * Every change to a predicate's variables is made under @lock and followed
 * by a signal of its condition variable before @lock is released, so no
 * wakeup can fall between a sleeper's test and its sleep.
 *
 * Bytes: [tail, head) is the unwritten output, [tail, ready) the part the
 * writer may take (whole lines). Only the writer moves tail and reads the
 * ring, only vCPUs move head and write it, never past tail + SERIAL_RING:
 * the two never touch the same bytes. What does not fit is dropped (the
 * newest bytes, as a UART's overrun loses them), counted, and a marker
 * line saying how many takes the place of the missing bytes.
 *
 * Input (serial_set_input()): a reader thread sleeps on @room (predicate:
 * the receive FIFO has room, or in_stop) and only then polls its fd, so
 * it reads no more than the FIFO takes: a guest that does not read its
 * input holds the writer of the pipe back instead of losing bytes. It
 * never holds @lock across I/O.
 */
struct serial {
	int fd;
	pthread_mutex_t lock;	/* vCPUs, the writer, flush and destroy */
	pthread_cond_t more;	/* ready, stop or orphan moved */
	pthread_cond_t drained;	/* tail or done moved */
	pthread_t writer;
	bool stop;		/* the writer ends once it has written ready */
	bool orphan;		/* destroy gave up on the writer: it frees itself */
	bool done;		/* the writer ended */
	bool gave_up;		/* a flush timed out: the reader stopped reading */
	struct uart uart;	/* the registers, under @lock */
	struct vm *vm;		/* the irqchip IRQ 4 goes to, or NULL */
	const char *prefix;	/* put before every line, or NULL */
	bool midline;		/* the last byte in the ring was not a newline */
	u64 head, ready, tail;	/* byte counts; ring index = count % SERIAL_RING */
	u64 lost;		/* guest bytes dropped since the last marker */
	u64 dropped;		/* guest bytes dropped or not written, in all */
	/* Input, with serial_set_input() only. */
	int in_fd;
	int in_stop_fd;		/* eventfd: wakes the reader's poll() to end */
	bool in_on;		/* the reader thread exists */
	bool in_stop;
	pthread_cond_t room;	/* the FIFO may have room, or in_stop */
	pthread_t reader;
	char ring[SERIAL_RING];
};

static void serial_append(struct serial *s, const char *p, size_t n)
{
	while (n--)
		s->ring[s->head++ % SERIAL_RING] = *p++;
}

/* The marker line for @s->lost, at a line start. Called locked. */
static size_t serial_mark(struct serial *s, char *buf)
{
	int n = snprintf(buf, SERIAL_MARK_MAX, "%s%s... %llu bytes dropped: the serial reader "
			 "fell behind ...\n", s->midline ? "\n" : "", s->prefix ? s->prefix : "",
			 (unsigned long long)s->lost);

	return n > 0 && n < SERIAL_MARK_MAX ? (size_t)n : 0;
}

/* Append the pending marker if it fits. Called locked. */
static bool serial_put_mark(struct serial *s, size_t extra)
{
	char mark[SERIAL_MARK_MAX];
	size_t n;

	if (!s->lost)
		return true;
	if (s->head - s->tail + SERIAL_MARK_MAX + extra > SERIAL_RING)
		return false;
	n = serial_mark(s, mark);
	serial_append(s, mark, n);
	s->midline = false;
	s->lost = 0;
	return true;
}

/* What a THR write does. Called locked; never waits, never does I/O. */
static void serial_put_locked(struct serial *s, char c)
{
	size_t plen = s->prefix ? strlen(s->prefix) : 0;
	bool held = s->head != s->ready;

	if (!serial_put_mark(s, plen + 1) || s->head - s->tail + plen + 1 > SERIAL_RING) {
		s->lost++;
		s->dropped++;
		return;
	}
	if (!s->midline)
		serial_append(s, s->prefix, plen);
	serial_append(s, &c, 1);
	s->midline = c != '\n';
	if (c == '\n' || s->head - s->ready >= SERIAL_LINE) {
		s->ready = s->head;
		pthread_cond_signal(&s->more);
	} else if (!held) {
		/* A partial line begins: the writer times it (serial_wait_more()). */
		pthread_cond_signal(&s->more);
	}
}

void serial_putc(struct serial *s, char c)
{
	pthread_mutex_lock(&s->lock);
	serial_put_locked(s, c);
	pthread_mutex_unlock(&s->lock);
}

/* The UART transmits: called locked, from uart_write(). */
static void serial_tx(void *opaque, u8 c)
{
	serial_put_locked(opaque, (char)c);
}

/*
 * The UART's interrupt output changed: called locked, from a vCPU or the
 * reader. KVM_IRQ_LINE cannot fail for a VM with the irqchip; a VM
 * without one has no line to drive.
 */
static void serial_irq(void *opaque, bool level)
{
	struct serial *s = opaque;

	if (s->vm && s->vm->cfg.irqchip)
		vm_irq_line(s->vm, UART_IRQ, level);
}

static void serial_io(void *opaque, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	struct serial *s = opaque;
	u8 reg = (port - MIGCTL_PVH_COM1) & 7;

	pthread_mutex_lock(&s->lock);
	if (out)
		uart_write(&s->uart, reg, (u8)*data);
	else
		*data = uart_read(&s->uart, reg);
	/* RBR read, FIFO or loopback changed: the reader may have room now. */
	if (s->in_on && (reg == UART_RBR || reg == UART_IIR || reg == UART_MCR))
		pthread_cond_signal(&s->room);
	pthread_mutex_unlock(&s->lock);
}

/*
 * One write of @len bytes, without the lock. Return: bytes written (0 when
 * an O_NONBLOCK output had no room for a while), or -errno.
 */
static ssize_t serial_write(int fd, const char *p, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	do
		n = write(fd, p, len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n < 0 && errno == EAGAIN) {
		poll(&pfd, 1, SERIAL_EAGAIN_MS);
		return 0;
	}
	return n < 0 ? -errno : -EIO;
}

static void serial_free(struct serial *s)
{
	pthread_cond_destroy(&s->room);
	pthread_cond_destroy(&s->drained);
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static u64 serial_now_ms(void);

/*
 * Sleep on @more. A partial line (a shell's prompt) is held for the rest
 * of its line, so that lines stay whole beside other output, but only
 * while the guest adds to it: one left alone SERIAL_PARTIAL_MS is made
 * ready. Called locked.
 */
static void serial_wait_more(struct serial *s)
{
	u64 was = s->head, until;
	struct timespec t;

	if (s->head == s->ready) {
		pthread_cond_wait(&s->more, &s->lock);
		return;
	}
	until = serial_now_ms() + SERIAL_PARTIAL_MS;
	t.tv_sec = until / 1000;
	t.tv_nsec = until % 1000 * 1000000;
	if (pthread_cond_timedwait(&s->more, &s->lock, &t) == ETIMEDOUT && s->head == was)
		s->ready = s->head;
}

static void *serial_writer(void *arg)
{
	struct serial *s = arg;
	bool orphan;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		size_t off, len;
		ssize_t n;

		while (s->tail == s->ready && !s->stop && !s->orphan)
			serial_wait_more(s);
		if (s->orphan || s->tail == s->ready)
			break;
		off = s->tail % SERIAL_RING;
		len = s->ready - s->tail;
		if (len > SERIAL_RING - off)
			len = SERIAL_RING - off;
		pthread_mutex_unlock(&s->lock);
		n = serial_write(s->fd, s->ring + off, len);
		pthread_mutex_lock(&s->lock);
		if (n < 0) {
			/* A closed reader must not stop the guest: drop what is ready. */
			n = s->ready - s->tail;
			s->dropped += n;
		}
		s->tail += n;
		pthread_cond_broadcast(&s->drained);
	}
	s->done = true;
	orphan = s->orphan;
	pthread_cond_broadcast(&s->drained);
	pthread_mutex_unlock(&s->lock);
	/* serial_destroy() left without freeing: nobody else refers to @s. */
	if (orphan)
		serial_free(s);
	return NULL;
}

static u64 serial_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ull + t.tv_nsec / 1000000;
}

/*
 * Sleep on @drained until @pred, until @stall_ms pass without the writer
 * moving tail, or until 10 * @stall_ms pass. Called locked.
 */
static bool serial_wait(struct serial *s, bool (*pred)(struct serial *), int stall_ms)
{
	u64 start = serial_now_ms(), last = start, was = s->tail;

	while (!pred(s)) {
		u64 now = serial_now_ms(), until = last + stall_ms;
		struct timespec t;

		if (s->tail != was) {
			was = s->tail;
			last = now;
			until = now + stall_ms;
		}
		if (until > start + 10ull * stall_ms)
			until = start + 10ull * stall_ms;
		if (now >= until)
			return false;
		t.tv_sec = until / 1000;
		t.tv_nsec = until % 1000 * 1000000;
		pthread_cond_timedwait(&s->drained, &s->lock, &t);
	}
	return true;
}

static bool serial_is_drained(struct serial *s)
{
	return s->tail == s->head || s->done;
}

static bool serial_is_done(struct serial *s)
{
	return s->done;
}

/* Make everything held ready, a partial line and a pending marker too. Locked. */
static void serial_release_all(struct serial *s)
{
	serial_put_mark(s, 0);
	s->ready = s->head;
	pthread_cond_signal(&s->more);
}

int serial_flush(struct serial *s, int stall_ms)
{
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	serial_release_all(s);
	if (!serial_wait(s, serial_is_drained, s->gave_up ? 0 : stall_ms)) {
		s->gave_up = true;
		ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

u64 serial_dropped(struct serial *s)
{
	u64 n;

	pthread_mutex_lock(&s->lock);
	/* After a flush gave up, what it left behind is as good as dropped. */
	n = s->dropped + (s->gave_up ? s->head - s->tail : 0);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serial_set_prefix(struct serial *s, const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	pthread_mutex_lock(&s->lock);
	s->prefix = n && n <= SERIAL_PREFIX_MAX ? prefix : NULL;
	pthread_mutex_unlock(&s->lock);
}

int serial_open(int fd, struct serial **out)
{
	struct serial *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	sigset_t all, old;
	int ret;

	if (!s)
		return -ENOMEM;
	s->fd = fd;
	s->in_fd = s->in_stop_fd = -1;
	uart_init(&s->uart, serial_irq, serial_tx, s);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->more, &ca);
	pthread_cond_init(&s->room, NULL);
	pthread_cond_init(&s->drained, &ca);
	pthread_condattr_destroy(&ca);
	/* No signal is ever for the writer: it inherits a full mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&s->writer, NULL, serial_writer, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		serial_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

static void serial_save(void *opaque, struct uart_regs *r)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	uart_save(&s->uart, r);
	pthread_mutex_unlock(&s->lock);
}

static void serial_load(void *opaque, const struct uart_regs *r)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	uart_load(&s->uart, r);
	if (s->in_on)
		pthread_cond_signal(&s->room);
	pthread_mutex_unlock(&s->lock);
}

static const struct vm_uart_ops serial_uart_ops = {
	.save = serial_save,
	.load = serial_load,
};

int serial_create(struct vm *vm, int fd, struct serial **out)
{
	struct serial *s;
	int ret = serial_open(fd, &s);

	if (ret)
		return ret;
	ret = vm_ioport_register(vm, MIGCTL_PVH_COM1, SERIAL_NR_PORTS, serial_io, s);
	if (ret) {
		serial_destroy(s);
		return ret;
	}
	s->vm = vm;
	vm->uart = &serial_uart_ops;
	vm->uart_opaque = s;
	*out = s;
	return 0;
}

void serial_port_io(struct serial *s, u8 reg, bool out, u8 *val)
{
	u32 data = *val;

	serial_io(s, 0, MIGCTL_PVH_COM1 + (reg & 7), out, 1, &data);
	*val = (u8)data;
}

/* Wait for room in the FIFO. Return: the room, or 0 to end. */
static unsigned int serial_wait_room(struct serial *s)
{
	unsigned int room;

	pthread_mutex_lock(&s->lock);
	while (!(room = uart_rx_room(&s->uart)) && !s->in_stop)
		pthread_cond_wait(&s->room, &s->lock);
	if (s->in_stop)
		room = 0;
	pthread_mutex_unlock(&s->lock);
	return room;
}

static void *serial_reader(void *arg)
{
	struct serial *s = arg;
	struct pollfd pfd[2] = {
		{ .fd = s->in_fd, .events = POLLIN },
		{ .fd = s->in_stop_fd, .events = POLLIN },
	};
	u8 buf[UART_FIFO];
	unsigned int room;
	ssize_t n;

	while ((room = serial_wait_room(s))) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		/* A tty of another process group: EIO (SIGTTIN is blocked here). */
		n = read(s->in_fd, buf, room);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		pthread_mutex_lock(&s->lock);
		for (ssize_t i = 0; i < n; i++)
			uart_receive(&s->uart, buf[i]);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

int serial_set_input(struct serial *s, int fd)
{
	struct stat st;
	sigset_t all, old;
	int ret;

	if (s->in_on)
		return -EBUSY;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISFIFO(st.st_mode) && !isatty(fd))
		return -ENOTTY;
	s->in_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->in_stop_fd < 0)
		return -errno;
	s->in_fd = fd;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&s->reader, NULL, serial_reader, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		close(s->in_stop_fd);
		s->in_stop_fd = -1;
		return ret;
	}
	s->in_on = true;
	return 0;
}

/* End the reader: it never blocks but in poll(), which the eventfd wakes. */
static void serial_stop_input(struct serial *s)
{
	static const u64 one = 1;

	if (!s->in_on)
		return;
	pthread_mutex_lock(&s->lock);
	s->in_stop = true;
	pthread_cond_signal(&s->room);
	pthread_mutex_unlock(&s->lock);
	if (write(s->in_stop_fd, &one, sizeof(one)) < 0) {
		/* the counter is already set: the reader wakes anyway */
	}
	pthread_join(s->reader, NULL);
	close(s->in_stop_fd);
	s->in_on = false;
}

int serial_destroy(struct serial *s)
{
	pthread_t writer;
	bool done;

	if (!s)
		return 0;
	serial_stop_input(s);
	pthread_mutex_lock(&s->lock);
	serial_release_all(s);
	s->stop = true;
	pthread_cond_signal(&s->more);
	serial_wait(s, serial_is_done, s->gave_up ? 0 : SERIAL_FLUSH_STALL_MS);
	/* A writer still blocked on the reader frees @s when it ends, if ever. */
	done = s->done;
	s->orphan = !done;
	pthread_cond_signal(&s->more);
	writer = s->writer;
	pthread_mutex_unlock(&s->lock);
	if (!done) {
		pthread_detach(writer);
		return -EBUSY;
	}
	pthread_join(writer, NULL);
	serial_free(s);
	return 0;
}
