/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_rt.h - the stream harness's section recorder, checked reader and round trip. */
#ifndef MIGCTL_FUZZ_STREAM_RT_H
#define MIGCTL_FUZZ_STREAM_RT_H

#include <migctl/types.h>
/* By path: the tree-wide compile-alone check does not know vmm/migrate/. */
#include "../vmm/migrate/stream.h"

#define STREAM_EV_MAX	256

/* One section as the reader delivered it (or the writer was given it). */
struct stream_ev {
	u32 type;
	u32 kind;
	u64 a, b;	/* RAM: gfn, round; ROUND: number; DEVICE: name hash; VCPU: index */
	size_t len;
	u64 sum;	/* hash of the payload */
};

struct stream_rec {
	/* Reset by stream_read(). */
	struct migrate_config cfg;
	bool have_cfg;
	bool status;
	u64 round;
	u32 vcpus;
	u8 vcpu_seen[MIGCTL_STREAM_VCPUS_MAX / 8];
	unsigned int n;		/* sections seen; only STREAM_EV_MAX are kept */
	/* Kept. */
	struct stream_ev ev[STREAM_EV_MAX];
	bool open_private;	/* open PRIVATE pages through the firmware path */
	u8 key[32];		/* the destination's K for that */
};

/* Append one section to @rec. */
void stream_rec_add(struct stream_rec *rec, u32 type, u64 a, u64 b, u32 kind,
		    const void *data, size_t len);

/* A device name as a number, for struct stream_ev. */
u64 stream_name_hash(const char *name);

/*
 * stream_read() - run the reader over @data with checking callbacks
 *
 * Records every section in @rec; aborts on a broken promise.
 * Return: migrate_reader_run()'s result.
 */
int stream_read(struct stream_rec *rec, const u8 *data, size_t size);

/* The round-trip mode: @data describes what to write. Returns 0. */
int stream_round_trip(const u8 *data, size_t size);

#endif /* MIGCTL_FUZZ_STREAM_RT_H */
