/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* kvmbench.c - exit costs on /dev/kvm: migctl's notification against the bare exits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migctl.h"
#include "kvmrun.h"
#include "probe.h"
#include "stats.h"

/*
 * Every case boots the benchmark guest, which runs one loop of N
 * iterations between two marks; the host times the marks. Cases run
 * interleaved (one of each per round), so that slow drift of the machine
 * hits every case alike, and the ratios are taken within each round.
 */

/* A valid MSR transport request: 1 page at 32 MiB, 4 KiB unit, private. */
#define KVMBENCH_PSC_VALUE	MIGCTL_PSC_VALUE((32ull << 20) >> 12, 1, MIGCTL_ATTR_ENCRYPTED)
/* A case that runs longer than this is a hung guest: SIGALRM ends the program. */
#define KVMBENCH_CASE_LIMIT_S	120
/* IA32_SYSENTER_CS: KVM emulates it in the kernel, no exit to user space. */
#define KVMBENCH_KERNEL_MSR	0x174u

struct kvmbench_case {
	const char *name;
	const char *what;
	bool needs_hypercall;	/* run only where the probe found hypercall exits */
	struct kvmrun_cfg cfg;
};

#define PSC_CASE(loop_, v)							\
	{ .loop = (loop_), .migctl = (v), .mode = BENCH_MODE_WRMSR,		\
	  .msr_index = MIGCTL_MSR_PSC_DEFAULT, .msr_value = KVMBENCH_PSC_VALUE,	\
	  .iters = 20000 }

static const struct kvmbench_case kvmbench_cases[] = {
	{ .name = "loop_empty", .what = "guest loop alone (DEC, JNZ), minimal loop",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_EMPTY, .iters = 20000 } },
	{ .name = "loop_nop", .what = "guest loop with one NOP, minimal loop",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_NOP, .iters = 20000 } },
	{ .name = "bare_msr_exit", .what = "WRMSR to the filtered PSC index, empty handler, minimal loop",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_WRMSR, .msr_index = MIGCTL_MSR_PSC_DEFAULT,
	    .msr_value = KVMBENCH_PSC_VALUE, .filter_msr = MIGCTL_MSR_PSC_DEFAULT,
	    .iters = 20000 } },
	{ .name = "vmm_msr_empty", .what = "WRMSR to the PSC index, empty handler, migctl-vmm vCPU thread",
	  .cfg = PSC_CASE(KVMRUN_VMM_EMPTY, 2) },
	{ .name = "vmm_msr_psc",
	  .what = "MSR transport request through migctl-vmm (vCPU thread + host library)",
	  .cfg = PSC_CASE(KVMRUN_VMM, 2) },
	{ .name = "bare_msr_psc", .what = "MSR transport request, host library in the minimal loop",
	  .cfg = PSC_CASE(KVMRUN_BARE_PROTO, 2) },
	{ .name = "bare_hc_exit", .what = "hypercall 12, empty handler, minimal loop",
	  .needs_hypercall = true,
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_HYPERCALL,
		   .msr_value = MIGCTL_ATTR_ENCRYPTED, .iters = 20000 } },
	{ .name = "vmm_hc", .what = "hypercall transport through migctl-vmm (vCPU thread + host library)",
	  .needs_hypercall = true,
	  .cfg = { .loop = KVMRUN_VMM, .migctl = 2, .mode = BENCH_MODE_HYPERCALL,
		   .msr_value = MIGCTL_ATTR_ENCRYPTED, .iters = 20000 } },
	{ .name = "kernel_msr", .what = "WRMSR to IA32_SYSENTER_CS, handled inside KVM",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_WRMSR, .msr_index = KVMBENCH_KERNEL_MSR,
	    .msr_value = 0x8, .iters = 20000 } },
	{ .name = "port_io", .what = "OUTB to an unused port, empty handler, minimal loop",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_OUT, .iters = 20000 } },
	{ .name = "user_loop_empty", .what = "guest loop alone in ring 3 (native), minimal loop",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_USER_EMPTY, .iters = 2000000 } },
	{ .name = "user_port_io", .what = "OUTB from ring 3 with IOPL 3 (native), empty handler",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_USER_OUT, .iters = 50000 } },
	{ .name = "lib_on",
	  .what = "migctl_guest_set_status(), v2 host (MSR transport), minimal loop + library",
	  .cfg = { .loop = KVMRUN_BARE_PROTO, .migctl = 2, .mode = BENCH_MODE_LIB, .iters = 1000 } },
	{ .name = "lib_elided", .what = "migctl_guest_set_status(), host offers nothing (elided)",
	  .cfg = { .loop = KVMRUN_BARE_PROTO, .migctl = 0, .mode = BENCH_MODE_LIB, .iters = 1000 } },
	{ .name = "lib_off", .what = "the same loop calling a no-op hook (protocol compiled out)",
	  .cfg = { .loop = KVMRUN_BARE, .mode = BENCH_MODE_LIB_OFF, .iters = 1000 } },
	{ .name = "lib_on_vmm", .what = "migctl_guest_set_status(), v2 host, migctl-vmm vCPU thread",
	  .cfg = { .loop = KVMRUN_VMM, .migctl = 2, .mode = BENCH_MODE_LIB, .iters = 1000 } },
};

