/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* input.h - the fuzz harnesses' byte consumer: fixed-width values from the input. */
#ifndef MIGCTL_FUZZ_INPUT_H
#define MIGCTL_FUZZ_INPUT_H

/*
 * Past the end every read returns zeros, so that a harness never needs a
 * length check and a short input still means something (libFuzzer then
 * learns to grow inputs only where the extra bytes change behaviour).
 */

#include <migctl/types.h>

struct fuzz_input {
	const u8 *p;
	size_t n;
};

static inline bool fuzz_input_empty(const struct fuzz_input *in)
{
	return in->n == 0;
}

static inline u8 fuzz_u8(struct fuzz_input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline u16 fuzz_u16(struct fuzz_input *in)
{
	u16 lo = fuzz_u8(in);

	return (u16)(lo | fuzz_u8(in) << 8);
}

static inline u32 fuzz_u32(struct fuzz_input *in)
{
	u32 lo = fuzz_u16(in);

	return lo | (u32)fuzz_u16(in) << 16;
}

static inline u64 fuzz_u64(struct fuzz_input *in)
{
	u64 lo = fuzz_u32(in);

	return lo | (u64)fuzz_u32(in) << 32;
}

#endif /* MIGCTL_FUZZ_INPUT_H */
