/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream-priv.h - little-endian field access and CONFIG coding for stream*.c. */
#ifndef MIGCTL_VMM_STREAM_PRIV_H
#define MIGCTL_VMM_STREAM_PRIV_H

#include "stream.h"

/* Wire sizes, from the structs in stream.h that document them. */
#define STREAM_HDR_BYTES    sizeof(struct migctl_stream_header)
#define STREAM_SEC_BYTES    sizeof(struct migctl_stream_section)
#define STREAM_CFG_BYTES    sizeof(struct migctl_stream_config)
#define STREAM_REGION_BYTES sizeof(struct migctl_stream_region)
#define STREAM_RAM_BYTES    sizeof(struct migctl_stream_ram)
#define STREAM_CFG_MAX_BYTES \
	(STREAM_CFG_BYTES + MIGCTL_STREAM_REGIONS_MAX * STREAM_REGION_BYTES)
#define STREAM_DESC_BYTES 8u

static inline void put_le32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline void put_le64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 get_le64(const u8 *p)
{
	return (u64)get_le32(p) | (u64)get_le32(p + 4) << 32;
}

/* Encode @cfg (valid) into @buf (STREAM_CFG_MAX_BYTES); returns the length. */
size_t stream_config_encode(const struct migrate_config *cfg, u8 *buf);

/*
 * Decode the fixed part of a CONFIG payload; returns the region count, or
 * -EBADMSG with @err set. Regions follow with stream_config_decode_regions().
 */
int stream_config_decode_fixed(const u8 *buf, struct migrate_config *cfg,
			       char *err, size_t errlen);
void stream_config_decode_regions(const u8 *buf, struct migrate_config *cfg);

#endif /* MIGCTL_VMM_STREAM_PRIV_H */
