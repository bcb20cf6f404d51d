/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_ops.h - the host_ops harness's state, shared by its setup/check and operation files. */
#ifndef MIGCTL_FUZZ_HOST_OPS_H
#define MIGCTL_FUZZ_HOST_OPS_H

#include "host_model.h"
#include "input.h"
#include "migctl-host.h"

/* Largest region the input can ask for: 1 + 63 * 16 pages. */
#define HOST_OPS_REGION_PAGES	1009u
#define HOST_OPS_REGION_WORDS	((HOST_OPS_REGION_PAGES + 63) / 64)
/* A status-log stream of the largest layout: at most one run per two pages. */
#define HOST_OPS_STREAM_BYTES	\
	(32 + 16 * (HOST_MODEL_REGIONS * HOST_OPS_REGION_PAGES / 2 + HOST_MODEL_REGIONS))

/* Everything one input needs, allocated before the host exists. */
struct host_ops {
	struct host_model m;
	struct migctl_host *h;
	struct migctl_host_log *log;
	struct migctl_host_counters exp;	/* what the counters must read */
	struct fuzz_input in;
	/* The guest's list page as the host reads it through cfg.mem. */
	struct migctl_list_entry list[MIGCTL_LIST_MAX];
	bool read_ok;
	unsigned int reads;
	u8 stream[HOST_OPS_STREAM_BYTES];
};

/*
 * host_ops_step() - decode one operation from @o->in and run it
 *
 * Checks the operation's own result against the model and updates the
 * model and @o->exp; the caller checks state, counters and C afterwards.
 */
void host_ops_step(struct host_ops *o);

#endif /* MIGCTL_FUZZ_HOST_OPS_H */
