/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim.h - sev-sim keys, key page and the firmware path (VMM side). */
#ifndef MIGCTL_VMM_SEVSIM_H
#define MIGCTL_VMM_SEVSIM_H

/*
 * The model (docs/migration-stream.adoc, DESIGN section 4): each VM has a
 * random key K; a private page holds plaintext XOR the keystream of
 * sevsim_prf.h. Migration sends a private page down the "firmware path":
 * the source decrypts it with K and seals the plaintext with AES-128-OCB
 * (libgcrypt) under a per-migration transport key, the
 * associated data binding it to its GFN and pre-copy round; the
 * destination opens it and encrypts it with its own fresh K'. Shared pages
 * go raw. A private page sent raw arrives as ciphertext under K and reads
 * as garbage under K'; that is the hazard the model makes visible.
 *
 * Not security: the transport key travels in the CONFIG section of the
 * stream itself (a stand-in for the firmware's key exchange), and the
 * guest reads K from a page the VMM can read.
 */

#include <migctl/types.h>

#include "sevsim_prf.h"
#include "stream.h"

/* Associated data of a sealed page: LE64 gfn, LE64 round. */
#define MIGCTL_SEVSIM_AD_BYTES 16u

/**
 * sevsim_init() - initialise libsodium and libgcrypt, and the calling
 * thread's firmware-path contexts (other threads make theirs on first use)
 *
 * Return: 0 or -EIO.
 */
int sevsim_init(void);

/** sevsim_key_generate() - 32 random bytes from getrandom(): 0 or -errno. */
int sevsim_key_generate(u8 key[MIGCTL_SEVSIM_KEY_BYTES]);

/**
 * sevsim_key_page_init() - lay out a key page: magic, @generation, @key
 * @page: the VMM-owned 4 KiB page (outside migrated RAM).
 * @generation: 1 for a new VM; for an incoming one the source's generation
 *		(CONFIG sevsim_generation) + 1, so that a guest paused in the
 *		middle of a private-page access sees the change (sevsim_prf.h).
 */
void sevsim_key_page_init(void *page, const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
			  u64 generation);

/**
 * sevsim_key_page_rekey() - change the key in place and bump the generation
 *
 * Only while every vCPU is out of KVM_RUN (see the guest's seqlock rule in
 * sevsim_prf.h). An incoming VM uses sevsim_key_page_init() instead, with
 * the source's generation + 1.
 * Return: 0, or -EINVAL if @page is not a key page.
 */
int sevsim_key_page_rekey(void *page, const u8 key[MIGCTL_SEVSIM_KEY_BYTES]);

/**
 * sevsim_key_page_set_window() - record the window in a key page
 * @gpa: first byte, MIGCTL_SEVSIM_WINDOW_ALIGN aligned.
 * @pages: number of 4 KiB pages.
 */
void sevsim_key_page_set_window(void *page, u64 gpa, u64 pages);

/**
 * sevsim_key_page_window() - the window of a key page
 * Return: 0, or -EINVAL if @page is not a key page.
 */
int sevsim_key_page_window(const void *page, u64 *gpa, u64 *pages);

/** sevsim_key_page_generation() - the page's generation (0 if not a key page). */
u64 sevsim_key_page_generation(const void *page);

/**
 * sevsim_prf_xor_fast() - sevsim_prf_xor_rounds(), 8 blocks at a time
 * @key: the VM key.
 * @gpa: the page's guest-physical address (low 12 bits ignored).
 * @dst: 4096 bytes out; may be @src itself, else must not overlap it.
 * @src: 4096 bytes in.
 * @rounds: MIGCTL_SEVSIM_PRF_ROUNDS for the model; 20 in the tests.
 *
 * The same bytes as the portable code, with AVX2 where the CPU has it.
 */
void sevsim_prf_xor_fast(const u8 key[32], u64 gpa, u8 *dst, const u8 *src,
			 unsigned int rounds);

/**
 * sevsim_fw_export() - source side of the firmware path
 * @key: the source VM's K; NULL for a private page outside the window,
 *	 which the guest keeps in plaintext (sealed for transport only).
 * @tkey: the transport key (CONFIG transport_key).
 * @gfn: the page's guest frame number (the keystream uses gfn << 12).
 * @round: the pre-copy round the page is sent in.
 * @page: the 4096 bytes of guest memory (ciphertext under @key).
 * @sealed: MIGCTL_SEALED_PAGE_BYTES out: nonce, ciphertext, tag.
 *
 * Safe from several threads at once (each keeps its own cipher contexts).
 * Return: 0 or -EIO (libgcrypt failure; @sealed is then zeroed).
 */
int sevsim_fw_export(const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
		     const u8 tkey[MIGCTL_STREAM_KEY_BYTES], u64 gfn, u64 round,
		     const void *page, void *sealed);

/**
 * sevsim_fw_import() - destination side of the firmware path
 * @key: the destination VM's fresh K'; NULL outside the window.
 * @page: 4096 bytes of guest memory, written only on success.
 *
 * Return: 0, or -EBADMSG when the blob does not authenticate for this
 * transport key, GFN and round (tampered, replayed elsewhere) or its
 * nonce field is not one the source writes; @page is then unchanged.
 * -EIO when libgcrypt fails.
 */
int sevsim_fw_import(const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
		     const u8 tkey[MIGCTL_STREAM_KEY_BYTES], u64 gfn, u64 round,
		     const void *sealed, void *page);

/**
 * sevsim_send_page() - send one guest page down the path its status picks
 * @round: the round in progress.
 * @page: the 4096 bytes of guest memory at @gfn.
 * @private: the page's status, read at send time (V-2).
 * @key: the source's K, or NULL when sev-sim is off (every page is plain).
 * @tkey: the transport key of the CONFIG (unused without sev-sim).
 *
 * A private page under sev-sim goes sealed (PRIVATE), never as ZERO: its
 * plaintext is not what memory holds. Any other page goes as ZERO when it
 * is all zero, else RAW.
 *
 * Return: 0 or the writer's / sevsim_fw_export()'s error.
 */
int sevsim_send_page(struct migrate_writer *w, u64 round, u64 gfn,
		     const void *page, bool private, const u8 *key,
		     const u8 *tkey);

/**
 * sevsim_page_is_zero() - whether the 4096 bytes at @page are all zero
 *
 * Stops at the first non-zero 64-byte line. Reading guest RAM that was
 * never touched maps the kernel's shared zero page: no memory is used.
 */
bool sevsim_page_is_zero(const void *page);

/**
 * sevsim_apply_page() - destination: store a received page in guest memory
 * @pg: the page from the reader's RAM callback.
 * @page: the 4096 bytes of guest memory at @pg->gfn.
 * @key: the destination's fresh K' (NULL without sev-sim).
 * @tkey: the transport key of the received CONFIG.
 *
 * A ZERO page over memory that is zero already writes nothing, so that
 * the RAM of a fresh destination stays untouched (the source's idle pages
 * cost neither a fault nor a clear here).
 *
 * Return: 0, or -EBADMSG if a PRIVATE page does not open (@page is then
 * unchanged) or arrives without sev-sim keys.
 */
int sevsim_apply_page(const struct migrate_page *pg, void *page, const u8 *key,
		      const u8 *tkey);

#endif /* MIGCTL_VMM_SEVSIM_H */
