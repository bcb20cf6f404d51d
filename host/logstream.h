/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* logstream.h - the status log's encoding in the migration stream. */
#ifndef MIGCTL_HOST_LOGSTREAM_H
#define MIGCTL_HOST_LOGSTREAM_H

/*
 * Stream form of S (the migration stream's, not the guest protocol's),
 * little-endian, fixed layout:
 *	u32 magic		MIGCTL_HOST_LOG_STREAM_MAGIC
 *	u32 version		MIGCTL_HOST_LOG_STREAM_VERSION
 *	u64 ram_pages		RAM pages of the source's layout
 *	u64 nr_runs		number of runs that follow
 *	nr_runs x { u64 start_gfn; u64 npages; }
 *				runs of SHARED pages, sorted, not
 *				overlapping (may touch), npages >= 1, every
 *				page RAM; every other RAM page is private
 *	u64 checksum		FNV-1a 64 of all bytes before it
 * The size is 32 + 16 * nr_runs bytes exactly.
 */

#include <stddef.h>

#include <migctl/types.h>
#include "statuslog.h"

#define MIGCTL_HOST_LOG_STREAM_MAGIC	0x474c534du /* "MSLG" */
#define MIGCTL_HOST_LOG_STREAM_VERSION	1u
#define MIGCTL_HOST_LOG_STREAM_HDR	24u
#define MIGCTL_HOST_LOG_STREAM_RUN	16u
#define MIGCTL_HOST_LOG_STREAM_TRAILER	8u

/**
 * migctl_host_log_stream_size() - bytes migctl_host_log_save() needs now
 *
 * Exact while nothing updates the log (the VM is paused); otherwise pass a
 * larger buffer or retry on -ENOSPC.
 */
size_t migctl_host_log_stream_size(const struct migctl_host_log *log);

/**
 * migctl_host_log_save() - encode S
 * @used: bytes written, or on -ENOSPC the bytes that would be needed.
 * Return: 0 or -ENOSPC (buffer contents then undefined).
 */
int migctl_host_log_save(const struct migctl_host_log *log, void *buf, size_t len,
			 size_t *used);

/**
 * migctl_host_log_load() - replace S from a stream (V-5)
 *
 * Validates the whole input first (length, magic, version, checksum, RAM
 * size, run count against the length, runs sorted, not overlapping, inside
 * RAM) and changes nothing if any check fails. On success every RAM page
 * is added to C (the destination treats the whole log as changed). Must
 * not run concurrently with updates. Memory and time are bounded by @len
 * and the layout, never by a number read from the stream (H-12).
 *
 * Return: 0 or -EINVAL.
 */
int migctl_host_log_load(struct migctl_host_log *log, const void *buf, size_t len);

#endif /* MIGCTL_HOST_LOGSTREAM_H */
