/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* fuzz.h - the entry point every harness defines, for libFuzzer and the replay driver. */
#ifndef MIGCTL_FUZZ_H
#define MIGCTL_FUZZ_H

/*
 * Each harness (host_ops.c, logstream.c and stream.c) defines this. Linked
 * with -fsanitize=fuzzer it is driven by libFuzzer; linked with replay.c it
 * runs each file named on the command line once.
 * A harness reports a broken invariant by aborting (FUZZ_ASSERT).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): must stay on with NDEBUG and name the broken invariant. */
#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif /* MIGCTL_FUZZ_H */
