/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlsock.c - the --control socket (JSON lines) and the 'ctl' client. */
#define _GNU_SOURCE	/* accept4() */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <json.h>

#include "migctl-host.h"
#include "ctlreq.h"
#include "ctlsock.h"
#include "migration.h"
#include "proto.h"
#include "vm.h"
#include "vmm.h"

#define CONTROL_BATCH		16	/* requests of one client per turn: the others' turn comes */
#define CONTROL_ACCEPT_PAUSE_MS	100	/* after a failed accept (EMFILE): no busy loop */
#define CONTROL_DRAIN_MS	100	/* at the end: how long the last replies may take */

struct control_client {
	int fd;				/* -1: a free slot */
	u64 last_ms;			/* connected or last request: the idle clock */
	bool waiting;			/* a migrate with "wait": reply when it ends */
	bool eof;			/* the client shut its side: answer, then close */
	bool drop;			/* close now, whatever is pending */
	char wait_id[CTLREQ_ID_MAX];	/* the waiting migrate's "id" */
	size_t in_len;
	size_t out_len, out_cap;
	char *out;			/* replies not sent yet */
	char in[CONTROL_LINE_MAX];
};

struct control {
	struct vmm *v;
	int listen_fd;
	int stop_fd;
	u64 idle_ms;
	u64 accept_after_ms;
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct control_client clients[CONTROL_CLIENTS];
};

static u64 control_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void control_close(struct control_client *cl)
{
	close(cl->fd);
	free(cl->out);
	cl->fd = -1;
	cl->out = NULL;
	cl->in_len = cl->out_len = cl->out_cap = 0;
	cl->waiting = cl->eof = cl->drop = false;
}

/* Queue one reply line; a client whose unread replies pass the bound is dropped. */
static void control_queue(struct control_client *cl, const char *line, size_t len)
{
	if (cl->drop)
		return;
	if (cl->out_len + len > CONTROL_OUT_MAX) {
		cl->drop = true;
		return;
	}
	if (cl->out_len + len > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 1024;
		char *p;

		while (cap < cl->out_len + len)
			cap *= 2;
		if (cap > CONTROL_OUT_MAX)
			cap = CONTROL_OUT_MAX;
		p = realloc(cl->out, cap);
		if (!p) {
			cl->drop = true;
			return;
		}
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, line, len);
	cl->out_len += len;
}

/* Send what the socket takes now, never waiting for the client to read. */
static void control_flush(struct control_client *cl)
{
	size_t sent = 0;

	while (sent < cl->out_len && !cl->drop) {
		ssize_t n = send(cl->fd, cl->out + sent, cl->out_len - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0)
			sent += n;
		else if (errno == EAGAIN)
			break;
		else if (errno != EINTR)
			cl->drop = true;	/* gone (EPIPE, ECONNRESET) */
	}
	cl->out_len -= sent;
	memmove(cl->out, cl->out + sent, cl->out_len);
}

static void control_error(struct control_client *cl, const char *id, const char *msg)
{
	char reply[CTLREQ_REPLY_MAX];
	int n = ctlreq_error(reply, sizeof(reply), id, msg);

	control_queue(cl, reply, n < 0 ? strlen(reply) : (size_t)n);
}

static void control_reply(struct control_client *cl, const char *id, const char *body)
{
	char reply[CTLREQ_REPLY_MAX];
	int n = ctlreq_reply(reply, sizeof(reply), id, body);

	control_queue(cl, reply, n < 0 ? strlen(reply) : (size_t)n);
}

static void control_status(struct vmm *v, char *out, size_t len)
{
	struct migctl_host *h = proto_host(v->proto);
	struct migctl_host_counters cnt;
	struct migctl_host_state st;

	static const char *const incoming[] = { "", "incoming-waiting", "incoming-receiving" };
	int in = atomic_load(&v->incoming);

	migctl_host_state(h, &st);
	migctl_host_counters(h, &cnt);
	snprintf(out, len,
		 "{\"status\":\"%s\",\"ready\":%s,\"control\":\"%#llx\",\"version\":%u,"
		 "\"features\":%u,\"generation\":%llu,\"sevsim\":%s,\"sevsim_generation\":%llu,"
		 "\"requests_ok\":%llu,\"pages\":%llu,\"ctl_accepted\":%llu,"
		 "\"ctl_rejected\":%llu,\"migration\":\"%s\"}",
		 in ? incoming[in] : atomic_load(&v->vm->stopping) ? "ended" :
		 vm_is_paused(v->vm) ? "paused" : "running", st.ready ? "true" : "false",
		 (unsigned long long)st.control, st.version, st.features,
		 (unsigned long long)st.generation, v->sevsim ? "true" : "false",
		 (unsigned long long)sevsim_vm_generation(v->vm), (unsigned long long)cnt.ok,
		 (unsigned long long)cnt.pages, (unsigned long long)cnt.ctl_accepted,
		 (unsigned long long)cnt.ctl_rejected,
		 migration_active(v) ? "active" : "idle");
}

