/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migration.c - migctl-vmm's outgoing and incoming migrations (process level). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/signalfd.h>

#include <sodium.h>

#include "migctl-host.h"
#include "migration.h"
#include "migrate/channel.h"
#include "migrate/recv.h"
#include "migrate/secure.h"
#include "migrate/send.h"
#include "proto.h"
#include "vm.h"
#include "vmm.h"

#define MIGRATION_CONNECT_MS	5000
#define MIGRATION_REPLY_MS	60000
#define MIGRATION_ACCEPT_MS	600000

enum migration_status { MIG_NONE, MIG_ACTIVE, MIG_COMPLETED, MIG_FAILED, MIG_UNKNOWN };

struct migrate_job {
	struct vmm *v;
	pthread_t thread;
	bool joinable;
	pthread_mutex_t lock;
	enum migration_status status;
	struct migrate_uri uri;
	char uri_text[160];
	atomic_bool cancel;
	bool committed;			/* END is going out: too late to cancel */
	int fd;				/* the stream, -1 when not open */
	bool protect;			/* through the protected channel, with key */
	u8 key[MIGRATE_SECURE_KEY_BYTES];
	struct migrate_progress last;
	struct migrate_stats stats;
	char error[512];
	int done_fd;
};

static const char *const migration_names[] = { "none", "active", "completed", "failed",
					       "unknown" };

static void migration_progress(void *opaque, const struct migrate_progress *p)
{
	struct migrate_job *j = opaque;

	pthread_mutex_lock(&j->lock);
	j->last = *p;
	/* query-migrate shows the policy's view while the migration runs. */
	j->stats.dirty_rate = p->dirty_rate;
	j->stats.expected_downtime_us = p->expected_downtime_us;
	j->stats.throttle_pct = p->throttle_pct;
	pthread_mutex_unlock(&j->lock);
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rmigctl-vmm: round %llu  %.1f MiB sent  dirty %llu pages/s  "
		"remaining %llu pages  ETA %llu ms   ", (unsigned long long)p->round,
		p->bytes / 1048576.0, (unsigned long long)p->dirty_rate,
		(unsigned long long)p->remaining,
		(unsigned long long)(p->bandwidth ? p->remaining * 4096000 / p->bandwidth : 0));
}

/* Before END: whether the migration goes through (no cancel got in). */
static bool migration_commit(void *opaque)
{
	struct migrate_job *j = opaque;
	bool go;

	pthread_mutex_lock(&j->lock);
	go = !atomic_load(&j->cancel);
	j->committed = go;
	pthread_mutex_unlock(&j->lock);
	return go;
}

static void migration_set_fd(struct migrate_job *j, int fd)
{
	pthread_mutex_lock(&j->lock);
	j->fd = fd;
	pthread_mutex_unlock(&j->lock);
}

/*
 * Which channel a socket migration takes (V-16): with --migrate-key the
 * protected one, key loaded into @key; without, tcp: only when
 * --migrate-insecure asks for it. unix: stays on this host and file: has
 * no peer: both may go in the clear. Return: 0 or -errno with @err set.
 */
static int migration_policy(struct vmm *v, const struct migrate_uri *u, bool *protect,
			    u8 key[MIGRATE_SECURE_KEY_BYTES], char *err, size_t errlen)
{
	*protect = false;
	if (u->kind == MIGRATE_URI_FILE)
		return 0;
	if (v->opt.migrate_key) {
		*protect = true;
		return migrate_key_load(v->opt.migrate_key, key, err, errlen);
	}
	if (u->kind == MIGRATE_URI_TCP && !v->opt.migrate_insecure) {
		snprintf(err, errlen, "tcp: migration without a key refused: give both VMMs "
			 "--migrate-key FILE (or --migrate-insecure to send the VM in the clear)");
		return -EPERM;
	}
	return 0;
}

