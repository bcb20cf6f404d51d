/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* watch.c - allocation counting through the sanitizer allocator hooks. */
#include <stddef.h>

#include "watch.h"

/* Provided by the ASan runtime of clang and gcc; absent without it. */
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
					      void (*f)(const volatile void *))
	__attribute__((weak));

/*
 * The hooks see every thread's allocations; libFuzzer's own threads (the
 * RSS watchdog) allocate now and then, so only the calling thread counts.
 */
static bool installed;
static __thread bool counting;
static __thread unsigned long allocs;
static __thread unsigned long long bytes;

static void malloc_hook(const volatile void *p, size_t size)
{
	if (counting) {
		allocs++;
		bytes += size;
	}
}

static void free_hook(const volatile void *p)
{
}

bool fuzz_watch_active(void)
{
	if (!installed && __sanitizer_install_malloc_and_free_hooks)
		installed = __sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook);
	return installed;
}

void fuzz_watch_start(void)
{
	fuzz_watch_active();
	allocs = 0;
	bytes = 0;
	counting = true;
}

unsigned long fuzz_watch_stop(void)
{
	counting = false;
	return allocs;
}

unsigned long long fuzz_watch_bytes(void)
{
	return bytes;
}
