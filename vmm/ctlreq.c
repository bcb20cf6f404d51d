/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlreq.c - one control-socket request line: parsed, checked field by field, and its reply. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "ctlreq.h"
#include "options.h"

#define CTLREQ_DEPTH	3	/* an object holding an array or object: a type error, not a parse error */
#define CTLREQ_TO_TEXT	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

enum ctlreq_key { KEY_URI, KEY_WAIT, KEY_DOWNTIME, KEY_ROUNDS, KEY_BANDWIDTH, KEY_FROM_GFN,
		  KEY_THROTTLE,
		  KEY_NR };

#define K(key)	(1u << (key))

static const struct {
	const char *name;
	enum ctlreq_cmd cmd;
	unsigned int keys;	/* what it takes besides "cmd" and "id" */
} ctlreq_cmds[] = {
	{ "migrate", CTLREQ_MIGRATE, K(KEY_URI) | K(KEY_WAIT) },
	{ "query-migrate", CTLREQ_QUERY_MIGRATE, 0 },
	{ "set-parameters", CTLREQ_SET_PARAMETERS,
	  K(KEY_DOWNTIME) | K(KEY_ROUNDS) | K(KEY_BANDWIDTH) | K(KEY_THROTTLE) },
	{ "cancel", CTLREQ_CANCEL, 0 },
	{ "stop", CTLREQ_STOP, 0 },
	{ "cont", CTLREQ_CONT, 0 },
	{ "query-status", CTLREQ_QUERY_STATUS, 0 },
	{ "quit", CTLREQ_QUIT, 0 },
	{ "query-status-log", CTLREQ_QUERY_STATUS_LOG, K(KEY_FROM_GFN) },
};

/* The integer keys: their range, as the matching command-line options have it. */
static const struct {
	const char *name;
	long long min, max;
} ctlreq_keys[KEY_NR] = {
	[KEY_URI] = { "uri", 0, 0 },
	[KEY_WAIT] = { "wait", 0, 0 },
	[KEY_DOWNTIME] = { "downtime_ms", 1, OPTIONS_MAX_DOWNTIME_MS },
	[KEY_ROUNDS] = { "max_rounds", 1, OPTIONS_MAX_ROUNDS },
	[KEY_BANDWIDTH] = { "max_bandwidth_mib", 0, OPTIONS_MAX_BANDWIDTH },
	[KEY_FROM_GFN] = { "from_gfn", 0, CTLREQ_GFN_MAX },
	[KEY_THROTTLE] = { "throttle_max_pct", 0, OPTIONS_MAX_THROTTLE },
};

/* At most 32 characters of what a client sent, for a message: printable ASCII. */
static const char *ctlreq_quote(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size && n < 32; s++)
		buf[n++] = *s >= 0x20 && *s <= 0x7e ? *s : '?';
	buf[n] = '\0';
	return buf;
}

static int ctlreq_fail(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -EINVAL;
}

/* A string value without NUL bytes, of 1..max bytes; NULL otherwise. */
static const char *ctlreq_string(struct json_object *val, size_t max)
{
	const char *s;
	int len;

	if (!json_object_is_type(val, json_type_string))
		return NULL;
	s = json_object_get_string(val);
	len = json_object_get_string_len(val);
	if (len < 1 || (size_t)len > max || strlen(s) != (size_t)len)
		return NULL;
	return s;
}

/* "id": an integer 0..2^53-1 or a printable ASCII string of 1..64 characters. */
static int ctlreq_id(struct json_object *val, struct ctlreq *req, char *err, size_t errlen)
{
	const char *s;

	if (json_object_is_type(val, json_type_int)) {
		long long n = json_object_get_int64(val);

		if (n < 0 || n > CTLREQ_ID_INT_MAX)
			goto bad;
	} else {
		s = ctlreq_string(val, CTLREQ_ID_LEN);
		if (!s)
			goto bad;
		for (; *s; s++)
			if (*s < 0x20 || *s > 0x7e)
				goto bad;
	}
	s = json_object_to_json_string_ext(val, CTLREQ_TO_TEXT);
	if (strlen(s) >= sizeof(req->id))
		goto bad;
	strcpy(req->id, s);
	return 0;
bad:
	return ctlreq_fail(err, errlen, "%s: an integer 0..2^53-1 or a string of 1..64 printable "
			   "ASCII characters", "id");
}

