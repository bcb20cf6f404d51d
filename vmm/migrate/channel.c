/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* channel.c - migration channels over TCP, unix sockets and files. */

#define _GNU_SOURCE /* accept4 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "secure.h"
#include "stream.h"

_Static_assert(MIGRATE_URI_UNIX_MAX ==
		       sizeof(((struct sockaddr_un *)0)->sun_path),
	       "unix path limit is sun_path");

static int ch_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ch_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool host_char_ok(char c, bool bracketed)
{
	if (bracketed)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		       (c >= 'A' && c <= 'F') || c == ':' || c == '.';
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_';
}

static int parse_port(const char *p, u16 *port, char *err, size_t errlen)
{
	unsigned long v = 0;
	size_t n = strlen(p);

	if (!n || n > 5 || strspn(p, "0123456789") != n)
		return ch_fail(
			err, errlen, -EINVAL,
			"bad TCP port '%s' (expected a decimal number 0..65535)",
			p);
	for (; *p; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (v > 65535)
		return ch_fail(err, errlen, -EINVAL,
			       "TCP port %lu is above 65535", v);
	*port = (u16)v;
	return 0;
}

static int parse_tcp(const char *s, struct migrate_uri *u, char *err,
		     size_t errlen)
{
	bool br = s[0] == '[';
	const char *h = s + br, *end = br ? strchr(h, ']') : strrchr(s, ':');
	size_t n;

	if (!end)
		return ch_fail(
			err, errlen, -EINVAL,
			br ? "missing ']' after IPv6 address in 'tcp:%s'" :
			     "missing ':PORT' in 'tcp:%s' (expected tcp:HOST:PORT)",
			s);
	n = (size_t)(end - h);
	if (!n)
		return ch_fail(
			err, errlen, -EINVAL,
			"empty host in 'tcp:%s' (expected tcp:HOST:PORT)", s);
	if (n >= MIGRATE_URI_HOST_MAX)
		return ch_fail(err, errlen, -EINVAL,
			       "host name too long (%zu bytes, at most %u)", n,
			       MIGRATE_URI_HOST_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if (!host_char_ok(h[i], br))
			return ch_fail(
				err, errlen, -EINVAL,
				h[i] == ':' ?
					"IPv6 addresses need brackets: tcp:[ADDR]:PORT" :
					"bad character '%c' in host of 'tcp:%s'",
				h[i], s);
	if (br && end[1] != ':')
		return ch_fail(err, errlen, -EINVAL,
			       "missing ':PORT' after ']' in 'tcp:%s'", s);
	memcpy(u->host, h, n);
	u->host[n] = 0;
	return parse_port(br ? end + 2 : end + 1, &u->port, err, errlen);
}

int migrate_uri_parse(const char *s, struct migrate_uri *u, char *err,
		      size_t errlen)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!s || !colon)
		return ch_fail(
			err, errlen, -EINVAL,
			"bad migration URI '%s' (use tcp:HOST:PORT, unix:PATH or file:PATH)",
			s ? s : "");
	if (has_control_chars(s))
		return ch_fail(err, errlen, -EINVAL,
			       "control character in migration URI");
	if (!strncmp(s, "tcp:", 4)) {
		u->kind = MIGRATE_URI_TCP;
		return parse_tcp(s + 4, u, err, errlen);
	}
	if (!strncmp(s, "unix:", 5))
		u->kind = MIGRATE_URI_UNIX;
	else if (!strncmp(s, "file:", 5))
		u->kind = MIGRATE_URI_FILE;
	else
		return ch_fail(
			err, errlen, -EINVAL,
			"unknown migration URI scheme '%.*s' (use tcp:HOST:PORT, unix:PATH or file:PATH)",
			(int)(colon - s > 16 ? 16 : colon - s), s);
	n = strlen(s + 5);
	if (!n)
		return ch_fail(err, errlen, -EINVAL, "empty path in '%s'", s);
	if (n >= (u->kind == MIGRATE_URI_UNIX ? MIGRATE_URI_UNIX_MAX :
						MIGRATE_URI_PATH_MAX))
		return ch_fail(
			err, errlen, -EINVAL,
			"path too long in '%.5s...' (%zu bytes, at most %u)", s,
			n,
			(u->kind == MIGRATE_URI_UNIX ? MIGRATE_URI_UNIX_MAX :
						       MIGRATE_URI_PATH_MAX) -
				1);
	memcpy(u->path, s + 5, n + 1);
	return 0;
}

bool migrate_uri_is_bidirectional(const struct migrate_uri *u)
{
	return u->kind != MIGRATE_URI_FILE;
}

