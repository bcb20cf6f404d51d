/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stats.h - the benchmarks' shared helpers: clocks, medians, JSON output. */
#ifndef MIGCTL_BENCH_STATS_H
#define MIGCTL_BENCH_STATS_H

#include <stddef.h>
#include <stdio.h>

#include <migctl/types.h>

#define STATS_MAX_SAMPLES	64

/* Repeated measurements of one figure. */
struct stats {
	double v[STATS_MAX_SAMPLES];
	int n;
};

/** stats_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
double stats_now_ns(void);

/**
 * stats_cpu_ns() - the calling thread's CPU time in nanoseconds
 * (CLOCK_THREAD_CPUTIME_ID): user, system and guest time, without the
 * time other tasks had the CPU. The figure to time work by on a machine
 * shared with other jobs.
 */
double stats_cpu_ns(void);

/** stats_add() - record one sample (ignored beyond STATS_MAX_SAMPLES). */
void stats_add(struct stats *s, double v);

/** stats_median() - the median of the samples, 0 when there are none. */
double stats_median(const struct stats *s);

/** stats_min() / stats_max() - extremes of the samples, 0 when none. */
double stats_min(const struct stats *s);
double stats_max(const struct stats *s);

/**
 * stats_json() - print `"name": {"median": m, "min": a, "max": b, "n": k,
 * "samples": [...]}` (no trailing comma) to @f.
 */
void stats_json(FILE *f, const char *name, const struct stats *s);

/** stats_json_str() - print a JSON string with the needed escapes. */
void stats_json_str(FILE *f, const char *s);

#endif /* MIGCTL_BENCH_STATS_H */
