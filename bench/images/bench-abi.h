/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bench-abi.h - what the benchmark host program and its guest image agree on. */
#ifndef MIGCTL_BENCH_ABI_H
#define MIGCTL_BENCH_ABI_H

/*
 * The host writes struct bench_params at BENCH_PARAMS_GPA before the vCPU
 * starts; the guest runs one measured loop between two writes to
 * BENCH_PORT_MARK (1 before the first iteration, 2 after the last), fills
 * in the results and leaves through the exit port. Included by the
 * freestanding image and by the host program, so only fixed-width types.
 */

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define BENCH_PARAMS_GPA	0x7000u
#define BENCH_PARAMS_MAGIC	0x48434e42u	/* "BNCH" */
#define BENCH_PORT_MARK		0xf0
#define BENCH_PORT_EMPTY	0xf1	/* nobody handles it: the bus floats */
#define BENCH_PORT_EXIT		0xf4

#define BENCH_MARK_START	1
#define BENCH_MARK_STOP		2

/* What the measured loop does once per iteration. */
#define BENCH_MODE_EMPTY	0	/* nothing: the loop's own cost */
#define BENCH_MODE_NOP		1	/* one NOP: one emulated instruction */
#define BENCH_MODE_WRMSR	2	/* WRMSR msr_index <- msr_value */
#define BENCH_MODE_OUT		3	/* OUTB to port */
#define BENCH_MODE_LIB		4	/* migctl_guest_set_status() of one page */
/* Ring 3 with IOPL 3, which this KVM runs natively (no instruction emulation). */
#define BENCH_MODE_USER_EMPTY	5	/* the loop alone */
#define BENCH_MODE_USER_OUT	6	/* OUTB to port */
/* Hypercall 12 (a0 = lib_gpa, a1 = 1, a2 = msr_value), VMMCALL if hc_vmmcall else VMCALL. */
#define BENCH_MODE_HYPERCALL	7
/* The loop of BENCH_MODE_LIB calling a no-op hook instead: the protocol compiled out. */
#define BENCH_MODE_LIB_OFF	8

#ifndef __ASSEMBLER__
struct bench_params {
	uint32_t magic;
	uint32_t mode;
	uint64_t iters;
	uint64_t msr_value;
	uint32_t msr_index;
	uint32_t port;
	/* BENCH_MODE_LIB: pages [lib_gpa, lib_gpa + lib_pages) are converted. */
	uint64_t lib_gpa;
	uint64_t lib_pages;
	uint64_t ram_end;	/* RAM below this is notified by boot_reset */
	uint32_t hc_vmmcall;	/* BENCH_MODE_HYPERCALL: 1 VMMCALL (AMD), 0 VMCALL */
	uint32_t pad0;
	/* Written by the guest. */
	uint32_t done;
	int32_t lib_rc;		/* first error of the library, 0 if none */
	uint32_t lib_state;	/* MIGCTL_GUEST_* after the loop */
	uint32_t pad;
	uint64_t lib_requests, lib_elided, lib_psc_writes, lib_hypercalls, lib_notified;
};
#endif

#endif /* MIGCTL_BENCH_ABI_H */
