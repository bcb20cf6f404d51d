/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim_test.c - sev-sim: keystream PRF, key page, firmware path, wrong paths. */

#define _GNU_SOURCE /* memmem */

#include <pthread.h>

#include <openssl/evp.h>

#include "test.h"
#include "migrate_test_util.h"

/* RFC 8439 section 2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1. */
static const u8 rfc_block[64] = {
	0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd,
	0x1f, 0xa3, 0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0,
	0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2,
	0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05,
	0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e,
	0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
};

TEST(sevsim, prf_rfc8439_block_vector)
{
	static const u8 nonce[12] = { 0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	u8 key[32], out[64];

	for (int i = 0; i < 32; i++)
		key[i] = (u8)i;
	sevsim_prf_block(key, 1, nonce, 20, out);
	EXPECT_EQ(0, memcmp(out, rfc_block, sizeof(out)));
}

static u64 rng_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * With 20 rounds the page keystream is libsodium's ChaCha20-IETF with the
 * documented nonce, in the portable code and the VMM's AVX2 code alike;
 * with the model's 8 rounds the two agree with each other, copying and in
 * place. The block function is the same code at any round count, so this
 * pins ChaCha8 down too.
 */
TEST(sevsim, prf_matches_libsodium)
{
	static const u64 fixed_gfns[] = {
		0, 1, 0xff, 0x100000, (1ull << 40) - 1, ~0ull >> 12
	};
	u64 seed = test_seed() | 1;
	u8 key[32], nonce[12] = { 0 }, zero[4096] = { 0 }, ref[4096],
		    mine[4096], fast[4096], src[4096];

	ASSERT_EQ(0, sevsim_init());
	for (int t = 0; t < 64; t++) {
		u64 gfn = t < 6 ? fixed_gfns[t] : rng_next(&seed) >> 12;
		/* Low 12 bits of the GPA must not matter. */
		u64 gpa = gfn << 12 | (u64)(t * 97 % 4096);

		for (int i = 0; i < 32; i++)
			key[i] = (u8)rng_next(&seed);
		for (int i = 0; i < 8; i++)
			nonce[i] = (u8)(gfn >> (8 * i));
		ASSERT_EQ(0, crypto_stream_chacha20_ietf_xor_ic(
				     ref, zero, sizeof(zero), nonce, 0, key));
		sevsim_prf_xor_rounds(key, gpa, mine, zero, 20);
		ASSERT_MSG(!memcmp(ref, mine, sizeof(mine)),
			   "gfn 0x%llx: the portable ChaCha20 differs from libsodium",
			   (unsigned long long)gfn);
		sevsim_prf_xor_fast(key, gpa, fast, zero, 20);
		ASSERT_MSG(!memcmp(ref, fast, sizeof(fast)),
			   "gfn 0x%llx: the AVX2 ChaCha20 differs from libsodium",
			   (unsigned long long)gfn);

		for (int i = 0; i < 4096; i++)
			src[i] = (u8)rng_next(&seed);
		sevsim_prf_page_xor_copy(key, gpa, mine, src);
		sevsim_prf_xor_fast(key, gpa, fast, src, MIGCTL_SEVSIM_PRF_ROUNDS);
		ASSERT_MSG(!memcmp(mine, fast, sizeof(fast)),
			   "gfn 0x%llx: the AVX2 ChaCha8 differs from the guest's",
			   (unsigned long long)gfn);
		EXPECT_NE(0, memcmp(mine, src, sizeof(src)));
		sevsim_prf_xor_fast(key, gpa, src, src, MIGCTL_SEVSIM_PRF_ROUNDS);
		ASSERT_EQ(0, memcmp(mine, src, sizeof(src)));
	}
}

/* 8 rounds are not 20: the model's keystream is its own. */
TEST(sevsim, prf_rounds_are_eight)
{
	u8 key[32] = { 7 }, zero[4096] = { 0 }, eight[4096], twenty[4096];

	EXPECT_EQ(8u, MIGCTL_SEVSIM_PRF_ROUNDS);
	sevsim_prf_page_xor_copy(key, 0x5000, eight, zero);
	sevsim_prf_xor_rounds(key, 0x5000, twenty, zero, 20);
	EXPECT_NE(0, memcmp(eight, twenty, sizeof(eight)));
}

TEST(sevsim, keystream_depends_on_key_and_address)
{
	u8 k1[32] = { 1 }, k2[32] = { 2 }, a[4096] = { 0 }, b[4096] = { 0 },
	   c[4096] = { 0 };

	sevsim_prf_page_xor(k1, 0x5000, a);
	sevsim_prf_page_xor(k1, 0x6000, b);
	sevsim_prf_page_xor(k2, 0x5000, c);
	EXPECT_NE(0, memcmp(a, b, sizeof(a)));
	EXPECT_NE(0, memcmp(a, c, sizeof(a)));
	/* XOR twice is the identity. */
	sevsim_prf_page_xor(k1, 0x5000, a);
	memset(b, 0, sizeof(b));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
}

TEST(sevsim, key_generate_and_key_page)
{
	u8 k1[32], k2[32], zero[32] = { 0 }, page[4096];
	struct migctl_sevsim_key_page *kp =
		(struct migctl_sevsim_key_page *)page;

	ASSERT_EQ(0, sevsim_key_generate(k1));
	ASSERT_EQ(0, sevsim_key_generate(k2));
	EXPECT_NE(0, memcmp(k1, k2, 32));
	EXPECT_NE(0, memcmp(k1, zero, 32));

	memset(page, 0xee, sizeof(page));
	sevsim_key_page_init(page, k1, 1);
	EXPECT_EQ(MIGCTL_SEVSIM_KEY_MAGIC, kp->magic);
	EXPECT_EQ(1u, kp->generation);
	EXPECT_EQ(0, memcmp(kp->key, k1, 32));
	for (size_t i = sizeof(*kp); i < sizeof(page); i++)
		ASSERT_MSG(!page[i], "byte %zu of the key page is not zero", i);
	EXPECT_EQ(1u, sevsim_key_page_generation(page));

	ASSERT_EQ(0, sevsim_key_page_rekey(page, k2));
	EXPECT_EQ(2u, kp->generation);
	EXPECT_EQ(0, memcmp(kp->key, k2, 32));

	/* An incoming VM continues from the source's generation + 1. */
	sevsim_key_page_init(page, k1, 41 + 1);
	EXPECT_EQ(42u, sevsim_key_page_generation(page));

	page[0] ^= 1;
	EXPECT_EQ(0u, sevsim_key_page_generation(page));
	EXPECT_EQ(-EINVAL, sevsim_key_page_rekey(page, k1));
}

struct fw_fixture_data {
	u8 k_src[32], k_dst[32], tkey[32];
	u8 plain[4096], guest_src[4096], guest_dst[4096];
	u8 sealed[MIGCTL_SEALED_PAGE_BYTES];
	u64 gfn;
};

static void fw_setup(struct fw_fixture_data *d)
{
	if (sevsim_init() || sevsim_key_generate(d->k_src) ||
	    sevsim_key_generate(d->k_dst) || sevsim_key_generate(d->tkey))
		test_stop();
	d->gfn = 0x1234;
	fill_page(d->plain, d->gfn, 9);
	/* The guest keeps the private page as ciphertext under K. */
	sevsim_prf_page_xor_copy(d->k_src, d->gfn << 12, d->guest_src,
				 d->plain);
	memset(d->guest_dst, 0xaa, sizeof(d->guest_dst));
}

TEST(sevsim, firmware_path_reencrypts_under_new_key)
{
	struct fw_fixture_data d;
	u8 seen[4096];

	fw_setup(&d);
	ASSERT_EQ(0, sevsim_fw_export(d.k_src, d.tkey, d.gfn, 3, d.guest_src,
				      d.sealed));
	/* Nothing of the plaintext is visible in transit. */
	EXPECT_EQ(NULL, memmem(d.sealed, sizeof(d.sealed), d.plain, 64));
	ASSERT_EQ(0, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 3, d.sealed,
				      d.guest_dst));
	EXPECT_NE(0, memcmp(d.guest_dst, d.guest_src,
			    4096)); /* new key, new ciphertext */
	sevsim_prf_page_xor_copy(d.k_dst, d.gfn << 12, seen, d.guest_dst);
	EXPECT_EQ(0, memcmp(seen, d.plain, 4096));
}

