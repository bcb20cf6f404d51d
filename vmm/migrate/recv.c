/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* recv.c - the destination side of a migration: check, receive, apply, run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migctl-host.h"
#include "channel.h"
#include "fault.h"
#include "recv.h"
#include "secure.h"
#include "send.h"
#include "sevsim.h"
#include "state.h"
#include "../sevsim_vm.h"
#include "../vm.h"

struct recv_ctx {
	const struct migrate_recv_args *a;
	struct migrate_reader *r;
	struct migrate_staged *staged;
	struct migrate_config src;
	bool refused;			/* REFUSE already sent */
	u64 *zero;			/* pages known to be zero, by host offset */
	u64 zero_pages;
};

/*
 * The destination's RAM is untouched when the stream starts: such pages
 * are zero, and a ZERO page for them needs no write and not even a read
 * (which would fault the zero page in). Without the bitmap every ZERO
 * page is checked and cleared as needed.
 */
static void recv_zero_init(struct recv_ctx *c)
{
	struct mem *mem = &c->a->vm->mem;

	c->zero_pages = mem->host_size >> 12;
	c->zero = calloc((c->zero_pages + 63) / 64, 8);
	if (!c->zero)
		return;
	for (int b = 0; b < mem->nr_banks; b++) {
		u64 first = mem->banks[b].host_offset >> 12;

		/* Bank offsets are 2 MiB aligned: whole words of the bitmap. */
		if (first % 64 || mem_untouched(mem, b, 0, mem->banks[b].size >> 12,
						c->zero + first / 64)) {
			free(c->zero);
			c->zero = NULL;
			return;
		}
	}
}

/* Whether @page (in guest RAM) was known zero; from now on it is if @zero. */
static bool recv_known_zero(struct recv_ctx *c, const void *page, bool zero)
{
	u64 i = (u64)((const u8 *)page - c->a->vm->mem.host) >> 12;
	bool was;

	if (!c->zero || i >= c->zero_pages)
		return false;
	was = c->zero[i / 64] >> (i % 64) & 1;
	if (zero)
		c->zero[i / 64] |= 1ull << (i % 64);
	else
		c->zero[i / 64] &= ~(1ull << (i % 64));
	return was;
}

static int recv_config(void *opaque, const struct migrate_config *cfg, char *err,
		       size_t errlen)
{
	struct recv_ctx *c = opaque;
	const struct migrate_recv_args *a = c->a;
	struct migrate_config local;

	migrate_local_config(a->vm, a->host, a->sev, &local);
	if (migrate_config_check(cfg, &local, err, errlen)) {
		if (a->bidirectional)
			migrate_chan_send_reply(a->fd, a->sec, MIGCTL_REPLY_REFUSE, err);
		c->refused = true;
		return -ECONNREFUSED;
	}
	c->src = *cfg;
	c->staged = migrate_staged_create(cfg->nr_vcpus);
	if (!c->staged) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (a->bidirectional && migrate_chan_send_reply(a->fd, a->sec, MIGCTL_REPLY_ACCEPT, NULL)) {
		snprintf(err, errlen, "cannot answer the source");
		return -EPIPE;
	}
	return 0;
}

static int recv_ram(void *opaque, const struct migrate_page *pg)
{
	struct recv_ctx *c = opaque;
	const struct sevsim_vm *sev = c->a->sev;
	void *page = mem_gpa_to_hva(&c->a->vm->mem, pg->gfn << 12, 4096);

	if (!page) {
		migrate_reader_set_error(c->r, "page %#llx is not RAM here",
					 (unsigned long long)pg->gfn);
		return -EBADMSG;
	}
	if (pg->kind == MIGCTL_PAGE_ZERO) {
		if (!recv_known_zero(c, page, true))
			return sevsim_apply_page(pg, page, NULL, NULL);
		return 0;
	}
	recv_known_zero(c, page, false);
	if (pg->kind != MIGCTL_PAGE_PRIVATE)
		return sevsim_apply_page(pg, page, NULL, NULL);
	if (!sev || sevsim_fw_import(sevsim_vm_in_window(sev, pg->gfn) ? sev->key : NULL,
				     c->src.transport_key, pg->gfn, pg->round, pg->data, page)) {
		migrate_reader_set_error(c->r, "private page %#llx does not open",
					 (unsigned long long)pg->gfn);
		return -EBADMSG;
	}
	return 0;
}

/*
 * A ROUND section: every page sent before it is in guest memory now. The
 * source waits for this before it pauses the guest (send_wait_applied()).
 */
