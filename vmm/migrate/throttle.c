/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* throttle.c - auto-converge: the vCPUs parked for a share of every interval. */
#include <errno.h>
#include <time.h>

#include "converge.h"
#include "throttle.h"
#include "../vm.h"

/* Wait @us on the thread's clock, or less when stopped; the lock is held. */
static void throttle_wait(struct migrate_throttle *t, u64 us)
{
	struct timespec end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += us / 1000000;
	end.tv_nsec += (long)(us % 1000000) * 1000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!t->stop && pthread_cond_timedwait(&t->cond, &t->lock, &end) != ETIMEDOUT)
		;
}

static void *throttle_thread(void *arg)
{
	struct migrate_throttle *t = arg;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		u64 asleep = (u64)CONVERGE_INTERVAL_US * t->pct / 100;

		if (asleep) {
			int ret;

			pthread_mutex_unlock(&t->lock);
			ret = vm_pause(t->vm);
			pthread_mutex_lock(&t->lock);
			if (!ret)
				throttle_wait(t, asleep);
			if (!ret && t->stop && t->leave_paused) {
				t->left_paused = true;
				break;
			}
			pthread_mutex_unlock(&t->lock);
			vm_resume(t->vm);
			pthread_mutex_lock(&t->lock);
			if (ret)
				break;	/* the VM ended: the migration sees it */
		}
		throttle_wait(t, CONVERGE_INTERVAL_US - asleep);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int throttle_set(struct migrate_throttle *t, struct vm *vm, unsigned int pct)
{
	int ret;

	if (t->running) {
		pthread_mutex_lock(&t->lock);
		t->pct = pct;
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	if (!pct)
		return 0;
	*t = (struct migrate_throttle){ .vm = vm, .pct = pct };
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	ret = pthread_create(&t->thread, NULL, throttle_thread, t);
	if (ret) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		return -ret;
	}
	t->running = true;
	return 0;
}

void throttle_stop(struct migrate_throttle *t, bool leave_paused)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	t->leave_paused = leave_paused;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	t->running = false;
}
