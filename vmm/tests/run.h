/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* run.h - vmm tests: run the built migctl-vmm and collect its output. */
#ifndef MIGCTL_VMM_TEST_RUN_H
#define MIGCTL_VMM_TEST_RUN_H

#include <stdbool.h>
#include <unistd.h>

#define HAVE_KVM	(access("/dev/kvm", R_OK | W_OK) == 0)
#define RUN_OUT_MAX	16384
#define RUN_LIMIT_S	20	/* a VMM still running after this is a hang */
#define RUN_HUNG	(-1000)

struct run {
	int status;		/* exit code, -signal, or RUN_HUNG */
	char out[RUN_OUT_MAX];
	char err[RUN_OUT_MAX];
};

struct run_opts {
	const char *signal_after;	/* send kill_sig once stdout holds this */
	const char *signal_after_err;	/* or once stderr holds this */
	int kill_sig;
	void (*child_setup)(void);	/* runs in the child before exec */
};

/* $(O)/vmm/<rel>, found from the test program's path ($(O)/vmm/tests/). */
const char *run_vmm_path(const char *rel);

/* $(O)/vmm/tests/images/<name>.elf */
const char *run_image(const char *name);

/*
 * Run migctl-vmm with @args (NULL-terminated, without the program name),
 * stdout and stderr captured; a run longer than RUN_LIMIT_S is killed and
 * reported as RUN_HUNG. The first lines of stderr become KTAP diagnostics.
 */
void run_vmm(struct run *r, const struct run_opts *o, const char *const *args);

#define VMM(r, ...)	run_vmm(r, NULL, (const char *const[]){ __VA_ARGS__, NULL })

#endif /* MIGCTL_VMM_TEST_RUN_H */
