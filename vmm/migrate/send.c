/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* send.c - the source side of a migration: pre-copy, pause, state, END. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "migctl-host.h"
#include "channel.h"
#include "converge.h"
#include "fault.h"
#include "secure.h"
#include "send.h"
#include "throttle.h"
#include "sevsim.h"
#include "state.h"
#include "../sevsim_vm.h"
#include "../vcpu.h"
#include "../vm.h"

#define SEND_PAGE	4096ull
#define SEND_TICK_PAGES	8192	/* 32 MiB between progress reports */
/* Or, every SEND_TICK_CLOCK pages, a report when SEND_TICK_MS have passed. */
#define SEND_TICK_CLOCK	64
#define SEND_TICK_MS	200
#define SEND_SCAN_WORDS	512	/* round 0 asks which pages exist 32768 at a time */
#define SEND_WHY_MS	1000	/* after a broken stream: the wait for a FAIL reason */

struct send_ctx {
	const struct migrate_send_args *a;
	struct vm *vm;
	struct migctl_host_log *log;
	struct migrate_writer *w;
	struct migrate_stats *st;
	u64 *dirty[MEM_MAX_BANKS];	/* pending: dirty pages */
	u64 *chg[MEM_MAX_BANKS];	/* pending: status changed (C) */
	u64 *tmp;			/* one fetch, before it is merged */
	u64 *snap[MEM_MAX_BANKS];	/* MIGCTL_FAULT_STATUS_FIRST: S at fetch */
	u64 untouched[SEND_SCAN_WORDS];	/* round 0: pages never backed, this chunk */
	u8 tkey[MIGCTL_STREAM_KEY_BYTES];
	u64 round;
	u64 gen0;			/* protocol state generation at the start */
	u64 t0, t_pause;
	u64 t_fetch_us;			/* the last dirty-log fetch */
	u64 round_t0_us, round_bytes0;	/* when the last round began, bytes then */
	u64 deferred;			/* pages the last round left to the next */
	u64 progress_ms;		/* when the last progress report went out */
	u64 rounds_applied;		/* ROUND replies: rounds the destination applied */
	struct converge cv;
	struct migrate_throttle throttle;	/* auto-converge */
	bool paused;
	char *err;
	size_t errlen;
};

static u64 send_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000ull;
}

static u64 send_now_ms(void)
{
	return send_now_us() / 1000;
}

static int send_fail(struct send_ctx *c, int ret, const char *fmt, const char *arg)
{
	snprintf(c->err, c->errlen, fmt, arg);
	return ret;
}

static int send_alloc(struct send_ctx *c)
{
	struct mem *mem = &c->vm->mem;
	u64 max = 0;

	for (int b = 0; b < mem->nr_banks; b++) {
		u64 words = mem_dirty_words(mem, b);

		c->dirty[b] = calloc(words, 8);
		c->chg[b] = calloc(words, 8);
		c->snap[b] = calloc(words, 8);
		if (!c->dirty[b] || !c->chg[b] || !c->snap[b])
			return -ENOMEM;
		max = words > max ? words : max;
	}
	c->tmp = calloc(max, 8);
	return c->tmp ? 0 : -ENOMEM;
}

static void send_free(struct send_ctx *c)
{
	for (int b = 0; b < MEM_MAX_BANKS; b++) {
		free(c->dirty[b]);
		free(c->chg[b]);
		free(c->snap[b]);
	}
	free(c->tmp);
}

/* S of every page of bank @b into snap[b] (the faulty order only). */
static void __attribute__((unused)) send_snapshot_status(struct send_ctx *c, int b)
{
	const struct mem_bank *bank = &c->vm->mem.banks[b];
	u64 first = bank->gpa >> 12, n = bank->size >> 12;

	for (u64 i = 0; i < n; i++) {
		if (migctl_host_log_get(c->log, first + i) == 1)
			c->snap[b][i / 64] |= 1ull << (i % 64);
		else
			c->snap[b][i / 64] &= ~(1ull << (i % 64));
	}
}

/*
 * V-2: fetch-and-clear the dirty log of every bank FIRST, THEN
 * fetch-and-clear C, merging both into the pending sets.
 * Return: pending pages, or -errno.
 */
