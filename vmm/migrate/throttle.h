/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* throttle.h - auto-converge: the vCPUs parked for a share of every interval. */
#ifndef MIGCTL_VMM_THROTTLE_H
#define MIGCTL_VMM_THROTTLE_H

#include <pthread.h>
#include <stdbool.h>

struct vm;

/*
 * A thread that parks the VM's vCPUs (vm_pause()) for pct percent of
 * every CONVERGE_INTERVAL_US and lets them run the rest, as a CPU cap on
 * the guest would: the guest dirties memory only while it runs. Its waits
 * end at once when it is stopped.
 */
struct migrate_throttle {
	struct vm *vm;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int pct;
	bool running, stop, leave_paused, left_paused;
};

/** throttle_set() - the share in percent (0: none), starting the thread the first time. */
int throttle_set(struct migrate_throttle *t, struct vm *vm, unsigned int pct);

/**
 * throttle_stop() - end the thread (if it runs)
 * @leave_paused: a VM the thread has parked right now stays parked (the
 *		  caller pauses it next anyway: the guest gets no moment to
 *		  dirty memory in between); false: the VM runs afterwards.
 */
void throttle_stop(struct migrate_throttle *t, bool leave_paused);

#endif /* MIGCTL_VMM_THROTTLE_H */