static int recv_round(void *opaque, u64 round)
{
	struct recv_ctx *c = opaque;
	int ret;

	(void)round;
	if (!c->a->bidirectional)
		return 0;
	ret = migrate_chan_send_reply(c->a->fd, c->a->sec, MIGCTL_REPLY_ROUND, NULL);
	if (ret)
		migrate_reader_set_error(c->r, "cannot acknowledge a round to the source: %s",
					 strerror(-ret));
	return ret;
}

static int recv_status(void *opaque, const void *blob, size_t len)
{
	struct recv_ctx *c = opaque;

	/* The log can be GiBs: staged in the reader's buffer, not copied. */
	return migrate_staged_status_recv(c->staged, c->r, blob, len);
}

static int recv_device(void *opaque, const char *name, const void *blob, size_t len)
{
	struct recv_ctx *c = opaque;
	char err[160];
	int ret = migrate_staged_device(c->staged, name, blob, len, err, sizeof(err));

	if (ret)
		migrate_reader_set_error(c->r, "%s", err);
	return ret;
}

static int recv_vcpu(void *opaque, u32 index, const void *blob, size_t len)
{
	struct recv_ctx *c = opaque;
	char err[160];
	int ret = migrate_staged_vcpu(c->staged, index, blob, len, err, sizeof(err));

	if (ret)
		migrate_reader_set_error(c->r, "%s", err);
	return ret;
}

/* Everything but S and the protocol state, then the new key page. */
static int recv_apply(struct recv_ctx *c, char *err, size_t errlen)
{
	const struct migrate_recv_args *a = c->a;
	int ret;

#ifndef MIGCTL_FAULT_STATUS_AFTER_RESUME
	ret = migrate_staged_apply_status(c->staged, a->host, a->sev, err, errlen);
	if (ret)
		return ret;
#endif
	ret = migrate_staged_apply_cpus(c->staged, a->vm, err, errlen);
	if (ret || !a->sev)
		return ret;
	/* K' is already drawn; the generation moves on so the guest sees the change. */
	sevsim_key_page_init(a->vm->mem.extra, a->sev->key, c->src.sevsim_generation + 1);
	sevsim_key_page_set_window(a->vm->mem.extra, a->sev->window_gpa, a->sev->window_pages);
	return 0;
}

static int recv_finish(struct recv_ctx *c, char *err, size_t errlen)
{
	const struct migrate_recv_args *a = c->a;
	int ret = recv_apply(c, err, errlen);

	if (ret) {
		if (a->bidirectional)
			migrate_chan_send_reply(a->fd, a->sec, MIGCTL_REPLY_FAIL, err);
		return ret;
	}
	if (a->bidirectional && migrate_chan_send_reply(a->fd, a->sec, MIGCTL_REPLY_DONE, NULL)) {
		snprintf(err, errlen, "cannot send DONE to the source: not running the guest");
		return -EPIPE;
	}
	ret = a->start(a->opaque);
	if (ret) {
		snprintf(err, errlen, "cannot start the vCPUs: %s", strerror(-ret));
		return ret;
	}
#ifdef MIGCTL_FAULT_STATUS_AFTER_RESUME
	nanosleep(&(struct timespec){ 0, MIGRATE_FAULT_LATE_MS * 1000000L }, NULL);
	ret = migrate_staged_apply_status(c->staged, a->host, a->sev, err, errlen);
#endif
	return ret;
}

int migrate_recv(const struct migrate_recv_args *a, struct migrate_stream_stats *st, char *err,
		 size_t errlen)
{
	static const struct migrate_reader_ops ops = {
		.config = recv_config, .ram = recv_ram, .round = recv_round, .status = recv_status,
		.device = recv_device, .vcpu = recv_vcpu,
	};
	struct recv_ctx c = { .a = a };
	void *ctx;
	const struct migrate_io *io = migrate_chan_io(a->fd, a->sec, &ctx);
	int ret;

	err[0] = '\0';
	recv_zero_init(&c);
	ret = migrate_reader_create(io, ctx, &ops, &c, NULL, &c.r);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		free(c.zero);
		return ret;
	}
	ret = migrate_reader_run(c.r);
	/* V-17: a protected stream is whole only with its end mark. */
	if (!ret && a->sec)
		ret = migrate_secure_recv_final(a->sec);
	if (st)
		migrate_reader_stats(c.r, st);
	if (ret) {
		/* The channel's reason (which record, why) before the reader's. */
		snprintf(err, errlen, "%s", migrate_secure_error(a->sec)[0] ?
			 migrate_secure_error(a->sec) : migrate_reader_error(c.r));
		if (a->bidirectional && !c.refused)
			migrate_chan_send_reply(a->fd, a->sec, MIGCTL_REPLY_FAIL, err);
	} else {
		ret = recv_finish(&c, err, errlen);
	}
	migrate_reader_destroy(c.r);
	migrate_staged_destroy(c.staged);
	free(c.zero);
	return ret;
}
