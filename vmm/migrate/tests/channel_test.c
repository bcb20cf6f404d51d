/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* channel_test.c - URIs, tcp/unix loopback migrations with replies, files. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "channel.h"
#include "migrate_test_util.h"
#include "stream-priv.h"

struct uri_case {
	const char *s;
	int ret;
	u32 kind;
	const char *host_or_path;
	u16 port;
	const char *msg; /* for errors: a word the message must hold */
};

static char long_unix[MIGRATE_URI_UNIX_MAX + 8];

static const struct uri_case uri_cases[] = {
	{ "tcp:127.0.0.1:4444", 0, MIGRATE_URI_TCP, "127.0.0.1", 4444, NULL },
	{ "tcp:localhost:1", 0, MIGRATE_URI_TCP, "localhost", 1, NULL },
	{ "tcp:dst-host.example_1:65535", 0, MIGRATE_URI_TCP,
	  "dst-host.example_1", 65535, NULL },
	{ "tcp:[::1]:80", 0, MIGRATE_URI_TCP, "::1", 80, NULL },
	{ "tcp:[fe80::1.2.3.4]:0", 0, MIGRATE_URI_TCP, "fe80::1.2.3.4", 0,
	  NULL },
	{ "tcp:h:00080", 0, MIGRATE_URI_TCP, "h", 80, NULL },
	{ "unix:/run/migctl/dst.sock", 0, MIGRATE_URI_UNIX,
	  "/run/migctl/dst.sock", 0, NULL },
	{ "unix:rel.sock", 0, MIGRATE_URI_UNIX, "rel.sock", 0, NULL },
	{ "file:/var/tmp/vm.snap", 0, MIGRATE_URI_FILE, "/var/tmp/vm.snap", 0,
	  NULL },
	{ "file:with:colons and spaces", 0, MIGRATE_URI_FILE,
	  "with:colons and spaces", 0, NULL },
	{ "", -EINVAL, 0, NULL, 0, "use tcp:HOST:PORT" },
	{ "tcp", -EINVAL, 0, NULL, 0, "use tcp:HOST:PORT" },
	{ "tcp:", -EINVAL, 0, NULL, 0, "missing ':PORT'" },
	{ "tcp:host", -EINVAL, 0, NULL, 0, "missing ':PORT'" },
	{ "tcp::80", -EINVAL, 0, NULL, 0, "empty host" },
	{ "tcp:host:", -EINVAL, 0, NULL, 0, "bad TCP port" },
	{ "tcp:host:65536", -EINVAL, 0, NULL, 0, "above 65535" },
	{ "tcp:host:123456", -EINVAL, 0, NULL, 0, "bad TCP port" },
	{ "tcp:host:+1", -EINVAL, 0, NULL, 0, "bad TCP port" },
	{ "tcp:host:-1", -EINVAL, 0, NULL, 0, "bad TCP port" },
	{ "tcp:host:80x", -EINVAL, 0, NULL, 0, "bad TCP port" },
	{ "tcp:host: 80", -EINVAL, 0, NULL, 0, "bad TCP port" },
	{ "tcp:::1:80", -EINVAL, 0, NULL, 0, "brackets" },
	{ "tcp:[::1]80", -EINVAL, 0, NULL, 0, "after ']'" },
	{ "tcp:[::1:80", -EINVAL, 0, NULL, 0, "missing ']'" },
	{ "tcp:[]:80", -EINVAL, 0, NULL, 0, "empty host" },
	{ "tcp:[::g]:80", -EINVAL, 0, NULL, 0, "bad character" },
	{ "tcp:ho st:80", -EINVAL, 0, NULL, 0, "bad character" },
	{ "tcp:host/x:80", -EINVAL, 0, NULL, 0, "bad character" },
	{ "TCP:host:80", -EINVAL, 0, NULL, 0,
	  "unknown migration URI scheme 'TCP'" },
	{ "udp:host:80", -EINVAL, 0, NULL, 0,
	  "unknown migration URI scheme 'udp'" },
	{ "unix:", -EINVAL, 0, NULL, 0, "empty path" },
	{ "file:", -EINVAL, 0, NULL, 0, "empty path" },
	{ "file:a\nb", -EINVAL, 0, NULL, 0, "control character" },
	{ "unix:a\tb", -EINVAL, 0, NULL, 0, "control character" },
	{ long_unix, -EINVAL, 0, NULL, 0, "too long" },
};

