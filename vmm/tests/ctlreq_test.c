/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlreq_test.c - control-socket requests: each field checked, anything else refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "../ctlreq.h"

/*
 * Covers no spec rule: the VMM's own control protocol (vmm/ctlsock.h,
 * docs/migration-stream.adoc). A variant is a request line, the result,
 * a piece of the error message, and for a good request what it asks.
 */
FIXTURE(req) { struct ctlreq r; char err[256]; int ret; };
FIXTURE_VARIANT(req) {
	const char *line;
	int ret;
	const char *err;	/* substring of the message on error */
	enum ctlreq_cmd cmd;
	const char *id;		/* "id" as JSON text, "" if none */
};

#define GOOD(vname, l, c, i)	FIXTURE_VARIANT_ADD(req, vname) { l, 0, NULL, c, i }
#define BAD(vname, l, e, i)	FIXTURE_VARIANT_ADD(req, vname) { l, -EINVAL, e, 0, i }

GOOD(status, "{\"cmd\":\"query-status\"}", CTLREQ_QUERY_STATUS, "");
GOOD(blanks, " { \"cmd\" : \"quit\" }\t\r", CTLREQ_QUIT, "");
GOOD(id_int, "{\"id\":42,\"cmd\":\"stop\"}", CTLREQ_STOP, "42");
GOOD(id_string, "{\"cmd\":\"cont\",\"id\":\"a\\\"b\"}", CTLREQ_CONT, "\"a\\\"b\"");
GOOD(id_max_int, "{\"cmd\":\"cancel\",\"id\":9007199254740991}", CTLREQ_CANCEL,
     "9007199254740991");
GOOD(migrate, "{\"cmd\":\"migrate\",\"uri\":\"unix:/tmp/x\",\"wait\":false}", CTLREQ_MIGRATE,
     "");
GOOD(params_none, "{\"cmd\":\"set-parameters\"}", CTLREQ_SET_PARAMETERS, "");
GOOD(params_edges, "{\"cmd\":\"set-parameters\",\"downtime_ms\":600000,\"max_rounds\":1,"
     "\"max_bandwidth_mib\":0}", CTLREQ_SET_PARAMETERS, "");
GOOD(throttle_off, "{\"cmd\":\"set-parameters\",\"throttle_max_pct\":0}", CTLREQ_SET_PARAMETERS,
     "");
GOOD(throttle_max, "{\"cmd\":\"set-parameters\",\"throttle_max_pct\":99}", CTLREQ_SET_PARAMETERS,
     "");
GOOD(query_migrate, "{\"cmd\":\"query-migrate\"}", CTLREQ_QUERY_MIGRATE, "");
GOOD(status_log, "{\"cmd\":\"query-status-log\"}", CTLREQ_QUERY_STATUS_LOG, "");
GOOD(status_log_from, "{\"cmd\":\"query-status-log\",\"from_gfn\":4503599627370495}",
     CTLREQ_QUERY_STATUS_LOG, "");

BAD(not_json, "cmd=quit", "not JSON", "");
BAD(empty_object, "{}", "no \"cmd\"", "");
BAD(array, "[{\"cmd\":\"quit\"}]", "JSON object", "");
BAD(two_values, "{\"cmd\":\"stop\"} {\"cmd\":\"cont\"}", "", "");
BAD(unfinished, "{\"cmd\":\"quit\"", "ends inside", "");
BAD(trailing_comma, "{\"cmd\":\"quit\",}", "not JSON", "");
BAD(comment, "{/**/\"cmd\":\"quit\"}", "not JSON", "");
BAD(bad_utf8, "{\"cmd\":\"quit\",\"id\":\"\xff\"}", "not JSON", "");
BAD(too_deep, "{\"cmd\":\"quit\",\"x\":[[[1]]]}", "not JSON", "");
BAD(unknown_cmd, "{\"cmd\":\"frobnicate\"}", "unknown command 'frobnicate'", "");
BAD(cmd_not_string, "{\"cmd\":7}", "cmd: a string", "");
BAD(cmd_in_a_value, "{\"x\":\"{\\\"cmd\\\":\\\"quit\\\"}\"}", "no \"cmd\"", "");
BAD(key_in_a_value, "{\"cmd\":\"migrate\",\"x\":\"\\\"uri\\\":\\\"unix:/a\\\"\"}",
    "migrate takes no key 'x'", "");