static bool control_log_run(void *opaque, unsigned long long *gfn, unsigned long long *npages,
			    bool *private)
{
	u64 g = *gfn, n = 0;
	bool more = migctl_host_log_next_run(opaque, &g, &n, private);

	*gfn = g;
	*npages = n;
	return more;
}

/*
 * query-status-log: the status log's shared runs from req->from_gfn, at
 * most CTLREQ_LOG_RUNS (ctlreq_status_log()). The guest may convert while
 * it is read: each page's status is one it had during the request.
 */
static void control_status_log(struct vmm *v, const struct ctlreq *req, char *out, size_t len)
{
	struct migctl_host_log *log = migctl_host_log(proto_host(v->proto));

	ctlreq_status_log(out, len, (unsigned long long)req->from_gfn,
			  (unsigned long long)migctl_host_log_count(log, true),
			  (unsigned long long)migctl_host_log_count(log, false), control_log_run, log);
}

/*
 * set-parameters: any of downtime_ms, max_rounds, max_bandwidth_mib and
 * throttle_max_pct (ranges checked by ctlreq_parse()) for the next
 * migration, as --downtime-ms, --max-rounds, --max-bandwidth and
 * --throttle-max; none given: the
 * current values. The running migration keeps the values it started with.
 */
static void control_parameters(struct vmm *v, struct control_client *cl,
			       const struct ctlreq *req)
{
	char body[200];

	if (migration_active(v)) {
		control_error(cl, req->id, "a migration is active: set parameters before it starts");
		return;
	}
	if (req->downtime_ms >= 0)
		v->opt.downtime_ms = req->downtime_ms;
	if (req->max_rounds >= 0)
		v->opt.max_rounds = req->max_rounds;
	if (req->max_bandwidth_mib >= 0)
		v->opt.max_bandwidth = req->max_bandwidth_mib;
	if (req->throttle_max_pct >= 0)
		v->opt.throttle_max = req->throttle_max_pct;
	snprintf(body, sizeof(body), "{\"return\":{\"downtime_ms\":%u,\"max_rounds\":%u,"
		 "\"max_bandwidth_mib\":%u,\"throttle_max_pct\":%u}}", v->opt.downtime_ms,
		 v->opt.max_rounds, v->opt.max_bandwidth, v->opt.throttle_max);
	control_reply(cl, req->id, body);
}

/* The migration ended (or the VMM does): answer every client that waits for it. */
static void control_answer_waiters(struct control *c, bool ending)
{
	char body[CTLREQ_REPLY_MAX];
	u64 now = control_now_ms();

	migration_query(c->v, body, sizeof(body));
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		struct control_client *cl = &c->clients[i];

		if (cl->fd < 0 || !cl->waiting)
			continue;
		if (ending && migration_active(c->v))
			control_error(cl, cl->wait_id, "the VMM is ending before the migration did");
		else
			control_reply(cl, cl->wait_id, body);
		cl->waiting = false;
		cl->last_ms = now;
	}
}

static void control_migrate(struct control *c, struct control_client *cl,
			    const struct ctlreq *req)
{
	char err[512];

	/* Waiters of a migration that ended get its result before a new one replaces it. */
	if (!migration_active(c->v))
		control_answer_waiters(c, false);
	if (migration_start(c->v, req->uri, err, sizeof(err))) {
		control_error(cl, req->id, err);
	} else if (req->wait) {
		cl->waiting = true;
		strcpy(cl->wait_id, req->id);
	} else {
		control_reply(cl, req->id, "{\"return\":\"migration started\"}");
	}
}

