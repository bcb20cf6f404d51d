/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Fixed-width integer types shared by every part of migctl. */
#ifndef MIGCTL_TYPES_H
#define MIGCTL_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* A guest-physical address; never a host pointer. */
typedef u64 gpa_t;

#endif /* MIGCTL_TYPES_H */