/* The address of a unix: URI and a socket for it; the fd or -errno with @err set. */
static int unix_socket(const struct migrate_uri *u, struct sockaddr_un *sa, char *err,
		       size_t errlen)
{
	int fd;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(u->path) >= sizeof(sa->sun_path))
		return ch_fail(err, errlen, -ENAMETOOLONG,
			       "unix socket path too long: %s", u->path);
	strcpy(sa->sun_path, u->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ch_fail(err, errlen, -errno, "socket(AF_UNIX): %s",
			       strerror(errno));
	return fd;
}

/* Non-blocking connect bounded by @timeout_ms, then back to blocking. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len,
			   int timeout_ms)
{
	int fl = fcntl(fd, F_GETFL), soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int ret;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		do
			ret = poll(&p, 1, timeout_ms);
		while (ret < 0 && errno == EINTR);
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			return -errno;
		if (soerr)
			return -soerr;
	}
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

static void tcp_tune(int fd)
{
	int one = 1;

	/* Replies are small and the writer batches: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * A socket connected to (or listening on) the first address of a tcp: URI
 * that works; -errno with @err set when the host does not resolve or no
 * address works.
 */
static int tcp_open(const struct migrate_uri *u, bool listening, int timeout_ms,
		    char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV |
					      (listening ? AI_PASSIVE : 0) };
	int fd = -1, one = 1, gai;
	int ret = listening ? -EADDRNOTAVAIL : -EHOSTUNREACH;
	struct addrinfo *res, *ai;
	char port[8];

	snprintf(port, sizeof(port), "%u", u->port);
	gai = getaddrinfo(u->host, port, &hints, &res);
	if (gai)
		return ch_fail(err, errlen, ret, "cannot resolve host '%s': %s",
			       u->host, gai_strerror(gai));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (listening) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			ret = !bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1) ?
				      0 : -errno;
		} else {
			ret = connect_timeout(fd, ai->ai_addr, ai->ai_addrlen,
					      timeout_ms);
		}
		if (!ret)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return ch_fail(err, errlen, ret, "cannot %s tcp:%s:%u: %s%s",
			       listening ? "listen on" : "connect to", u->host,
			       u->port, strerror(-ret),
			       listening ? "" :
			       " (is the destination running with --incoming?)");
	return fd;
}

static int connect_tcp(const struct migrate_uri *u, int timeout_ms, char *err,
		       size_t errlen)
{
	int fd;

	if (!u->port)
		return ch_fail(err, errlen, -EINVAL,
			       "cannot connect to port 0 of %s", u->host);
	fd = tcp_open(u, false, timeout_ms, err, errlen);
	if (fd >= 0)
		tcp_tune(fd);
	return fd;
}

static int connect_unix(const struct migrate_uri *u, int timeout_ms, char *err,
			size_t errlen)
{
	struct sockaddr_un sa;
	int fd, ret;

	fd = unix_socket(u, &sa, err, errlen);
	if (fd < 0)
		return fd;
	ret = connect_timeout(fd, (struct sockaddr *)&sa, sizeof(sa),
			      timeout_ms);
	if (ret) {
		close(fd);
		return ch_fail(
			err, errlen, ret,
			"cannot connect to unix:%s: %s (is the destination running with --incoming?)",
			u->path, strerror(-ret));
	}
	return fd;
}

int migrate_chan_connect(const struct migrate_uri *u, int timeout_ms, char *err,
			 size_t errlen)
{
	if (u->kind == MIGRATE_URI_TCP)
		return connect_tcp(u, timeout_ms, err, errlen);
	if (u->kind == MIGRATE_URI_UNIX)
		return connect_unix(u, timeout_ms, err, errlen);
	return ch_fail(err, errlen, -EINVAL,
		       "file: is not a socket; use migrate_chan_open_file");
}

static int listen_tcp(const struct migrate_uri *u, char *err, size_t errlen)
{
	return tcp_open(u, true, 0, err, errlen);
}

/* A unix socket file nobody accepts on is left over from a dead process. */
static bool unix_is_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool stale;

	if (fd < 0)
		return false;
	stale = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
		errno == ECONNREFUSED;
	close(fd);
	return stale;
}