#define KVMBENCH_NR_CASES	(sizeof(kvmbench_cases) / sizeof(kvmbench_cases[0]))

static size_t kvmbench_find(const char *name)
{
	size_t i;

	for (i = 0; i < KVMBENCH_NR_CASES; i++)
		if (!strcmp(kvmbench_cases[i].name, name))
			break;
	return i;
}

/* Per-round ratio num/den and the net ratio with the loop's own cost removed. */
struct kvmbench_ratio {
	const char *name, *num, *den;
};

static const struct kvmbench_ratio kvmbench_ratios[] = {
	{ .name = "vmm_psc_over_bare_exit", .num = "vmm_msr_psc", .den = "bare_msr_exit" },
	{ .name = "vmm_hc_over_bare_hc", .num = "vmm_hc", .den = "bare_hc_exit" },
	{ .name = "vmm_psc_over_vmm_empty", .num = "vmm_msr_psc", .den = "vmm_msr_empty" },
	{ .name = "bare_psc_over_bare_exit", .num = "bare_msr_psc", .den = "bare_msr_exit" },
	{ .name = "vmm_empty_over_bare_exit", .num = "vmm_msr_empty", .den = "bare_msr_exit" },
	{ .name = "bare_exit_over_port_io", .num = "bare_msr_exit", .den = "port_io" },
	{ .name = "lib_on_over_lib_elided", .num = "lib_on", .den = "lib_elided" },
};

#define KVMBENCH_NR_RATIOS	(sizeof(kvmbench_ratios) / sizeof(kvmbench_ratios[0]))

/* Everything one run measures. */
struct kvmbench {
	struct kvmrun_image img;
	struct probe_result pr;
	double scale;
	struct stats ns[KVMBENCH_NR_CASES];		/* CPU time of the vCPU thread */
	struct stats wall[KVMBENCH_NR_CASES];
	struct kvmrun_result last[KVMBENCH_NR_CASES];
	struct stats raw[KVMBENCH_NR_RATIOS], net[KVMBENCH_NR_RATIOS];
};

static int kvmbench_round(struct kvmbench *kb)
{
	for (size_t i = 0; i < KVMBENCH_NR_CASES; i++) {
		const struct kvmbench_case *c = &kvmbench_cases[i];
		struct kvmrun_cfg cfg = c->cfg;
		u64 iters = (u64)(cfg.iters * kb->scale);
		const char *why;
		int ret;

		if (c->needs_hypercall && !kb->pr.hypercall)
			continue;
		cfg.hypercall_works = kb->pr.hypercall;
		cfg.hc_vmmcall = !strcmp(kb->pr.insn, "vmmcall");
		cfg.iters = iters ? iters : 1;
		alarm(KVMBENCH_CASE_LIMIT_S);
		ret = kvmrun_once(&kb->img, &cfg, &kb->last[i], &why);
		alarm(0);
		if (ret) {
			fprintf(stderr, "kvmbench: %s: %s: %s\n", c->name, why, strerror(-ret));
			return ret;
		}
		stats_add(&kb->ns[i], kb->last[i].ns_per_iter);
		stats_add(&kb->wall[i], kb->last[i].wall_ns_per_iter);
	}
	return 0;
}

static void kvmbench_ratio_round(struct kvmbench *kb, int round)
{
	double loop = kb->ns[kvmbench_find("loop_empty")].v[round];

	for (size_t i = 0; i < KVMBENCH_NR_RATIOS; i++) {
		const struct kvmbench_ratio *r = &kvmbench_ratios[i];
		const struct stats *n = &kb->ns[kvmbench_find(r->num)];
		const struct stats *d = &kb->ns[kvmbench_find(r->den)];

		if (n->n <= round || d->n <= round)
			continue;	/* a case this KVM cannot run */
		stats_add(&kb->raw[i], n->v[round] / d->v[round]);
		stats_add(&kb->net[i], (n->v[round] - loop) / (d->v[round] - loop));
	}
}