BAD(unknown_key, "{\"id\":1,\"cmd\":\"query-status\",\"verbose\":true}",
    "query-status takes no key 'verbose'", "1");
BAD(key_of_another_cmd, "{\"cmd\":\"stop\",\"uri\":\"unix:/a\"}", "stop takes no key 'uri'",
    "");
BAD(migrate_no_uri, "{\"cmd\":\"migrate\",\"wait\":true}", "needs \"uri\"", "");
BAD(uri_empty, "{\"cmd\":\"migrate\",\"uri\":\"\"}", "uri: a string", "");
BAD(uri_number, "{\"cmd\":\"migrate\",\"uri\":4444}", "uri: a string", "");
BAD(uri_nul, "{\"cmd\":\"migrate\",\"uri\":\"unix:/a\\u0000b\"}", "uri: a string", "");
BAD(wait_number, "{\"cmd\":\"migrate\",\"uri\":\"unix:/a\",\"wait\":1}", "wait: true", "");
BAD(downtime_zero, "{\"cmd\":\"set-parameters\",\"downtime_ms\":0}", "downtime_ms", "");
BAD(downtime_above, "{\"cmd\":\"set-parameters\",\"downtime_ms\":600001}", "1..600000", "");
BAD(downtime_fraction, "{\"cmd\":\"set-parameters\",\"downtime_ms\":1.5}", "an integer", "");
BAD(downtime_string, "{\"cmd\":\"set-parameters\",\"downtime_ms\":\"300\"}", "an integer", "");
BAD(downtime_nan, "{\"cmd\":\"set-parameters\",\"downtime_ms\":NaN}", "an integer", "");
BAD(rounds_huge, "{\"cmd\":\"set-parameters\",\"max_rounds\":99999999999999999999999}",
    "max_rounds", "");
BAD(bandwidth_negative, "{\"cmd\":\"set-parameters\",\"max_bandwidth_mib\":-1}",
    "max_bandwidth_mib", "");
BAD(throttle_100, "{\"cmd\":\"set-parameters\",\"throttle_max_pct\":100}", "0..99", "");
BAD(throttle_negative, "{\"cmd\":\"set-parameters\",\"throttle_max_pct\":-5}",
    "throttle_max_pct", "");
BAD(throttle_bool, "{\"cmd\":\"set-parameters\",\"throttle_max_pct\":true}", "an integer", "");
BAD(throttle_on_migrate, "{\"cmd\":\"migrate\",\"uri\":\"unix:/a\",\"throttle_max_pct\":5}",
    "throttle_max_pct", "");
BAD(id_negative, "{\"cmd\":\"quit\",\"id\":-1}", "id:", "");
BAD(id_too_big, "{\"cmd\":\"quit\",\"id\":9007199254740992}", "id:", "");
BAD(id_control_char, "{\"cmd\":\"quit\",\"id\":\"a\\nb\"}", "id:", "");
BAD(id_object, "{\"cmd\":\"quit\",\"id\":{}}", "id:", "");
BAD(id_too_long, "{\"cmd\":\"quit\",\"id\":"
    "\"12345678901234567890123456789012345678901234567890123456789012345\"}", "id:", "");
BAD(from_gfn_above, "{\"cmd\":\"query-status-log\",\"from_gfn\":4503599627370496}",
    "from_gfn: an integer 0..4503599627370495", "");
