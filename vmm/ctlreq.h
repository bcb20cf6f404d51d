/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlreq.h - one control-socket request line: parsed, checked field by field, and its reply. */
#ifndef MIGCTL_VMM_CTLREQ_H
#define MIGCTL_VMM_CTLREQ_H

#include <stdbool.h>
#include <stddef.h>

#define CTLREQ_URI_MAX		256	/* a "uri" of at most 255 bytes, with NUL */
#define CTLREQ_ID_LEN		64	/* a string "id" of at most 64 characters */
#define CTLREQ_ID_MAX		(2 * CTLREQ_ID_LEN + 3)	/* "id" as JSON text, with NUL */
#define CTLREQ_ID_INT_MAX	((1ll << 53) - 1)	/* exact in every JSON reader */
#define CTLREQ_REPLY_MAX	4096	/* one reply line, with its newline and NUL */

enum ctlreq_cmd {
	CTLREQ_MIGRATE,
	CTLREQ_QUERY_MIGRATE,
	CTLREQ_SET_PARAMETERS,
	CTLREQ_CANCEL,
	CTLREQ_STOP,
	CTLREQ_CONT,
	CTLREQ_QUERY_STATUS,
	CTLREQ_QUIT,
	CTLREQ_QUERY_STATUS_LOG,
};

/* query-status-log: at most this many runs in one reply, from "from_gfn" on. */
#define CTLREQ_LOG_RUNS		64
#define CTLREQ_GFN_MAX		((1ll << 52) - 1)	/* a 64-bit physical address's frame */

/* set-parameters: a value not given stays -1. */
struct ctlreq {
	enum ctlreq_cmd cmd;
	char id[CTLREQ_ID_MAX];		/* the request's "id" as JSON text; "" if none */
	char uri[CTLREQ_URI_MAX];	/* migrate */
	bool wait;			/* migrate: reply when the migration ended */
	long long downtime_ms;
	long long max_rounds;
	long long max_bandwidth_mib;
	long long throttle_max_pct;	/* auto-converge cap, 0: off */
	long long from_gfn;		/* query-status-log: 0 unless given */
};

/**
 * ctlreq_parse() - parse and check one request line (without its newline)
 * @line: @len bytes, not NUL-terminated, from the client as they came
 * @req: filled in; @req->id is set as soon as the "id" was found valid,
 *	 so that an error reply can carry it too
 * @err: a one-line message for the error reply
 *
 * The line must be one JSON object (json-c, strict, UTF-8 checked, at
 * most 3 levels deep) followed by nothing but blanks. "cmd" names one of
 * the commands; every other key must be one that command takes, of its
 * type and range: an unknown key is an error, not ignored.
 *
 * Return: 0, or -EINVAL with @err set.
 */
int ctlreq_parse(const char *line, size_t len, struct ctlreq *req, char *err, size_t errlen);

/**
 * ctlreq_reply() - one reply line: the JSON object @body with "id":@id
 * put first when @id is not "", then a newline.
 * Return: its length, or -E2BIG (@out then holds an error reply).
 */
int ctlreq_reply(char *out, size_t size, const char *id, const char *body);

/**
 * ctlreq_status_log() - the reply body of query-status-log
 * @next_run: the status log's runs, as migctl_host_log_next_run() gives
 *	      them: from *@gfn on, the next run (its first page, length and
 *	      status), false past the last RAM page
 * @private_pages, @shared_pages: the log's totals
 *
 * {"return":{"private_pages":P,"shared_pages":S,"from_gfn":F,
 * "runs":[[GFN,NPAGES,"private"|"shared"],...],"next_gfn":N}}: the log's
 * runs of equal status from @from_gfn on (the first cut to start there),
 * at most CTLREQ_LOG_RUNS of them; "next_gfn" is where the next request
 * goes on, null when the list reached the end of RAM. Runs end at RAM
 * regions' ends, so a range the guest converted at once may show as two.
 *
 * Return: the body's length, or -E2BIG when @size is too small (at least
 * CTLREQ_REPLY_MAX - 64 always suffices).
 */
int ctlreq_status_log(char *out, size_t size, unsigned long long from_gfn,
		      unsigned long long private_pages, unsigned long long shared_pages,
		      bool (*next_run)(void *opaque, unsigned long long *gfn,
				       unsigned long long *npages, bool *private),
		      void *opaque);

/** ctlreq_error() - the reply line {"error":@msg} (with @id as ctlreq_reply()). */
int ctlreq_error(char *out, size_t size, const char *id, const char *msg);

#endif /* MIGCTL_VMM_CTLREQ_H */
