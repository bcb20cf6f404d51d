/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial_test.c - COM1: its ring and writer (stalled, dead, racing readers), ports and input. */
#define _GNU_SOURCE	/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "../dev/serial.h"

#define LINE_LEN	12	/* "line 000000\n" */
#define OUT_MAX		(4u << 20)

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Reads a pipe to its end into buf, as a reader that keeps up does. */
struct reader {
	pthread_t thread;
	int fd;
	char *buf;
	size_t len;
	atomic_size_t seen;	/* len, for other threads */
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	while (r->len < OUT_MAX && (n = read(r->fd, r->buf + r->len, OUT_MAX - r->len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		r->len += n;
		atomic_store(&r->seen, r->len);
	}
	return NULL;
}

static int reader_start(struct reader *r, int fd)
{
	r->fd = fd;
	r->len = 0;
	atomic_init(&r->seen, 0);
	r->buf = malloc(OUT_MAX + 1);
	if (!r->buf)
		return -ENOMEM;
	return -pthread_create(&r->thread, NULL, reader_run, r);
}

static void reader_end(struct reader *r)
{
	pthread_join(r->thread, NULL);
	r->buf[r->len] = '\0';
}

/* A reader that stopped: the pipe full before the serial writes. Return: bytes. */
static size_t fill_pipe(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	memset(buf, '=', sizeof(buf));
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		len += n;
	fcntl(fd, F_SETFL, fl);
	return len;
}

static void put_line(struct serial *s, const char *fmt, int i)
{
	char line[64];
	int n = snprintf(line, sizeof(line), fmt, i);

	for (int k = 0; k < n; k++)
		serial_putc(s, line[k]);
}

FIXTURE(stall) { int fds[2]; size_t filled; struct serial *s; struct reader r; };
FIXTURE_VARIANT(stall) { const char *prefix; };
FIXTURE_VARIANT_ADD(stall, plain) { NULL };
FIXTURE_VARIANT_ADD(stall, prefixed) { "# guest: " };

FIXTURE_SETUP(stall)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(self->fds, O_CLOEXEC));
	self->filled = fill_pipe(self->fds[1]);
	ASSERT_GT(self->filled, (size_t)0);
	ASSERT_EQ(0, serial_open(self->fds[1], &self->s));
	serial_set_prefix(self->s, variant->prefix);
}

FIXTURE_TEARDOWN(stall)
{
}

/*
 * A reader that stops reading: every THR write still returns at once, the
 * bytes past the pipe and the ring are dropped and counted, and once the
 * reader resumes the output is the guest's from its first byte up to the
 * loss, a marker line with the count, then the guest's later output.
 */
TEST_F(stall, drops_newest_then_marker_when_resumed)
{
	const char *pfx = variant->prefix ? variant->prefix : "";
	char *want = malloc(OUT_MAX), line[64];
	int lines = 100000, n;
	long t0 = now_ms(), ms;
	u64 dropped, kept, g = 0;
	size_t len = 0;

	ASSERT_NONNULL(want);
	for (int i = 0; i < lines; i++)
		put_line(self->s, "line %06d\n", i);
	ms = now_ms() - t0;
	test_diag("%d lines into a full pipe in %ld ms", lines, ms);
	EXPECT_LT(ms, 5000L * test_timeout_scale());
	dropped = serial_dropped(self->s);
	/* The ring holds at most SERIAL_RING bytes; the rest is dropped. */
	ASSERT_GE(dropped, (u64)lines * LINE_LEN - SERIAL_RING);
	ASSERT_LT(dropped, (u64)lines * LINE_LEN);

	ASSERT_EQ(0, reader_start(&self->r, self->fds[0]));
	/* The reader is back: the flush writes what was held, and the marker. */
	ASSERT_EQ(0, serial_flush(self->s, 5000 * test_timeout_scale()));
	EXPECT_EQ(dropped, serial_dropped(self->s));
	for (int i = 0; i < 10; i++)
		put_line(self->s, "after %d\n", i);
	EXPECT_EQ(0, serial_destroy(self->s));
	close(self->fds[1]);
	reader_end(&self->r);

	/* What filled the pipe, the guest's first bytes up to the first dropped... */
	memset(want, '=', self->filled);
	len = self->filled;
	kept = (u64)lines * LINE_LEN - dropped;
	for (int i = 0; g < kept; i++) {
		n = snprintf(line, sizeof(line), "line %06d\n", i);
		len += sprintf(want + len, "%s", pfx);
		for (int k = 0; k < n && g < kept; k++, g++)
			want[len++] = line[k];
	}
	/* ...the marker on a line of its own, then the later output. */
	len += sprintf(want + len, "%s%s... %llu bytes dropped: the serial reader fell behind "
		       "...\n", want[len - 1] != '\n' ? "\n" : "", pfx,
		       (unsigned long long)dropped);
	for (int i = 0; i < 10; i++)
		len += sprintf(want + len, "%s" "after %d\n", pfx, i);
	EXPECT_EQ(len, self->r.len);
	for (size_t i = 0; i < len && i < self->r.len; i++)
		ASSERT_MSG(want[i] == self->r.buf[i], "byte %zu: '%.60s' where '%.60s' was due",
			   i, self->r.buf + i, want + i);
	free(self->r.buf);
	free(want);
	close(self->fds[0]);
}