static s64 send_collect(struct send_ctx *c)
{
	struct mem *mem = &c->vm->mem;
	s64 total = 0;
	int ret;

	c->t_fetch_us = send_now_us();
	for (int b = 0; b < mem->nr_banks; b++) {
#ifdef MIGCTL_FAULT_STATUS_FIRST
		send_snapshot_status(c, b);
#endif
		ret = mem_dirty_fetch(mem, c->vm->fd, b, c->tmp);
		if (ret)
			return ret;
		for (u64 i = 0; i < mem_dirty_words(mem, b); i++)
			c->dirty[b][i] |= c->tmp[i];
	}
#if !defined(MIGCTL_FAULT_NO_CHANGED_SET) && !defined(MIGCTL_FAULT_STATUS_FIRST)
	for (int b = 0; b < mem->nr_banks; b++) {
		u64 words = mem_dirty_words(mem, b);

		if (migctl_host_log_fetch_changed(c->log, b, c->tmp, words) < 0)
			return -EINVAL;
		for (u64 i = 0; i < words; i++)
			c->chg[b][i] |= c->tmp[i];
	}
#endif
	for (int b = 0; b < mem->nr_banks; b++)
		for (u64 i = 0; i < mem_dirty_words(mem, b); i++)
			total += __builtin_popcountll(c->dirty[b][i] | c->chg[b][i]);
	return total;
}

/*
 * One page down the path of its status, read now (V-2). An @untouched
 * page (never backed by the host) is zero and need not be read, unless
 * it is private inside the sev-sim window, where memory holds ciphertext.
 */
static const u8 send_zero_page[SEND_PAGE];

static int send_page(struct send_ctx *c, int b, u64 i, bool untouched)
{
	const struct sevsim_vm *sev = c->a->sev;
	u64 gfn = (c->vm->mem.banks[b].gpa >> 12) + i;
	const void *page = mem_gpa_to_hva(&c->vm->mem, gfn << 12, SEND_PAGE);
	u8 sealed[MIGCTL_SEALED_PAGE_BYTES];
	bool private;
	int ret;

#ifdef MIGCTL_FAULT_STATUS_FIRST
	private = c->snap[b][i / 64] >> (i % 64) & 1;
#else
	private = migctl_host_log_get(c->log, gfn) == 1;
#endif
	/*
	 * Outside the window a private page holds its plaintext, so a zero
	 * page's plaintext is zero and ZERO says the same as the firmware
	 * path would: idle private RAM costs no sealing.
	 */
	if (untouched && (!sev || !private || !sevsim_vm_in_window(sev, gfn)))
		return migrate_writer_ram(c->w, c->round, gfn, MIGCTL_PAGE_ZERO, NULL);
	/*
	 * An untouched window page is sealed all the same, from zeros: reading
	 * it would map the kernel's zero page at the cost of a fault (most of
	 * an idle sev-sim guest's migration time on a PVM-style KVM).
	 */
	if (untouched)
		page = send_zero_page;
	if (!sev || !private || (!sevsim_vm_in_window(sev, gfn) && sevsim_page_is_zero(page)))
		return sevsim_send_page(c->w, c->round, gfn, page, false, NULL, NULL);
	ret = sevsim_fw_export(sevsim_vm_in_window(sev, gfn) ? sev->key : NULL, c->tkey, gfn,
			       c->round, page, sealed);
	return ret ?: migrate_writer_ram(c->w, c->round, gfn, MIGCTL_PAGE_PRIVATE, sealed);
}

/* A progress report to the caller: @remaining pages still to send. */
static void send_progress(struct send_ctx *c, u64 remaining)
{
	struct migrate_stream_stats ws;
	struct migrate_progress p;
	u64 now = send_now_ms(), el = now - c->t0;

	c->progress_ms = now;
	if (!c->a->progress)
		return;
	migrate_writer_stats(c->w, &ws);
	p = (struct migrate_progress){ c->round, ws.bytes, remaining, c->st->dirty_rate,
				       el ? ws.bytes * 1000 / el : 0, el, c->cv.expected_us,
				       c->cv.throttle };
	c->a->progress(c->a->opaque, &p);
}

/* After a round's harvest: the policy's view into the stats, then progress. */
static void send_report(struct send_ctx *c, u64 remaining)
{
	c->st->remaining = remaining;
	c->st->dirty_rate = c->cv.dirty_rate;
	c->st->bandwidth = c->cv.bandwidth;
	c->st->expected_downtime_us = c->cv.expected_us;
	c->st->throttle_pct = c->cv.throttle;
	c->st->converged = c->cv.converged;
	send_progress(c, remaining);
}