static int migration_open(struct migrate_job *j, char *err, size_t errlen)
{
	int fd;

	if (j->uri.kind == MIGRATE_URI_FILE)
		return migrate_chan_open_file(&j->uri, true, err, errlen);
	fd = migrate_chan_connect(&j->uri, MIGRATION_CONNECT_MS, err, errlen);
	if (fd >= 0)
		migrate_chan_set_timeout(fd, MIGRATION_REPLY_MS);
	return fd;
}

static void *migration_thread(void *arg)
{
	struct migrate_job *j = arg;
	struct vmm *v = j->v;
	struct migrate_send_args a = {
		.vm = v->vm, .host = proto_host(v->proto), .sev = v->sevsim ? &v->sev : NULL,
		.bidirectional = migrate_uri_is_bidirectional(&j->uri),
		.downtime_ms = v->opt.downtime_ms, .max_rounds = v->opt.max_rounds,
		.throttle_max = v->opt.throttle_max,
		.dirty_log = v->opt.dirty_log,
		.max_bandwidth = (u64)v->opt.max_bandwidth << 20,
		.reply_timeout_ms = MIGRATION_REPLY_MS, .cancel = &j->cancel,
		.user_paused = vm_is_paused(v->vm), .progress = migration_progress, .opaque = j,
		.commit = migration_commit,
	};
	struct migrate_stats st = { 0 };
	char err[512] = "", json[512];
	int ret, fd = migration_open(j, err, sizeof(err));
	struct migrate_secure *sec = NULL;

	a.fd = fd;
	migration_set_fd(j, fd);
	ret = fd < 0 ? fd : 0;
	if (!ret && j->protect)
		ret = migrate_secure_open(fd, true, j->key, MIGRATION_REPLY_MS, &sec, err,
					  sizeof(err));
	sodium_memzero(j->key, sizeof(j->key));
	a.sec = sec;
	if (!ret)
		ret = migrate_send(&a, &st, err, sizeof(err));
	migration_set_fd(j, -1);
	migrate_secure_destroy(sec);
	/* A cancel cut the stream: say so rather than what the cut broke. */
	if (ret && ret != -EINPROGRESS && atomic_load(&j->cancel))
		snprintf(err, sizeof(err), "cancelled");
	if (!ret && !a.bidirectional && fsync(fd))
		snprintf(err, sizeof(err), "snapshot %.400s: %s", j->uri.path,
			 strerror(ret = errno));
	if (fd >= 0)
		close(fd);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	migrate_stats_json(&st, json, sizeof(json));
	pthread_mutex_lock(&j->lock);
	j->stats = st;
	j->status = !ret ? MIG_COMPLETED : ret == -EINPROGRESS ? MIG_UNKNOWN : MIG_FAILED;
	snprintf(j->error, sizeof(j->error), "%s", err);
	pthread_mutex_unlock(&j->lock);
	if (ret)
		fprintf(stderr, "migctl-vmm: migration to %s failed: %s%s\n", j->uri_text, err,
			ret == -EINPROGRESS ? "" : "; the VM keeps running");
	if (v->opt.stats)
		fprintf(stderr, "# migration: %s\n", json);
	if (!ret) {
		snprintf(v->migrated_to, sizeof(v->migrated_to), "%s", j->uri_text);
		vm_end(v->vm, VM_END_MIGRATED, 0);
	}
	eventfd_write(j->done_fd, 1);
	return NULL;
}

