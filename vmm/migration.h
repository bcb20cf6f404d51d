/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migration.h - migctl-vmm's outgoing and incoming migrations (process level). */
#ifndef MIGCTL_VMM_MIGRATION_H
#define MIGCTL_VMM_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>

struct vmm;

/**
 * migration_start() - start an outgoing migration (or a snapshot for
 * file:) to @uri in its own thread. Return: 0, -EBUSY (one is active),
 * -EINVAL (bad URI), -errno; @err says why.
 */
int migration_start(struct vmm *v, const char *uri, char *err, size_t errlen);

/**
 * migration_cancel() - make the active migration give up and the VM run on
 * Return: 0, -ENOENT (none active) or -EALREADY (END is on its way: the
 * destination may already run the guest).
 */
int migration_cancel(struct vmm *v);

/** migration_active() - a migration thread is running */
bool migration_active(struct vmm *v);

/**
 * migration_query() - the migration's state as one JSON object:
 * {"status":"none|active|completed|failed|unknown", "uri":..., "round":...,
 * "stats":{...}, "error":"..."}. Return: bytes written (as snprintf).
 */
int migration_query(struct vmm *v, char *buf, size_t len);

/** migration_wait_fd() - readable (eventfd) when a migration has ended; -1 if none. */
int migration_wait_fd(struct vmm *v);

/** migration_destroy() - join the thread and free the job. */
void migration_destroy(struct vmm *v);

/**
 * migration_incoming() - destination: receive the VM from @uri into the
 * prepared (not started) VM of @v and start its vCPUs.
 * Return: 0 with the guest running, or -errno (a message was printed).
 */
int migration_incoming(struct vmm *v, const char *uri);

/**
 * migration_quit_incoming() - stop a destination that has no guest running
 * yet: wake its wait for a source and cut the stream it is receiving, so
 * that migration_incoming() fails without resuming anything.
 */
void migration_quit_incoming(struct vmm *v);

#endif /* MIGCTL_VMM_MIGRATION_H */
