/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* fault.h - compile-time fault switches: each breaks one V-rule, self-test only. */
#ifndef MIGCTL_VMM_FAULT_H
#define MIGCTL_VMM_FAULT_H

/*
 * The conformance self-test proves that the vmm-role suite catches a
 * migration that breaks a rule: it builds migctl-vmm once per switch
 * (conformance/vmm/vmm-suite.mk, O=build-fault-<name>,
 * EXTRA_CFLAGS=-DMIGCTL_FAULT_<NAME>) and expects corrupted pages or a
 * failed run. The normal binary defines none of them. At most one at a time.
 *
 * MIGCTL_FAULT_NO_CHANGED_SET
 *	Every round sends the dirty pages only; the changed-status set C is
 *	never fetched or sent. Breaks V-2 (dirty ∪ C). The status is still
 *	read at send time, which on its own closes the seed race
 *	(spec "Why the rules close the race"), so a guest that writes every
 *	page after converting it may not notice.
 *
 * MIGCTL_FAULT_STATUS_FIRST
 *	The seed thread's order: each round reads the status of every page
 *	(a snapshot of S) BEFORE it fetches the dirty log, sends the dirty
 *	pages down the path of that snapshot, and uses no C. Breaks V-2
 *	(dirty log first, status read at send time, dirty ∪ C).
 *
 * MIGCTL_FAULT_NO_FINAL_ROUND
 *	After the pause the source sends STATUS and the vCPUs without a
 *	final round of dirty ∪ C. Breaks V-4.
 *
 * MIGCTL_FAULT_NO_PAUSE_WAIT
 *	vm_pause() asks the vCPUs to stop but neither kicks them out of
 *	KVM_RUN nor waits for them to park with their exits completed; the
 *	final round and the state capture race the running guest. Breaks V-3.
 *
 * MIGCTL_FAULT_STATUS_AFTER_RESUME
 *	The destination starts the vCPUs first and loads the status log and
 *	the protocol state afterwards (MIGRATE_FAULT_LATE_MS later, as a
 *	lazy loader applying S in the background would): conversions the
 *	guest makes meanwhile are lost from S, and the next migration sends
 *	those pages down the wrong path. Breaks V-5.
 */

#define MIGRATE_FAULT_LATE_MS	300

#if defined(MIGCTL_FAULT_NO_CHANGED_SET) + defined(MIGCTL_FAULT_STATUS_FIRST) + \
	defined(MIGCTL_FAULT_NO_FINAL_ROUND) + defined(MIGCTL_FAULT_NO_PAUSE_WAIT) + \
	defined(MIGCTL_FAULT_STATUS_AFTER_RESUME) > 1
#error "at most one MIGCTL_FAULT_* switch at a time"
#endif

/* The name of the switch this build has, for diagnostics; "" for none. */
#if defined(MIGCTL_FAULT_NO_CHANGED_SET)
#define MIGRATE_FAULT_NAME	"no-changed-set"
#elif defined(MIGCTL_FAULT_STATUS_FIRST)
#define MIGRATE_FAULT_NAME	"status-first"
#elif defined(MIGCTL_FAULT_NO_FINAL_ROUND)
#define MIGRATE_FAULT_NAME	"no-final-round"
#elif defined(MIGCTL_FAULT_NO_PAUSE_WAIT)
#define MIGRATE_FAULT_NAME	"no-pause-wait"
#elif defined(MIGCTL_FAULT_STATUS_AFTER_RESUME)
#define MIGRATE_FAULT_NAME	"status-after-resume"
#else
#define MIGRATE_FAULT_NAME	""
#endif

#endif /* MIGCTL_VMM_FAULT_H */