static void control_run(struct control *c, struct control_client *cl, const struct ctlreq *req)
{
	struct vmm *v = c->v;
	char body[CTLREQ_REPLY_MAX];
	const char *err = NULL;
	int r;

	switch (req->cmd) {
	case CTLREQ_MIGRATE:
		control_migrate(c, cl, req);
		return;
	case CTLREQ_SET_PARAMETERS:
		control_parameters(v, cl, req);
		return;
	case CTLREQ_QUERY_MIGRATE:
		migration_query(v, body, sizeof(body));
		break;
	case CTLREQ_CANCEL:
		r = migration_cancel(v);
		if (r == -EALREADY)
			err = "too late to cancel: the VM state is on its way to the destination";
		else if (r)
			err = "no active migration";
		snprintf(body, sizeof(body), "{\"return\":\"cancelling\"}");
		break;
	case CTLREQ_STOP:
	case CTLREQ_CONT:
		if (migration_active(v))
			err = "a migration is active: cancel it first";
		else if (req->cmd == CTLREQ_STOP && vm_pause(v->vm))
			err = "the VM has ended";
		else if (req->cmd == CTLREQ_CONT)
			vm_resume(v->vm);
		snprintf(body, sizeof(body), "{\"return\":\"%s\"}",
			 req->cmd == CTLREQ_STOP ? "paused" : "running");
		break;
	case CTLREQ_QUERY_STATUS:
		control_status(v, body, sizeof(body));
		break;
	case CTLREQ_QUERY_STATUS_LOG:
		control_status_log(v, req, body, sizeof(body));
		break;
	case CTLREQ_QUIT:
		if (atomic_load(&v->incoming) != VMM_INCOMING_NONE)
			migration_quit_incoming(v);
		vm_end(v->vm, VM_END_QUIT, 0);
		snprintf(body, sizeof(body), "{\"return\":\"quitting\"}");
		break;
	}
	if (err)
		control_error(cl, req->id, err);
	else
		control_reply(cl, req->id, body);
}

static bool control_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r", s[i]))
			return false;
	return true;
}

/* Answer up to CONTROL_BATCH complete lines; blank lines are no requests. */
static void control_serve(struct control *c, struct control_client *cl, u64 now)
{
	char err[256];
	struct ctlreq req;

	for (int n = 0; n < CONTROL_BATCH && !cl->drop; n++) {
		char *nl = memchr(cl->in, '\n', cl->in_len);
		size_t len;

		if (!nl)
			break;
		len = nl - cl->in;
		if (!control_blank(cl->in, len)) {
			if (ctlreq_parse(cl->in, len, &req, err, sizeof(err)))
				control_error(cl, req.id, err);
			else
				control_run(c, cl, &req);
			cl->last_ms = now;
		}
		cl->in_len -= len + 1;
		memmove(cl->in, nl + 1, cl->in_len);
	}
	if (cl->in_len == sizeof(cl->in) && !memchr(cl->in, '\n', cl->in_len)) {
		snprintf(err, sizeof(err), "request line longer than %d bytes: closing",
			 CONTROL_LINE_MAX - 1);
		control_error(cl, "", err);
		control_flush(cl);
		cl->drop = true;
	} else if (cl->eof && cl->in_len && !memchr(cl->in, '\n', cl->in_len)) {
		control_error(cl, "", "the connection ended inside a request (no newline)");
		cl->in_len = 0;
	}
}

static void control_read(struct control_client *cl)
{
	ssize_t n;

	if (cl->in_len == sizeof(cl->in))
		return;		/* complete lines wait for their turn */
	n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);
	if (n > 0)
		cl->in_len += n;
	else if (!n)
		cl->eof = true;
	else if (errno != EAGAIN && errno != EINTR)
		cl->drop = true;
}

/* After its turn: send, then close it when it is done, gone or idle. */
static void control_tend(struct control *c, struct control_client *cl, u64 now)
{
	bool lines = memchr(cl->in, '\n', cl->in_len);

	if (cl->out_len)
		control_flush(cl);
	if (!cl->drop && !cl->waiting && now - cl->last_ms >= c->idle_ms) {
		char err[128];

		snprintf(err, sizeof(err), "no request for %llu s: closing",
			 (unsigned long long)(c->idle_ms / 1000));
		control_error(cl, "", err);
		control_flush(cl);
		cl->drop = true;
	}
	if (cl->drop || (cl->eof && !cl->waiting && !cl->out_len && !lines))
		control_close(cl);
}

static void control_accept(struct control *c, u64 now)
{
	for (int n = 0; n < CONTROL_CLIENTS; n++) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				c->accept_after_ms = now + CONTROL_ACCEPT_PAUSE_MS;
			return;
		}
		for (i = 0; i < CONTROL_CLIENTS && c->clients[i].fd >= 0; i++)
			;
		if (i == CONTROL_CLIENTS) {
			static const char busy[] = "{\"error\":\"too many control clients (64 at "
						   "once): try again later\"}\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* it went away already */
			}
			close(fd);
			continue;
		}
		c->clients[i].fd = fd;
		c->clients[i].last_ms = now;
	}
}

