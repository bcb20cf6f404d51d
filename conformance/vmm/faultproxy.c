/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* faultproxy.c - test-only TCP proxy that cuts, corrupts or stalls a migration stream. */
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
 */

enum fp_mode { FP_PASS, FP_CLOSE, FP_FLIP, FP_STALL, FP_GARBAGE };

struct fp {
	enum fp_mode mode;
	const char *listen;
	const char *to;
	u64 after;
	u64 seed;
	u64 stall_ms;
	u64 garbage;
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
		{ "garbage", required_argument, NULL, 'g' }, { NULL, 0, NULL, 0 },
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
	return f->to && (f->listen || f->mode == FP_GARBAGE) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct fp f = { .mode = FP_PASS, .after = ~0ull, .seed = 1 };
	int l, a, b;

	if (fp_parse(&f, argc, argv)) {
		fprintf(stderr, "usage: faultproxy --listen HOST:PORT --to HOST:PORT "
			"[--mode pass|close|flip|stall] [--after BYTES] [--seed S] [--stall-ms MS]\n"
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
	fp_relay(&f, a, b);
	close(a);
	close(b);
	fprintf(stderr, "faultproxy: %s after %llu: %s; forwarded %llu bytes, %llu back\n",
		fp_modes[f.mode], (unsigned long long)f.after,
		f.acted ? "done" : "the stream ended first", (unsigned long long)f.fwd,
		(unsigned long long)f.back);
	return 0;
}