int migration_start(struct vmm *v, const char *uri, char *err, size_t errlen)
{
	struct migrate_job *j = v->job;
	int ret;

	const char *why;

	if (j && migration_active(v)) {
		snprintf(err, errlen, "a migration is already active");
		return -EBUSY;
	}
	/* V-6 and V-11 before anything else: no connection, nothing sent. */
	if (!migctl_host_migratable(proto_host(v->proto), &why)) {
		struct migctl_host_state hs;
		char req[160];

		migctl_host_state(proto_host(v->proto), &hs);
		if (hs.unreliable && hs.ready) {
			/* V-11: the refusal names the request that made S unreliable */
			migctl_host_refusal_str(&hs.refusal, req, sizeof(req));
			snprintf(err, errlen, "not migrating: %s; refused: %s (V-11)", why, req);
		} else {
			snprintf(err, errlen, "not migrating: %s (V-6)", why);
		}
		return -EPERM;
	}
	migration_destroy(v);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->v = v;
	j->fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	j->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = migrate_uri_parse(uri, &j->uri, err, errlen);
	if (!ret && (j->uri.kind == MIGRATE_URI_TCP && !j->uri.port)) {
		snprintf(err, errlen, "tcp: needs a port to connect to");
		ret = -EINVAL;
	}
	if (!ret)
		ret = migration_policy(v, &j->uri, &j->protect, j->key, err, errlen);
	if (ret || j->done_fd < 0) {
		if (j->done_fd >= 0)
			close(j->done_fd);
		sodium_memzero(j->key, sizeof(j->key));
		free(j);
		return ret ?: -EMFILE;
	}
	snprintf(j->uri_text, sizeof(j->uri_text), "%s", uri);
	j->status = MIG_ACTIVE;
	v->job = j;
	ret = -pthread_create(&j->thread, NULL, migration_thread, j);
	if (ret) {
		j->status = MIG_FAILED;
		snprintf(err, errlen, "cannot start the migration thread");
		return ret;
	}
	j->joinable = true;
	return 0;
}

bool migration_active(struct vmm *v)
{
	bool active;

	if (!v->job)
		return false;
	pthread_mutex_lock(&v->job->lock);
	active = v->job->status == MIG_ACTIVE;
	pthread_mutex_unlock(&v->job->lock);
	return active;
}

/* Under j->lock: give up, and wake a send or receive blocked on the peer. */
static void migration_cut_locked(struct migrate_job *j)
{
	atomic_store(&j->cancel, true);
	if (j->fd >= 0 && j->uri.kind != MIGRATE_URI_FILE)
		shutdown(j->fd, SHUT_RDWR);
}

/*
 * A cancel also cuts the stream, so that a send blocked on a stalled
 * destination returns at once rather than at the socket timeout, and the
 * close that follows resets the connection, so that the destination sees
 * the broken stream at once too and runs nothing. Once END is on
 * its way (committed) the destination may run the guest: refused.
 */
int migration_cancel(struct vmm *v)
{
	struct migrate_job *j = v->job;
	int ret = 0;

	if (!migration_active(v))
		return -ENOENT;
	pthread_mutex_lock(&j->lock);
	if (j->committed) {
		ret = -EALREADY;
	} else {
		/* Closed with a reset: unsent data must not hold the FIN back. */
		if (j->fd >= 0 && j->uri.kind != MIGRATE_URI_FILE)
			setsockopt(j->fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
				   sizeof(struct linger));
		migration_cut_locked(j);
	}
	pthread_mutex_unlock(&j->lock);
	return ret;
}

int migration_query(struct vmm *v, char *buf, size_t len)
{
	struct migrate_job *j = v->job;
	char stats[512];
	int n;

	if (!j)
		return snprintf(buf, len, "{\"status\":\"none\"}");
	pthread_mutex_lock(&j->lock);
	migrate_stats_json(&j->stats, stats, sizeof(stats));
	n = snprintf(buf, len, "{\"status\":\"%s\",\"uri\":\"%s\",\"round\":%llu,"
		     "\"bytes\":%llu,\"remaining\":%llu,\"stats\":%s", migration_names[j->status],
		     j->uri_text, (unsigned long long)j->last.round,
		     (unsigned long long)j->last.bytes, (unsigned long long)j->last.remaining,
		     stats);
	if (j->error[0] && n >= 0 && (size_t)n < len) {
		char esc[512];
		size_t k = 0;

		for (const char *p = j->error; *p && k < sizeof(esc) - 2; p++)
			if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
				esc[k++] = *p;
		esc[k] = '\0';
		n += snprintf(buf + n, len - n, ",\"error\":\"%s\"", esc);
	}
	if (n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "}");
	pthread_mutex_unlock(&j->lock);
	return n;
}

int migration_wait_fd(struct vmm *v)
{
	return v->job ? v->job->done_fd : -1;
}

