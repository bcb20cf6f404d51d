/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* floodguard.h - the hostile guest's guard pages, checked after the flood (ring 3). */
#ifndef GUEST_IMAGE_FLOODGUARD_H
#define GUEST_IMAGE_FLOODGUARD_H

#include <migctl/types.h>

struct migctl_sevsim_key_page;

/*
 * Guard pages, in ring 3: write (flood_guard_write) or check
 * (flood_guard_check, returns the number of bad pages) the pattern of
 * page i at gpa, encrypted with the key page's key when private (kp may be
 * NULL: no sev-sim, pages hold plaintext either way).
 */
struct flood_guard {
	const volatile struct migctl_sevsim_key_page *kp;
	u64 lo;
	u32 npages;
	u64 seed;
	u64 private_mask;	/* bit i: page i is private */
	u8 *bounce;		/* one page */
	u64 gen;		/* the key generation the pages were last checked under */
	u32 bad;
	u64 first_bad;
};

u64 flood_guard_write(void *arg);
u64 flood_guard_check(void *arg);
/* Waits in ring 3 until the key generation differs from the guard's gen. */
u64 flood_wait_generation(void *arg);

#endif /* GUEST_IMAGE_FLOODGUARD_H */
