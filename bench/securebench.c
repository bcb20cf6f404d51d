/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* securebench.c - the migration channel over loopback TCP: plaintext against protected. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "migrate/channel.h"
#include "migrate/secure.h"
#include "migrate/stream.h"
#include "stats.h"

/*
 * One run moves MiB mebibytes from a source thread to the destination
 * (this thread) over a tcp: channel on 127.0.0.1, in 1 MiB writes as the
 * stream writer flushes them, through migrate_io_fd (plaintext) or
 * migrate_io_secure (handshake included, then 1 MiB records). Reported
 * per mode: wall-clock MiB/s, and the CPU each side spent per MiB (its
 * thread's CPU time, robust on a machine shared with other jobs). The
 * data is random once: XChaCha20 costs the same for any bytes.
 *
 * Usage: securebench [MIB [RUNS]]; JSON on stdout.
 */

#define SB_CHUNK (1u << 20)

struct sb_run {
	struct migrate_uri uri;
	bool protect;
	u8 key[MIGRATE_SECURE_KEY_BYTES];
	unsigned int mib;
	const u8 *data;
	double cpu_ns;
	int ret;
};

static void *sb_source(void *arg)
{
	struct sb_run *r = arg;
	struct migrate_secure *sec = NULL;
	const struct migrate_io *io;
	double t0 = stats_cpu_ns();
	char err[256];
	void *ctx;
	int fd = migrate_chan_connect(&r->uri, 5000, err, sizeof(err));

	r->ret = fd < 0 ? fd : 0;
	if (!r->ret && r->protect)
		r->ret = migrate_secure_open(fd, true, r->key, 5000, &sec, err, sizeof(err));
	io = migrate_chan_io(fd, sec, &ctx);
	for (unsigned int i = 0; !r->ret && i < r->mib; i++) {
		for (size_t off = 0; !r->ret && off < SB_CHUNK;) {
			ssize_t n = io->write(ctx, r->data + off, SB_CHUNK - off);

			if (n <= 0)
				r->ret = n ? (int)n : -EIO;
			else
				off += (size_t)n;
		}
	}
	if (!r->ret && sec)
		r->ret = migrate_secure_close(sec);
	if (r->ret)
		fprintf(stderr, "securebench: source: %s\n", err[0] ? err : strerror(-r->ret));
	r->cpu_ns = stats_cpu_ns() - t0;
	migrate_secure_destroy(sec);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* One transfer; wall ns in *wall, CPU ns of each side in *src, *dst. */
static int sb_once(struct sb_run *r, u8 *buf, double *wall, double *src, double *dst)
{
	struct migrate_secure *sec = NULL;
	const struct migrate_io *io;
	u64 want = (u64)r->mib * SB_CHUNK, got = 0;
	char err[256] = "";
	double t0 = stats_now_ns(), c0 = stats_cpu_ns();
	pthread_t t;
	void *ctx;
	int lfd, fd, ret;

	r->uri = (struct migrate_uri){ .kind = MIGRATE_URI_TCP, .host = "127.0.0.1" };
	lfd = migrate_chan_listen(&r->uri, err, sizeof(err));
	if (lfd < 0 || (ret = migrate_chan_local_port(lfd)) < 0) {
		fprintf(stderr, "securebench: listen: %s\n", err);
		return -1;
	}
	r->uri.port = (u16)ret;
	if (pthread_create(&t, NULL, sb_source, r))
		return -1;
	fd = migrate_chan_accept(lfd, 5000, err, sizeof(err));
	close(lfd);
	ret = fd < 0 ? fd : 0;
	if (!ret && r->protect)
		ret = migrate_secure_open(fd, false, r->key, 5000, &sec, err, sizeof(err));
	io = migrate_chan_io(fd, sec, &ctx);
	while (!ret && got < want) {
		ssize_t n = io->read(ctx, buf, SB_CHUNK);

		if (n <= 0)
			ret = n ? (int)n : -ENODATA;
		else
			got += (u64)n;
	}
	if (!ret && sec)
		ret = migrate_secure_recv_final(sec);
	*dst = stats_cpu_ns() - c0;
	*wall = stats_now_ns() - t0;
	if (ret)
		fprintf(stderr, "securebench: destination: %s\n",
			sec ? migrate_secure_error(sec) : err);
	migrate_secure_destroy(sec);
	if (fd >= 0)
		close(fd);
	pthread_join(t, NULL);
	*src = r->cpu_ns;
	return ret || r->ret ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int mib = argc > 1 ? (unsigned int)atoi(argv[1]) : 1024;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	u8 *data = malloc(SB_CHUNK), *buf = malloc(SB_CHUNK);
	static const char *const names[2] = { "plaintext", "protected" };

	if (!mib || runs < 1 || runs > STATS_MAX_SAMPLES || !data || !buf ||
	    sodium_init() < 0) {
		fprintf(stderr, "usage: securebench [MIB [RUNS]] (RUNS 1..%d)\n",
			STATS_MAX_SAMPLES);
		return 2;
	}
	randombytes_buf(data, SB_CHUNK);
	printf("{\"mib\": %u, \"record_bytes\": %u, \"transport\": \"tcp:127.0.0.1\"", mib,
	       SB_CHUNK);
	for (int m = 0; m < 2; m++) {
		struct stats rate = { 0 }, src = { 0 }, dst = { 0 };
		struct sb_run r = { .protect = m == 1, .mib = mib, .data = data };

		randombytes_buf(r.key, sizeof(r.key));
		for (int i = 0; i < runs; i++) {
			double wall, s, d;

			if (sb_once(&r, buf, &wall, &s, &d))
				return 1;
			stats_add(&rate, mib / (wall / 1e9));
			stats_add(&src, s / 1e6 / mib);
			stats_add(&dst, d / 1e6 / mib);
		}
		printf(",\n \"%s\": {", names[m]);
		stats_json(stdout, "mib_per_s", &rate);
		printf(", ");
		stats_json(stdout, "source_cpu_ms_per_mib", &src);
		printf(", ");
		stats_json(stdout, "destination_cpu_ms_per_mib", &dst);
		printf("}");
	}
	printf("}\n");
	free(data);
	free(buf);
	return 0;
}
