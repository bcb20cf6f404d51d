/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim.c - sev-sim keys, key page and the AEAD-protected firmware path. */

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "sevsim.h"

_Static_assert(MIGCTL_SEALED_NONCE_BYTES ==
		       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	       "sealed page nonce is the XChaCha20-Poly1305 nonce");
_Static_assert(MIGCTL_SEALED_TAG_BYTES ==
		       crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "sealed page tag is the Poly1305 tag");
_Static_assert(MIGCTL_STREAM_KEY_BYTES ==
		       crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "transport key is an XChaCha20-Poly1305 key");

int sevsim_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int sevsim_key_generate(u8 key[MIGCTL_SEVSIM_KEY_BYTES])
{
	size_t got = 0;

	while (got < MIGCTL_SEVSIM_KEY_BYTES) {
		ssize_t n =
			getrandom(key + got, MIGCTL_SEVSIM_KEY_BYTES - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	return 0;
}

static void put_u64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u64 get_u64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void sevsim_key_page_init(void *page, const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
			  u64 generation)
{
	u8 *p = page;

	memset(p, 0, MIGCTL_SEVSIM_PAGE_SIZE);
	put_u64(p + offsetof(struct migctl_sevsim_key_page, magic),
		MIGCTL_SEVSIM_KEY_MAGIC);
	put_u64(p + offsetof(struct migctl_sevsim_key_page, generation),
		generation);
	memcpy(p + offsetof(struct migctl_sevsim_key_page, key), key,
	       MIGCTL_SEVSIM_KEY_BYTES);
}

u64 sevsim_key_page_generation(const void *page)
{
	const u8 *p = page;

	if (get_u64(p + offsetof(struct migctl_sevsim_key_page, magic)) !=
	    MIGCTL_SEVSIM_KEY_MAGIC)
		return 0;
	return get_u64(p + offsetof(struct migctl_sevsim_key_page, generation));
}

void sevsim_key_page_set_window(void *page, u64 gpa, u64 pages)
{
	u8 *p = page;

	put_u64(p + offsetof(struct migctl_sevsim_key_page, window_gpa), gpa);
	put_u64(p + offsetof(struct migctl_sevsim_key_page, window_pages), pages);
}

int sevsim_key_page_window(const void *page, u64 *gpa, u64 *pages)
{
	const u8 *p = page;

	if (!sevsim_key_page_generation(page))
		return -EINVAL;
	*gpa = get_u64(p + offsetof(struct migctl_sevsim_key_page, window_gpa));
	*pages = get_u64(p + offsetof(struct migctl_sevsim_key_page, window_pages));
	return 0;
}

int sevsim_key_page_rekey(void *page, const u8 key[MIGCTL_SEVSIM_KEY_BYTES])
{
	u8 *p = page;
	u64 gen = sevsim_key_page_generation(page);

	if (!gen)
		return -EINVAL;
	memcpy(p + offsetof(struct migctl_sevsim_key_page, key), key,
	       MIGCTL_SEVSIM_KEY_BYTES);
	/* Every vCPU is stopped, so no ordering against the guest is needed here. */
	put_u64(p + offsetof(struct migctl_sevsim_key_page, generation),
		gen + 1);
	return 0;
}

/*
 * The keystream of sevsim_prf.c through libsodium's vectorised ChaCha20:
 * several times faster than the freestanding scalar code the guest uses,
 * and proven equal to it by sevsim_test.
 */
static void page_xor(const u8 key[MIGCTL_SEVSIM_KEY_BYTES], u64 gfn, u8 *dst,
		     const u8 *src)
{
	u8 nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = { 0 };

	/* Outside the window the guest keeps private pages in plaintext. */
	if (!key) {
		memmove(dst, src, MIGCTL_SEVSIM_PAGE_SIZE);
		return;
	}

	put_u64(nonce, gfn);
	crypto_stream_chacha20_ietf_xor_ic(dst, src, MIGCTL_SEVSIM_PAGE_SIZE,
					   nonce, 0, key);
}

static void make_ad(u8 ad[MIGCTL_SEVSIM_AD_BYTES], u64 gfn, u64 round)
{
	put_u64(ad, gfn);
	put_u64(ad + 8, round);
}

int sevsim_fw_export(const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
		     const u8 tkey[MIGCTL_STREAM_KEY_BYTES], u64 gfn, u64 round,
		     const void *page, void *sealed)
{
	u8 plain[MIGCTL_SEVSIM_PAGE_SIZE], ad[MIGCTL_SEVSIM_AD_BYTES];
	u8 *out = sealed;
	int ret;

	/* A random 192-bit nonce per page never repeats under one key in practice. */
	randombytes_buf(out, MIGCTL_SEALED_NONCE_BYTES);
	page_xor(key, gfn, plain, page);
	make_ad(ad, gfn, round);
	ret = crypto_aead_xchacha20poly1305_ietf_encrypt(
		out + MIGCTL_SEALED_NONCE_BYTES, NULL, plain, sizeof(plain), ad,
		sizeof(ad), NULL, out, tkey);
	sodium_memzero(plain, sizeof(plain));
	return ret ? -EIO : 0;
}

int sevsim_fw_import(const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
		     const u8 tkey[MIGCTL_STREAM_KEY_BYTES], u64 gfn, u64 round,
		     const void *sealed, void *page)
{
	u8 plain[MIGCTL_SEVSIM_PAGE_SIZE], ad[MIGCTL_SEVSIM_AD_BYTES];
	const u8 *in = sealed;
	unsigned long long plen;

	make_ad(ad, gfn, round);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    plain, &plen, NULL, in + MIGCTL_SEALED_NONCE_BYTES,
		    MIGCTL_SEALED_PAGE_BYTES - MIGCTL_SEALED_NONCE_BYTES, ad,
		    sizeof(ad), in, tkey) ||
	    plen != sizeof(plain)) {
		sodium_memzero(plain, sizeof(plain));
		return -EBADMSG;
	}
	page_xor(key, gfn, page, plain);
	sodium_memzero(plain, sizeof(plain));
	return 0;
}

