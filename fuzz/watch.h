/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* watch.h - counts heap allocations in a window, to prove a code path allocates nothing. */
#ifndef MIGCTL_FUZZ_WATCH_H
#define MIGCTL_FUZZ_WATCH_H

#include <stdbool.h>

/*
 * Uses the sanitizer allocator hooks (ASan with clang or gcc). Without a
 * sanitizer runtime nothing is counted and fuzz_watch_active() is false.
 */
bool fuzz_watch_active(void);

/* Start counting (from zero). */
void fuzz_watch_start(void);

/* Stop counting; returns the allocations since fuzz_watch_start(). */
unsigned long fuzz_watch_stop(void);

/* Bytes requested by those allocations (so far, if still counting). */
unsigned long long fuzz_watch_bytes(void);

#endif /* MIGCTL_FUZZ_WATCH_H */