/* The policy's throttle to the throttler (throttle.h); none for a VM paused already. */
static int send_apply_throttle(struct send_ctx *c)
{
	int ret;

	if (c->a->user_paused)
		return 0;
	ret = throttle_set(&c->throttle, c->vm, c->cv.throttle);
	return ret ? send_fail(c, ret, "cannot start the vCPU throttle: %s", strerror(-ret)) : 0;
}

/*
 * Pre-copy at no more than max_bandwidth bytes/s on average since the
 * start: sleep off any lead, in slices short enough to see a cancel. The
 * final round is not throttled, to keep the downtime short.
 */
static int send_throttle(struct send_ctx *c)
{
	struct migrate_stream_stats ws;
	u64 bw = c->a->max_bandwidth, due, el;

	if (!bw)
		return 0;
	migrate_writer_stats(c->w, &ws);
	due = ws.bytes * 1000 / bw;
	while ((el = send_now_ms() - c->t0) < due) {
		if (atomic_load(c->a->cancel))
			return send_fail(c, -ECANCELED, "%s", "cancelled");
		usleep((due - el > 50 ? 50 : due - el) * 1000);
	}
	return 0;
}

/*
 * Within a round, every SEND_TICK_PAGES pages, or SEND_TICK_MS after the
 * last report when pages go slowly (a bandwidth limit, a slow link):
 * progress for query-migrate and the terminal, and a cancel is seen
 * without waiting for the round (the first one is all of RAM).
 */
static int send_tick(struct send_ctx *c, u64 *sent, u64 total)
{
	int ret = send_throttle(c);

	if (ret)
		return ret;
	++*sent;
	if (*sent % SEND_TICK_PAGES &&
	    (*sent % SEND_TICK_CLOCK || send_now_ms() - c->progress_ms < SEND_TICK_MS))
		return 0;
	if (atomic_load(c->a->cancel))
		return send_fail(c, -ECANCELED, "%s", "cancelled");
	send_progress(c, total - *sent);
	return 0;
}

/* Round 0: which pages from word @wi of bank @b on the host never backed. */
static void send_scan_untouched(struct send_ctx *c, int b, u64 wi)
{
	u64 pages = c->vm->mem.banks[b].size >> 12, first = wi * 64;
	u64 n = pages - first < SEND_SCAN_WORDS * 64 ? pages - first : SEND_SCAN_WORDS * 64;

	if (mem_untouched(&c->vm->mem, b, first, n, c->untouched))
		memset(c->untouched, 0, sizeof(c->untouched));	/* read them all */
}

/*
 * Round 0 of a running VM sends the pages the host never backed, as ZERO,
 * and leaves every page with contents to round 1 (V-2 lets a round carry
 * a page over). Round 0 is a pass over all of RAM, long for a large
 * guest: a page it sent early that the guest rewrites meanwhile would go
 * again in round 1, and the working set of a busy guest goes twice. Not
 * for a paused VM, where nothing is rewritten, nor when round 0 is the
 * only pre-copy round.
 */
static bool send_defers(const struct send_ctx *c)
{
	return c->round == 0 && !c->a->user_paused && c->a->max_rounds > 1;
}

/* Send the pending set as round c->round and end the round. */
static int send_round(struct send_ctx *c)
{
	struct mem *mem = &c->vm->mem;
	bool defer = send_defers(c);
	u64 total = 0, sent = 0;
	int ret;

	for (int b = 0; b < mem->nr_banks; b++)
		for (u64 wi = 0; wi < mem_dirty_words(mem, b); wi++)
			total += __builtin_popcountll(c->dirty[b][wi] | c->chg[b][wi]);
	c->deferred = 0;
	for (int b = 0; b < mem->nr_banks; b++) {
		for (u64 wi = 0; wi < mem_dirty_words(mem, b); wi++) {
			u64 bits = c->dirty[b][wi] | c->chg[b][wi], fresh = 0, held = 0;

			if (c->round == 0) {
				if (wi % SEND_SCAN_WORDS == 0)
					send_scan_untouched(c, b, wi);
				fresh = c->untouched[wi % SEND_SCAN_WORDS];
			}
			if (defer) {
				held = bits & ~fresh;
				bits &= fresh;
				c->deferred += __builtin_popcountll(held);
			}
			c->st->pages_status_resent +=
				__builtin_popcountll(c->chg[b][wi] & ~c->dirty[b][wi]);
			/* A held page stays in the set: the next fetch adds to it. */
			c->dirty[b][wi] = held;
			c->chg[b][wi] = 0;
			while (bits) {
				u64 bit = __builtin_ctzll(bits);

				ret = send_page(c, b, wi * 64 + bit, fresh >> bit & 1);
				if (!ret && !c->paused)
					ret = send_tick(c, &sent, total);
				if (ret)
					return ret;
				bits &= bits - 1;
			}
		}
	}
	c->st->rounds++;
	return migrate_writer_round(c->w, c->round);
}

