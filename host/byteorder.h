/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* byteorder.h - little-endian stores and loads for the stream encodings. */
#ifndef MIGCTL_HOST_BYTEORDER_H
#define MIGCTL_HOST_BYTEORDER_H

#include <migctl/types.h>

/* Byte by byte: independent of host byte order and of alignment. */
static inline void migctl_put_le32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline void migctl_put_le64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline u32 migctl_get_le32(const u8 *p)
{
	u32 v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline u64 migctl_get_le64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#endif /* MIGCTL_HOST_BYTEORDER_H */