void migration_destroy(struct vmm *v)
{
	struct migrate_job *j = v->job;

	if (!j)
		return;
	if (j->joinable) {
		/* The VMM is ending: a send blocked on the peer must not hold it. */
		pthread_mutex_lock(&j->lock);
		migration_cut_locked(j);
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->thread, NULL);
	}
	close(j->done_fd);
	pthread_mutex_destroy(&j->lock);
	free(j);
	v->job = NULL;
}

/*
 * While the stream comes in, the main thread sits in migrate_recv():
 * SIGINT and SIGTERM (the signalfd) then cut the stream, so that the
 * destination ends at once and runs nothing. A signal that arrives once
 * the guest runs is raised again for the main loop.
 */
struct migration_watch {
	struct vmm *v;
	int stop_fd;
};

static void *migration_watch_signals(void *arg)
{
	struct migration_watch *w = arg;
	struct pollfd p[2] = {
		{ .fd = w->stop_fd, .events = POLLIN },
		{ .fd = w->v->sig_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	while (poll(p, 2, -1) < 0 && errno == EINTR)
		;
	if ((p[0].revents & POLLIN) || !(p[1].revents & POLLIN) ||
	    read(w->v->sig_fd, &si, sizeof(si)) != sizeof(si))
		return NULL;
	if (atomic_load(&w->v->incoming) == VMM_INCOMING_NONE) {
		kill(getpid(), si.ssi_signo);
		return NULL;
	}
	fprintf(stderr, "migctl-vmm: stopped by %s while receiving a migration\n",
		strsignal(si.ssi_signo));
	migration_quit_incoming(w->v);
	return NULL;
}

static int migration_start_vcpus(void *opaque)
{
	struct vmm *v = opaque;

	atomic_store(&v->incoming, VMM_INCOMING_NONE);
	return vm_start(v->vm);
}

void migration_quit_incoming(struct vmm *v)
{
	pthread_mutex_lock(&v->incoming_lock);
	if (v->quit_fd >= 0)
		eventfd_write(v->quit_fd, 1);
	if (v->incoming_fd >= 0)
		shutdown(v->incoming_fd, SHUT_RDWR);
	pthread_mutex_unlock(&v->incoming_lock);
}

static void migration_set_incoming_fd(struct vmm *v, int fd)
{
	pthread_mutex_lock(&v->incoming_lock);
	v->incoming_fd = fd;
	pthread_mutex_unlock(&v->incoming_lock);
}

/*
 * SIGINT/SIGTERM are blocked for the signalfd: a destination still waiting
 * for its source must watch that too, or only SIGKILL would stop it, and
 * so must it watch a quit from its control socket.
 * Return: 0 the listening socket is readable (or the wait timed out, which
 * migrate_chan_accept() reports), -EINTR a signal or quit came, -errno.
 */
static int migration_wait_source(struct vmm *v, int lfd)
{
	struct pollfd p[3] = {
		{ .fd = lfd, .events = POLLIN },
		{ .fd = v->quit_fd, .events = POLLIN },
		{ .fd = v->sig_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int ret;

	do
		ret = poll(p, 3, MIGRATION_ACCEPT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (p[1].revents & POLLIN) {
		fprintf(stderr, "migctl-vmm: stopped by quit while waiting for a migration\n");
		return -EINTR;
	}
	if (ret == 0 || (p[0].revents & POLLIN) || v->sig_fd < 0 || !(p[2].revents & POLLIN))
		return 0;
	if (read(v->sig_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	fprintf(stderr, "migctl-vmm: stopped by %s while waiting for a migration\n",
		strsignal(si.ssi_signo));
	return -EINTR;
}

/* The stream's channel on the destination: an accepted socket or the file. */
static int migration_accept(struct vmm *v, const struct migrate_uri *u, const char *uri)
{
	char err[512];
	int lfd, fd;

	if (u->kind == MIGRATE_URI_FILE) {
		fd = migrate_chan_open_file(u, false, err, sizeof(err));
		goto out;
	}
	lfd = migrate_chan_listen(u, err, sizeof(err));
	if (lfd < 0) {
		fd = lfd;
		goto out;
	}
	fprintf(stderr, "migctl-vmm: waiting for a migration on %s\n", uri);
	fd = migration_wait_source(v, lfd);
	if (!fd)
		fd = migrate_chan_accept(lfd, MIGRATION_ACCEPT_MS, err, sizeof(err));
	else if (fd != -EINTR)
		snprintf(err, sizeof(err), "poll: %s", strerror(-fd));
	close(lfd);
	if (u->kind == MIGRATE_URI_UNIX)
		unlink(u->path);
	if (fd == -EINTR)
		return fd;	/* already reported */
	if (fd >= 0)
		migrate_chan_set_timeout(fd, MIGRATION_REPLY_MS);
out:
	if (fd < 0)
		fprintf(stderr, "migctl-vmm: incoming %s: %s\n", uri, err);
	return fd;
}

int migration_incoming(struct vmm *v, const char *uri)
{
	struct migrate_uri *u = calloc(1, sizeof(*u));
	struct migrate_stream_stats st;
	struct migrate_secure *sec = NULL;
	u8 key[MIGRATE_SECURE_KEY_BYTES];
	bool protect = false;
	char err[512];
	int fd, ret;

	if (!u)
		return -ENOMEM;
	ret = migrate_uri_parse(uri, u, err, sizeof(err));
	if (!ret)
		ret = migration_policy(v, u, &protect, key, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "migctl-vmm: --incoming %s: %s\n", uri, err);
		free(u);
		return ret;
	}
	atomic_store(&v->incoming, VMM_INCOMING_WAITING);
	fd = migration_accept(v, u, uri);
	if (fd < 0) {
		sodium_memzero(key, sizeof(key));
		atomic_store(&v->incoming, VMM_INCOMING_NONE);
		free(u);
		return fd;
	}
	migration_set_incoming_fd(v, fd);
	atomic_store(&v->incoming, VMM_INCOMING_RECEIVING);
	struct migrate_recv_args a = {
		.vm = v->vm, .host = proto_host(v->proto), .sev = v->sevsim ? &v->sev : NULL,
		.fd = fd, .bidirectional = migrate_uri_is_bidirectional(u),
		.start = migration_start_vcpus, .opaque = v,
	};
	struct migration_watch w = { v, eventfd(0, EFD_CLOEXEC) };
	pthread_t watcher;
	bool watching = w.stop_fd >= 0 && v->sig_fd >= 0 &&
			!pthread_create(&watcher, NULL, migration_watch_signals, &w);

	/*
	 * Before anything of the stream is read: the source holds the key. A
	 * quit or a signal cuts the handshake as it cuts the stream.
	 */
	ret = protect ? migrate_secure_open(fd, false, key, MIGRATION_REPLY_MS, &sec, err,
					    sizeof(err)) : 0;
	sodium_memzero(key, sizeof(key));
	a.sec = sec;
	if (!ret)
		ret = migrate_recv(&a, &st, err, sizeof(err));
	atomic_store(&v->incoming, VMM_INCOMING_NONE);
	if (watching) {
		eventfd_write(w.stop_fd, 1);
		pthread_join(watcher, NULL);
	}
	if (w.stop_fd >= 0)
		close(w.stop_fd);
	migration_set_incoming_fd(v, -1);
	migrate_secure_destroy(sec);
	close(fd);
	free(u);
	if (ret)
		fprintf(stderr, "migctl-vmm: incoming migration failed: %s\n", err);
	else if (v->opt.stats)
		fprintf(stderr, "# incoming: {\"bytes\":%llu,\"pages_zero\":%llu,\"pages_raw\":%llu,"
			"\"pages_private\":%llu,\"rounds\":%llu}\n", (unsigned long long)st.bytes,
			(unsigned long long)st.pages_zero, (unsigned long long)st.pages_raw,
			(unsigned long long)st.pages_private, (unsigned long long)st.rounds);
	return ret;
}
