/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlsock.h - the --control socket (JSON lines) and the 'ctl' client. */
#ifndef MIGCTL_VMM_CTLSOCK_H
#define MIGCTL_VMM_CTLSOCK_H

/*
 * One request per line, one reply line per request:
 *	{"cmd":"migrate","uri":"tcp:127.0.0.1:4444"[,"wait":true]}
 *	{"cmd":"query-migrate"}  {"cmd":"cancel"}  {"cmd":"stop"}
 *	{"cmd":"cont"}  {"cmd":"query-status"}  {"cmd":"quit"}
 * Success replies carry "return" (or are the queried object); failures
 * are {"error":"..."}. "wait" delays the migrate reply until the migration
 * ended and then answers as query-migrate.
 */

#include <stddef.h>

struct vmm;
struct control;

/**
 * control_create() - listen on unix socket @path and serve it in a thread
 * Return: 0 or -errno with @err set.
 */
int control_create(struct vmm *v, const char *path, struct control **out, char *err,
		   size_t errlen);

/** control_destroy() - stop serving, close and unlink the socket. */
void control_destroy(struct control *c);

/**
 * control_client() - 'migctl-vmm ctl PATH COMMAND [ARGS...]': send one
 * request, print the reply line. Return: exit status (0 ok, 1 error
 * reply, 125 no answer).
 */
int control_client(int argc, char *const argv[]);

#endif /* MIGCTL_VMM_CTLSOCK_H */
