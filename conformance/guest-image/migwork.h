/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migwork.h - the ring-3 migration workload: convert, write and verify sev-sim pages. */
#ifndef GUEST_IMAGE_MIGWORK_H
#define GUEST_IMAGE_MIGWORK_H

#include <migctl/types.h>

/* vmm/migrate/sevsim_prf.h, which migwork.c checks these against. */
struct migctl_sevsim_key_page;
#define MIGWORK_KEY_BYTES	32u

/*
 * One task per CPU runs over its own pages of the sev-sim window. A step
 * takes a page, checks what it holds, converts it (private <-> shared)
 * through the kernel's SYS_CONVERT and, once that returned (G-10), either
 * writes the page's next version under its new status or leaves it as
 * the conversion left it. Each page's expected state lives in a record
 * outside the window.
 *
 * What a page holds is described by its "view": its bytes when shared,
 * its bytes decrypted with the current key when private. A correct
 * migration preserves every page's view (raw path for shared pages,
 * firmware path for private ones), so the records stay true across it.
 * The plaintext pattern of version v at gpa g is self-checking: word 0 is
 * g, word 1 a tag and v, words 2..510 derive from both, word 511 is a
 * checksum. A written page's view is its pattern. A page converted
 * without a write (its memory unchanged) has the view pattern XOR
 * keystream(K_m), where m is the key generation at the conversion: that
 * is what makes a migration that sends it down its old path (a missing
 * changed-status set) visible, since a write would have repaired it.
 */

#define MIGWORK_PAGES_MAX	65536u	/* all CPUs together (records are static) */
#define MIGWORK_KEYS		64u	/* key generations a CPU remembers */
#define MIGWORK_BAD_MAX		4u	/* corrupted pages described per CPU */

/* Why a task returned to the kernel. */
#define MIGWORK_EV_DONE		1	/* finished; final verification done */
#define MIGWORK_EV_GENERATION	2	/* a new key generation; pages verified */
#define MIGWORK_EV_PROGRESS	3	/* another `progress` conversions done */
#define MIGWORK_EV_SLEEP	4	/* nothing to do before TSC sleep_until */

/* How a page failed its check. */
#define MIGWORK_BAD_GARBAGE	1	/* not a pattern: wrong path, torn */
#define MIGWORK_BAD_STALE	2	/* a valid pattern of another version: lost write */
#define MIGWORK_BAD_STATUS	3	/* the kernel's status bitmap disagrees */

/* Per page, outside the window; only the owning CPU touches it. */
struct migwork_rec {
	u32 version;
	u8 private;
	u8 flags;		/* MIGWORK_REC_* (migwork.c) */
	u16 pad;
	u64 mask_gen;		/* 0, or the generation whose keystream masks the view */
};

struct migwork_key {
	u64 gen;
	u8 key[MIGWORK_KEY_BYTES];
};

struct migwork_bad {
	u64 gpa;
	u32 kind;		/* MIGWORK_BAD_* */
	u32 want;		/* the record's version */
	u32 found;		/* the version the page holds (stale only) */
	u32 private;
	u64 gen;		/* key generation when found */
};

/*
 * The kernel's status bitmap of the window (bit set: shared), which
 * SYS_CONVERT updates after the notification returned; the task checks
 * it against its records. Read-only for the task.
 */
struct migwork_status {
	u64 base;
	u64 npages;
	volatile u64 *bits;
};

/* One CPU's task. The kernel fills the inputs, the task the rest. */
struct migwork_cpu {
	/* Inputs. */
	const volatile struct migctl_sevsim_key_page *kp;
	u64 base;		/* gpa of the first page */
	u32 npages;		/* a multiple of run */
	u32 run;		/* pages per conversion (a group), 1..64 */
	u32 sentinels;		/* groups 0..sentinels-1 change after migrations only */
	u32 hot;		/* the next hot groups are also picked at random */
	u64 iters;		/* conversions before finishing, when count is 0 */
	u32 count;		/* generation changes before finishing */
	u64 progress;		/* return MIGWORK_EV_PROGRESS this often (0: never) */
	bool write_first;	/* migrate.fault=write-first: break G-10 */
	u64 late_ticks;		/* migrate.late: TSC ticks between conversions (0: off) */
	u32 cpu;
	u32 ncpus;
	volatile u32 *finished;	/* shared: tasks past their last step */
	struct migwork_rec *rec;
	u8 *bounce;		/* 4 KiB, this CPU's */
	const struct migwork_status *status;

	/* State. */
	bool started;
	u64 gen0;		/* generation at start */
	u64 gen;		/* last generation seen */
	u64 key_gen;		/* generation of key[] (0: none yet) */
	u64 prev_gen;		/* the one before (for the kernel's message) */
	u32 changes;		/* generation changes seen */
	u64 gen_conversions;	/* conversions when generation gen arrived */
	u64 progress_next;	/* conversions at the next MIGWORK_EV_PROGRESS */
	u32 sweep;		/* next group of the sequential sweep */
	u64 sleep_until;	/* TSC: MIGWORK_EV_SLEEP's end */
	u64 rng;
	u8 key[MIGWORK_KEY_BYTES];	/* the key of generation gen */
	struct migwork_key keys[MIGWORK_KEYS];

	/* Results. */
	u64 conversions;
	u64 writes;
	u64 convert_only;
	u64 verified;		/* page checks */
	u64 retries;		/* private accesses redone after a generation change */
	u64 errors;
	long first_error;
	u64 error_gen;		/* key generation right after the first error */
	u32 corrupt;		/* distinct pages found corrupted */
	u32 corrupt_events;	/* checks that failed */
	u32 last_corrupt;	/* found by the last full verification */
	u32 nbad;
	struct migwork_bad bad[MIGWORK_BAD_MAX];
	u64 tsc_start, tsc_end;
	u64 tsc_kernel;		/* spent in SYS_CONVERT */
};

/* The task (user_fn): returns MIGWORK_EV_*. Call again unless EV_DONE. */
u64 migwork_task(void *arg);

#endif /* GUEST_IMAGE_MIGWORK_H */