static size_t bytes_differing(const u8 *a, const u8 *b, size_t n)
{
	size_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff += a[i] != b[i];
	return diff;
}

/* The hazard the model exists for: a private page sent down the shared (raw) path. */
TEST(sevsim, private_page_sent_raw_is_garbage)
{
	struct fw_fixture_data d;
	u8 seen[4096];

	fw_setup(&d);
	memcpy(d.guest_dst, d.guest_src, 4096); /* RAW copy */
	sevsim_prf_page_xor_copy(d.k_dst, d.gfn << 12, seen, d.guest_dst);
	EXPECT_GT(bytes_differing(seen, d.plain, 4096), (size_t)3900);
	/* And a shared page sent through the firmware path is garbage too. */
	ASSERT_EQ(0, sevsim_fw_export(d.k_src, d.tkey, d.gfn, 0, d.plain,
				      d.sealed));
	ASSERT_EQ(0, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 0, d.sealed,
				      d.guest_dst));
	EXPECT_GT(bytes_differing(d.guest_dst, d.plain, 4096), (size_t)3900);
}

TEST(sevsim, tampered_sealed_page_rejected_unapplied)
{
	static const size_t spots[] = { 0,
					23,
					24,
					100,
					24 + 4095,
					MIGCTL_SEALED_PAGE_BYTES - 16,
					MIGCTL_SEALED_PAGE_BYTES - 1 };
	struct fw_fixture_data d;
	u8 untouched[4096];

	fw_setup(&d);
	memcpy(untouched, d.guest_dst, 4096);
	ASSERT_EQ(0, sevsim_fw_export(d.k_src, d.tkey, d.gfn, 1, d.guest_src,
				      d.sealed));
	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		d.sealed[spots[i]] ^= 0x20;
		EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 1,
						     d.sealed, d.guest_dst));
		d.sealed[spots[i]] ^= 0x20;
	}
	EXPECT_EQ(0, memcmp(untouched, d.guest_dst, 4096));
	/* A different transport key cannot open it either. */
	d.tkey[0] ^= 1;
	EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 1,
					     d.sealed, d.guest_dst));
	d.tkey[0] ^= 1;
	EXPECT_EQ(0, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 1, d.sealed,
				      d.guest_dst));
}