TEST(channel, uri_parse_table)
{
	memcpy(long_unix, "unix:", 5);
	memset(long_unix + 5, 'p',
	       MIGRATE_URI_UNIX_MAX); /* 108 bytes: one too many */
	for (size_t i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
		const struct uri_case *c = &uri_cases[i];
		struct migrate_uri u;
		char err[256] = "";
		int ret = migrate_uri_parse(c->s, &u, err, sizeof(err));

		EXPECT_MSG(ret == c->ret, "'%s': got %d (%s)", c->s, ret, err);
		if (ret || c->ret) {
			EXPECT_MSG(c->msg && strstr(err, c->msg),
				   "'%s': message '%s' lacks '%s'", c->s, err,
				   c->msg);
			continue;
		}
		EXPECT_EQ(c->kind, u.kind);
		EXPECT_STREQ(c->host_or_path,
			     c->kind == MIGRATE_URI_TCP ? u.host : u.path);
		EXPECT_EQ(c->port, u.port);
		EXPECT_EQ(c->kind != MIGRATE_URI_FILE,
			  migrate_uri_is_bidirectional(&u));
	}
	/* The unix limit itself (107 bytes) still parses. */
	long_unix[5 + MIGRATE_URI_UNIX_MAX - 1] = 0;
	EXPECT_EQ(0, migrate_uri_parse(long_unix, &(struct migrate_uri){ 0 },
				       NULL, 0));
}

/* Source modes and their child exit codes. */
#define SRC_OK		  0
#define SRC_EXPECT_REFUSE 1 /* mode: expect REFUSE with a reason */
#define SRC_EXPECT_GONE	  2 /* mode: the destination vanishes */
#define SRC_BAD		  3 /* exit code: something unexpected */

/* The source side of a migration, run in a child process; returns its verdict. */
/* After ACCEPT: the rest of the sample stream (same bytes as its CONFIG), then DONE. */
static int source_send_rest(int fd, bool sevsim)
{
	char reason[MIGCTL_REPLY_REASON_MAX + 1];
	struct membuf m = { 0 };
	int type;

	if (sample_stream(&m, sevsim))
		return SRC_BAD;
	for (size_t off = STREAM_HDR_BYTES + STREAM_SEC_BYTES +
			  STREAM_CFG_BYTES + 2 * STREAM_REGION_BYTES;
	     off < m.len;) {
		ssize_t n = migrate_io_fd.write(MIGRATE_IO_FD(fd), m.buf + off,
						m.len - off);

		if (n <= 0)
			return SRC_BAD;
		off += (size_t)n;
	}
	free(m.buf);
	type = migrate_chan_recv_reply(fd, NULL, 5000, reason, sizeof(reason));
	return type == MIGCTL_REPLY_DONE ? SRC_OK : SRC_BAD;
}

/* The destination vanished: writing on is an error, never SIGPIPE. */
static int source_after_gone(struct migrate_writer *w)
{
	u8 page[4096] = { 0 };
	int ret = 0;

	for (int i = 0; i < 64 && !ret; i++)
		ret = migrate_writer_ram(w, 0, 1, MIGCTL_PAGE_RAW, page) ?:
			      migrate_writer_flush(w);
	return ret == -EPIPE || ret == -ECONNRESET ? SRC_OK : SRC_BAD;
}