static int ctlreq_key(struct json_object *val, enum ctlreq_key key, struct ctlreq *req,
		      char *err, size_t errlen)
{
	long long *ints[KEY_NR] = {
		[KEY_DOWNTIME] = &req->downtime_ms, [KEY_ROUNDS] = &req->max_rounds,
		[KEY_BANDWIDTH] = &req->max_bandwidth_mib, [KEY_FROM_GFN] = &req->from_gfn,
		[KEY_THROTTLE] = &req->throttle_max_pct,
	};
	const char *name = ctlreq_keys[key].name, *s;
	long long n;

	switch (key) {
	case KEY_URI:
		s = ctlreq_string(val, CTLREQ_URI_MAX - 1);
		if (!s)
			return ctlreq_fail(err, errlen, "%s: a string of 1..255 bytes", name);
		strcpy(req->uri, s);
		return 0;
	case KEY_WAIT:
		if (!json_object_is_type(val, json_type_boolean))
			return ctlreq_fail(err, errlen, "%s: true or false", name);
		req->wait = json_object_get_boolean(val);
		return 0;
	default:
		/* Beyond int64, json-c saturates: out of range as well. */
		n = json_object_get_int64(val);
		if (!json_object_is_type(val, json_type_int) || n < ctlreq_keys[key].min ||
		    n > ctlreq_keys[key].max) {
			snprintf(err, errlen, "%s: an integer %lld..%lld", name,
				 ctlreq_keys[key].min, ctlreq_keys[key].max);
			return -EINVAL;
		}
		*ints[key] = n;
		return 0;
	}
}

/* "cmd" and the keys that command takes; anything else is refused. */
static int ctlreq_fields(struct json_object *obj, struct ctlreq *req, char *err, size_t errlen)
{
	struct json_object *val;
	unsigned int keys = 0;
	const char *cmd;
	char q[40];
	size_t i;
	int ret;

	if (!json_object_object_get_ex(obj, "cmd", &val))
		return ctlreq_fail(err, errlen, "no \"%s\" in the request", "cmd");
	cmd = ctlreq_string(val, 32);
	for (i = 0; cmd && i < sizeof(ctlreq_cmds) / sizeof(ctlreq_cmds[0]); i++)
		if (!strcmp(cmd, ctlreq_cmds[i].name))
			break;
	if (!cmd || i == sizeof(ctlreq_cmds) / sizeof(ctlreq_cmds[0])) {
		if (!json_object_is_type(val, json_type_string))
			return ctlreq_fail(err, errlen, "%s: a string naming a command", "cmd");
		snprintf(err, errlen, "unknown command '%s'",
			 ctlreq_quote(json_object_get_string(val), q, sizeof(q)));
		return -EINVAL;
	}
	req->cmd = ctlreq_cmds[i].cmd;
	json_object_object_foreach(obj, name, v) {
		enum ctlreq_key k;

		if (!strcmp(name, "cmd") || !strcmp(name, "id"))
			continue;
		for (k = 0; k < KEY_NR; k++)
			if ((ctlreq_cmds[i].keys & K(k)) && !strcmp(name, ctlreq_keys[k].name))
				break;
		if (k == KEY_NR) {
			snprintf(err, errlen, "%s takes no key '%s'", cmd,
				 ctlreq_quote(name, q, sizeof(q)));
			return -EINVAL;
		}
		ret = ctlreq_key(v, k, req, err, errlen);
		if (ret)
			return ret;
		keys |= K(k);
	}
	if (req->cmd == CTLREQ_MIGRATE && !(keys & K(KEY_URI)))
		return ctlreq_fail(err, errlen, "migrate needs \"%s\"", "uri");
	return 0;
}