/* The IV is never reused under a key: two seals of one page differ; the MBZ bytes are zero. */
TEST(sevsim, sealed_nonce_counts_and_mbz_is_checked)
{
	struct fw_fixture_data d;
	u8 again[MIGCTL_SEALED_PAGE_BYTES], untouched[4096];

	fw_setup(&d);
	memcpy(untouched, d.guest_dst, 4096);
	ASSERT_EQ(0, sevsim_fw_export(d.k_src, d.tkey, d.gfn, 1, d.guest_src, d.sealed));
	ASSERT_EQ(0, sevsim_fw_export(d.k_src, d.tkey, d.gfn, 1, d.guest_src, again));
	EXPECT_NE(0, memcmp(d.sealed, again, 12));
	EXPECT_NE(0, memcmp(d.sealed + 24, again + 24, 4096 + 16));
	for (unsigned int i = 12; i < 24; i++)
		EXPECT_EQ(0, d.sealed[i]);
	/* A nonce field the source never writes is refused before anything is opened. */
	again[12] = 1;
	EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 1, again, d.guest_dst));
	EXPECT_EQ(0, memcmp(untouched, d.guest_dst, 4096));
	EXPECT_EQ(0, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 1, d.sealed, d.guest_dst));
}

/*
 * AES-128-OCB with OpenSSL's libcrypto, independent of the libgcrypt code
 * under test: @out = ciphertext then tag of @in under the first 16 bytes
 * of @tkey, the 12-byte @iv and the 16-byte @ad. Returns 0 or -1.
 */