/* The source side of a migration, run in a child process; returns its verdict. */
static int run_source(const struct migrate_uri *u, int mode, bool sevsim)
{
	char err[256], reason[MIGCTL_REPLY_REASON_MAX + 1];
	struct migrate_writer *w;
	struct migrate_config c;
	int fd, type, ret;

	fd = migrate_chan_connect(u, 5000, err, sizeof(err));
	if (fd < 0) {
		test_diag("source: %s", err);
		return SRC_BAD;
	}
	if (migrate_writer_create(&migrate_io_fd, MIGRATE_IO_FD(fd), &w))
		return SRC_BAD;
	sample_config(&c, sevsim);
	ret = migrate_writer_config(w, &c);
	if (ret) {
		/* A destination that is already gone may show at the first write. */
		ret = mode == SRC_EXPECT_GONE &&
				      (ret == -EPIPE || ret == -ECONNRESET) ?
			      SRC_OK :
			      SRC_BAD;
		goto out;
	}
	type = migrate_chan_recv_reply(fd, NULL, 5000, reason, sizeof(reason));
	if (mode == SRC_EXPECT_GONE)
		ret = type == -ECONNRESET ? source_after_gone(w) : SRC_BAD;
	else if (mode == SRC_EXPECT_REFUSE)
		ret = type == MIGCTL_REPLY_REFUSE &&
				      strstr(reason, "vCPU count mismatch") ?
			      SRC_OK :
			      SRC_BAD;
	else
		ret = type == MIGCTL_REPLY_ACCEPT ?
			      source_send_rest(fd, sevsim) :
			      SRC_BAD;
out:
	migrate_writer_destroy(w);
	close(fd);
	return ret;
}

struct dest_ctx {
	int fd;
	struct migrate_config local;
	struct recorder *rec;
};

static int dest_config(void *o, const struct migrate_config *cfg, char *err,
		       size_t len)
{
	struct dest_ctx *d = o;
	int ret = migrate_config_check(cfg, &d->local, err, len);

	d->rec->configs++;
	migrate_chan_send_reply(d->fd, NULL,
				ret ? MIGCTL_REPLY_REFUSE : MIGCTL_REPLY_ACCEPT,
				ret ? err : NULL);
	return ret;
}

static int dest_ram(void *o, const struct migrate_page *pg)
{
	struct dest_ctx *d = o;

	return rec_ram(d->rec, pg);
}

FIXTURE(loop)
{
	struct migrate_uri uri;
	int lfd;
	char path[108];
};

FIXTURE_VARIANT(loop)
{
	bool unix_socket;
};

FIXTURE_VARIANT_ADD(loop, tcp){ .unix_socket = false };
FIXTURE_VARIANT_ADD(loop, unix){ .unix_socket = true };

FIXTURE_SETUP(loop)
{
	char s[160], err[256];
	int port;

	if (variant->unix_socket) {
		snprintf(self->path, sizeof(self->path),
			 "/tmp/migctl-chan-%d.sock", getpid());
		snprintf(s, sizeof(s), "unix:%s", self->path);
	} else {
		snprintf(s, sizeof(s), "tcp:127.0.0.1:0");
	}
	ASSERT_EQ(0, migrate_uri_parse(s, &self->uri, err, sizeof(err)));
	self->lfd = migrate_chan_listen(&self->uri, err, sizeof(err));
	ASSERT_MSG(self->lfd >= 0, "listen: %s", err);
	if (!variant->unix_socket) {
		port = migrate_chan_local_port(self->lfd);
		ASSERT_GT(port, 0);
		self->uri.port = (u16)port;
	}
}

FIXTURE_TEARDOWN(loop)
{
	if (self->lfd >= 0)
		close(self->lfd);
	if (variant->unix_socket)
		unlink(self->path);
}

static pid_t fork_source(const struct migrate_uri *u, int mode, bool sevsim)
{
	pid_t pid = fork();

	if (!pid)
		_exit(run_source(u, mode, sevsim));
	return pid;
}

static int wait_source(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (!WIFEXITED(st)) {
		test_diag("source killed by signal %d", WTERMSIG(st));
		return -1;
	}
	return WEXITSTATUS(st);
}