/* Round 0: dirty logging on, C cleared, then every page (V-2). */
static int send_first_round(struct send_ctx *c)
{
	struct mem *mem = &c->vm->mem;
	s64 ret = mem_dirty_log(mem, c->vm->fd, true, c->a->dirty_log);

	if (ret == -EOPNOTSUPP)
		return send_fail(c, ret, "--dirty-log manual: this KVM has no %s",
				 "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
	if (ret)
		return send_fail(c, ret, "cannot turn on dirty logging: %s", strerror(-ret));
	c->st->manual_protect = mem->manual_protect;
	ret = send_collect(c);
	if (ret < 0)
		return ret;
	for (int b = 0; b < mem->nr_banks; b++) {
		u64 n = mem->banks[b].size >> 12;

		memset(c->chg[b], 0, mem_dirty_words(mem, b) * 8);
		for (u64 i = 0; i < n; i++)
			c->dirty[b][i / 64] |= 1ull << (i % 64);
	}
	return send_round(c);
}

/* V-7: an opt-out (or any change of the negotiated state) fails the migration. */
static int send_check_optout(struct send_ctx *c)
{
	struct migctl_host_state hs;

	migctl_host_state(c->a->host, &hs);
	if (hs.generation == c->gen0)
		return 0;
	return send_fail(c, -ECANCELED, "%s", hs.ready ?
			 "the guest renegotiated during the migration (V-7)" :
			 "the guest opted out during the migration (V-7)");
}


static void send_round_begins(struct send_ctx *c)
{
	struct migrate_stream_stats ws;

	migrate_writer_stats(c->w, &ws);
	c->round_t0_us = send_now_us();
	c->round_bytes0 = ws.bytes;
}

/* The destination's next reply that is not a ROUND acknowledgement (counted). */
static int send_recv_reply(struct send_ctx *c, int timeout_ms, char *reason, size_t len)
{
	int type;

	do {
		type = migrate_chan_recv_reply(c->a->fd, c->a->sec, timeout_ms, reason, len);
		if (type == MIGCTL_REPLY_ROUND)
			c->rounds_applied++;
	} while (type == MIGCTL_REPLY_ROUND);
	return type;
}

/*
 * Before the pause: wait until the destination has applied every round
 * sent, which it acknowledges with a ROUND reply per ROUND section. Pages
 * still in the socket buffers would otherwise be applied while the guest
 * is paused: several MiB at the destination's first-touch cost, 10 ms of
 * downtime for a filled 4 GiB guest whose final round was empty. The guest
 * runs meanwhile; what it dirties goes in the final round. A destination
 * that does not answer within the reply timeout is not waited for here
 * (DONE still is). Polls the cancel flag every 50 ms.
 */
static int send_wait_applied(struct send_ctx *c)
{
	char reason[MIGCTL_REPLY_REASON_MAX + 1];
	struct migrate_stream_stats ws;
	u64 deadline = send_now_ms() + (u64)c->a->reply_timeout_ms;
	int ret, type;

	if (!c->a->bidirectional)
		return 0;
	ret = migrate_writer_flush(c->w);
	if (ret)
		return ret;
	migrate_writer_stats(c->w, &ws);
	while (c->rounds_applied < ws.rounds && send_now_ms() < deadline) {
		struct pollfd pf = { .fd = c->a->fd, .events = POLLIN };

		if (atomic_load(c->a->cancel))
			return send_fail(c, -ECANCELED, "%s", "cancelled");
		ret = poll(&pf, 1, 50);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret <= 0)
			continue;
		/* A reply has begun: it is read whole, with the usual deadline. */
		type = migrate_chan_recv_reply(c->a->fd, c->a->sec, c->a->reply_timeout_ms,
					       reason, sizeof(reason));
		if (type == MIGCTL_REPLY_ROUND)
			c->rounds_applied++;
		else if (type == MIGCTL_REPLY_FAIL || type == MIGCTL_REPLY_REFUSE)
			return send_fail(c, -EPROTO, "the destination failed: %s", reason);
		else
			return send_fail(c, type < 0 ? type : -EBADMSG,
					 "waiting for the destination to apply pre-copy: %s",
					 type < 0 ? strerror(-type) : "unexpected reply");
	}
	return 0;
}

