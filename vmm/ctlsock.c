/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlsock.c - the --control socket (JSON lines) and the 'ctl' client. */
#define _GNU_SOURCE	/* accept4() */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "migctl-host.h"
#include "ctlsock.h"
#include "migration.h"
#include "proto.h"
#include "vm.h"
#include "vmm.h"

#define CONTROL_CLIENTS		8
#define CONTROL_LINE_MAX	1024
#define CONTROL_REPLY_MAX	2048

struct control_client {
	int fd;
	size_t len;
	bool waiting;			/* a migrate with "wait": reply when it ends */
	char buf[CONTROL_LINE_MAX];
};

struct control {
	struct vmm *v;
	int listen_fd;
	int stop_fd;
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct control_client clients[CONTROL_CLIENTS];
};

/* Where the value of "key" in a flat JSON object starts; NULL if absent. */
static const char *control_find(const char *line, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	return p;
}

/* The string value of "key" in a flat JSON object; false if absent. */
static bool control_get_str(const char *line, const char *key, char *out, size_t len)
{
	const char *p = control_find(line, key);
	size_t n = 0;

	if (!p || *p++ != '"')
		return false;
	while (*p && *p != '"' && n + 1 < len)
		out[n++] = *p++;
	out[n] = '\0';
	return *p == '"';
}

static bool control_get_true(const char *line, const char *key)
{
	const char *p = control_find(line, key);

	return p && !strncmp(p, "true", 4);
}

