/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* options.h - the migctl-vmm command line. */
#ifndef MIGCTL_VMM_OPTIONS_H
#define MIGCTL_VMM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <migctl/types.h>

#include "mem.h"

#define OPTIONS_CMDLINE_MAX	3840	/* the PVH boot area's room, with NUL */
#define OPTIONS_MAX_DOWNTIME_MS	600000
#define OPTIONS_MAX_ROUNDS	10000
#define OPTIONS_MAX_BANDWIDTH	1000000	/* MiB/s */
#define OPTIONS_DEFAULT_MEMORY	(64ull << 20)
#define OPTIONS_MAX_CPUS	64
#define OPTIONS_DEFAULT_DOWNTIME_MS	300
#define OPTIONS_DEFAULT_MAX_ROUNDS	30
#define OPTIONS_MAX_THROTTLE	99	/* percent; converge.h's cap */

enum options_migctl {
	OPTIONS_MIGCTL_OFF,
	OPTIONS_MIGCTL_V1,
	OPTIONS_MIGCTL_V2,
};

struct options {
	const char *image;
	u64 memory;
	int cpus;
	enum options_migctl migctl;
	u32 features;		/* MIGCTL_F_* wanted (v2 only) */
	bool features_given;
	const char *serial;	/* NULL: stdout */
	const char *initrd;	/* bzImage only, NULL: none */
	unsigned int timeout;	/* seconds, 0: none */
	unsigned int control_idle;	/* --control-idle seconds, 0: the default */
	bool sevsim;		/* simulated memory encryption */
	u64 window_gpa;		/* --sev-sim-window; size 0: the default */
	u64 window_size;
	const char *incoming;	/* destination: migration URI */
	const char *control;	/* control socket path */
	const char *migrate_key;	/* pre-shared key file: protected channel */
	bool migrate_insecure;	/* tcp: without a key is allowed */
	unsigned int downtime_ms;
	unsigned int max_rounds;
	unsigned int throttle_max;	/* auto-converge up to this percent, 0: off */
	unsigned int max_bandwidth;	/* MiB/s of pre-copy, 0: unlimited */
	enum mem_dirty_mode dirty_log;	/* how a migration logs dirty pages */
	bool console_input;	/* stdin feeds COM1 even when it is not a terminal */
	bool trace;
	bool check_guest;	/* judge the guest's protocol use (G rules) */
	bool stats;
	bool probe;
	bool help;
	bool version;
	char cmdline[OPTIONS_CMDLINE_MAX];
};

/**
 * options_parse() - parse argv into @o (defaults filled in first)
 * @err: receives a one-line message on error
 *
 * Return: 0, or -EINVAL with @err set.
 */
int options_parse(int argc, char *const argv[], struct options *o, char *err, size_t errlen);

/**
 * options_parse_size() - "64M", "1G", "512K", "4096B"; a bare number is MiB
 * (as QEMU's -m). Return: 0 or -EINVAL (syntax, zero, overflow).
 */
int options_parse_size(const char *s, u64 *out);

/** options_usage() - the --help text. */
const char *options_usage(void);

#endif /* MIGCTL_VMM_OPTIONS_H */
