/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* faults.h - the one guest rule a bad-guest image breaks, chosen when it is built. */
#ifndef BADGUEST_FAULTS_H
#define BADGUEST_FAULTS_H

#include <migctl/types.h>
#include "migctl-guest.h"

/* What a mistake may use: the kernel's guest library context and memory. */
struct badguest {
	struct migctl_guest *g;
	const struct migctl_guest_range *ram;
	u32 nram;
	gpa_t buf;		/* 16 pages of the image, identity-mapped */
};

/**
 * struct badguest_fault - the deliberate mistake of this image
 * @name: BADGUEST_FAULT the image was built with ("none": the good image).
 * @breaks: the rule it breaks ("G-n"), "" for none.
 * @how: one line for the serial output.
 * @before: run before discovery and the boot-time reset, or NULL.
 * @after: run once the guest is READY and has converted its buffer, or NULL.
 * @no_opt_out: the kernel does not opt out before it shuts down.
 */
struct badguest_fault {
	const char *name;
	const char *breaks;
	const char *how;
	void (*before)(struct badguest *b);
	void (*after)(struct badguest *b);
	bool no_opt_out;
};

/** badguest_fault() - this image's mistake, NULL for a name no entry has */
const struct badguest_fault *badguest_fault(void);

#endif /* BADGUEST_FAULTS_H */