/*
 * Pre-copy rounds while converge_round() asks for them (converge.h): the
 * bandwidth is the last round's alone (round 0 is mostly zero pages, few
 * bytes and a long scan, and would keep the estimate low for every later
 * round), the dirty rate what the harvest found since the one before.
 */
static int send_precopy(struct send_ctx *c)
{
	int ret;

	converge_init(&c->cv, (u64)c->a->downtime_ms * 1000, c->a->max_rounds,
		      c->a->throttle_max);
	send_round_begins(c);
	ret = send_first_round(c);

	while (!ret) {
		struct migrate_stream_stats ws;
		struct converge_sample smp;
		u64 prev = c->t_fetch_us, sent_us = send_now_us() - c->round_t0_us;
		bool more;
		s64 n;

		if (atomic_load(c->a->cancel))
			return send_fail(c, -ECANCELED, "%s", "cancelled");
		ret = send_check_optout(c);
		if (ret)
			return ret;
		n = send_collect(c);
		if (n < 0)
			return n;
		migrate_writer_stats(c->w, &ws);
		smp = (struct converge_sample){ n, ws.bytes - c->round_bytes0, sent_us,
						c->t_fetch_us - prev, c->deferred };
		c->st->pages_deferred += c->deferred;
		more = converge_round(&c->cv, &smp);
		send_report(c, n);
		if (!more)
			return send_wait_applied(c);
		ret = send_apply_throttle(c);
		if (ret)
			return ret;
		c->round++;
		send_round_begins(c);
		ret = send_round(c);
	}
	return ret;
}

/* Pause (V-3), final round (V-4), then everything that is not RAM. */
static int send_stop_and_copy(struct send_ctx *c)
{
	const struct migrate_send_args *a = c->a;
	struct migctl_host_state hs;
	char why[256];
	s64 n;
	int ret;

	/* Parked by the throttler now: parked until the pause, no moment to dirty. */
	throttle_stop(&c->throttle, true);
	if (!a->user_paused) {
		ret = vm_pause(c->vm);
		if (ret)
			return send_fail(c, ret, "%s", "the VM ended during the migration");
	}
	c->paused = true;
	c->t_pause = send_now_ms();
	ret = send_check_optout(c);
	if (ret)
		return ret;
	migctl_host_state(a->host, &hs);
	if (a->sev && !hs.ready)
		return send_fail(c, -ECANCELED, "%s", "the guest is not READY at the pause (V-7)");
	c->round++;
#ifndef MIGCTL_FAULT_NO_FINAL_ROUND
	n = send_collect(c);
	if (n < 0)
		return n;
	ret = send_round(c);
	if (ret)
		return ret;
	c->st->final_ms = send_now_ms() - c->t_pause;
#else
	(void)n;
#endif
	ret = migrate_state_send(c->w, c->vm, a->host, a->sev, why, sizeof(why));
	if (ret)
		return send_fail(c, ret, "cannot save the VM state: %s", why);
	/* The point of no return: from END on, a cancel is refused. */
	if (atomic_load(a->cancel) || (a->commit && !a->commit(a->opaque)))
		return send_fail(c, -ECANCELED, "%s", "cancelled");
	ret = migrate_writer_end(c->w);
	/* V-17: the end mark, so that a cut after END is seen as one. */
	if (!ret && a->sec)
		ret = migrate_secure_close(a->sec);
	return ret;
}

