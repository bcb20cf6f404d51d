/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* send.h - the source side of a migration: pre-copy, pause, state, END. */
#ifndef MIGCTL_VMM_SEND_H
#define MIGCTL_VMM_SEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <migctl/types.h>

#include "mem.h"
#include "stream.h"

struct vm;
struct migctl_host;
struct sevsim_vm;
struct migrate_secure;

/* What a migration did; the JSON stats record (migrate_stats_json()). */
struct migrate_stats {
	u64 total_ms;
	u64 downtime_ms;		/* pause to DONE (or END written, for a file) */
	u64 bytes;
	u64 pages_zero, pages_raw, pages_private;
	u64 pages_status_resent;	/* in C but not dirty: sent for their status */
	u64 pages_deferred;		/* left by round 0 to round 1 (send.c) */
	u64 rounds;			/* pre-copy rounds, the final one included */
	u64 remaining;			/* pages of the last set before the pause */
	u64 dirty_rate;			/* pages/s in the last pre-copy round */
	u64 bandwidth;			/* bytes/s of the last pre-copy round */
	u64 expected_downtime_us;	/* the policy's estimate at the pause */
	u64 final_ms;			/* pause to the final round sent */
	unsigned int throttle_pct;	/* auto-converge at the pause, 0: none */
	bool converged;			/* the estimate fit the target at the pause */
	bool manual_protect;		/* dirty log: KVM_CLEAR_DIRTY_LOG used */
};

/* One progress report, after each pre-copy round. */
struct migrate_progress {
	u64 round;
	u64 bytes;
	u64 remaining;			/* pages found for the next round */
	u64 dirty_rate;			/* pages/s */
	u64 bandwidth;			/* bytes/s so far */
	u64 elapsed_ms;
	u64 expected_downtime_us;	/* if the VM paused after this round */
	unsigned int throttle_pct;	/* auto-converge now, 0: none */
};

struct migrate_send_args {
	struct vm *vm;
	struct migctl_host *host;
	const struct sevsim_vm *sev;	/* NULL without sev-sim */
	int fd;				/* connected socket or snapshot file */
	struct migrate_secure *sec;	/* protected channel on fd, NULL: plaintext */
	bool bidirectional;		/* socket: wait for ACCEPT and DONE */
	unsigned int downtime_ms;
	unsigned int max_rounds;
	unsigned int throttle_max;	/* auto-converge up to this percent, 0: off */
	enum mem_dirty_mode dirty_log;
	u64 max_bandwidth;		/* pre-copy bytes/s, 0: unlimited */
	int reply_timeout_ms;
	atomic_bool *cancel;		/* set by another thread to give up */
	/*
	 * Called before END is written; false when a cancel got in first.
	 * After it returned true the caller must refuse cancels (NULL: no
	 * such caller).
	 */
	bool (*commit)(void *opaque);
	bool user_paused;		/* the VM was paused before: keep it paused on failure */
	void (*progress)(void *opaque, const struct migrate_progress *p);
	void *opaque;
};

/**
 * migrate_send() - migrate the running VM of @a to @a->fd
 * @err: the reason on failure.
 *
 * Refuses an encrypted VM whose guest is not READY before anything is
 * sent (V-6). Pre-copy: round 0 sends every page, each later round fetches
 * the dirty log first and then the changed-status set and sends their
 * union with the status read at send time (V-2), as long as converge.h's
 * policy asks for rounds, throttling the vCPUs when it says so (while
 * throttled the VM pauses and resumes many times); pause (V-3), final round
 * (V-4), STATUS, devices, vCPUs, END; on a socket DONE.
 *
 * Return: 0 when the destination has the VM (the caller stops it);
 * -EINPROGRESS when END went out but no answer came (the VM stays paused:
 * the outcome is unknown); any other -errno: failed, refused or
 * cancelled, with the VM running again (V-7, V-8, V-9).
 */
int migrate_send(const struct migrate_send_args *a, struct migrate_stats *st, char *err,
		 size_t errlen);

/** migrate_local_config() - @vm's configuration for CONFIG (both sides). */
void migrate_local_config(struct vm *vm, struct migctl_host *host,
			  const struct sevsim_vm *sev, struct migrate_config *cfg);

/** migrate_stats_json() - the stats as one JSON object, no newline. */
int migrate_stats_json(const struct migrate_stats *st, char *buf, size_t len);

#endif /* MIGCTL_VMM_SEND_H */