static void kvmbench_print_case(FILE *f, const struct kvmbench *kb, size_t i)
{
	const struct kvmbench_case *c = &kvmbench_cases[i];
	const struct kvmrun_result *r = &kb->last[i];
	double iters = (double)r->out.iters;
	bool bare = c->cfg.loop == KVMRUN_BARE || c->cfg.loop == KVMRUN_BARE_PROTO;

	fprintf(f, "    ");
	stats_json_str(f, c->name);
	fprintf(f, ": {\"what\": ");
	stats_json_str(f, c->what);
	fprintf(f, ", \"iters\": %llu, ", (unsigned long long)r->out.iters);
	/* Only the minimal loop sees every exit; migctl-vmm's loop counts protocol exits. */
	if (bare)
		fprintf(f, "\"exits_per_iter\": %.6g, ", r->exits / iters);
	else
		fprintf(f, "\"exits_per_iter\": null, ");
	fprintf(f, "\"host_calls_per_iter\": %.6g, ", r->proto_calls / iters);
	if (c->cfg.mode == BENCH_MODE_LIB || c->cfg.mode == BENCH_MODE_LIB_OFF)
		fprintf(f, "\"lib\": {\"rc\": %d, \"state\": %u, \"requests\": %llu, "
			"\"elided\": %llu, \"psc_writes\": %llu, \"hypercalls\": %llu}, ",
			r->out.lib_rc, r->out.lib_state,
			(unsigned long long)r->out.lib_requests,
			(unsigned long long)r->out.lib_elided,
			(unsigned long long)r->out.lib_psc_writes,
			(unsigned long long)r->out.lib_hypercalls);
	stats_json(f, "ns_per_iter", &kb->ns[i]);
	fputs(", ", f);
	stats_json(f, "wall_ns_per_iter", &kb->wall[i]);
	fputs("}", f);
}

static void kvmbench_print(FILE *f, const struct kvmbench *kb)
{
	const struct probe_result *pr = &kb->pr;

	fprintf(f, "{\n  \"probe\": {\"hypercall\": %s, \"hypercall_why\": ",
		pr->hypercall ? "true" : "false");
	stats_json_str(f, pr->hypercall_why);
	fprintf(f, ", \"msr\": %s, \"msr_why\": ", pr->msr_filter ? "true" : "false");
	stats_json_str(f, pr->msr_why);
	fprintf(f, ", \"insn\": ");
	stats_json_str(f, pr->insn);
	fprintf(f, ", \"hypercall_cap\": %llu},\n  \"cases\": {\n",
		(unsigned long long)pr->hypercall_cap);
	for (size_t i = 0, first = 1; i < KVMBENCH_NR_CASES; i++) {
		if (!kb->ns[i].n)
			continue;	/* not run on this KVM */
		fputs(first ? "" : ",\n", f);
		kvmbench_print_case(f, kb, i);
		first = 0;
	}
	fputs("\n", f);
	fprintf(f, "  },\n  \"ratios\": {\n");
	for (size_t i = 0, first = 1; i < KVMBENCH_NR_RATIOS; i++) {
		const struct kvmbench_ratio *r = &kvmbench_ratios[i];

		if (!kb->raw[i].n)
			continue;
		fputs(first ? "    " : ",\n    ", f);
		first = 0;
		stats_json_str(f, r->name);
		fprintf(f, ": {\"num\": \"%s\", \"den\": \"%s\", ", r->num, r->den);
		stats_json(f, "raw", &kb->raw[i]);
		fprintf(f, ", ");
		stats_json(f, "net", &kb->net[i]);
		fputs("}", f);
	}
	fprintf(f, "\n  }\n}\n");
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	struct kvmbench *kb = calloc(1, sizeof(*kb));
	int ret;

	if (!kb)
		return 1;
	kb->scale = argc > 3 ? atof(argv[3]) : 1.0;
	if (argc < 2 || rounds < 1 || rounds > STATS_MAX_SAMPLES || kb->scale <= 0) {
		fprintf(stderr, "usage: kvmbench IMAGE [ROUNDS [SCALE]]\n");
		return 2;
	}
	ret = kvmrun_load_image(argv[1], &kb->img);
	if (ret) {
		fprintf(stderr, "kvmbench: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	ret = probe_run(&kb->pr);
	if (ret) {
		fprintf(stderr, "kvmbench: probe: %s\n", strerror(-ret));
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		if (kvmbench_round(kb))
			return 1;
		kvmbench_ratio_round(kb, i);
	}
	kvmbench_print(stdout, kb);
	free(kb->img.buf);
	free(kb);
	return 0;
}
