/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_seeds.c - writes the stream harness's seed corpus: sample streams and their prefixes. */

/*
 * Usage: stream-seeds DIR. Writes, after the harness's mode byte (0: raw),
 * the sample migration stream of the
 * migrate tests (plain and sev-sim) and prefixes of it cut at section
 * boundaries, so that the fuzzer starts from inputs that pass the header,
 * CONFIG and every section kind. Run by `make fuzz-seeds`.
 */

#include "migrate_test_util.h"

static int write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -errno;
	/* The harness's mode byte: 0 = raw stream. */
	ok = fputc(0, f) == 0 && fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/*
 * The stream cut after CONFIG (a short seed the fuzzer mutates quickly)
 * and just before END (every section kind, then a truncation).
 */
static int write_prefixes(const char *dir, const char *tag, const struct membuf *m)
{
	size_t pos = sizeof(struct migctl_stream_header);
	char name[64];
	int err = 0;

	while (!err && pos + sizeof(struct migctl_stream_section) <= m->len) {
		struct migctl_stream_section s;

		memcpy(&s, m->buf + pos, sizeof(s));
		if (s.type == MIGCTL_SEC_END) {
			snprintf(name, sizeof(name), "%s-before-END", tag);
			return write_file(dir, name, m->buf, pos);
		}
		pos += sizeof(s) + s.length;
		if (pos > m->len)
			break;
		if (s.type == MIGCTL_SEC_CONFIG) {
			snprintf(name, sizeof(name), "%s-CONFIG-only", tag);
			err = write_file(dir, name, m->buf, pos);
		}
	}
	return err ? err : -EBADMSG;	/* no END */
}

int main(int argc, char **argv)
{
	static const char *const tags[2] = { "plain", "sevsim" };
	int i, err;

	if (argc != 2 || sevsim_init()) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < 2; i++) {
		struct membuf m = { 0 };
		char name[64];

		err = sample_stream(&m, i == 1);
		snprintf(name, sizeof(name), "%s-complete", tags[i]);
		err = err ?: write_file(argv[1], name, m.buf, m.len);
		err = err ?: write_prefixes(argv[1], tags[i], &m);
		free(m.buf);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], tags[i], strerror(-err));
			return 1;
		}
	}
	return 0;
}