/* Serve one incoming migration; returns the reader's result. */
static int serve(int lfd, struct dest_ctx *d, char *msg, size_t len)
{
	static const struct migrate_reader_ops ops = { .config = dest_config,
						       .ram = dest_ram };
	struct migrate_reader *r;
	char err[256];
	int ret;

	d->fd = migrate_chan_accept(lfd, 5000, err, sizeof(err));
	if (d->fd < 0) {
		snprintf(msg, len, "%s", err);
		return d->fd;
	}
	migrate_chan_set_timeout(d->fd, 5000);
	ret = migrate_reader_create(&migrate_io_fd, MIGRATE_IO_FD(d->fd), &ops,
				    d, NULL, &r);
	if (ret)
		return ret;
	ret = migrate_reader_run(r);
	snprintf(msg, len, "%s", migrate_reader_error(r));
	/* Only a verified END earns DONE; the source stops only then (V-9). */
	if (!ret)
		migrate_chan_send_reply(d->fd, NULL, MIGCTL_REPLY_DONE, NULL);
	else if (ret != -ECONNREFUSED)
		migrate_chan_send_reply(d->fd, NULL, MIGCTL_REPLY_FAIL, msg);
	migrate_reader_destroy(r);
	close(d->fd);
	return ret;
}

/* Covers: V-9 */
TEST_F(loop, accept_transfer_done)
{
	struct dest_ctx d = { .rec = calloc(1, sizeof(struct recorder)) };
	char msg[512];
	pid_t pid;

	ASSERT_NONNULL(d.rec);
	ASSERT_EQ(0, sevsim_init());
	sample_config(&d.local, true);
	d.local.protocol_ctl = 0;
	memset(d.local.transport_key, 0, 32);
	pid = fork_source(&self->uri, SRC_OK, true);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, serve(self->lfd, &d, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	EXPECT_EQ(SRC_OK, wait_source(pid));
	EXPECT_EQ(1, d.rec->configs);
	EXPECT_EQ(4, d.rec->rams);
	EXPECT_EQ(2u, d.rec->gfns[3]);
	free(d.rec);
}

/* Covers: V-8, V-9 */
TEST_F(loop, refuse_mismatch_before_ram)
{
	struct dest_ctx d = { .rec = calloc(1, sizeof(struct recorder)) };
	char msg[512];
	pid_t pid;

	ASSERT_NONNULL(d.rec);
	sample_config(&d.local, false);
	d.local.nr_vcpus = 3;
	pid = fork_source(&self->uri, SRC_EXPECT_REFUSE, false);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(-ECONNREFUSED, serve(self->lfd, &d, msg, sizeof(msg)));
	EXPECT_MSG(strstr(msg, "vCPU count mismatch"), "%s", msg);
	EXPECT_EQ(SRC_OK, wait_source(pid));
	EXPECT_EQ(0, d.rec->rams);
	free(d.rec);
}

/* Covers: V-9 */
TEST_F(loop, destination_gone)
{
	char err[256];
	pid_t pid = fork_source(&self->uri, SRC_EXPECT_GONE, false);
	int fd;

	ASSERT_GT(pid, 0);
	fd = migrate_chan_accept(self->lfd, 5000, err, sizeof(err));
	ASSERT_MSG(fd >= 0, "%s", err);
	close(fd);
	/* The source notices and survives: no SIGPIPE, a clean error. */
	EXPECT_EQ(SRC_OK, wait_source(pid));
}

TEST(channel, accept_times_out)
{
	struct migrate_uri u;
	char err[256];
	int lfd;

	ASSERT_EQ(0,
		  migrate_uri_parse("tcp:127.0.0.1:0", &u, err, sizeof(err)));
	lfd = migrate_chan_listen(&u, err, sizeof(err));
	ASSERT_GE(lfd, 0);
	EXPECT_EQ(-ETIMEDOUT, migrate_chan_accept(lfd, 50, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "no source connected"), "%s", err);
	close(lfd);
}

TEST(channel, connect_without_listener_fails_clearly)
{
	struct migrate_uri u;
	char err[256], s[64];
	int lfd, port;

	/* A port that was just free: listen on 0, learn it, close. */
	ASSERT_EQ(0,
		  migrate_uri_parse("tcp:127.0.0.1:0", &u, err, sizeof(err)));
	lfd = migrate_chan_listen(&u, err, sizeof(err));
	ASSERT_GE(lfd, 0);
	port = migrate_chan_local_port(lfd);
	close(lfd);
	snprintf(s, sizeof(s), "tcp:127.0.0.1:%d", port);
	ASSERT_EQ(0, migrate_uri_parse(s, &u, err, sizeof(err)));
	EXPECT_EQ(-ECONNREFUSED,
		  migrate_chan_connect(&u, 2000, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "--incoming"), "%s", err);
	u.port = 0;
	EXPECT_EQ(-EINVAL, migrate_chan_connect(&u, 2000, err, sizeof(err)));
	ASSERT_EQ(0, migrate_uri_parse("unix:/nonexistent/dir/x.sock", &u, err,
				       sizeof(err)));
	EXPECT_EQ(-ENOENT, migrate_chan_connect(&u, 2000, err, sizeof(err)));
	ASSERT_EQ(0, migrate_uri_parse("file:/tmp/x", &u, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, migrate_chan_connect(&u, 2000, err, sizeof(err)));
}

TEST(channel, unix_stale_socket_replaced_live_one_kept)
{
	struct migrate_uri u;
	char err[256], s[128];
	int a, b;

	snprintf(s, sizeof(s), "unix:/tmp/migctl-stale-%d.sock", getpid());
	ASSERT_EQ(0, migrate_uri_parse(s, &u, err, sizeof(err)));
	a = migrate_chan_listen(&u, err, sizeof(err));
	ASSERT_GE(a, 0);
	/* Live listener: a second one must not steal the path. */
	EXPECT_EQ(-EADDRINUSE, migrate_chan_listen(&u, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "another process"), "%s", err);
	close(a); /* the file stays behind, stale */
	b = migrate_chan_listen(&u, err, sizeof(err));
	EXPECT_MSG(b >= 0, "stale socket not replaced: %s", err);
	if (b >= 0)
		close(b);
	/* A regular file at the path is never removed. */
	unlink(u.path);
	close(open(u.path, O_CREAT | O_WRONLY, 0600));
	EXPECT_EQ(-EADDRINUSE, migrate_chan_listen(&u, err, sizeof(err)));
	unlink(u.path);
}

/* Snapshot to a file and restore: the same stream, one way. */
TEST(channel, file_snapshot_restore)
{
	struct recorder *rec = calloc(1, sizeof(*rec));
	struct migrate_reader *r;
	struct migrate_writer *w;
	struct migrate_config c;
	struct migrate_uri u;
	char err[256], s[128];
	int fd;

	ASSERT_NONNULL(rec);
	snprintf(s, sizeof(s), "file:/tmp/migctl-snap-%d", getpid());
	ASSERT_EQ(0, migrate_uri_parse(s, &u, err, sizeof(err)));
	EXPECT_FALSE(migrate_uri_is_bidirectional(&u));
	fd = migrate_chan_open_file(&u, true, err, sizeof(err));
	ASSERT_GE(fd, 0);
	sample_config(&c, false);
	ASSERT_EQ(0,
		  migrate_writer_create(&migrate_io_fd, MIGRATE_IO_FD(fd), &w));
	ASSERT_EQ(0, migrate_writer_config(w, &c));
	ASSERT_EQ(0, migrate_writer_ram(w, 0, 3, MIGCTL_PAGE_ZERO, NULL));
	ASSERT_EQ(0, migrate_writer_status(w, "S", 1));
	ASSERT_EQ(0, migrate_writer_vcpu(w, 0, "a", 1));
	ASSERT_EQ(0, migrate_writer_vcpu(w, 1, "b", 1));
	ASSERT_EQ(0, migrate_writer_end(w));
	migrate_writer_destroy(w);
	close(fd);

	fd = migrate_chan_open_file(&u, false, err, sizeof(err));
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_fd, MIGRATE_IO_FD(fd),
					   &rec_ops, rec, NULL, &r));
	EXPECT_EQ(0, migrate_reader_run(r));
	EXPECT_EQ(c.protocol_ctl, rec->cfg.protocol_ctl);
	EXPECT_EQ(1, rec->rams);
	EXPECT_EQ(3u, rec->gfns[0]);
	migrate_reader_destroy(r);
	close(fd);
	unlink(u.path);
	EXPECT_EQ(-ENOENT, migrate_chan_open_file(&u, false, err, sizeof(err)));
	EXPECT_MSG(strstr(err, "cannot open"), "%s", err);
	free(rec);
}