static int ocb_openssl(bool enc, const u8 *tkey, const u8 *iv, const u8 *ad,
		       const u8 *in, u8 *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	u8 tag[16];
	int len = 0, fin = 0, ok;

	if (!enc)
		memcpy(tag, in + 4096, sizeof(tag));
	ok = c && EVP_CipherInit_ex(c, EVP_aes_128_ocb(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, enc ? NULL : tag) == 1 &&
	     EVP_CipherInit_ex(c, NULL, NULL, tkey, iv, enc) == 1 &&
	     EVP_CipherUpdate(c, NULL, &len, ad, 16) == 1 &&
	     EVP_CipherUpdate(c, out, &len, in, 4096) == 1 &&
	     EVP_CipherFinal_ex(c, out + len, &fin) == 1 && len + fin == 4096 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + 4096) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/*
 * The seal is RFC 7253's AES-128-OCB, byte for byte as another library
 * computes it: nonce = the nonce field's first 12 bytes, AD = LE64 gfn,
 * LE64 round. A page OpenSSL seals that way opens, and one it seals for
 * another round does not.
 */
TEST(sevsim, seal_is_ocb_as_openssl_computes_it)
{
	struct fw_fixture_data d;
	u8 plain[4096], ref[4096 + 16], ad[16], back[4096];

	fw_setup(&d);
	for (int i = 0; i < 4096; i++)
		plain[i] = (u8)(i * 13 + 5);
	for (int i = 0; i < 8; i++) {
		ad[i] = (u8)(d.gfn >> (8 * i));
		ad[8 + i] = (u8)(3ull >> (8 * i));
	}
	ASSERT_EQ(0, sevsim_fw_export(NULL, d.tkey, d.gfn, 3, plain, d.sealed));
	ASSERT_EQ(0, ocb_openssl(true, d.tkey, d.sealed, ad, plain, ref));
	EXPECT_EQ(0, memcmp(ref, d.sealed + 24, sizeof(ref)));
	ASSERT_EQ(0, ocb_openssl(false, d.tkey, d.sealed, ad, d.sealed + 24, back));
	EXPECT_EQ(0, memcmp(plain, back, 4096));

	/* The other way: OpenSSL seals, the firmware path opens. */
	memset(d.sealed, 0, 24);
	d.sealed[0] = 0x5a;
	ASSERT_EQ(0, ocb_openssl(true, d.tkey, d.sealed, ad, plain, d.sealed + 24));
	ASSERT_EQ(0, sevsim_fw_import(NULL, d.tkey, d.gfn, 3, d.sealed, back));
	EXPECT_EQ(0, memcmp(plain, back, 4096));
	EXPECT_EQ(-EBADMSG, sevsim_fw_import(NULL, d.tkey, d.gfn, 4, d.sealed, back));
}

#define FW_MT_THREADS	2
#define FW_MT_PAGES	64

struct fw_mt {
	const struct fw_fixture_data *d;
	u8 tkey[2][32];
	u8 sealed[FW_MT_PAGES][MIGCTL_SEALED_PAGE_BYTES];
	int ret;
};

/* Seals alternately under two transport keys: each call rekeys this thread's context. */
static void *fw_mt_seal(void *arg)
{
	struct fw_mt *m = arg;

	for (unsigned int i = 0; i < FW_MT_PAGES && !m->ret; i++)
		m->ret = sevsim_fw_export(m->d->k_src, m->tkey[i & 1], m->d->gfn + i, 1,
					  m->d->guest_src, m->sealed[i]);
	return NULL;
}

/* Threads that seal at once, each switching keys, all produce pages that open. */
TEST(sevsim, threads_seal_with_their_own_keys)
{
	static struct fw_mt m[FW_MT_THREADS];
	struct fw_fixture_data d;
	pthread_t t[FW_MT_THREADS];
	u8 seen[4096], want[4096];

	fw_setup(&d);
	for (unsigned int k = 0; k < FW_MT_THREADS; k++) {
		m[k] = (struct fw_mt){ .d = &d };
		ASSERT_EQ(0, sevsim_key_generate(m[k].tkey[0]));
		ASSERT_EQ(0, sevsim_key_generate(m[k].tkey[1]));
		ASSERT_EQ(0, pthread_create(&t[k], NULL, fw_mt_seal, &m[k]));
	}
	for (unsigned int k = 0; k < FW_MT_THREADS; k++)
		ASSERT_EQ(0, pthread_join(t[k], NULL));
	for (unsigned int k = 0; k < FW_MT_THREADS; k++) {
		ASSERT_EQ(0, m[k].ret);
		for (unsigned int i = 0; i < FW_MT_PAGES; i++) {
			ASSERT_EQ(0, sevsim_fw_import(d.k_dst, m[k].tkey[i & 1], d.gfn + i, 1,
						      m[k].sealed[i], d.guest_dst));
			/* Sealed as the page at gfn + i: decrypted with K's keystream there. */
			sevsim_prf_page_xor_copy(d.k_src, (d.gfn + i) << 12, want, d.guest_src);
			sevsim_prf_page_xor_copy(d.k_dst, (d.gfn + i) << 12, seen, d.guest_dst);
			ASSERT_EQ(0, memcmp(seen, want, 4096));
			/* The other key of the pair does not open it. */
			EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, m[k].tkey[!(i & 1)],
							     d.gfn + i, 1, m[k].sealed[i],
							     d.guest_dst));
		}
	}
}

