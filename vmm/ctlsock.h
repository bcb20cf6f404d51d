/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlsock.h - the --control socket (JSON lines): many clients, none can hold it up. */
#ifndef MIGCTL_VMM_CTLSOCK_H
#define MIGCTL_VMM_CTLSOCK_H

/*
 * One request per line, one reply line per request:
 *	{"cmd":"migrate","uri":"tcp:127.0.0.1:4444"[,"wait":true]}
 *	{"cmd":"query-migrate"}  {"cmd":"cancel"}  {"cmd":"stop"}
 *	{"cmd":"cont"}  {"cmd":"query-status"}  {"cmd":"quit"}
 *	{"cmd":"set-parameters"[,"downtime_ms":N][,"max_rounds":N][,"max_bandwidth_mib":N]
 *	 [,"throttle_max_pct":N]}
 * Any request may carry "id" (an integer or a short string); its reply
 * then starts with the same "id". Success replies carry "return" (or are
 * the queried object); failures are {"error":"..."}. ctlreq.h checks each
 * request. "wait" delays the migrate reply until the migration ended and
 * then answers as query-migrate; the client's later requests are answered
 * meanwhile, so that reply may come after theirs.
 *
 * The socket is served by one thread that never blocks on a client:
 * every client socket is non-blocking, replies wait in a bounded buffer.
 */

#include <stddef.h>

#define CONTROL_CLIENTS		64	/* at once; one more is told so and closed */
#define CONTROL_LINE_MAX	4096	/* a request line, with its newline */
#define CONTROL_OUT_MAX		65536	/* replies a client has not read; beyond: dropped */
#define CONTROL_IDLE_S		60	/* default --control-idle */

struct vmm;
struct control;

/**
 * control_create() - listen on unix socket @path and serve it in a thread
 *
 * A client that sends no request for --control-idle seconds (and waits
 * for no migration) gets an error reply and is closed.
 *
 * Return: 0 or -errno with @err set.
 */
int control_create(struct vmm *v, const char *path, struct control **out, char *err,
		   size_t errlen);

/**
 * control_destroy() - stop serving, answer the clients still waiting for
 * a migration, give the last replies 100 ms in all to go out, close
 * and unlink the socket.
 */
void control_destroy(struct control *c);

#endif /* MIGCTL_VMM_CTLSOCK_H */