bool sevsim_page_is_zero(const void *page)
{
	const u64 *p = page;

	for (unsigned int i = 0; i < MIGCTL_SEVSIM_PAGE_SIZE / sizeof(u64); i += 8) {
		u64 acc = 0;

		for (unsigned int j = 0; j < 8; j++)
			acc |= p[i + j];
		if (acc)
			return false;
	}
	return true;
}

int sevsim_send_page(struct migrate_writer *w, u64 round, u64 gfn,
		     const void *page, bool private, const u8 *key,
		     const u8 *tkey)
{
	u8 sealed[MIGCTL_SEALED_PAGE_BYTES];
	bool zero;
	int ret;

	if (!private || !key) {
		zero = sevsim_page_is_zero(page);
		return migrate_writer_ram(w, round, gfn,
					  zero ? MIGCTL_PAGE_ZERO :
						 MIGCTL_PAGE_RAW,
					  zero ? NULL : page);
	}
	ret = sevsim_fw_export(key, tkey, gfn, round, page, sealed);
	return ret   ?:
		       migrate_writer_ram(w, round, gfn, MIGCTL_PAGE_PRIVATE,
					  sealed);
}

int sevsim_apply_page(const struct migrate_page *pg, void *page, const u8 *key,
		      const u8 *tkey)
{
	switch (pg->kind) {
	case MIGCTL_PAGE_ZERO:
		if (!sevsim_page_is_zero(page))
			memset(page, 0, MIGCTL_SEVSIM_PAGE_SIZE);
		return 0;
	case MIGCTL_PAGE_RAW:
		memcpy(page, pg->data, MIGCTL_SEVSIM_PAGE_SIZE);
		return 0;
	case MIGCTL_PAGE_PRIVATE:
		if (!key || !tkey)
			return -EBADMSG;
		return sevsim_fw_import(key, tkey, pg->gfn, pg->round, pg->data,
					page);
	}
	return -EINVAL;
}
