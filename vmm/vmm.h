/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vmm.h - one migctl-vmm process: its VM, devices, options and migration. */
#ifndef MIGCTL_VMM_VMM_H
#define MIGCTL_VMM_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <migctl/types.h>

#include "options.h"
#include "probe.h"
#include "sevsim_vm.h"

#define VMM_EXIT_FAILURE	125

struct vm;
struct serial;
struct proto;
struct migrate_job;
struct control;

/* A destination before its guest runs: what query-status says. */
enum vmm_incoming { VMM_INCOMING_NONE, VMM_INCOMING_WAITING, VMM_INCOMING_RECEIVING };

/* Everything one run owns; main.c builds it, the migration code uses it. */
struct vmm {
	struct options opt;
	struct probe_result probe;
	struct vm *vm;
	struct serial *serial;
	struct proto *proto;
	int serial_fd;
	int sig_fd;
	void *image;
	size_t image_len;
	bool sevsim;
	struct sevsim_vm sev;
	struct migrate_job *job;	/* outgoing migration, NULL if none yet */
	struct control *control;	/* --control socket, NULL if none */
	char migrated_to[160];		/* set when the VM left by migration */
	atomic_int incoming;		/* enum vmm_incoming */
	pthread_mutex_t incoming_lock;	/* incoming_fd against its close */
	int incoming_fd;		/* the stream being received, or -1 */
	int quit_fd;			/* eventfd: quit before the guest runs */
};

#endif /* MIGCTL_VMM_VMM_H */