static int listen_unix(const struct migrate_uri *u, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, ret;

	fd = unix_socket(u, &sa, err, errlen);
	if (fd < 0)
		return fd;
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	if (ret == -EADDRINUSE && !lstat(u->path, &st) &&
	    S_ISSOCK(st.st_mode) && unix_is_stale(&sa) && !unlink(u->path))
		ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	if (!ret && listen(fd, 1))
		ret = -errno;
	if (ret) {
		close(fd);
		return ch_fail(err, errlen, ret,
			       "cannot listen on unix:%s: %s%s", u->path,
			       strerror(-ret),
			       ret == -EADDRINUSE ?
				       " (another process is listening there)" :
				       "");
	}
	return fd;
}

int migrate_chan_listen(const struct migrate_uri *u, char *err, size_t errlen)
{
	if (u->kind == MIGRATE_URI_TCP)
		return listen_tcp(u, err, errlen);
	if (u->kind == MIGRATE_URI_UNIX)
		return listen_unix(u, err, errlen);
	return ch_fail(err, errlen, -EINVAL,
		       "file: is not a socket; use migrate_chan_open_file");
}

int migrate_chan_accept(int listen_fd, int timeout_ms, char *err, size_t errlen)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int ret, fd;

	do
		ret = poll(&p, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return ch_fail(err, errlen, -errno, "poll: %s",
			       strerror(errno));
	if (!ret)
		return ch_fail(
			err, errlen, -ETIMEDOUT,
			"no source connected within %d ms; start the migration on the source",
			timeout_ms);
	fd = accept4(listen_fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0)
		return ch_fail(err, errlen, -errno, "accept: %s",
			       strerror(errno));
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		tcp_tune(fd);
	return fd;
}

int migrate_chan_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -EAFNOSUPPORT;
}

int migrate_chan_open_file(const struct migrate_uri *u, bool write, char *err,
			   size_t errlen)
{
	int fd;

	if (u->kind != MIGRATE_URI_FILE)
		return ch_fail(err, errlen, -EINVAL, "not a file: URI");
	fd = write ? open(u->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600) :
		     open(u->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ch_fail(err, errlen, -errno, "cannot open %s for %s: %s",
			       u->path, write ? "writing" : "reading",
			       strerror(errno));
	return fd;
}

int migrate_chan_set_timeout(int fd, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };

	if (timeout_ms < 0)
		tv = (struct timeval){ 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

const struct migrate_io *migrate_chan_io(int fd, struct migrate_secure *sec, void **ctx)
{
	*ctx = sec ? (void *)sec : MIGRATE_IO_FD(fd);
	return sec ? &migrate_io_secure : &migrate_io_fd;
}

int migrate_chan_send_reply(int fd, struct migrate_secure *sec, u32 type,
			    const char *reason)
{
	u8 buf[sizeof(struct migctl_stream_reply) + MIGCTL_REPLY_REASON_MAX];
	ssize_t len;
	const u8 *p = buf;

	if (sec)
		return migrate_secure_send_reply(sec, type, reason);
	len = migrate_reply_encode(type, reason, buf, sizeof(buf));
	if (len < 0)
		return (int)len;
	while (len > 0) {
		ssize_t n = migrate_io_fd.write((void *)(intptr_t)fd, p,
						(size_t)len);

		if (n < 0)
			return (int)n;
		p += n;
		len -= n;
	}
	return 0;
}

static s64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly @len bytes before the deadline (negative: none). */
static int read_deadline(int fd, u8 *p, size_t len, s64 deadline)
{
	while (len) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int wait = deadline < 0 ? -1 :
					  (int)(deadline > now_ms() ?
							deadline - now_ms() :
							0);
		ssize_t n;
		int ret = poll(&pf, 1, wait);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int migrate_chan_recv_reply(int fd, struct migrate_secure *sec, int timeout_ms,
			    char *reason, size_t len)
{
	u8 hdr[sizeof(struct migctl_stream_reply)],
		text[MIGCTL_REPLY_REASON_MAX];
	s64 deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	u32 rlen = 0;
	int type, ret;

	if (sec)
		return migrate_secure_recv_reply(sec, timeout_ms, reason, len);
	if (reason && len)
		reason[0] = 0;
	ret = read_deadline(fd, hdr, sizeof(hdr), deadline);
	if (ret)
		return ret;
	type = migrate_reply_decode_header(hdr, &rlen);
	if (type < 0)
		return type;
	ret = read_deadline(fd, text, rlen, deadline);
	if (ret)
		return ret;
	if (reason && len) {
		size_t n = rlen < len - 1 ? rlen : len - 1;

		for (size_t i = 0; i < n; i++)
			reason[i] = text[i] >= 0x20 && text[i] < 0x7f ?
					    (char)text[i] :
					    '?';
		reason[n] = 0;
	}
	return type;
}