/* The unsigned value of "key"; -ENOENT if absent, -EINVAL if not in [min, max]. */
static int control_get_uint(const char *line, const char *key, unsigned long min,
			    unsigned long max, unsigned int *out)
{
	const char *p = control_find(line, key);
	unsigned long n;
	char *end;

	if (!p)
		return -ENOENT;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static void control_error(char *out, const char *msg)
{
	size_t k = snprintf(out, CONTROL_REPLY_MAX, "{\"error\":\"");

	for (; *msg && k < CONTROL_REPLY_MAX - 4; msg++)
		if (*msg != '"' && *msg != '\\' && (unsigned char)*msg >= 0x20)
			out[k++] = *msg;
	snprintf(out + k, CONTROL_REPLY_MAX - k, "\"}");
}

static void control_status(struct vmm *v, char *out)
{
	struct migctl_host *h = proto_host(v->proto);
	struct migctl_host_counters cnt;
	struct migctl_host_state st;

	static const char *const incoming[] = { "", "incoming-waiting", "incoming-receiving" };
	int in = atomic_load(&v->incoming);

	migctl_host_state(h, &st);
	migctl_host_counters(h, &cnt);
	snprintf(out, CONTROL_REPLY_MAX,
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

/*
 * set-parameters: "downtime_ms", "max_rounds" and "max_bandwidth_mib" for
 * the next migration, as --downtime-ms, --max-rounds and --max-bandwidth;
 * all or none applied. The running migration keeps the values it started
 * with.
 */
static void control_parameters(struct vmm *v, const char *line, char *out)
{
	unsigned int dt = v->opt.downtime_ms, rounds = v->opt.max_rounds;
	unsigned int bw = v->opt.max_bandwidth;
	int r1 = control_get_uint(line, "downtime_ms", 1, OPTIONS_MAX_DOWNTIME_MS, &dt);
	int r2 = control_get_uint(line, "max_rounds", 1, OPTIONS_MAX_ROUNDS, &rounds);
	int r3 = control_get_uint(line, "max_bandwidth_mib", 0, OPTIONS_MAX_BANDWIDTH, &bw);

	if (r1 == -EINVAL || r2 == -EINVAL || r3 == -EINVAL) {
		control_error(out, "set-parameters: downtime_ms must be 1..600000, "
			      "max_rounds 1..10000, max_bandwidth_mib 0..1000000");
		return;
	}
	if (migration_active(v)) {
		control_error(out, "a migration is active: set parameters before it starts");
		return;
	}
	v->opt.downtime_ms = dt;
	v->opt.max_rounds = rounds;
	v->opt.max_bandwidth = bw;
	snprintf(out, CONTROL_REPLY_MAX, "{\"return\":{\"downtime_ms\":%u,\"max_rounds\":%u,"
		 "\"max_bandwidth_mib\":%u}}", dt, rounds, bw);
}

/* One request; returns false when the reply is deferred (migrate with wait). */
static bool control_dispatch(struct control *c, struct control_client *cl, const char *line,
			     char *out)
{
	struct vmm *v = c->v;
	char cmd[32], uri[512], err[512];

	if (!control_get_str(line, "cmd", cmd, sizeof(cmd))) {
		control_error(out, "no \"cmd\" in the request");
	} else if (!strcmp(cmd, "migrate")) {
		if (!control_get_str(line, "uri", uri, sizeof(uri)))
			control_error(out, "migrate needs \"uri\"");
		else if (migration_start(v, uri, err, sizeof(err)))
			control_error(out, err);
		else if (control_get_true(line, "wait"))
			return !(cl->waiting = true);
		else
			snprintf(out, CONTROL_REPLY_MAX, "{\"return\":\"migration started\"}");
	} else if (!strcmp(cmd, "set-parameters")) {
		control_parameters(v, line, out);
	} else if (!strcmp(cmd, "query-migrate")) {
		migration_query(v, out, CONTROL_REPLY_MAX);
	} else if (!strcmp(cmd, "cancel")) {
		int r = migration_cancel(v);

		if (r == -EALREADY)
			control_error(out, "too late to cancel: the VM state is on its way to "
				      "the destination");
		else if (r)
			control_error(out, "no active migration");
		else
			snprintf(out, CONTROL_REPLY_MAX, "{\"return\":\"cancelling\"}");
	} else if (!strcmp(cmd, "stop") || !strcmp(cmd, "cont")) {
		if (migration_active(v))
			control_error(out, "a migration is active: cancel it first");
		else if (cmd[0] == 's' && vm_pause(v->vm))
			control_error(out, "the VM has ended");
		else {
			if (cmd[0] == 'c')
				vm_resume(v->vm);
			snprintf(out, CONTROL_REPLY_MAX, "{\"return\":\"%s\"}",
				 cmd[0] == 's' ? "paused" : "running");
		}
	} else if (!strcmp(cmd, "query-status")) {
		control_status(v, out);
	} else if (!strcmp(cmd, "quit")) {
		if (atomic_load(&v->incoming) != VMM_INCOMING_NONE)
			migration_quit_incoming(v);
		vm_end(v->vm, VM_END_QUIT, 0);
		snprintf(out, CONTROL_REPLY_MAX, "{\"return\":\"quitting\"}");
	} else {
		snprintf(err, sizeof(err), "unknown command '%s'", cmd);
		control_error(out, err);
	}
	return true;
}

static void control_send(struct control_client *cl, const char *reply)
{
	size_t len = strlen(reply);
	char *line = malloc(len + 1);

	if (!line)
		return;
	memcpy(line, reply, len);
	line[len] = '\n';
	if (send(cl->fd, line, len + 1, MSG_NOSIGNAL) < 0) {
		/* the client went away; it is closed on its next poll */
	}
	free(line);
}

static void control_close(struct control_client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
	cl->waiting = false;
}

static void control_read(struct control *c, struct control_client *cl)
{
	char reply[CONTROL_REPLY_MAX];
	ssize_t n = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
	char *nl;

	if (n <= 0) {
		control_close(cl);
		return;
	}
	cl->len += n;
	while ((nl = memchr(cl->buf, '\n', cl->len))) {
		*nl = '\0';
		if (!cl->waiting && control_dispatch(c, cl, cl->buf, reply))
			control_send(cl, reply);
		cl->len -= nl + 1 - cl->buf;
		memmove(cl->buf, nl + 1, cl->len);
	}
	if (cl->len == sizeof(cl->buf)) {
		control_error(reply, "request line too long");
		control_send(cl, reply);
		control_close(cl);
	}
}

static void control_accept(struct control *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		if (c->clients[i].fd < 0) {
			c->clients[i].fd = fd;
			return;
		}
	}
	close(fd);	/* too many clients */
}

/* A migration ended: answer the clients that asked to wait for it. */
static void control_migration_done(struct control *c, int efd)
{
	char reply[CONTROL_REPLY_MAX];
	eventfd_t val;

	if (eventfd_read(efd, &val))
		return;
	migration_query(c->v, reply, sizeof(reply));
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		if (c->clients[i].fd >= 0 && c->clients[i].waiting) {
			c->clients[i].waiting = false;
			control_send(&c->clients[i], reply);
		}
	}
}

static void *control_thread(void *arg)
{
	struct control *c = arg;

	for (;;) {
		struct pollfd p[CONTROL_CLIENTS + 3];
		int efd = migration_wait_fd(c->v);

		p[0] = (struct pollfd){ .fd = c->stop_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = efd, .events = POLLIN };
		for (int i = 0; i < CONTROL_CLIENTS; i++)
			p[3 + i] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
		/* A bounded wait: a migration started meanwhile brings a new eventfd. */
		if (poll(p, CONTROL_CLIENTS + 3, 200) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[2].revents & POLLIN)
			control_migration_done(c, efd);
		if (p[1].revents & POLLIN)
			control_accept(c);
		for (int i = 0; i < CONTROL_CLIENTS; i++)
			if (c->clients[i].fd >= 0 && (p[3 + i].revents & (POLLIN | POLLHUP)))
				control_read(c, &c->clients[i]);
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
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		c->clients[i].fd = -1;
	strcpy(addr.sun_path, path);
	strcpy(c->path, path);
	unlink(path);	/* a stale socket of an earlier run */
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (c->listen_fd < 0 || c->stop_fd < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(c->listen_fd, 4)) {
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

void control_destroy(struct control *c)
{
	if (!c)
		return;
	char reply[CONTROL_REPLY_MAX];

	eventfd_write(c->stop_fd, 1);
	pthread_join(c->thread, NULL);
	/* A successful migration ends the VM before its waiters were answered. */
	migration_query(c->v, reply, sizeof(reply));
	for (int i = 0; i < CONTROL_CLIENTS; i++) {
		if (c->clients[i].fd < 0)
			continue;
		if (c->clients[i].waiting)
			control_send(&c->clients[i], reply);
		close(c->clients[i].fd);
	}
	close(c->listen_fd);
	close(c->stop_fd);
	unlink(c->path);
	free(c);
}

/* The request line for 'ctl': a JSON object as is, else COMMAND [--wait] [URI]. */
static int control_request(int argc, char *const argv[], char *out, size_t len)
{
	const char *uri = NULL;
	bool wait = false;

	if (argv[0][0] == '{')
		return snprintf(out, len, "%s\n", argv[0]) >= (int)len ? -E2BIG : 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wait"))
			wait = true;
		else if (!uri && !strpbrk(argv[i], "\"\\"))
			uri = argv[i];
		else
			return -EINVAL;
	}
	if (strpbrk(argv[0], "\"\\"))
		return -EINVAL;
	if (snprintf(out, len, "{\"cmd\":\"%s\"%s%s%s%s}\n", argv[0], uri ? ",\"uri\":\"" : "",
		     uri ? uri : "", uri ? "\"" : "", wait ? ",\"wait\":true" : "") >= (int)len)
		return -E2BIG;
	return 0;
}

int control_client(int argc, char *const argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char req[CONTROL_LINE_MAX], reply[CONTROL_REPLY_MAX];
	size_t got = 0;
	int fd;

	if (argc < 2 || strlen(argv[0]) >= sizeof(addr.sun_path) ||
	    control_request(argc - 1, argv + 1, req, sizeof(req))) {
		fprintf(stderr, "usage: migctl-vmm ctl SOCKET COMMAND [--wait] [URI] | "
			"migctl-vmm ctl SOCKET '{\"cmd\":...}'\n");
		return VMM_EXIT_FAILURE;
	}
	strcpy(addr.sun_path, argv[0]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "migctl-vmm ctl: %s: %s\n", argv[0], strerror(errno));
		return VMM_EXIT_FAILURE;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);

		if (n <= 0)
			break;
		got += n;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	if (!got || !strchr(reply, '\n')) {
		fprintf(stderr, "migctl-vmm ctl: no answer from %s\n", argv[0]);
		return VMM_EXIT_FAILURE;
	}
	fputs(reply, stdout);
	return strncmp(reply, "{\"error\"", 8) ? 0 : 1;
}