/* The line as one JSON object, or NULL with @err set. */
static struct json_object *ctlreq_object(const char *line, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(CTLREQ_DEPTH);
	struct json_object *obj = NULL;
	enum json_tokener_error e;
	size_t end;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "a NUL byte in the request");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, len);
	e = json_tokener_get_error(tok);
	if (!obj) {
		snprintf(err, errlen, "not JSON: %s at byte %zu",
			 e == json_tokener_continue ? "the line ends inside a value" :
			 json_tokener_error_desc(e), json_tokener_get_parse_end(tok));
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!strchr(" \t\r", line[end])) {
			snprintf(err, errlen, "more than one JSON value in the line");
			goto err_put;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "a request is a JSON object");
		goto err_put;
	}
	goto out;
err_put:
	json_object_put(obj);
	obj = NULL;
out:
	json_tokener_free(tok);
	return obj;
}

int ctlreq_parse(const char *line, size_t len, struct ctlreq *req, char *err, size_t errlen)
{
	struct json_object *obj, *id;
	int ret = 0;

	*req = (struct ctlreq){ .downtime_ms = -1, .max_rounds = -1, .max_bandwidth_mib = -1,
				.throttle_max_pct = -1, .from_gfn = 0 };
	obj = ctlreq_object(line, len, err, errlen);
	if (!obj)
		return -EINVAL;
	if (json_object_object_get_ex(obj, "id", &id))
		ret = ctlreq_id(id, req, err, errlen);
	if (!ret)
		ret = ctlreq_fields(obj, req, err, errlen);
	json_object_put(obj);
	return ret;
}

int ctlreq_reply(char *out, size_t size, const char *id, const char *body)
{
	int n;

	if (!*id)
		n = snprintf(out, size, "%s\n", body);
	else
		n = snprintf(out, size, "{\"id\":%s%s%s\n", id, body[1] == '}' ? "" : ",",
			     body + 1);
	if (n >= 0 && (size_t)n < size)
		return n;
	snprintf(out, size, "{%s%s%s\"error\":\"the reply is longer than %zu bytes\"}\n",
		     *id ? "\"id\":" : "", id, *id ? "," : "", size - 2);
	return -E2BIG;
}

/* snprintf() that keeps count in *@n and fails once @size is exceeded. */
static bool ctlreq_put(char *out, size_t size, int *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(out + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= size - *n)
		return false;
	*n += k;
	return true;
}

int ctlreq_status_log(char *out, size_t size, unsigned long long from_gfn,
		      unsigned long long private_pages, unsigned long long shared_pages,
		      bool (*next_run)(void *opaque, unsigned long long *gfn,
				       unsigned long long *npages, bool *private),
		      void *opaque)
{
	unsigned long long gfn = from_gfn, npages;
	int n = 0, runs = 0;
	bool private, more = true, ok;

	ok = ctlreq_put(out, size, &n, "{\"return\":{\"private_pages\":%llu,\"shared_pages\":%llu,"
			"\"from_gfn\":%llu,\"runs\":[", private_pages, shared_pages, from_gfn);
	while (ok && runs < CTLREQ_LOG_RUNS && (more = next_run(opaque, &gfn, &npages, &private))) {
		ok = ctlreq_put(out, size, &n, "%s[%llu,%llu,\"%s\"]", runs ? "," : "", gfn, npages,
				private ? "private" : "shared");
		runs++;
		gfn += npages;
	}
	if (ok && more && runs == CTLREQ_LOG_RUNS)
		more = next_run(opaque, &gfn, &npages, &private);
	if (ok && more)
		ok = ctlreq_put(out, size, &n, "],\"next_gfn\":%llu}}", gfn);
	else if (ok)
		ok = ctlreq_put(out, size, &n, "],\"next_gfn\":null}}");
	return ok ? n : -E2BIG;
}

int ctlreq_error(char *out, size_t size, const char *id, const char *msg)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *str = json_object_new_string(msg);
	int n;

	if (!obj || !str || json_object_object_add(obj, "error", str)) {
		json_object_put(str);
		json_object_put(obj);
		return ctlreq_reply(out, size, id, "{\"error\":\"out of memory\"}");
	}
	n = ctlreq_reply(out, size, id, json_object_to_json_string_ext(obj, CTLREQ_TO_TEXT));
	json_object_put(obj);
	return n;
}
