/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* faultproxy.c - test-only TCP proxy that cuts, corrupts, stalls or delays a migration stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <migctl/types.h>

/*
 * One connection: accept it on --listen, connect to --to, forward both
 * ways. After --after bytes from the source (the first side) it acts:
 *   pass   forward everything (measures a stream's length)
 *   close  close both sides: the stream is cut at exactly that byte
 *   flip   XOR the byte at that offset with a non-zero value, go on
 *   stall  forward nothing more either way; hold both sides open for
 *          --stall-ms (0: until a side closes), then close both
 * --garbage N instead connects to --to, sends N seeded random bytes and
 * waits for the peer to close. A summary line goes to stderr.
 *
 * --delay-ms N (mode pass only) makes the proxy a delay line: every chunk
 * it reads, either way, is written to the other side N ms later, in
 * order. Each way holds at most FP_LINE_BYTES; when that is full the proxy
 * stops reading that side, so TCP flow control pushes back on the sender
 * and memory stays bounded (the throughput is then at most FP_LINE_BYTES
 * per N ms). A side's end of stream is passed on once what it sent before
 * has gone out. The TCP connections themselves see no delay: it is added
 * to the exchanges above them (requests, replies, the final round).
 */

#define FP_LINE_BYTES	(4u << 20)
#define FP_LINE_RECS	4096u

enum fp_mode { FP_PASS, FP_CLOSE, FP_FLIP, FP_STALL, FP_GARBAGE };

struct fp {
	enum fp_mode mode;
	const char *listen;
	const char *to;
	u64 after;
	u64 seed;
	u64 stall_ms;
	u64 garbage;
	u64 delay_ms;
	u64 fwd, back;		/* bytes forwarded source -> destination, and back */
	bool acted;
	u8 flip_mask;
};

static int fp_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char host[256];
	const char *colon = strrchr(spec, ':');
	int r;

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, colon - spec);
	host[colon - spec] = '\0';
	r = getaddrinfo(host, colon + 1, &hints, &ai);
	if (r)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int fp_socket(const char *spec, bool listening)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (fp_addr(spec, &ss, &len)) {
		fprintf(stderr, "faultproxy: bad address '%s' (HOST:PORT)\n", spec);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (listening ? bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 1) :
			connect(fd, (struct sockaddr *)&ss, len))
		goto err_close;
	return fd;
err_close:
	close(fd);
err:
	fprintf(stderr, "faultproxy: %s %s: %s\n", listening ? "listen on" : "connect to", spec,
		strerror(errno));
	return -1;
}

static u64 fp_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool fp_write_all(int fd, const u8 *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= w;
	}
	return true;
}

static u64 fp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Holds both sides without forwarding; returns when a side closes or time is up. */
static void fp_stall(struct fp *f, int a, int b)
{
	u64 end = f->stall_ms ? fp_now_ms() + f->stall_ms : 0;
	struct pollfd p[2] = { { .fd = a, .events = POLLRDHUP }, { .fd = b, .events = POLLRDHUP } };

	fprintf(stderr, "faultproxy: stalling after %llu bytes\n", (unsigned long long)f->fwd);
	while (!end || fp_now_ms() < end) {
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			return;
		if ((p[0].revents | p[1].revents) & (POLLRDHUP | POLLHUP | POLLERR))
			return;
	}
}

/* Source to destination: one read, the fault applied. False when done. */
static bool fp_forward(struct fp *f, int a, int b, u8 *buf, size_t size)
{
	size_t cap = size;
	ssize_t n;

	if (!f->acted && (f->mode == FP_CLOSE || f->mode == FP_STALL)) {
		if (f->fwd == f->after) {
			f->acted = true;
			if (f->mode == FP_STALL)
				fp_stall(f, a, b);
			return false;
		}
		if (f->after - f->fwd < cap)
			cap = f->after - f->fwd;
	}
	n = read(a, buf, cap);
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0) {
		shutdown(b, SHUT_WR);
		return false;
	}
	if (f->mode == FP_FLIP && !f->acted && f->after < f->fwd + n) {
		buf[f->after - f->fwd] ^= f->flip_mask;
		f->acted = true;
	}
	f->fwd += n;
	return fp_write_all(b, buf, n);
}