/* How long poll() may sleep: until the first idle limit, or 0 for lines waiting their turn. */
static int control_timeout(struct control *c, u64 now)
{
	u64 next = (u64)-1;

	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		struct control_client *cl = &c->clients[i];

		if (cl->fd < 0)
			continue;
		if (memchr(cl->in, '\n', cl->in_len))
			return 0;
		if (!cl->waiting && cl->last_ms + c->idle_ms < next)
			next = cl->last_ms + c->idle_ms;
	}
	if (now < c->accept_after_ms && c->accept_after_ms < next)
		next = c->accept_after_ms;
	if (next == (u64)-1)
		return -1;
	return next <= now ? 0 : next - now;
}

static void *control_thread(void *arg)
{
	struct control *c = arg;
	struct pollfd p[CONTROL_CLIENTS + 3];

	for (;;) {
		int efd = migration_wait_fd(c->v);
		u64 now = control_now_ms();

		p[0] = (struct pollfd){ .fd = c->stop_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = now < c->accept_after_ms ? -1 : c->listen_fd,
					.events = POLLIN };
		p[2] = (struct pollfd){ .fd = efd, .events = POLLIN };
		for (int i = 0; i < CONTROL_CLIENTS; i++) {
			struct control_client *cl = &c->clients[i];

			p[3 + i] = (struct pollfd){ .fd = cl->fd,
				.events = (cl->eof || cl->in_len == sizeof(cl->in) ? 0 : POLLIN) |
					  (cl->out_len ? POLLOUT : 0) };
		}
		if (poll(p, CONTROL_CLIENTS + 3, control_timeout(c, now)) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		now = control_now_ms();
		if (p[2].revents & POLLIN) {
			eventfd_t val;

			if (!eventfd_read(efd, &val))
				control_answer_waiters(c, false);
		}
		if (p[1].revents & POLLIN)
			control_accept(c, now);
		for (int i = 0; i < CONTROL_CLIENTS; i++) {
			struct control_client *cl = &c->clients[i];
			short ev = p[3 + i].revents;

			if (cl->fd < 0 || p[3 + i].fd != cl->fd)
				continue;	/* freed, or accepted in this turn */
			if ((ev & POLLERR) || (cl->eof && (ev & POLLHUP)))
				cl->drop = true;
			else if (ev & (POLLIN | POLLHUP))
				control_read(cl);
			control_serve(c, cl, now);
			control_tend(c, cl, now);
		}
	}
	return NULL;
}

int control_create(struct vmm *v, const char *path, struct control **out, char *err,
		   size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct control *c;
	int ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--control %s: path longer than %zu bytes", path,
			 sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->v = v;
	c->idle_ms = (u64)(v->opt.control_idle ?: CONTROL_IDLE_S) * 1000;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		c->clients[i].fd = -1;
	strcpy(addr.sun_path, path);
	strcpy(c->path, path);
	unlink(path);	/* a stale socket of an earlier run */
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (c->listen_fd < 0 || c->stop_fd < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(c->listen_fd, CONTROL_CLIENTS)) {
		ret = -errno;
		snprintf(err, errlen, "--control %s: %s", path, strerror(errno));
		goto err_close;
	}
	ret = -pthread_create(&c->thread, NULL, control_thread, c);
	if (ret) {
		snprintf(err, errlen, "cannot start the control thread");
		goto err_close;
	}
	*out = c;
	return 0;

err_close:
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	free(c);
	return ret;
}

/* The last replies (quit's, a waiting migrate's) get CONTROL_DRAIN_MS in all. */
static void control_drain(struct control *c)
{
	u64 end = control_now_ms() + CONTROL_DRAIN_MS;

	for (;;) {
		struct pollfd p[CONTROL_CLIENTS];
		u64 now = control_now_ms();
		int n = 0;

		for (int i = 0; i < CONTROL_CLIENTS; i++) {
			struct control_client *cl = &c->clients[i];

			if (cl->fd >= 0 && cl->out_len && !cl->drop)
				control_flush(cl);
			if (cl->fd >= 0 && cl->out_len && !cl->drop)
				p[n++] = (struct pollfd){ .fd = cl->fd, .events = POLLOUT };
		}
		if (!n || now >= end || poll(p, n, end - now) <= 0)
			return;
	}
}

void control_destroy(struct control *c)
{
	if (!c)
		return;
	eventfd_write(c->stop_fd, 1);
	pthread_join(c->thread, NULL);
	/* A successful migration ends the VM before its waiters were answered. */
	control_answer_waiters(c, true);
	control_drain(c);
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			control_close(&c->clients[i]);
	close(c->listen_fd);
	close(c->stop_fd);
	unlink(c->path);
	free(c);
}