BAD(from_gfn_negative, "{\"cmd\":\"query-status-log\",\"from_gfn\":-1}", "from_gfn", "");
BAD(from_gfn_string, "{\"cmd\":\"query-status-log\",\"from_gfn\":\"0x1000\"}", "from_gfn", "");
BAD(from_gfn_elsewhere, "{\"cmd\":\"query-status\",\"from_gfn\":0}",
    "query-status takes no key 'from_gfn'", "");
/* The error reply of a request with a good "id" carries it. */
BAD(id_kept_on_error, "{\"id\":\"x\",\"cmd\":\"nope\"}", "unknown command", "\"x\"");

FIXTURE_SETUP(req)
{
	self->ret = ctlreq_parse(variant->line, strlen(variant->line), &self->r, self->err,
				 sizeof(self->err));
}

FIXTURE_TEARDOWN(req) {}

TEST_F(req, parse)
{
	ASSERT_EQ(variant->ret, self->ret);
	EXPECT_STREQ(variant->id, self->r.id);
	if (self->ret)
		EXPECT_TRUE(strstr(self->err, variant->err) != NULL);
	else
		EXPECT_EQ(variant->cmd, self->r.cmd);
}

/* What a good request carries comes through as given; what it lacks stays unset. */
TEST(req, values)
{
	const char *l = "{\"cmd\":\"set-parameters\",\"max_rounds\":7,\"downtime_ms\":250,"
			"\"throttle_max_pct\":35}";
	const char *m = "{\"wait\":true,\"uri\":\"tcp:127.0.0.1:4444\",\"cmd\":\"migrate\"}";
	struct ctlreq r;
	char err[128];

	ASSERT_EQ(0, ctlreq_parse(l, strlen(l), &r, err, sizeof(err)));
	EXPECT_EQ(250, r.downtime_ms);
	EXPECT_EQ(7, r.max_rounds);
	EXPECT_EQ(-1, r.max_bandwidth_mib);
	EXPECT_EQ(35, r.throttle_max_pct);
	ASSERT_EQ(0, ctlreq_parse(m, strlen(m), &r, err, sizeof(err)));
	EXPECT_STREQ("tcp:127.0.0.1:4444", r.uri);
	EXPECT_TRUE(r.wait);
}

/* The length counts, not a NUL: bytes after it are refused, not cut off. */
TEST(req, nul_byte)
{
	static const char l[] = "{\"cmd\":\"quit\"}\0junk";
	struct ctlreq r;
	char err[128];

	EXPECT_EQ(-EINVAL, ctlreq_parse(l, sizeof(l) - 1, &r, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "NUL") != NULL);
}

/* Replies: "id" first when given, an error's text escaped, an oversized one refused. */
TEST(reply, format)
{
	char out[64], big[80];

	EXPECT_EQ(20, ctlreq_reply(out, sizeof(out), "", "{\"return\":\"paused\"}"));
	EXPECT_STREQ("{\"return\":\"paused\"}\n", out);
	ctlreq_reply(out, sizeof(out), "3", "{\"return\":\"paused\"}");
	EXPECT_STREQ("{\"id\":3,\"return\":\"paused\"}\n", out);
	ctlreq_reply(out, sizeof(out), "\"a\"", "{}");
	EXPECT_STREQ("{\"id\":\"a\"}\n", out);
	ctlreq_error(out, sizeof(out), "", "say \"hi\"\\\n/");
	EXPECT_STREQ("{\"error\":\"say \\\"hi\\\"\\\\\\n/\"}\n", out);
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 1] = '\0';
	EXPECT_EQ(-E2BIG, ctlreq_reply(out, sizeof(out), "", big));
	EXPECT_TRUE(strstr(out, "{\"error\":\"the reply is longer") == out);
}

/* A fake status log: RAM 0..end, shared where a run of @shared says, private elsewhere. */
struct fake_log {
	const unsigned long long (*shared)[2];
	int nr;
	unsigned long long end;
};