static void fp_relay(struct fp *f, int a, int b)
{
	static u8 buf[65536];
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	bool a_open = true;
	ssize_t n;

	for (;;) {
		p[0].fd = a_open ? a : -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (a_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			a_open = fp_forward(f, a, b, buf, sizeof(buf));
			if (!a_open && f->acted && f->mode != FP_FLIP)
				return;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(b, buf, sizeof(buf));
			if (n <= 0 || !fp_write_all(a, buf, n))
				return;
			f->back += n;
		}
	}
}

/*
 * One way of the delay line: a byte ring and, in order, when each chunk in
 * it falls due. Chunks read in the same millisecond share a record.
 */
struct fp_line {
	int from, to;
	u8 *buf;
	u64 in, out;		/* bytes read into the ring and written out, ever */
	struct {
		u64 due;	/* when the bytes up to .end may go out */
		u64 end;	/* a value of .in */
	} rec[FP_LINE_RECS];
	u32 head, count;
	bool eof;		/* .from has closed; pass it on when drained */
	bool shut;
};

/* The events to wait for on each side, and the ms until the next due chunk. */
static int fp_line_events(struct fp_line *l, short *ev_from, short *ev_to, u64 now)
{
	u64 due;

	if (!l->eof && l->in - l->out < FP_LINE_BYTES && l->count < FP_LINE_RECS)
		*ev_from |= POLLIN;
	if (!l->count)
		return -1;
	due = l->rec[l->head].due;
	if (due > now)
		return (int)(due - now);
	*ev_to |= POLLOUT;
	return -1;
}