TEST(sevsim, replay_at_other_gfn_or_round_rejected)
{
	struct fw_fixture_data d;
	u8 untouched[4096];

	fw_setup(&d);
	memcpy(untouched, d.guest_dst, 4096);
	ASSERT_EQ(0, sevsim_fw_export(d.k_src, d.tkey, d.gfn, 2, d.guest_src,
				      d.sealed));
	EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, d.tkey, d.gfn + 1, 2,
					     d.sealed, d.guest_dst));
	EXPECT_EQ(-EBADMSG,
		  sevsim_fw_import(d.k_dst, d.tkey, d.gfn ^ (1ull << 40), 2,
				   d.sealed, d.guest_dst));
	EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 1,
					     d.sealed, d.guest_dst));
	EXPECT_EQ(-EBADMSG, sevsim_fw_import(d.k_dst, d.tkey, d.gfn, 3,
					     d.sealed, d.guest_dst));
	EXPECT_EQ(0, memcmp(untouched, d.guest_dst, 4096));
}

/* A tiny guest migrated in-process: the status picks the path, the destination rekeys. */
#define MINI_PAGES 16u

struct mini_dst {
	u8 mem[MINI_PAGES][4096];
	u8 key[32];
	u8 tkey[32];
	int bad_private;
	u32 kinds[MINI_PAGES];
};

static int mini_config(void *o, const struct migrate_config *cfg, char *err,
		       size_t len)
{
	struct mini_dst *d = o;

	memcpy(d->tkey, cfg->transport_key, 32);
	return 0;
}

static int mini_ram(void *o, const struct migrate_page *pg)
{
	struct mini_dst *d = o;
	int ret = sevsim_apply_page(pg, d->mem[pg->gfn], d->key, d->tkey);

	d->kinds[pg->gfn] = pg->kind;
	if (ret)
		d->bad_private++;
	return ret;
}