/*
 * A reader that never comes back: flush gives up after the stall limit,
 * destroy returns at once, and the writer it leaves behind ends (and frees
 * the serial) once the pipe breaks.
 */
TEST(stall, dead_reader_exit_bounded)
{
	struct serial *s;
	int fds[2];
	long t0, ms;

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_GT(fill_pipe(fds[1]), (size_t)0);
	ASSERT_EQ(0, serial_open(fds[1], &s));
	for (int i = 0; i < 20000; i++)
		put_line(s, "line %06d\n", i);
	t0 = now_ms();
	EXPECT_EQ(-ETIMEDOUT, serial_flush(s, 200));
	ms = now_ms() - t0;
	test_diag("flush gave up after %ld ms", ms);
	EXPECT_GE(ms, 190L);
	EXPECT_LT(ms, 2000L * test_timeout_scale());
	EXPECT_GT(serial_dropped(s), 0ull);
	t0 = now_ms();
	EXPECT_EQ(-EBUSY, serial_destroy(s));
	ms = now_ms() - t0;
	EXPECT_LT(ms, 500L * test_timeout_scale());
	/*
	 * The writer left behind gets EPIPE, ends and frees (ASan: no leak);
	 * it may still use fds[1] until then, so that stays open.
	 */
	close(fds[0]);
}

/* A writer stuck until destroy gives up: destroy waits SERIAL_FLUSH_STALL_MS, no more. */
TEST(stall, destroy_without_flush_bounded)
{
	struct serial *s;
	int fds[2];
	long t0, ms;

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_GT(fill_pipe(fds[1]), (size_t)0);
	ASSERT_EQ(0, serial_open(fds[1], &s));
	for (int i = 0; i < 20000; i++)
		put_line(s, "line %06d\n", i);
	t0 = now_ms();
	EXPECT_EQ(-EBUSY, serial_destroy(s));
	ms = now_ms() - t0;
	test_diag("destroy returned after %ld ms", ms);
	EXPECT_GE(ms, SERIAL_FLUSH_STALL_MS - 10L);
	EXPECT_LT(ms, 10L * SERIAL_FLUSH_STALL_MS + 1000L * test_timeout_scale());
	close(fds[0]);
}

#define RACE_THREADS	4
#define RACE_LINES	5000
#define RACE_LINE_LEN	14	/* "t0 0000000000\n" */

struct racer {
	pthread_t thread;
	struct serial *s;
	pthread_mutex_t *line_lock;	/* the guest's console lock: whole lines */
	int id;
	atomic_size_t *put;		/* bytes the racers gave the serial */
	const struct reader *r;		/* the reader they keep pace with */
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	char line[32];

	for (int i = 0; i < RACE_LINES; i++) {
		int n = snprintf(line, sizeof(line), "t%d %010d\n", r->id, i);

		/* A reader that keeps up: never more than half the ring behind. */
		while (atomic_load(r->put) - atomic_load(&r->r->seen) > SERIAL_RING / 2)
			sched_yield();
		pthread_mutex_lock(r->line_lock);
		for (int k = 0; k < n; k++)
			serial_putc(r->s, line[k]);
		pthread_mutex_unlock(r->line_lock);
		atomic_fetch_add(r->put, n);
	}
	return NULL;
}

/*
 * vCPUs printing at once while the reader keeps up: no byte lost, each
 * vCPU's lines whole and in its order (run it under TSan and ASan too).
 * 280 KB in all, four times the ring.
 */
TEST(race, many_writers_no_loss)
{
	pthread_mutex_t line_lock = PTHREAD_MUTEX_INITIALIZER;
	struct racer w[RACE_THREADS];
	atomic_size_t put = 0;
	int fds[2], next[RACE_THREADS] = { 0 };
	struct reader r;
	struct serial *s;
	char *p, *end;

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_EQ(0, serial_open(fds[1], &s));
	ASSERT_EQ(0, reader_start(&r, fds[0]));
	for (int i = 0; i < RACE_THREADS; i++) {
		w[i] = (struct racer){ .s = s, .line_lock = &line_lock, .id = i,
				     .put = &put, .r = &r };
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, racer_run, &w[i]));
	}
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(w[i].thread, NULL);
	EXPECT_EQ(0, serial_flush(s, 5000 * test_timeout_scale()));
	EXPECT_EQ(0ull, serial_dropped(s));
	EXPECT_EQ(0, serial_destroy(s));
	close(fds[1]);
	reader_end(&r);
	EXPECT_EQ((size_t)RACE_THREADS * RACE_LINES * RACE_LINE_LEN, r.len);
	for (p = r.buf; p < r.buf + r.len; p = end + 1) {
		int id = -1, seq = -1;

		end = memchr(p, '\n', r.buf + r.len - p);
		ASSERT_NONNULL(end);
		ASSERT_MSG(end - p == RACE_LINE_LEN - 1 && sscanf(p, "t%d %d", &id, &seq) == 2 && id >= 0 &&
			   id < RACE_THREADS, "bad line '%.*s'", (int)(end - p), p);
		ASSERT_MSG(seq == next[id], "t%d: line %d where %d was due", id, seq, next[id]);
		next[id]++;
	}
	for (int i = 0; i < RACE_THREADS; i++)
		EXPECT_EQ(RACE_LINES, next[i]);
	free(r.buf);
	close(fds[0]);
}