TEST(channel, reply_receive_errors)
{
	static const u8 junk[16] = "not a reply!!!!";
	char reason[64];
	u8 buf[64];
	int sv[2];
	ssize_t n;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(-ETIMEDOUT,
		  migrate_chan_recv_reply(sv[0], NULL, 20, reason, sizeof(reason)));
	ASSERT_EQ(16, write(sv[1], junk, 16));
	EXPECT_EQ(-EBADMSG,
		  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
	/* A reason with control bytes arrives sanitised. */
	ASSERT_EQ(0, migrate_chan_send_reply(sv[1], NULL, MIGCTL_REPLY_FAIL,
					     "bad\x01\x7fthing"));
	EXPECT_EQ((int)MIGCTL_REPLY_FAIL,
		  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
	EXPECT_STREQ("bad??thing", reason);
	/* A header promising a reason that never comes. */
	n = migrate_reply_encode(MIGCTL_REPLY_REFUSE, "abcdef", buf,
				 sizeof(buf));
	ASSERT_EQ(22, n);
	ASSERT_EQ(18, write(sv[1], buf, 18));
	close(sv[1]);
	EXPECT_EQ(-ECONNRESET,
		  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
	close(sv[0]);
}

/*
 * ROUND acknowledgements come between ACCEPT and the verdict, in order,
 * without a reason; type 6, the first after ROUND, is malformed.
 */
TEST(channel, round_replies_before_the_verdict)
{
	char reason[MIGCTL_REPLY_REASON_MAX + 1];
	u8 buf[64];
	int sv[2];
	ssize_t n;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, migrate_chan_send_reply(sv[1], NULL, MIGCTL_REPLY_ACCEPT, NULL));
	ASSERT_EQ(0, migrate_chan_send_reply(sv[1], NULL, MIGCTL_REPLY_ROUND, NULL));
	ASSERT_EQ(0, migrate_chan_send_reply(sv[1], NULL, MIGCTL_REPLY_ROUND, NULL));
	ASSERT_EQ(0, migrate_chan_send_reply(sv[1], NULL, MIGCTL_REPLY_DONE, NULL));
	EXPECT_EQ((int)MIGCTL_REPLY_ACCEPT,
		  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ((int)MIGCTL_REPLY_ROUND,
			  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
		EXPECT_STREQ("", reason);
	}
	EXPECT_EQ((int)MIGCTL_REPLY_DONE,
		  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
	EXPECT_STREQ("ROUND", migrate_reply_name(MIGCTL_REPLY_ROUND));
	n = migrate_reply_encode(MIGCTL_REPLY_ROUND, NULL, buf, sizeof(buf));
	ASSERT_EQ(16, n);
	buf[4] = 6;
	ASSERT_EQ(16, write(sv[1], buf, 16));
	EXPECT_EQ(-EBADMSG,
		  migrate_chan_recv_reply(sv[0], NULL, 1000, reason, sizeof(reason)));
	close(sv[0]);
	close(sv[1]);
}
