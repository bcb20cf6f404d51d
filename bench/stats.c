/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stats.c - the benchmarks' shared helpers: clocks, medians, JSON output. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

double stats_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

double stats_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void stats_add(struct stats *s, double v)
{
	if (s->n < STATS_MAX_SAMPLES)
		s->v[s->n++] = v;
}

static int stats_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double stats_median(const struct stats *s)
{
	double v[STATS_MAX_SAMPLES];

	if (!s->n)
		return 0;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), stats_cmp);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

double stats_min(const struct stats *s)
{
	double m = s->n ? s->v[0] : 0;

	for (int i = 1; i < s->n; i++)
		m = s->v[i] < m ? s->v[i] : m;
	return m;
}

double stats_max(const struct stats *s)
{
	double m = s->n ? s->v[0] : 0;

	for (int i = 1; i < s->n; i++)
		m = s->v[i] > m ? s->v[i] : m;
	return m;
}

void stats_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void stats_json(FILE *f, const char *name, const struct stats *s)
{
	stats_json_str(f, name);
	fprintf(f, ": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"n\": %d, \"samples\": [",
		stats_median(s), stats_min(s), stats_max(s), s->n);
	for (int i = 0; i < s->n; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", s->v[i]);
	fputs("]}", f);
}