static bool fake_next_run(void *opaque, unsigned long long *gfn, unsigned long long *npages,
			  bool *private)
{
	struct fake_log *l = opaque;
	unsigned long long g = *gfn;

	if (g >= l->end)
		return false;
	for (int i = 0; i < l->nr; i++) {
		unsigned long long s = l->shared[i][0], e = s + l->shared[i][1];

		if (g < s) {
			*npages = s - g;
			*private = true;
			return true;
		}
		if (g < e) {
			*npages = e - g;
			*private = false;
			return true;
		}
	}
	*npages = l->end - g;
	*private = true;
	return true;
}

/*
 * query-status-log's body: the runs from "from_gfn" (a run it starts
 * inside cut there) with their status, at most CTLREQ_LOG_RUNS,
 * "next_gfn" where the list goes on or null at the end of RAM; a buffer
 * too small refused.
 */
TEST(reply, status_log)
{
	static const unsigned long long three[][2] = { { 0x100, 16 }, { 0x200, 1 }, { 0x4000, 64 } };
	static unsigned long long many[CTLREQ_LOG_RUNS][2];
	struct fake_log l = { three, 3, 0x8000 };
	char out[CTLREQ_REPLY_MAX], expect[160];
	int n;

	n = ctlreq_status_log(out, sizeof(out), 0, 0x8000 - 81, 81, fake_next_run, &l);
	EXPECT_STREQ("{\"return\":{\"private_pages\":32687,\"shared_pages\":81,\"from_gfn\":0,"
		     "\"runs\":[[0,256,\"private\"],[256,16,\"shared\"],[272,240,\"private\"],"
		     "[512,1,\"shared\"],[513,15871,\"private\"],[16384,64,\"shared\"],"
		     "[16448,16320,\"private\"]],\"next_gfn\":null}}", out);
	EXPECT_EQ((int)strlen(out), n);
	ctlreq_status_log(out, sizeof(out), 0x108, 1, 2, fake_next_run, &l);
	EXPECT_TRUE(strstr(out, "\"from_gfn\":264,\"runs\":[[264,8,\"shared\"],[272,240,") != NULL);
	ctlreq_status_log(out, sizeof(out), 0x7fff, 1, 2, fake_next_run, &l);
	EXPECT_TRUE(strstr(out, "\"runs\":[[32767,1,\"private\"]],\"next_gfn\":null}}") != NULL);
	ctlreq_status_log(out, sizeof(out), 0x8000, 1, 2, fake_next_run, &l);
	EXPECT_TRUE(strstr(out, "\"runs\":[],\"next_gfn\":null}}") != NULL);

	/* The widest numbers: shared pages 2 apart, 2 runs each, near the top of RAM. */
	for (int i = 0; i < CTLREQ_LOG_RUNS; i++) {
		many[i][0] = 0xfffffffff000ull + 2ull * i;
		many[i][1] = 1;
	}
	l = (struct fake_log){ many, CTLREQ_LOG_RUNS, 0x10000000000000ull };
	n = ctlreq_status_log(out, sizeof(out), 0xffffffffefffull, 1, 2, fake_next_run, &l);
	ASSERT_TRUE(n > 0 && n < CTLREQ_REPLY_MAX - CTLREQ_ID_MAX - 8);
	/* 64 runs: the private page before each of 32 shared pages, and those. */
	snprintf(expect, sizeof(expect), "[%llu,1,\"shared\"]],\"next_gfn\":%llu}}",
		 many[31][0], many[31][0] + 1);
	EXPECT_MSG(strstr(out, expect), "'%s' does not end with '%s'", out, expect);
	EXPECT_TRUE(strstr(out, "\"runs\":[[281474976706559,1,\"private\"],[281474976706560,1,"
			   "\"shared\"],") != NULL);
	EXPECT_EQ(-E2BIG, ctlreq_status_log(out, 100, 0, 1, 2, fake_next_run, &l));
}