static int send_config(struct send_ctx *c)
{
	const struct migrate_send_args *a = c->a;
	struct migrate_config cfg;
	char reason[MIGCTL_REPLY_REASON_MAX + 1];
	int ret;

	migrate_local_config(c->vm, a->host, a->sev, &cfg);
	if (a->sev) {
		ret = sevsim_key_generate(c->tkey);
		if (ret)
			return send_fail(c, ret, "getrandom: %s", strerror(-ret));
		memcpy(cfg.transport_key, c->tkey, sizeof(c->tkey));
		cfg.sevsim_generation = sevsim_vm_generation(c->vm);
	}
	ret = migrate_writer_config(c->w, &cfg);
	if (ret)
		return send_fail(c, ret, "cannot send the configuration: %s", strerror(-ret));
	if (!a->bidirectional)
		return 0;
	ret = migrate_chan_recv_reply(a->fd, a->sec, a->reply_timeout_ms, reason, sizeof(reason));
	if (ret == MIGCTL_REPLY_ACCEPT)
		return 0;
	if (ret == MIGCTL_REPLY_REFUSE || ret == MIGCTL_REPLY_FAIL)
		return send_fail(c, -ECONNREFUSED, "the destination refused: %s", reason);
	return send_fail(c, ret < 0 ? ret : -EBADMSG, "no answer to the configuration: %s",
			 ret < 0 ? strerror(-ret) : "unexpected reply");
}

/* After END: the destination's verdict. */
static int send_wait_done(struct send_ctx *c)
{
	char reason[MIGCTL_REPLY_REASON_MAX + 1];
	int ret;

	if (!c->a->bidirectional)
		return 0;
	ret = send_recv_reply(c, c->a->reply_timeout_ms, reason, sizeof(reason));
	if (ret == MIGCTL_REPLY_DONE)
		return 0;
	if (ret == MIGCTL_REPLY_FAIL || ret == MIGCTL_REPLY_REFUSE)
		return send_fail(c, -EPROTO, "the destination failed: %s", reason);
	/* The two-party window: it may run the guest already (stream doc, Session). */
	return send_fail(c, -EINPROGRESS, "no answer after END (%s): outcome unknown, "
			 "the VM stays paused", strerror(ret < 0 ? -ret : EBADMSG));
}

/*
 * The stream broke: a destination that gave up says why (FAIL) before it
 * closes, and that reason is already here, or nothing comes.
 */
static void send_fail_why(struct send_ctx *c, int ret)
{
	char reason[MIGCTL_REPLY_REASON_MAX + 1];
	int type = -1;

	if (c->a->bidirectional && (ret == -EPIPE || ret == -ECONNRESET))
		type = send_recv_reply(c, SEND_WHY_MS, reason, sizeof(reason));
	if (type == MIGCTL_REPLY_FAIL || type == MIGCTL_REPLY_REFUSE)
		send_fail(c, ret, "the destination failed: %s", reason);
	else
		send_fail(c, ret, "sending the stream: %s", strerror(-ret));
}

static int send_all(struct send_ctx *c)
{
	const struct migrate_io *io;
	const char *why;
	void *ctx;
	int ret;

	if (!migctl_host_migratable(c->a->host, &why))
		return send_fail(c, -EPERM, "not migrating: %s (V-6)", why);
	ret = send_alloc(c);
	if (ret)
		return send_fail(c, ret, "%s", "out of memory");
	io = migrate_chan_io(c->a->fd, c->a->sec, &ctx);
	ret = migrate_writer_create(io, ctx, &c->w);
	if (ret)
		return send_fail(c, ret, "%s", "out of memory");
	ret = send_config(c);
	if (!ret)
		ret = send_precopy(c);
	if (!ret)
		ret = send_stop_and_copy(c);
	if (ret && !c->err[0])
		send_fail_why(c, ret);
	return ret ?: send_wait_done(c);
}

