/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* channel.h - migration channels: tcp:, unix: and file: URIs, reply messages. */
#ifndef MIGCTL_VMM_CHANNEL_H
#define MIGCTL_VMM_CHANNEL_H

/*
 * Sockets are bidirectional: the destination answers the CONFIG section
 * with ACCEPT or REFUSE and the END section with DONE or FAIL (stream.h).
 * A file is one-way (snapshot and restore): no replies. Functions return a
 * file descriptor or 0, or -errno with a message in @err (which says what
 * failed, with what value, and what to do). Descriptors are O_CLOEXEC.
 */

#include <stddef.h>

#include <migctl/types.h>

#define MIGRATE_URI_TCP	 1u
#define MIGRATE_URI_UNIX 2u
#define MIGRATE_URI_FILE 3u

#define MIGRATE_URI_HOST_MAX 254u /* bytes, NUL included */
#define MIGRATE_URI_PATH_MAX 4096u /* bytes, NUL included */
#define MIGRATE_URI_UNIX_MAX 108u /* sizeof(sun_path), NUL included */

struct migrate_uri {
	u32 kind; /* MIGRATE_URI_* */
	char host[MIGRATE_URI_HOST_MAX]; /* tcp: name or address, no brackets */
	u16 port; /* tcp: 0 only for listening */
	char path[MIGRATE_URI_PATH_MAX]; /* unix: and file: */
};

/**
 * migrate_uri_parse() - parse "tcp:HOST:PORT", "unix:PATH" or "file:PATH"
 *
 * HOST is a name ([A-Za-z0-9.-_]) or an address, IPv6 in brackets
 * ("tcp:[::1]:4444"); PORT is decimal 0..65535 (0: any free port, for
 * listening only). Paths are non-empty; a unix: path fits sun_path.
 * Control characters are refused everywhere.
 *
 * Return: 0 or -EINVAL.
 */
int migrate_uri_parse(const char *s, struct migrate_uri *u, char *err,
		      size_t errlen);

/** migrate_uri_is_bidirectional() - false for file: (no replies). */
bool migrate_uri_is_bidirectional(const struct migrate_uri *u);

/**
 * migrate_chan_connect() - source: connect to a listening destination
 * @timeout_ms: connect timeout; negative waits for ever.
 * Return: socket fd or -errno.
 */
int migrate_chan_connect(const struct migrate_uri *u, int timeout_ms, char *err,
			 size_t errlen);

/**
 * migrate_chan_listen() - destination: listen on @u
 *
 * A stale unix socket file (nobody accepting) is replaced; a live one is
 * an error.
 * Return: listening fd or -errno.
 */
int migrate_chan_listen(const struct migrate_uri *u, char *err, size_t errlen);

/**
 * migrate_chan_accept() - destination: wait for the source
 * @timeout_ms: negative waits for ever.
 * Return: connected fd, -ETIMEDOUT, or -errno.
 */
int migrate_chan_accept(int listen_fd, int timeout_ms, char *err,
			size_t errlen);

/** migrate_chan_local_port() - the TCP port a listening socket got (for port 0). */
int migrate_chan_local_port(int fd);

/**
 * migrate_chan_open_file() - file: open for a snapshot (@write) or a restore
 *
 * Writing creates or truncates the file with mode 0600.
 * Return: fd or -errno.
 */
int migrate_chan_open_file(const struct migrate_uri *u, bool write, char *err,
			   size_t errlen);

/**
 * migrate_chan_set_timeout() - receive/send timeout on a socket
 *
 * Blocked stream reads then fail with -ETIMEDOUT (migrate_io_fd).
 * Return: 0 or -errno.
 */
int migrate_chan_set_timeout(int fd, int timeout_ms);

/*
 * A socket's stream and replies go through its protected channel
 * (secure.h) when it has one (@sec non-NULL), else in the clear.
 */
struct migrate_io;
struct migrate_secure;

/** migrate_chan_io() - the stream transport of @fd; *@ctx receives its context. */
const struct migrate_io *migrate_chan_io(int fd, struct migrate_secure *sec, void **ctx);

/**
 * migrate_chan_send_reply() - destination: send a MIGCTL_REPLY_* message
 * @reason: NULL or text (cut at MIGCTL_REPLY_REASON_MAX bytes).
 * Return: 0 or -errno.
 */
int migrate_chan_send_reply(int fd, struct migrate_secure *sec, u32 type,
			    const char *reason);

/**
 * migrate_chan_recv_reply() - source: wait for the destination's reply
 * @reason: receives the reason, NUL-terminated, non-printable bytes as '?'.
 *
 * Return: MIGCTL_REPLY_* type; -ETIMEDOUT; -ECONNRESET if the destination
 * closed the connection; -EBADMSG for a malformed (or, protected, an
 * unauthentic) reply; other -errno.
 */
int migrate_chan_recv_reply(int fd, struct migrate_secure *sec, int timeout_ms,
			    char *reason, size_t len);

#endif /* MIGCTL_VMM_CHANNEL_H */
