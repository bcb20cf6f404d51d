/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* recv.h - the destination side of a migration: check, receive, apply, run. */
#ifndef MIGCTL_VMM_RECV_H
#define MIGCTL_VMM_RECV_H

#include <stdbool.h>
#include <stddef.h>

#include "stream.h"

struct vm;
struct migctl_host;
struct sevsim_vm;
struct migrate_secure;

struct migrate_recv_args {
	struct vm *vm;			/* vCPUs created, not started */
	struct migctl_host *host;
	struct sevsim_vm *sev;		/* NULL without sev-sim; K' drawn already */
	int fd;
	struct migrate_secure *sec;	/* protected channel on fd, NULL: plaintext */
	bool bidirectional;		/* socket: answer ACCEPT/REFUSE, DONE/FAIL */
	int (*start)(void *opaque);	/* runs the vCPUs */
	void *opaque;
};

/**
 * migrate_recv() - receive a VM from @a->fd and run it
 *
 * Checks CONFIG against this VM (refusing skew before the source pauses,
 * V-8), writes RAM pages into guest memory as they arrive (private pages
 * re-encrypted under K'), stages the rest, and once END verifies (and,
 * protected, the end mark follows: V-17) applies
 * the status log and protocol state (V-5), the clock, irqchips and vCPUs,
 * lays out the key page with K' and the source's generation + 1, answers
 * DONE and only then calls @a->start.
 *
 * Return: 0 with the guest running, or -errno with @err set and no vCPU
 * ever run.
 */
int migrate_recv(const struct migrate_recv_args *a, struct migrate_stream_stats *st, char *err,
		 size_t errlen);

#endif /* MIGCTL_VMM_RECV_H */