/* Reads what fits into the ring. False when the connection is broken. */
static bool fp_line_read(struct fp_line *l, u64 delay_ms, u64 *count)
{
	size_t pos = l->in % FP_LINE_BYTES, room = FP_LINE_BYTES - (l->in - l->out);
	u32 tail;
	ssize_t n;
	u64 due;

	if (room > FP_LINE_BYTES - pos)
		room = FP_LINE_BYTES - pos;
	n = recv(l->from, l->buf + pos, room, MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (!n) {
		l->eof = true;
		return true;
	}
	l->in += n;
	*count += n;
	due = fp_now_ms() + delay_ms;
	tail = (l->head + l->count - 1) % FP_LINE_RECS;
	if (l->count && l->rec[tail].due == due) {
		l->rec[tail].end = l->in;
		return true;
	}
	tail = (l->head + l->count++) % FP_LINE_RECS;
	l->rec[tail].due = due;
	l->rec[tail].end = l->in;
	return true;
}

/* Writes what is due without blocking. False when the connection is broken. */
static bool fp_line_write(struct fp_line *l, u64 now)
{
	size_t pos, len;
	ssize_t w;

	while (l->count && l->rec[l->head].due <= now) {
		pos = l->out % FP_LINE_BYTES;
		len = l->rec[l->head].end - l->out;
		if (len > FP_LINE_BYTES - pos)
			len = FP_LINE_BYTES - pos;
		w = send(l->to, l->buf + pos, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0)
			return errno == EINTR || errno == EAGAIN;
		l->out += w;
		if (l->out == l->rec[l->head].end) {
			l->head = (l->head + 1) % FP_LINE_RECS;
			l->count--;
		}
	}
	if (l->eof && !l->count && !l->shut) {
		shutdown(l->to, SHUT_WR);
		l->shut = true;
	}
	return true;
}

static int fp_min_wait(int a, int b)
{
	if (a < 0)
		return b;
	return b < 0 || a < b ? a : b;
}

/* Both ways through a delay line of f->delay_ms until both have ended. */
static void fp_delay(struct fp *f, int a, int b)
{
	struct fp_line *l = calloc(2, sizeof(*l));
	struct pollfd p[2] = { { .fd = a }, { .fd = b } };
	u64 *count[2] = { &f->fwd, &f->back };
	bool ok = true;
	int i, wait;
	u64 now;

	if (!l)
		goto err;
	l[0].from = l[1].to = a;
	l[0].to = l[1].from = b;
	l[0].buf = malloc(FP_LINE_BYTES);
	l[1].buf = malloc(FP_LINE_BYTES);
	if (!l[0].buf || !l[1].buf)
		goto err_free;
	while (ok && (!l[0].shut || !l[1].shut)) {
		now = fp_now_ms();
		p[0].events = p[1].events = 0;
		wait = fp_min_wait(fp_line_events(&l[0], &p[0].events, &p[1].events, now),
				   fp_line_events(&l[1], &p[1].events, &p[0].events, now));
		if (poll(p, 2, wait) < 0) {
			ok = errno == EINTR;
			continue;
		}
		for (i = 0; i < 2 && ok; i++)
			if ((p[i].events & POLLIN) && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				ok = fp_line_read(&l[i], f->delay_ms, count[i]);
		now = fp_now_ms();
		for (i = 0; i < 2 && ok; i++)
			ok = fp_line_write(&l[i], now);
	}
	free(l[0].buf);
	free(l[1].buf);
	free(l);
	return;
err_free:
	free(l[0].buf);
	free(l[1].buf);
	free(l);
err:
	fprintf(stderr, "faultproxy: no memory for the delay line\n");
}

static int fp_garbage(struct fp *f)
{
	u8 buf[4096], sink[4096];
	u64 left = f->garbage, s = f->seed | 1;
	int fd = fp_socket(f->to, false);
	size_t i, k;

	if (fd < 0)
		return 1;
	while (left) {
		k = left < sizeof(buf) ? left : sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = (u8)fp_rand(&s);
		if (!fp_write_all(fd, buf, k))
			break;	/* the destination gave up: what it should do */
		left -= k;
		f->fwd += k;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, sink, sizeof(sink)) > 0)
		;
	close(fd);
	fprintf(stderr, "faultproxy: sent %llu garbage bytes of %llu\n",
		(unsigned long long)f->fwd, (unsigned long long)f->garbage);
	return 0;
}

static const char *const fp_modes[] = { "pass", "close", "flip", "stall", "garbage" };

static int fp_parse(struct fp *f, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' }, { "to", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' }, { "after", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' }, { "stall-ms", required_argument, NULL, 'S' },
		{ "garbage", required_argument, NULL, 'g' },
		{ "delay-ms", required_argument, NULL, 'd' }, { NULL, 0, NULL, 0 },
	};
	int c;
	u32 i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': f->listen = optarg; break;
		case 't': f->to = optarg; break;
		case 'a': f->after = strtoull(optarg, NULL, 0); break;
		case 's': f->seed = strtoull(optarg, NULL, 0); break;
		case 'S': f->stall_ms = strtoull(optarg, NULL, 0); break;
		case 'g': f->garbage = strtoull(optarg, NULL, 0); f->mode = FP_GARBAGE; break;
		case 'd': f->delay_ms = strtoull(optarg, NULL, 0); break;
		case 'm':
			for (i = 0; i < 4 && strcmp(optarg, fp_modes[i]); i++)
				;
			if (i == 4)
				return -1;
			f->mode = i;
			break;
		default:
			return -1;
		}
	}
	if (f->delay_ms && f->mode != FP_PASS)
		return -1;
	return f->to && (f->listen || f->mode == FP_GARBAGE) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct fp f = { .mode = FP_PASS, .after = ~0ull, .seed = 1 };
	int l, a, b;

	if (fp_parse(&f, argc, argv)) {
		fprintf(stderr, "usage: faultproxy --listen HOST:PORT --to HOST:PORT "
			"[--mode pass|close|flip|stall] [--after BYTES] [--seed S] [--stall-ms MS]\n"
			"       faultproxy --listen HOST:PORT --to HOST:PORT --delay-ms MS\n"
			"       faultproxy --to HOST:PORT --garbage BYTES [--seed S]\n");
		return 2;
	}
	if (f.mode == FP_GARBAGE)
		return fp_garbage(&f);
	f.flip_mask = (u8)(fp_rand(&(u64){ f.seed | 1 }) % 255 + 1);
	l = fp_socket(f.listen, true);
	if (l < 0)
		return 1;
	fprintf(stderr, "faultproxy: listening on %s\n", f.listen);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	if (a < 0)
		return 1;
	b = fp_socket(f.to, false);
	if (b < 0)
		return 1;
	if (f.delay_ms)
		fp_delay(&f, a, b);
	else
		fp_relay(&f, a, b);
	close(a);
	close(b);
	if (f.delay_ms)
		fprintf(stderr, "faultproxy: delay %llu ms: forwarded %llu bytes, %llu back\n",
			(unsigned long long)f.delay_ms, (unsigned long long)f.fwd,
			(unsigned long long)f.back);
	else
		fprintf(stderr, "faultproxy: %s after %llu: %s; forwarded %llu bytes, %llu back\n",
			fp_modes[f.mode], (unsigned long long)f.after,
			f.acted ? "done" : "the stream ended first", (unsigned long long)f.fwd,
			(unsigned long long)f.back);
	return 0;
}