/* A guest's register access through the port handler: THR bytes reach the output. */
TEST(uart, thr_through_port_io_to_output)
{
	struct serial *s;
	char buf[16] = { 0 };
	int fds[2];
	u8 v;

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_EQ(0, serial_open(fds[1], &s));
	v = 0x80;	/* DLAB: offset 0 is the divisor, nothing is sent */
	serial_port_io(s, 3, true, &v);
	v = 'X';
	serial_port_io(s, 0, true, &v);
	v = 0x03;
	serial_port_io(s, 3, true, &v);
	for (const char *p = "hi\n"; *p; p++) {
		serial_port_io(s, 5, false, &v);
		ASSERT_EQ(0x60, v);
		v = (u8)*p;
		serial_port_io(s, 0, true, &v);
	}
	ASSERT_EQ(0, serial_flush(s, 1000));
	ASSERT_EQ(3, read(fds[0], buf, sizeof(buf)));
	EXPECT_STREQ("hi\n", buf);
	EXPECT_EQ(0, serial_destroy(s));
	close(fds[0]);
	close(fds[1]);
}

/* Read what the guest would, polling LSR.DR; at most @ms. Return: bytes read. */
static size_t guest_read(struct serial *s, char *buf, size_t len, long ms)
{
	long end = now_ms() + ms;
	size_t n = 0;
	u8 v;

	while (n < len && now_ms() < end) {
		serial_port_io(s, 5, false, &v);
		if (!(v & 0x01)) {
			sched_yield();
			continue;
		}
		serial_port_io(s, 0, false, &v);
		buf[n++] = (char)v;
	}
	return n;
}

/*
 * Input from a pipe: more bytes than the 16-byte FIFO holds arrive whole
 * and in order, the reader waiting for the guest rather than overrunning.
 */
TEST(uart, input_from_pipe_without_loss)
{
	static const char msg[] = "echo hello from the host's pipe, past sixteen bytes\n";
	char got[sizeof(msg)] = { 0 };
	int out[2], in[2];
	struct serial *s;
	u8 v = 0x01;

	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	ASSERT_EQ(0, serial_open(out[1], &s));
	serial_port_io(s, 2, true, &v);		/* FIFO on */
	ASSERT_EQ(0, serial_set_input(s, in[0]));
	EXPECT_EQ(-EBUSY, serial_set_input(s, in[0]));
	ASSERT_EQ((ssize_t)strlen(msg), write(in[1], msg, strlen(msg)));
	/* The FIFO fills and stops there while the guest does not read. */
	for (long end = now_ms() + 2000; now_ms() < end;) {
		serial_port_io(s, 5, false, &v);
		if (v & 0x01)
			break;
		sched_yield();
	}
	usleep(50 * 1000);
	serial_port_io(s, 5, false, &v);
	EXPECT_EQ(0, v & 0x02);	/* no overrun */
	EXPECT_EQ(strlen(msg), guest_read(s, got, strlen(msg), 5000));
	EXPECT_STREQ(msg, got);
	close(in[1]);
	EXPECT_EQ(0, serial_destroy(s));
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* Neither a pipe nor a tty: no input. A reader blocked on a silent pipe ends at destroy. */
TEST(uart, input_only_from_pipe_or_tty)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC), in[2], out[2];
	struct serial *s;
	long t0;

	ASSERT_GE(null_fd, 0);
	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	ASSERT_EQ(0, serial_open(out[1], &s));
	EXPECT_EQ(-ENOTTY, serial_set_input(s, null_fd));
	ASSERT_EQ(0, serial_set_input(s, in[0]));
	t0 = now_ms();
	EXPECT_EQ(0, serial_destroy(s));
	EXPECT_LT(now_ms() - t0, 1000L);
	close(null_fd);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

/*
 * A prompt (no newline) reaches the reader without a flush, once the
 * guest pauses: also when the writer was asleep with nothing held, after
 * a whole line.
 */
TEST(uart, partial_line_written_when_quiet)
{
	struct pollfd pfd;
	struct serial *s;
	char buf[16] = { 0 };
	int fds[2];

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_EQ(0, serial_open(fds[1], &s));
	put_line(s, "line %d\n", 1);
	ASSERT_EQ(7, read(fds[0], buf, sizeof(buf)));
	usleep(100 * 1000);	/* the writer sleeps with nothing held */
	memset(buf, 0, sizeof(buf));
	for (const char *p = "/ # "; *p; p++)
		serial_putc(s, *p);
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_EQ(4, read(fds[0], buf, sizeof(buf)));
	EXPECT_STREQ("/ # ", buf);
	EXPECT_EQ(0, serial_destroy(s));
	close(fds[0]);
	close(fds[1]);
}