int migrate_send(const struct migrate_send_args *a, struct migrate_stats *st, char *err,
		 size_t errlen)
{
	struct send_ctx c = { .a = a, .vm = a->vm, .log = migctl_host_log(a->host), .st = st,
			      .err = err, .errlen = errlen };
	struct migctl_host_state hs;
	struct migrate_stream_stats ws = { 0 };
	int ret;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	c.t0 = send_now_ms();
	migctl_host_state(a->host, &hs);
	c.gen0 = hs.generation;
	ret = send_all(&c);
	throttle_stop(&c.throttle, false);
	if (c.w)
		migrate_writer_stats(c.w, &ws);
	st->bytes = ws.bytes;
	st->pages_zero = ws.pages_zero;
	st->pages_raw = ws.pages_raw;
	st->pages_private = ws.pages_private;
	st->total_ms = send_now_ms() - c.t0;
	st->downtime_ms = c.paused ? send_now_ms() - c.t_pause : 0;
	if (c.vm->mem.banks[0].flags & KVM_MEM_LOG_DIRTY_PAGES)
		mem_dirty_log(&c.vm->mem, c.vm->fd, false, MEM_DIRTY_AUTO);
	/* V-9: every failure before END is certain, and the guest runs on. */
	if (ret && ret != -EINPROGRESS && c.paused && !a->user_paused)
		vm_resume(c.vm);
	migrate_writer_destroy(c.w);
	send_free(&c);
	return ret;
}

/*
 * The template without the fields KVM fills from the host CPU the ioctl
 * happened to run on (initial APIC IDs): equal VMs on one host must match.
 */
static void send_cpuid_digest(struct vm *vm,
			      u8 out[MIGCTL_STREAM_CPUID_DIGEST_BYTES])
{
	u32 n = vm->cpuid->nent;
	struct kvm_cpuid_entry2 *e = malloc(n * sizeof(*e) + 1);

	if (!e) {
		/* never matches */
		memset(out, 0xff, MIGCTL_STREAM_CPUID_DIGEST_BYTES);
		return;
	}
	memcpy(e, vm->cpuid->entries, n * sizeof(*e));
	for (u32 i = 0; i < n; i++) {
		if (e[i].function == 1)
			e[i].ebx &= 0x00ffffffu;
		else if (e[i].function == 0xb || e[i].function == 0x1f)
			e[i].edx = 0;
	}
	migrate_cpuid_digest(e, n, out);
	free(e);
}

void migrate_local_config(struct vm *vm, struct migctl_host *host,
			  const struct sevsim_vm *sev, struct migrate_config *cfg)
{
	struct migctl_host_saved saved;
	struct migctl_host_state hs;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_regions = vm->mem.nr_banks;
	for (int b = 0; b < vm->mem.nr_banks; b++)
		cfg->regions[b] = (struct migrate_region){ vm->mem.banks[b].gpa,
							   vm->mem.banks[b].size };
	cfg->nr_vcpus = vm->cfg.nr_cpus;
	cfg->page_size = SEND_PAGE;
	cfg->sevsim = sev != NULL;
	migctl_host_export(host, &saved);
	migctl_host_state(host, &hs);
	if (hs.enabled) {
		cfg->offer_min = saved.min_version;
		cfg->offer_max = saved.max_version;
		cfg->offer_features = saved.features;
	}
	cfg->protocol_ctl = hs.ready ? hs.control : 0;
	send_cpuid_digest(vm, cfg->cpuid_digest);
}

int migrate_stats_json(const struct migrate_stats *st, char *buf, size_t len)
{
	return snprintf(buf, len,
			"{\"total_ms\":%llu,\"downtime_ms\":%llu,\"bytes\":%llu,"
			"\"pages_zero\":%llu,\"pages_raw\":%llu,\"pages_private\":%llu,"
			"\"pages_status_resent\":%llu,\"pages_deferred\":%llu,"
			"\"rounds\":%llu,\"remaining\":%llu,"
			"\"dirty_rate\":%llu,\"bandwidth\":%llu,\"expected_downtime_ms\":%.3f,"
			"\"final_round_ms\":%llu,\"throttle_pct\":%u,\"converged\":%s,"
			"\"dirty_log\":\"%s\"}",
			(unsigned long long)st->total_ms, (unsigned long long)st->downtime_ms,
			(unsigned long long)st->bytes, (unsigned long long)st->pages_zero,
			(unsigned long long)st->pages_raw, (unsigned long long)st->pages_private,
			(unsigned long long)st->pages_status_resent,
			(unsigned long long)st->pages_deferred,
			(unsigned long long)st->rounds, (unsigned long long)st->remaining,
			(unsigned long long)st->dirty_rate, (unsigned long long)st->bandwidth,
			st->expected_downtime_us == UINT64_MAX ? -1.0 :
			st->expected_downtime_us / 1000.0,
			(unsigned long long)st->final_ms, st->throttle_pct,
			st->converged ? "true" : "false",
			st->manual_protect ? "manual-protect" : "get");
}
