/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* replay.c - runs a fuzz harness once on each file (or every file of each directory) named. */

/*
 * The regression driver: linked with one harness instead of libFuzzer and
 * built with the project's compiler and sanitizers, so that every saved
 * crasher and corpus input is re-run by `make check`. A broken invariant
 * or a sanitizer report aborts the process; success prints how many
 * inputs ran. Files are fed in name order so that a failure reproduces.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Inputs larger than this are not ours (libFuzzer's default -max_len is 4096). */
#define REPLAY_MAX	(1u << 20)

static int replay_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t len;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Exactly the file's bytes in their own allocation: ASan sees overreads. */
	buf = malloc(REPLAY_MAX);
	if (!buf) {
		fclose(f);
		return -1;
	}
	len = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	buf = realloc(buf, len ? len : 1);
	if (!buf)
		return -1;
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(const char *path, unsigned long *count)
{
	struct dirent **ents;
	struct stat st;
	int n, i, err = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.' && !err) {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
				err = replay_file(sub, count);
		}
		free(ents[i]);
	}
	free(ents);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int i;

	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], &count))
			return 1;
	printf("replayed %lu inputs\n", count);
	return 0;
}
