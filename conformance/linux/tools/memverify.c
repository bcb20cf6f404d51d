/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* memverify.c - a Linux guest's workload: rewrites and verifies pages for a time, counting errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

/*
 * usage: memverify MIB SECONDS
 *
 * Fills MIB MiB with a pattern per page and per generation, then, until
 * SECONDS of CLOCK_MONOTONIC have passed, goes over every page again:
 * each page must still hold what was written there last (its generation,
 * kept apart), and gets the next generation. A page that does not is an
 * error (counted once per visit). A line "memverify: t=S passes=P
 * errors=E" follows each second, and at the end "memverify: done
 * passes=P pages=N errors=E". Exit status 0 with no error, 1 with some,
 * 2 for bad arguments or no memory.
 */

#define PAGE	4096UL
#define WORDS	(PAGE / sizeof(uint64_t))

static uint64_t pattern(uint64_t page, uint64_t gen, uint64_t word)
{
	uint64_t x = (page << 32 | (gen & 0xffffffff)) ^ (word * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ULL;
}

static void page_write(uint64_t *p, uint64_t page, uint64_t gen)
{
	for (uint64_t w = 0; w < WORDS; w++)
		p[w] = pattern(page, gen, w);
}

static int page_ok(const uint64_t *p, uint64_t page, uint64_t gen)
{
	for (uint64_t w = 0; w < WORDS; w++)
		if (p[w] != pattern(page, gen, w))
			return 0;
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *v == 0 || *v > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long mib, secs, pages, passes = 0, errors = 0, shown = 0;
	uint64_t *mem, *gen;
	double start, t;

	if (argc != 3 || parse(argv[1], 4096, &mib) || parse(argv[2], 86400, &secs)) {
		fprintf(stderr, "usage: memverify MIB (1..4096) SECONDS (1..86400)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pages = mib * (1024 * 1024 / PAGE);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	gen = calloc(pages, sizeof(*gen));
	if (mem == MAP_FAILED || !gen) {
		fprintf(stderr, "memverify: no memory for %lu MiB\n", mib);
		return 2;
	}
	for (unsigned long i = 0; i < pages; i++)
		page_write(mem + i * WORDS, i, 0);
	start = now();
	printf("memverify: start mib=%lu pages=%lu seconds=%lu\n", mib, pages, secs);
	do {
		for (unsigned long i = 0; i < pages; i++) {
			uint64_t *p = mem + i * WORDS;

			if (!page_ok(p, i, gen[i]))
				errors++;
			page_write(p, i, ++gen[i]);
		}
		passes++;
		t = now() - start;
		if ((unsigned long)t > shown) {
			shown = (unsigned long)t;
			printf("memverify: t=%lu passes=%lu errors=%lu\n", shown, passes, errors);
		}
	} while (t < secs);
	printf("memverify: done passes=%lu pages=%lu errors=%lu\n", passes, pages, errors);
	return errors ? 1 : 0;
}
