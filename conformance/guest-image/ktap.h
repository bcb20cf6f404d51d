/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ktap.h - KTAP version 1 output: scenarios are test cases, report() checks their subtests. */
#ifndef GUEST_IMAGE_KTAP_H
#define GUEST_IMAGE_KTAP_H

#include <migctl/types.h>

/* Progress carried across the simulated kexec on the command line. */
struct ktap_progress {
	u32 next_case;		/* number of the running case */
	u32 passed, failed, skipped;
	u32 sub_next;		/* next subtest number inside it */
	u32 sub_failed;		/* failed checks inside it */
};

/* Prints the version and plan lines of the whole image. */
void ktap_begin(u32 plan);
/* Continues numbering after a kexec instead of printing a header. */
void ktap_resume(const struct ktap_progress *p);
void ktap_progress_get(struct ktap_progress *p);

/* A scenario: its checks are indented subtests, the case result follows them. */
void ktap_case_begin(const char *name);
/* reason == NULL: pass or fail by the checks; otherwise a skip with reason. */
void ktap_case_end(const char *name, const char *reason);

/* One check: "ok N desc" or "not ok N desc" inside the running case. */
bool report(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_skip(const char *desc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A diagnostic line ("# ...") at the current nesting level. */
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of failed checks in the running case so far. */
u32 ktap_case_failures(void);

/* Prints the totals; returns the kselftest exit code (0 pass, 1 fail, 4 skip). */
int ktap_finish(void);

#endif /* GUEST_IMAGE_KTAP_H */
