/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim.c - sev-sim keys, key page and the AEAD-protected firmware path. */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <gcrypt.h>
#include <sodium.h>

#include "sevsim.h"

/*
 * The firmware path seals with libgcrypt: AES-128-OCB (RFC 7253) under the
 * first 16 bytes of the transport key, as SEV's transport encryption key
 * is an AES-128 key. OCB is one AES pass with AES-NI, no carry-less
 * multiplication. libgcrypt's OCB takes 0.61 us a page on the test
 * machine, against 0.88 us for the same cipher through OpenSSL 3's EVP
 * calls (stream format version 3 up to commit 258e8b7; the bytes on the
 * wire are the same) and 1.48 us for AES-256-GCM (version 2). The VM's
 * page keystream is sevsim_prf_xor_fast(): ChaCha8 with AVX2, 0.75 us a
 * page (bench/fwbench.c; docs/performance.adoc).
 */
#define FW_IV_BYTES	12u	/* OCB's 96-bit nonce: the nonce field's first bytes */
#define FW_TAG_BYTES	16u
#define FW_KEY_BYTES	16u	/* AES-128: the transport key's first 16 bytes */

_Static_assert(MIGCTL_SEALED_NONCE_BYTES >= FW_IV_BYTES,
	       "the sealed page's nonce field holds the OCB nonce");
_Static_assert(MIGCTL_SEALED_TAG_BYTES == FW_TAG_BYTES, "sealed page tag is OCB's");
_Static_assert(MIGCTL_STREAM_KEY_BYTES >= FW_KEY_BYTES, "transport key holds an AES-128 key");
_Static_assert(MIGCTL_SEALED_PAGE_BYTES ==
		       MIGCTL_SEALED_NONCE_BYTES + MIGCTL_SEVSIM_PAGE_SIZE + FW_TAG_BYTES,
	       "sealed page is nonce, ciphertext, tag");

/*
 * One thread's cipher handles. Keying AES-OCB (the key schedule and the
 * table of offsets) costs a good part of sealing a page, so each handle
 * keeps the transport key it was last given and is rekeyed only when a
 * call brings another. Freed when the thread exits.
 */
struct fw_ctx {
	gcry_cipher_hd_t seal, open;
	u8 seal_key[MIGCTL_STREAM_KEY_BYTES], open_key[MIGCTL_STREAM_KEY_BYTES];
	bool seal_keyed, open_keyed;
};

static __thread struct fw_ctx *fw_tls;
static pthread_key_t fw_key;
static pthread_once_t fw_once = PTHREAD_ONCE_INIT;
static int fw_key_err;
/* Source side: the IV of each seal, never repeated in a process (see sevsim_fw_export()). */
static u64 fw_seq;

static void fw_ctx_free(void *arg)
{
	struct fw_ctx *f = arg;

	if (!f)
		return;
	gcry_cipher_close(f->seal);
	gcry_cipher_close(f->open);
	sodium_memzero(f, sizeof(*f));
	free(f);
}

/*
 * libgcrypt wants its version check before any other call, and to be told
 * when its set-up is done. The VMM keeps no key in its secure memory (the
 * transport key travels in the stream; this is a model), so that is off.
 */
static void fw_key_create(void)
{
	if (!gcry_check_version(GCRYPT_VERSION) ||
	    gcry_control(GCRYCTL_DISABLE_SECMEM, 0) ||
	    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0)) {
		fw_key_err = EIO;
		return;
	}
	fw_key_err = pthread_key_create(&fw_key, fw_ctx_free);
}

static gcry_cipher_hd_t fw_open_handle(void)
{
	gcry_cipher_hd_t h;

	if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_OCB, 0))
		return NULL;
	return h;
}

static struct fw_ctx *fw_ctx_get(void)
{
	struct fw_ctx *f = fw_tls;

	if (f)
		return f;
	if (pthread_once(&fw_once, fw_key_create) || fw_key_err)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->seal = fw_open_handle();
	f->open = fw_open_handle();
	if (!f->seal || !f->open || pthread_setspecific(fw_key, f)) {
		fw_ctx_free(f);
		return NULL;
	}
	fw_tls = f;
	return f;
}

int sevsim_init(void)
{
	if (sodium_init() < 0)
		return -EIO;
	/* libgcrypt's set-up and the first handles: here, not in the first page's path. */
	return fw_ctx_get() ? 0 : -EIO;
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
 * @dst = @src XOR the keystream of page @gfn (sevsim_prf.h): ChaCha8,
 * 8 blocks at a time (sevsim_prf_x86.c); sevsim_test proves it equal to
 * the guest's freestanding code. Without @key (outside the window, where
 * the guest keeps private pages in plaintext) a copy.
 */
static void page_xor(const u8 key[MIGCTL_SEVSIM_KEY_BYTES], u64 gfn, u8 *dst, const u8 *src)
{
	if (key)
		sevsim_prf_xor_fast(key, gfn << 12, dst, src, MIGCTL_SEVSIM_PRF_ROUNDS);
	else if (dst != src)
		memcpy(dst, src, MIGCTL_SEVSIM_PAGE_SIZE);
}

