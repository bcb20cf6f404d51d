/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* kvmrun.h - run the benchmark guest once on /dev/kvm and time its loop. */
#ifndef MIGCTL_BENCH_KVMRUN_H
#define MIGCTL_BENCH_KVMRUN_H

#include <stdbool.h>
#include <stddef.h>

#include <migctl/types.h>
#include "images/bench-abi.h"

/* Who runs the vCPU and answers its exits. */
enum kvmrun_loop {
	/* A minimal KVM_RUN loop in the calling thread; MSR exits answered empty. */
	KVMRUN_BARE,
	/* The same minimal loop, MSR exits handed to migctl's host library. */
	KVMRUN_BARE_PROTO,
	/* migctl-vmm's own vCPU thread and exit path (vm_start), with migctl's host library. */
	KVMRUN_VMM,
	/* migctl-vmm's vCPU thread and exit path, MSR exits answered empty. */
	KVMRUN_VMM_EMPTY,
};

struct kvmrun_cfg {
	enum kvmrun_loop loop;
	u32 migctl;		/* protocol offered by the host: 0 off, 1, 2 */
	u32 mode;		/* BENCH_MODE_* */
	u32 msr_index;
	u64 msr_value;
	u32 filter_msr;		/* KVMRUN_BARE: MSR to filter to user space, 0 none */
	u64 iters;
	bool hypercall_works;	/* from the start-up probe */
	bool hc_vmmcall;	/* the probe's instruction: VMMCALL (AMD) or VMCALL */
};

struct kvmrun_result {
	double ns_per_iter;	/* CPU time of the vCPU's thread between the marks / iterations */
	double wall_ns_per_iter;	/* wall time between the marks / iterations */
	u64 exits;		/* KVM exits between the marks (bare loops), excluding the mark */
	u64 proto_calls;	/* host-library notifications between the marks */
	struct bench_params out;	/* the guest's results */
};

struct kvmrun_image {
	void *buf;
	size_t len;
};

/** kvmrun_load_image() - read the benchmark guest image. Return: 0 or -errno. */
int kvmrun_load_image(const char *path, struct kvmrun_image *img);

/**
 * kvmrun_once() - boot the image once with @cfg and time its loop
 * @why: a static reason on failure
 *
 * Return: 0 or -errno.
 */
int kvmrun_once(const struct kvmrun_image *img, const struct kvmrun_cfg *cfg,
		struct kvmrun_result *res, const char **why);

#endif /* MIGCTL_BENCH_KVMRUN_H */
