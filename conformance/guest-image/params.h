/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* params.h - the image's command-line keys. */
#ifndef GUEST_IMAGE_PARAMS_H
#define GUEST_IMAGE_PARAMS_H

#include <migctl/types.h>
#include "ktap.h"

/*
 * Command line: space-separated key=value tokens (PVH cmdline; QEMU -append,
 * migctl-vmm IMAGE -- ...).
 *
 *   test=GLOB[,GLOB...]  scenarios to run (default *); test=help lists keys
 *                        and scenarios and exits 0
 *   cpus=N               CPUs to start, 1..16 (default 1); give the VMM the same
 *   expect=off|v1|v2|any what the host is supposed to offer (default any: only
 *                        the spec's consistency rules are checked)
 *   hc=0|1|any           whether the host is supposed to offer hypercall 12
 *   features=LIST|none|any  offered v2 features expected: msr-psc,list
 *   iters=N              notifications per CPU in smp-notify (default 64)
 *   migrate.count=K      migrate: finish after K migrations (key generation
 *                        changes); 0 (default) runs migrate.iters instead
 *   migrate.iters=N      migrate: conversions per CPU when count is 0 (default 2000)
 *   migrate.pages=P      migrate: pages per CPU (default: the window / cpus)
 *   migrate.run=R        migrate: pages per conversion, 1..64 (default 4)
 *   migrate.progress=N   migrate: each CPU prints its conversions in the
 *                        current key generation every N of them (default 0: never)
 *   migrate.late=MS      migrate: each group changes once, its status only,
 *                        one every MS ms, then nothing until a migration arrives
 *   migrate.fault=write-first  migrate: write pages before notifying their
 *                        conversion (breaks G-10; the suite's own power test)
 *   dirty.mib=N          dirty: ring-3 stores to N MiB round-robin until killed;
 *                        0 idles (HLT); without it the scenario skips
 *   dirty.fill=N         dirty: first write every byte of N MiB above the image
 *                        once, non-zero and a function of the address only
 *   flood.count=N        flood: random requests per CPU (default 256; below 4 skips)
 *   flood.migrate=0|1    flood: afterwards wait for a migration and check again
 *   seed=S               seed of the random choices of flood (default 1)
 *   upstream.map=vmm|past-ram|unaligned  upstream-boot: the memory map as the
 *                        VMM gave it, or with an entry reaching a page past
 *                        RAM, or split inside a page (default vmm)
 *   upstream.verdict=0|1 upstream-*: 1 when a driver acts on the verdict: the
 *                        scenario waits for a migration, or the image stays
 *                        up after its last case for a refusal (default 0)
 *   kexec.resume=...     internal: set by the simulated kexec
 */

/* expect=: what the host under test is supposed to offer. */
#define PARAMS_EXPECT_ANY	0
#define PARAMS_EXPECT_OFF	1
#define PARAMS_EXPECT_V1	2
#define PARAMS_EXPECT_V2	3

/* upstream.map=: how upstream-boot bends the VMM's memory map. */
#define PARAMS_MAP_VMM		0
#define PARAMS_MAP_PAST_RAM	1
#define PARAMS_MAP_UNALIGNED	2

#define PARAMS_TEST_MAX		256
#define PARAMS_ANY		(-1)

struct params {
	char test[PARAMS_TEST_MAX];	/* comma-separated globs */
	bool help;
	u32 cpus;
	u32 expect;
	s32 expect_hc;		/* 0, 1 or PARAMS_ANY */
	s32 expect_features;	/* MIGCTL_F_* mask or PARAMS_ANY */
	u32 iters;
	u32 migrate_count;
	u32 migrate_iters;
	u32 migrate_pages;	/* 0: sized to the sev-sim window */
	u32 migrate_run;
	u32 migrate_progress;	/* 0: no progress lines */
	u32 migrate_late_ms;	/* 0: mixed workload; else convert-only, once, paced */
	bool migrate_write_first;
	u32 dirty_mib;
	bool dirty_set;		/* dirty.mib= given: the dirty scenario runs */
	u32 dirty_fill_mib;	/* 0: no fill */
	u32 flood_count;
	bool flood_migrate;
	u32 seed;
	u32 upstream_map;	/* PARAMS_MAP_* */
	bool upstream_verdict;
	/* Internal, set by the simulated kexec for the kernel it starts. */
	bool resumed;
	u32 kexec_stage;
	struct ktap_progress progress;
};

/* Fills p from the command line; returns 0 or -1 with *bad naming the token. */
int params_parse(struct params *p, const char *cmdline, char *bad, u32 bad_size);
/* Prints the keys as KTAP diagnostics. */
void params_print_help(void);
/* The resume token the kexec'd kernel needs, appended to a command line. */
int params_format_resume(char *buf, u32 size, const struct ktap_progress *prog, u32 stage);

#endif /* GUEST_IMAGE_PARAMS_H */