static void make_ad(u8 ad[MIGCTL_SEVSIM_AD_BYTES], u64 gfn, u64 round)
{
	put_u64(ad, gfn);
	put_u64(ad + 8, round);
}

/* Key @h with @tkey unless it holds it already. */
static int fw_rekey(gcry_cipher_hd_t h, u8 *held, bool *keyed, const u8 *tkey)
{
	if (*keyed && !memcmp(held, tkey, MIGCTL_STREAM_KEY_BYTES))
		return 0;
	*keyed = false;
	if (gcry_cipher_setkey(h, tkey, FW_KEY_BYTES))
		return -EIO;
	memcpy(held, tkey, MIGCTL_STREAM_KEY_BYTES);
	*keyed = true;
	return 0;
}

/*
 * The nonce is a count of the process's seals, LE64 in the nonce field's
 * first 8 bytes, the other 16 zero: it never repeats under one transport
 * key, which is fresh for each migration (what OCB needs). The plaintext
 * passes through @sealed itself, which OCB then encrypts in place.
 */
int sevsim_fw_export(const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
		     const u8 tkey[MIGCTL_STREAM_KEY_BYTES], u64 gfn, u64 round,
		     const void *page, void *sealed)
{
	struct fw_ctx *f = fw_ctx_get();
	u8 ad[MIGCTL_SEVSIM_AD_BYTES], *out = sealed;
	u8 *body = out + MIGCTL_SEALED_NONCE_BYTES;

	if (!f || fw_rekey(f->seal, f->seal_key, &f->seal_keyed, tkey))
		return -EIO;
	memset(out, 0, MIGCTL_SEALED_NONCE_BYTES);
	put_u64(out, __atomic_add_fetch(&fw_seq, 1, __ATOMIC_RELAXED));
	make_ad(ad, gfn, round);
	page_xor(key, gfn, body, page);
	/* gcry_cipher_final(): the page is the whole of the message. */
	if (gcry_cipher_setiv(f->seal, out, FW_IV_BYTES) ||
	    gcry_cipher_authenticate(f->seal, ad, sizeof(ad)) ||
	    gcry_cipher_final(f->seal) ||
	    gcry_cipher_encrypt(f->seal, body, MIGCTL_SEVSIM_PAGE_SIZE, NULL, 0) ||
	    gcry_cipher_gettag(f->seal, body + MIGCTL_SEVSIM_PAGE_SIZE, FW_TAG_BYTES)) {
		sodium_memzero(out, MIGCTL_SEALED_PAGE_BYTES);
		return -EIO;
	}
	return 0;
}

/* The nonce field past the IV must be zero, as the source writes it. */
static bool fw_nonce_valid(const u8 *in)
{
	for (unsigned int i = FW_IV_BYTES; i < MIGCTL_SEALED_NONCE_BYTES; i++)
		if (in[i])
			return false;
	return true;
}

int sevsim_fw_import(const u8 key[MIGCTL_SEVSIM_KEY_BYTES],
		     const u8 tkey[MIGCTL_STREAM_KEY_BYTES], u64 gfn, u64 round,
		     const void *sealed, void *page)
{
	struct fw_ctx *f = fw_ctx_get();
	u8 plain[MIGCTL_SEVSIM_PAGE_SIZE], ad[MIGCTL_SEVSIM_AD_BYTES];
	const u8 *in = sealed, *body = in + MIGCTL_SEALED_NONCE_BYTES;
	gcry_error_t err;

	if (!f || fw_rekey(f->open, f->open_key, &f->open_keyed, tkey))
		return -EIO;
	if (!fw_nonce_valid(in))
		return -EBADMSG;
	make_ad(ad, gfn, round);
	if (gcry_cipher_setiv(f->open, in, FW_IV_BYTES) ||
	    gcry_cipher_authenticate(f->open, ad, sizeof(ad)) ||
	    gcry_cipher_final(f->open) ||
	    gcry_cipher_decrypt(f->open, plain, sizeof(plain), body, MIGCTL_SEVSIM_PAGE_SIZE))
		return -EIO;
	/* Constant time; a tag that does not match is GPG_ERR_CHECKSUM. */
	err = gcry_cipher_checktag(f->open, body + MIGCTL_SEVSIM_PAGE_SIZE, FW_TAG_BYTES);
	if (gcry_err_code(err) == GPG_ERR_CHECKSUM)
		return -EBADMSG;
	if (err)
		return -EIO;
	/*
	 * @plain is left as it is, also when the tag fails: the VMM holds K
	 * and can decrypt any page (this is a model, not security), and
	 * clearing 4 KiB a page cost 2% of a sev-sim migration's CPU.
	 */
	page_xor(key, gfn, page, plain);
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