/* Source side: even pages private, odd shared, the last one zero (shared). */
static int mini_send(struct membuf *m, const struct migrate_config *c,
		     const u8 *k_src, u8 src[][4096])
{
	struct migrate_writer *w;
	int ret;

	ret = migrate_writer_create(&membuf_io, m, &w);
	if (ret)
		return ret;
	ret = migrate_writer_config(w, c);
	for (u64 g = 0; g < MINI_PAGES && !ret; g++)
		ret = sevsim_send_page(w, 0, g, src[g],
				       !(g & 1) && g != MINI_PAGES - 1, k_src,
				       c->transport_key);
	ret = ret ?: migrate_writer_status(w, "S", 1);
	ret = ret ?: migrate_writer_vcpu(w, 0, NULL, 0);
	ret = ret ?: migrate_writer_vcpu(w, 1, NULL, 0);
	ret = ret ?: migrate_writer_end(w);
	migrate_writer_destroy(w);
	return ret;
}

TEST(sevsim, mini_guest_migrates_through_stream)
{
	static const struct migrate_reader_ops ops = { .config = mini_config,
						       .ram = mini_ram };
	static u8 src[MINI_PAGES][4096];
	static struct mini_dst dst;
	u8 k_src[32], seen[4096], want[4096];
	struct migrate_config c;
	struct membuf m = { 0 };
	struct migrate_io_mem mem;
	struct migrate_reader *r;

	ASSERT_EQ(0, sevsim_init());
	ASSERT_EQ(0, sevsim_key_generate(k_src));
	ASSERT_EQ(0, sevsim_key_generate(dst.key));
	sample_config(&c, true);
	c.nr_regions = 1;
	c.regions[0] = (struct migrate_region){ 0, MINI_PAGES * 4096 };
	ASSERT_EQ(0, sevsim_key_generate(c.transport_key));
	for (u64 g = 0; g < MINI_PAGES - 1; g++) {
		fill_page(src[g], g, 5);
		if (!(g & 1))
			sevsim_prf_page_xor(k_src, g << 12, src[g]);
	}
	ASSERT_EQ(0, mini_send(&m, &c, k_src, src));

	memset(dst.mem, 0xcc, sizeof(dst.mem));
	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, &ops, &dst,
					   NULL, &r));
	ASSERT_EQ(0, migrate_reader_run(r));
	migrate_reader_destroy(r);
	EXPECT_EQ(0, dst.bad_private);
	for (u64 g = 0; g < MINI_PAGES; g++) {
		if (g == MINI_PAGES - 1)
			memset(want, 0, sizeof(want));
		else
			fill_page(want, g, 5);
		if (g & 1 || g == MINI_PAGES - 1)
			memcpy(seen, dst.mem[g], 4096);
		else
			sevsim_prf_page_xor_copy(dst.key, g << 12, seen,
						 dst.mem[g]);
		EXPECT_MSG(!memcmp(seen, want, 4096), "page %llu corrupted",
			   (unsigned long long)g);
		EXPECT_EQ(g == MINI_PAGES - 1 ? MIGCTL_PAGE_ZERO :
			  g & 1		      ? MIGCTL_PAGE_RAW :
						MIGCTL_PAGE_PRIVATE,
			  dst.kinds[g]);
	}
	free(m.buf);
}

