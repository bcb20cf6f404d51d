/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim_prf.h - sev-sim page keystream and key page, shared with the guest. */
#ifndef MIGCTL_VMM_SEVSIM_PRF_H
#define MIGCTL_VMM_SEVSIM_PRF_H

/*
 * Freestanding: the VMM and the conformance guest image compile the same
 * sevsim_prf.c, the guest in ring 3 to encrypt its private pages. No libc,
 * no globals, no floating point.
 *
 * The keystream of the 4 KiB page at guest-physical address g under the
 * VM key K is ChaCha8: the RFC 8439 ChaCha block function with 8 rounds
 * instead of 20 (MIGCTL_SEVSIM_PRF_ROUNDS), the 256-bit key K, the 96-bit
 * nonce LE64(g >> 12) || 00 00 00 00 and block counters 0..63: 64 blocks
 * of 64 bytes, one page. A private page holds plaintext XOR that
 * keystream. Bound to the GPA, so the same plaintext at two addresses
 * gives two ciphertexts, as with SEV's address tweak.
 *
 * Why 8 rounds: the keystream models the memory controller's cipher, a
 * cost real hardware does not put on the migration path twice in
 * software; sev-sim is a model of the hazard, not security (spec chapter
 * "sev-sim"). ChaCha8 is still a keyed PRF with no known attack on 8 rounds,
 * and costs 0.4 of ChaCha20 on both sides: the guest's ring-3 loop, and
 * the VMM's firmware path (sevsim_prf_x86.c, 8 blocks at a time with
 * AVX2). The full 20 rounds stay available to the tests, which check the
 * block function against RFC 8439 and the page function against
 * libsodium's ChaCha20.
 *
 * The key page is a 4 KiB page the VMM owns outside the migrated RAM, at
 * the fixed guest-physical address MIGCTL_SEVSIM_KEY_GPA: its own KVM
 * memory slot (read-only for the guest), a reserved entry in the e820
 * map, never dirty-logged, never sent. Layout, little-endian:
 *	u64 magic	  MIGCTL_SEVSIM_KEY_MAGIC
 *	u64 generation	  changes whenever the key does; never 0
 *	u8  key[32]	  K
 *	u64 window_gpa	  first byte of the window, 2 MiB aligned
 *	u64 window_pages  4 KiB pages in the window
 *	the rest	  zero
 *
 * The window is the RAM range where the guest keeps its private pages as
 * ciphertext. Outside it the guest encrypts nothing, so the firmware path
 * seals private pages there without the K transform (docs/
 * migration-stream.adoc, "sev-sim").
 *
 * A new VM starts at generation 1. The source sends its generation in the
 * migration stream's CONFIG; the destination lays out its page with its
 * fresh key K' and that generation + 1 before any vCPU runs, so the value
 * the guest sees always changes across a migration. The VMM only ever
 * writes the page while every vCPU is out of KVM_RUN, so the guest never
 * sees a torn key and no odd/even writer marking is needed.
 *
 * Guest-side seqlock rule: a migration can pause the guest in the middle
 * of a private-page access (the simulated "hardware" encryption is a
 * ring-3 loop, not atomic), after which the page is re-encrypted under K'
 * while the guest still holds K in registers. So every access to a
 * private page is:
 *
 *	do {
 *		gen = READ_ONCE(kp->generation);	// acquire
 *		copy K from kp->key;
 *		do the whole access (read+decrypt, or encrypt+write the page);
 *	} while (READ_ONCE(kp->generation) != gen);	// acquire
 *
 * An access that saw a change is redone from the start with the new key,
 * so it must be idempotent (write the whole intended content again; for a
 * read, discard what was read). A private-page access that completes
 * without a generation change used one key throughout and is correct.
 */

#include <migctl/types.h>

#define MIGCTL_SEVSIM_KEY_BYTES	  32u
#define MIGCTL_SEVSIM_PAGE_SIZE	  4096u
#define MIGCTL_SEVSIM_BLOCK_BYTES 64u
/*
 * "SVMSIMK8": the key page of the ChaCha8 model. The ChaCha20 model's page
 * said "SVMSIMKP"; a guest built for it finds no key page, not a wrong key.
 */
#define MIGCTL_SEVSIM_KEY_MAGIC	  0x384b4d49534d5653ull
#define MIGCTL_SEVSIM_PRF_ROUNDS  8u
/* Where the key page sits: below the 4 GiB boundary, above any RAM bank. */
#define MIGCTL_SEVSIM_KEY_GPA	  0xfeb00000ull
#define MIGCTL_SEVSIM_WINDOW_ALIGN (2ull << 20)

/* The key page's header; the rest of the 4 KiB page is zero. */
struct migctl_sevsim_key_page {
	u64 magic;
	u64 generation;
	u8 key[MIGCTL_SEVSIM_KEY_BYTES];
	u64 window_gpa;
	u64 window_pages;
};

_Static_assert(sizeof(struct migctl_sevsim_key_page) == 64,
	       "key page header is 64 bytes");

/**
 * sevsim_prf_block() - the RFC 8439 ChaCha block function
 * @key: 32-byte key.
 * @counter: 32-bit block counter.
 * @nonce: 12-byte nonce.
 * @rounds: 8 (the model, MIGCTL_SEVSIM_PRF_ROUNDS) or 20 (ChaCha20);
 *	    any even number.
 * @out: 64 bytes of keystream.
 */
void sevsim_prf_block(const u8 key[32], u32 counter, const u8 nonce[12],
		      unsigned int rounds, u8 out[64]);

/**
 * sevsim_prf_page_xor() - XOR a 4 KiB page with its keystream, in place
 * @key: the VM key K.
 * @gpa: guest-physical address of the page (the low 12 bits are ignored).
 * @page: 4096 bytes; encrypts plaintext or decrypts ciphertext.
 */
void sevsim_prf_page_xor(const u8 key[32], u64 gpa, u8 *page);

/**
 * sevsim_prf_page_xor_copy() - @dst = @src XOR keystream of page @gpa
 *
 * @dst and @src may be the same buffer, otherwise they must not overlap.
 */
void sevsim_prf_page_xor_copy(const u8 key[32], u64 gpa, u8 *dst,
			      const u8 *src);

/**
 * sevsim_prf_page_state() - the ChaCha input state of page @gpa's block 0
 * @key: the VM key K.
 * @gpa: guest-physical address of the page (the low 12 bits are ignored).
 * @s: 16 words out: constants, K, counter 0, the nonce LE64(gfn) || 0.
 *
 * Block n of the page is the same state with word 12 set to n; the VMM's
 * AVX2 code starts from it too.
 */
void sevsim_prf_page_state(const u8 key[32], u64 gpa, u32 s[16]);

/**
 * sevsim_prf_xor_rounds() - sevsim_prf_page_xor_copy() with @rounds rounds
 *
 * The portable code of both: one block at a time, in general registers.
 */
void sevsim_prf_xor_rounds(const u8 key[32], u64 gpa, u8 *dst, const u8 *src,
			   unsigned int rounds);

#endif /* MIGCTL_VMM_SEVSIM_PRF_H */
