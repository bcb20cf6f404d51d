/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlreq_test.c - control-socket requests: each field checked, anything else refused. */
#include <errno.h>
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
GOOD(query_migrate, "{\"cmd\":\"query-migrate\"}", CTLREQ_QUERY_MIGRATE, "");

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
BAD(id_negative, "{\"cmd\":\"quit\",\"id\":-1}", "id:", "");
BAD(id_too_big, "{\"cmd\":\"quit\",\"id\":9007199254740992}", "id:", "");
BAD(id_control_char, "{\"cmd\":\"quit\",\"id\":\"a\\nb\"}", "id:", "");
BAD(id_object, "{\"cmd\":\"quit\",\"id\":{}}", "id:", "");
BAD(id_too_long, "{\"cmd\":\"quit\",\"id\":"
    "\"12345678901234567890123456789012345678901234567890123456789012345\"}", "id:", "");
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
	const char *l = "{\"cmd\":\"set-parameters\",\"max_rounds\":7,\"downtime_ms\":250}";
	const char *m = "{\"wait\":true,\"uri\":\"tcp:127.0.0.1:4444\",\"cmd\":\"migrate\"}";
	struct ctlreq r;
	char err[128];

	ASSERT_EQ(0, ctlreq_parse(l, strlen(l), &r, err, sizeof(err)));
	EXPECT_EQ(250, r.downtime_ms);
	EXPECT_EQ(7, r.max_rounds);
	EXPECT_EQ(-1, r.max_bandwidth_mib);
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