/* A private page whose ciphertext is zero still takes the firmware path. */
TEST(sevsim, zero_ciphertext_private_page_is_sealed)
{
	struct migrate_config c;
	struct membuf m = { 0 };
	struct migrate_writer *w;
	struct recorder *rec = calloc(1, sizeof(*rec));
	u8 k_src[32], k_dst[32], zero[4096] = { 0 }, mem[4096],
				 want[4096] = { 0 };

	ASSERT_NONNULL(rec);
	ASSERT_EQ(0, sevsim_init());
	ASSERT_EQ(0, sevsim_key_generate(k_src));
	ASSERT_EQ(0, sevsim_key_generate(k_dst));
	sample_config(&c, true);
	ASSERT_EQ(0, migrate_writer_create(&membuf_io, &m, &w));
	ASSERT_EQ(0, migrate_writer_config(w, &c));
	ASSERT_EQ(0, sevsim_send_page(w, 0, 1, zero, true, k_src,
				      c.transport_key));
	ASSERT_EQ(0, sevsim_send_page(w, 0, 2, zero, false, k_src,
				      c.transport_key));
	/* Without sev-sim keys a "private" page is plain memory. */
	ASSERT_EQ(0, sevsim_send_page(w, 0, 3, zero, true, NULL, NULL));
	ASSERT_EQ(0, migrate_writer_flush(w));
	migrate_writer_destroy(w);
	/* No END: the reader stops at truncation after the pages. */
	EXPECT_EQ(-ENODATA, parse_mem(m.buf, m.len, rec, NULL, NULL, 0));
	ASSERT_EQ(3, rec->rams);
	EXPECT_EQ(MIGCTL_PAGE_PRIVATE, rec->kinds[0]);
	EXPECT_EQ(MIGCTL_PAGE_ZERO, rec->kinds[1]);
	EXPECT_EQ(MIGCTL_PAGE_ZERO, rec->kinds[2]);
	{
		struct migrate_page pg = { .round = 0,
					   .gfn = 1,
					   .kind = rec->kinds[0],
					   .data = rec->pages[0],
					   .len = rec->page_len[0] };

		ASSERT_EQ(0,
			  sevsim_apply_page(&pg, mem, k_dst, c.transport_key));
		EXPECT_EQ(-EBADMSG, sevsim_apply_page(&pg, mem, NULL, NULL));
	}
	/* The guest's plaintext was keystream(K); it reads the same under K'. */
	sevsim_prf_page_xor(k_src, 1ull << 12, want);
	sevsim_prf_page_xor(k_dst, 1ull << 12, mem);
	EXPECT_EQ(0, memcmp(want, mem, 4096));
	free(rec);
	free(m.buf);
}

/*
 * The window fields follow the key; a private page outside the window
 * (key NULL) is sealed and opened without the K transform, so its bytes
 * arrive unchanged under any destination key.
 */
TEST(sevsim, key_page_window_and_plain_private_path)
{
	static u8 page[4096], plain[4096], sealed[MIGCTL_SEALED_PAGE_BYTES], out[4096];
	u8 k[32] = { 7 }, tkey[32] = { 9 };
	u64 gpa, pages;

	sevsim_key_page_init(page, k, 1);
	sevsim_key_page_set_window(page, 0x8000000, 0x8000);
	ASSERT_EQ(0, sevsim_key_page_window(page, &gpa, &pages));
	EXPECT_EQ(0x8000000ull, gpa);
	EXPECT_EQ(0x8000ull, pages);
	EXPECT_EQ(0x8000000ull, ((struct migctl_sevsim_key_page *)page)->window_gpa);
	EXPECT_EQ(1u, sevsim_key_page_generation(page));
	EXPECT_EQ(MIGCTL_SEVSIM_KEY_GPA, 0xfeb00000ull);

	for (int i = 0; i < 4096; i++)
		plain[i] = (u8)(i * 7 + 1);
	ASSERT_EQ(0, sevsim_fw_export(NULL, tkey, 0x1234, 2, plain, sealed));
	ASSERT_EQ(0, sevsim_fw_import(NULL, tkey, 0x1234, 2, sealed, out));
	EXPECT_EQ(0, memcmp(plain, out, 4096));
	memset(page, 0, sizeof(page));
	EXPECT_EQ(-EINVAL, sevsim_key_page_window(page, &gpa, &pages));
}
