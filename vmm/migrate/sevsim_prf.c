/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim_prf.c - ChaCha8 page keystream for sev-sim (freestanding). */

/*
 * Written from RFC 8439 section 2.3. Kept freestanding (the guest image
 * builds this file with -ffreestanding -mgeneral-regs-only): byte access
 * only through explicit shifts, so it is endian-independent and needs no
 * memcpy.
 */

#include "sevsim_prf.h"

static inline u32 prf_rotl(u32 v, unsigned int n)
{
	return (v << n) | (v >> (32 - n));
}

static inline u32 prf_load32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline void prf_store32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

#define PRF_QR(x, a, b, c, d)              \
	do {                               \
		x[a] += x[b];              \
		x[d] ^= x[a];              \
		x[d] = prf_rotl(x[d], 16); \
		x[c] += x[d];              \
		x[b] ^= x[c];              \
		x[b] = prf_rotl(x[b], 12); \
		x[a] += x[b];              \
		x[d] ^= x[a];              \
		x[d] = prf_rotl(x[d], 8);  \
		x[c] += x[d];              \
		x[b] ^= x[c];              \
		x[b] = prf_rotl(x[b], 7);  \
	} while (0)

/* @rounds rounds (two per pass) plus the final addition, as 16 words. */
static void prf_core(const u32 s[16], u32 out[16], unsigned int rounds)
{
	u32 x[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		x[i] = s[i];
	for (i = 0; i < rounds / 2; i++) {
		PRF_QR(x, 0, 4, 8, 12);
		PRF_QR(x, 1, 5, 9, 13);
		PRF_QR(x, 2, 6, 10, 14);
		PRF_QR(x, 3, 7, 11, 15);
		PRF_QR(x, 0, 5, 10, 15);
		PRF_QR(x, 1, 6, 11, 12);
		PRF_QR(x, 2, 7, 8, 13);
		PRF_QR(x, 3, 4, 9, 14);
	}
	for (i = 0; i < 16; i++)
		out[i] = x[i] + s[i];
}

static void prf_setup(u32 s[16], const u8 key[32], u32 counter,
		      const u8 nonce[12])
{
	int i;

	/* "expand 32-byte k" */
	s[0] = 0x61707865u;
	s[1] = 0x3320646eu;
	s[2] = 0x79622d32u;
	s[3] = 0x6b206574u;
	for (i = 0; i < 8; i++)
		s[4 + i] = prf_load32(key + 4 * i);
	s[12] = counter;
	for (i = 0; i < 3; i++)
		s[13 + i] = prf_load32(nonce + 4 * i);
}

void sevsim_prf_block(const u8 key[32], u32 counter, const u8 nonce[12],
		      unsigned int rounds, u8 out[64])
{
	u32 s[16], w[16];
	int i;

	prf_setup(s, key, counter, nonce);
	prf_core(s, w, rounds);
	for (i = 0; i < 16; i++)
		prf_store32(out + 4 * i, w[i]);
}

void sevsim_prf_page_state(const u8 key[32], u64 gpa, u32 s[16])
{
	u64 gfn = gpa >> 12;
	u8 nonce[12];
	unsigned int i;

	for (i = 0; i < 8; i++)
		nonce[i] = (u8)(gfn >> (8 * i));
	for (i = 8; i < 12; i++)
		nonce[i] = 0;
	prf_setup(s, key, 0, nonce);
}

void sevsim_prf_xor_rounds(const u8 key[32], u64 gpa, u8 *dst, const u8 *src,
			   unsigned int rounds)
{
	u32 s[16], w[16];
	unsigned int blk, i;

	sevsim_prf_page_state(key, gpa, s);
	/* Word-wise XOR: the shifts compile to plain 32-bit loads and stores. */
	for (blk = 0; blk < MIGCTL_SEVSIM_PAGE_SIZE / MIGCTL_SEVSIM_BLOCK_BYTES;
	     blk++) {
		s[12] = blk;
		prf_core(s, w, rounds);
		for (i = 0; i < 16; i++) {
			unsigned int off =
				blk * MIGCTL_SEVSIM_BLOCK_BYTES + 4 * i;

			prf_store32(dst + off, prf_load32(src + off) ^ w[i]);
		}
	}
}

void sevsim_prf_page_xor_copy(const u8 key[32], u64 gpa, u8 *dst, const u8 *src)
{
	sevsim_prf_xor_rounds(key, gpa, dst, src, MIGCTL_SEVSIM_PRF_ROUNDS);
}

void sevsim_prf_page_xor(const u8 key[32], u64 gpa, u8 *page)
{
	sevsim_prf_page_xor_copy(key, gpa, page, page);
}
