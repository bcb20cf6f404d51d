/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migwork.c - the ring-3 migration workload: convert, write and verify sev-sim pages. */
#include "migwork.h"

#include "cpu.h"
#include "layout.h"
#include "mem.h"
#include "sevsim_prf.h"
#include "user.h"

_Static_assert(MIGWORK_KEY_BYTES == MIGCTL_SEVSIM_KEY_BYTES, "key size");

#define MW_PAGE			4096u
#define MW_WORDS		(MW_PAGE / 8)
#define MW_TAG			0x6d696777ull	/* "migw" in word 1's upper half */

#define MIGWORK_REC_CORRUPT	(1u << 0)	/* counted in corrupt */
#define MIGWORK_REC_UNKNOWN	(1u << 1)	/* content unknown until the next write */

/* Keeps the compiler from moving page accesses across the generation reads. */
#define mw_barrier()		asm volatile("" : : : "memory")

/* splitmix64's finalizer: every input bit reaches every output bit. */
static inline u64 mw_mix(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline u64 mw_rand(struct migwork_cpu *c)
{
	c->rng += 0x9e3779b97f4a7c15ull;
	return mw_mix(c->rng);
}

static inline u64 mw_gpa(const struct migwork_cpu *c, u32 i)
{
	return c->base + (u64)i * MW_PAGE;
}

/*
 * The generation now and its key in c->key. A key is copied only when the
 * generation differs from the cached one, under the same seqlock the page
 * accesses use, and remembered for the masks of converted pages.
 */
static u64 mw_key_now(struct migwork_cpu *c)
{
	struct migwork_key *k;
	u64 g;
	u32 i;

	for (;;) {
		g = c->kp->generation;
		if (g == c->key_gen)
			return g;
		for (i = 0; i < MIGWORK_KEY_BYTES; i++)
			c->key[i] = c->kp->key[i];
		if (c->kp->generation == g)
			break;
	}
	c->key_gen = g;
	k = &c->keys[g % MIGWORK_KEYS];
	k->gen = g;
	for (i = 0; i < MIGWORK_KEY_BYTES; i++)
		k->key[i] = c->key[i];
	return g;
}

static const u8 *mw_key_of(const struct migwork_cpu *c, u64 gen)
{
	const struct migwork_key *k = &c->keys[gen % MIGWORK_KEYS];

	return k->gen == gen ? k->key : NULL;
}

static inline u64 mw_seed(u64 gpa, u32 version)
{
	return mw_mix(gpa ^ (u64)version << 32 ^ MW_TAG);
}

static inline u64 mw_rotl7(u64 v)
{
	return v << 7 | v >> 57;
}

/* The plaintext of (gpa, version): gpa, tag and version, data, checksum. */
static void mw_fill(u64 *w, u64 gpa, u32 version)
{
	u64 seed = mw_seed(gpa, version), sum;
	u32 j;

	w[0] = gpa;
	w[1] = MW_TAG << 32 | version;
	sum = mw_rotl7(w[0]) ^ w[1];
	for (j = 2; j < MW_WORDS - 1; j++) {
		w[j] = mw_mix(seed + j);
		sum = mw_rotl7(sum) ^ w[j];
	}
	w[MW_WORDS - 1] = sum;
}

/* The version a pattern of gpa carries, or -1 when w is no such pattern. */
static s64 mw_check(const u64 *w, u64 gpa)
{
	u64 seed, sum, bad;
	u32 j, version;

	if (w[0] != gpa || w[1] >> 32 != MW_TAG)
		return -1;
	version = (u32)w[1];
	seed = mw_seed(gpa, version);
	sum = mw_rotl7(w[0]) ^ w[1];
	for (j = 2, bad = 0; j < MW_WORDS - 1; j++) {
		bad |= w[j] ^ mw_mix(seed + j);
		sum = mw_rotl7(sum) ^ w[j];
	}
	return bad || w[MW_WORDS - 1] != sum ? -1 : (s64)version;
}

/* The page's view into c->bounce: its bytes, decrypted when private. */
static void mw_read_view(struct migwork_cpu *c, u64 gpa, bool private)
{
	u64 g;

	if (!private) {
		memcpy(c->bounce, (const void *)gpa, MW_PAGE);
		return;
	}
	for (;;) {
		g = mw_key_now(c);
		mw_barrier();
		sevsim_prf_page_xor_copy(c->key, gpa, c->bounce, (const u8 *)gpa);
		mw_barrier();
		if (c->kp->generation == g)
			return;
		c->retries++;
	}
}

/* Writes the record's version under the record's status; idempotent when redone. */
static void mw_write(struct migwork_cpu *c, u64 gpa, const struct migwork_rec *r)
{
	u64 g;

	if (!r->private) {
		mw_fill((u64 *)gpa, gpa, r->version);
		return;
	}
	mw_fill((u64 *)c->bounce, gpa, r->version);
	for (;;) {
		g = mw_key_now(c);
		mw_barrier();
		sevsim_prf_page_xor_copy(c->key, gpa, (u8 *)gpa, c->bounce);
		mw_barrier();
		if (c->kp->generation == g)
			return;
		c->retries++;
	}
}

static bool mw_kernel_shared(const struct migwork_cpu *c, u64 gpa)
{
	u64 n = (gpa - c->status->base) / MW_PAGE;

	return c->status->bits[n / 64] >> (n % 64) & 1;
}

static void mw_note_bad(struct migwork_cpu *c, u32 i, u32 kind, s64 found)
{
	struct migwork_rec *r = &c->rec[i];
	struct migwork_bad *b;

	c->corrupt_events++;
	c->last_corrupt++;
	r->flags |= MIGWORK_REC_UNKNOWN;
	if (r->flags & MIGWORK_REC_CORRUPT)
		return;
	r->flags |= MIGWORK_REC_CORRUPT;
	c->corrupt++;
	if (c->nbad == MIGWORK_BAD_MAX)
		return;
	b = &c->bad[c->nbad++];
	*b = (struct migwork_bad){ mw_gpa(c, i), kind, r->version, 0, r->private, c->kp->generation };
	if (kind == MIGWORK_BAD_STALE)
		b->found = (u32)found;
}

/* Checks page i against its record; false (counted) when it is corrupted. */
static bool mw_verify(struct migwork_cpu *c, u32 i)
{
	struct migwork_rec *r = &c->rec[i];
	u64 gpa = mw_gpa(c, i);
	const u8 *mask;
	s64 v = -1;
	u32 kind;

	if (r->flags & MIGWORK_REC_UNKNOWN)
		return false;
	mask = r->mask_gen ? mw_key_of(c, r->mask_gen) : NULL;
	/* A mask older than the remembered keys cannot be checked. */
	if (r->mask_gen && !mask)
		return true;
	c->verified++;
	if (mw_kernel_shared(c, gpa) == r->private) {
		kind = MIGWORK_BAD_STATUS;
	} else {
		mw_read_view(c, gpa, r->private);
		if (mask)
			sevsim_prf_page_xor(mask, gpa, c->bounce);
		v = mw_check((const u64 *)c->bounce, gpa);
		if (v == r->version)
			return true;
		kind = v < 0 ? MIGWORK_BAD_GARBAGE : MIGWORK_BAD_STALE;
	}
	mw_note_bad(c, i, kind, v);
	return false;
}

static void mw_verify_range(struct migwork_cpu *c, u32 from, u32 to)
{
	u32 i;

	for (i = from; i < to; i++)
		mw_verify(c, i);
}

static void mw_verify_all(struct migwork_cpu *c)
{
	c->last_corrupt = 0;
	mw_verify_range(c, 0, c->npages);
}

/*
 * Groups 0..sentinels-1 change only right after a migration arrived (see
 * migwork_task()). Of the others, three steps in four take a hot group at
 * random: the same pages change again and again within one pre-copy round.
 * The fourth sweeps the groups in order, so that a page keeps its state
 * for a long time. A full verification follows each completed sweep.
 */
static u32 mw_pick(struct migwork_cpu *c, bool *wrapped)
{
	u64 x = mw_rand(c);
	u32 g;

	if (c->hot && (x & 3))
		return c->sentinels + (u32)((x >> 2) % c->hot);
	g = c->sweep;
	if (++c->sweep == c->npages / c->run) {
		c->sweep = c->sentinels;
		*wrapped = true;
	}
	return g;
}

/*
 * One conversion of a group: check each page, notify through the kernel,
 * and only after that returned (G-10) write the pages chosen for a write
 * under the new status. The others keep their bytes: their view becomes
 * masked by the key of the generation the conversion happened in, which
 * is known only if no migration came in between.
 */
/* The pages of the group in @write get their next version under the new status. */
static void mw_write_pages(struct migwork_cpu *c, u32 first, bool to_private, u64 write)
{
	struct migwork_rec *r;
	u32 i;

	for (i = 0; i < c->run; i++) {
		if (!(write >> i & 1))
			continue;
		r = &c->rec[first + i];
		r->private = to_private;
		r->version++;
		r->mask_gen = 0;
		r->flags &= ~MIGWORK_REC_UNKNOWN;
		mw_write(c, mw_gpa(c, first + i), r);
		c->writes++;
	}
}

static void mw_convert(struct migwork_cpu *c, u32 group)
{
	u32 first = group * c->run, i;
	bool to_private = !c->rec[first].private;
	u64 write = 0, late = 0, rnd = mw_rand(c), g, t;
	struct migwork_rec *r;
	long ret;

	for (i = 0; i < c->run; i++) {
		r = &c->rec[first + i];
		if (!mw_verify(c, first + i) || r->mask_gen || (!c->late_ticks && (rnd >> i & 1)))
			write |= 1ull << i;
	}
	/* migrate.fault=write-first breaks G-10 on purpose: write, then notify. */
	if (c->write_first)
		mw_write_pages(c, first, to_private, write);
	g = mw_key_now(c);
	t = cpu_rdtsc();
	ret = user_syscall(SYS_CONVERT, mw_gpa(c, first), c->run, to_private);
	c->tsc_kernel += cpu_rdtsc() - t;
	if (ret) {
		if (!c->errors++) {
			c->first_error = ret;
			c->error_gen = c->kp->generation;
		}
		return;
	}
	c->conversions++;
	for (i = 0; i < c->run; i++) {
		r = &c->rec[first + i];
		if (write >> i & 1)
			continue;
		if (c->kp->generation != g) {
			late |= 1ull << i;
			continue;
		}
		r->private = to_private;
		r->mask_gen = g;
		c->convert_only++;
	}
	mw_write_pages(c, first, to_private, c->write_first ? late : write | late);
}

/*
 * A migration arrived. The sentinel groups have not changed since the
 * previous one arrived: check them first, then convert each of them at
 * once, while the destination is as young as it gets, and leave them
 * until the next migration. A destination that applies the status log
 * only after the guest runs (V-5) loses these conversions, and the next
 * migration sends the pages down their old path. Then check the rest.
 */
static void mw_arrived(struct migwork_cpu *c, u64 g)
{
	u32 i;

	c->prev_gen = c->gen;
	c->gen = g;
	c->changes++;
	c->gen_conversions = c->conversions;
	c->progress_next = c->conversions + c->progress;
	c->last_corrupt = 0;
	mw_verify_range(c, 0, c->sentinels * c->run);
	for (i = 0; i < c->sentinels; i++)
		mw_convert(c, i);
	mw_verify_range(c, c->sentinels * c->run, c->npages);
}

/* Every page private (as the boot-time reset left them) at version 1. */
static void mw_start(struct migwork_cpu *c)
{
	u32 i;

	c->gen0 = c->gen = mw_key_now(c);
	c->rng = mw_mix(cpu_rdtsc() ^ c->cpu);
	c->sweep = c->sentinels;
	c->progress_next = c->progress;
	for (i = 0; i < c->npages; i++) {
		c->rec[i] = (struct migwork_rec){ .version = 1, .private = 1 };
		mw_write(c, mw_gpa(c, i), &c->rec[i]);
	}
	c->started = true;
	c->tsc_start = cpu_rdtsc();
}

/*
 * migrate.late: the groups of the sweep change once each, in order, their
 * status only, one every late_ticks; then nothing changes until the next
 * migration arrives. A page converted after pre-copy sent it is never
 * written again: only the changed set (V-2) can bring its new status to
 * the destination, and the verification there finds it if it did not.
 * True when the task has nothing to do before sleep_until.
 */
static bool mw_late_idle(struct migwork_cpu *c)
{
	u64 now = cpu_rdtsc();

	if (c->sweep < c->npages / c->run && (s64)(now - c->sleep_until) >= 0) {
		c->sleep_until = now + c->late_ticks;
		return false;
	}
	if (c->sweep >= c->npages / c->run)
		c->sleep_until = now + c->late_ticks;
	return true;
}

static bool mw_done(const struct migwork_cpu *c)
{
	if (c->errors)
		return true;
	if (c->late_ticks && !c->count)
		return c->sweep >= c->npages / c->run;
	return c->count ? c->changes >= c->count : c->conversions >= c->iters;
}

u64 migwork_task(void *arg)
{
	struct migwork_cpu *c = arg;
	bool wrapped;
	u64 g;

	if (!c->started)
		mw_start(c);
	for (;;) {
		g = c->kp->generation;
		if (g != c->gen) {
			mw_arrived(c, g);
			return MIGWORK_EV_GENERATION;
		}
		if (mw_done(c))
			break;
		if (c->late_ticks) {
			if (mw_late_idle(c))
				return MIGWORK_EV_SLEEP;
			mw_convert(c, c->sweep++);
		} else {
			wrapped = false;
			mw_convert(c, mw_pick(c, &wrapped));
			if (wrapped)
				mw_verify_all(c);
		}
		/* The kernel prints it: a test waits for it, not for a time. */
		if (c->progress && c->conversions >= c->progress_next) {
			c->progress_next += c->progress;
			return MIGWORK_EV_PROGRESS;
		}
	}
	c->tsc_end = cpu_rdtsc();
	/* The others may still convert: wait here, natively, not in the kernel's HLT loop. */
	__atomic_fetch_add(c->finished, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(c->finished, __ATOMIC_ACQUIRE) < c->ncpus)
		asm volatile("pause");
	mw_verify_all(c);
	return MIGWORK_EV_DONE;
}
