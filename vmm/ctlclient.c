/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ctlclient.c - 'migctl-vmm ctl': one request to a --control socket, its reply printed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <json.h>

#include "ctlclient.h"
#include "ctlreq.h"
#include "ctlsock.h"
#include "vmm.h"

/* The request line for 'ctl': a JSON object as is, else COMMAND [--wait] [URI]. */
static int control_request(int argc, char *const argv[], char *out, size_t len)
{
	struct json_object *req = json_object_new_object();
	const char *uri = NULL;
	bool wait = false;
	int ret = -EINVAL;

	if (argv[0][0] == '{') {
		json_object_put(req);
		return snprintf(out, len, "%s\n", argv[0]) >= (int)len ? -E2BIG : 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wait"))
			wait = true;
		else if (!uri)
			uri = argv[i];
		else
			goto out;
	}
	if (!req || json_object_object_add(req, "cmd", json_object_new_string(argv[0])) ||
	    (uri && json_object_object_add(req, "uri", json_object_new_string(uri))) ||
	    (wait && json_object_object_add(req, "wait", json_object_new_boolean(1))))
		goto out;
	ret = snprintf(out, len, "%s\n", json_object_to_json_string_ext(req,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = ret >= (int)len ? -E2BIG : 0;
out:
	json_object_put(req);
	return ret;
}

/*
 * 1 when @reply is an error reply: "error" and at most "id" besides (a
 * query-migrate reply of a failed migration has an "error" too, and is
 * no error reply); 0 for any other JSON object; -1 if no JSON object.
 */
static int control_reply_is_error(const char *reply)
{
	struct json_object *obj = json_tokener_parse(reply);
	int ret = -1;

	if (json_object_is_type(obj, json_type_object))
		ret = json_object_object_get_ex(obj, "error", NULL) &&
		      json_object_object_length(obj) ==
			      1 + json_object_object_get_ex(obj, "id", NULL);
	json_object_put(obj);
	return ret;
}

int control_client(int argc, char *const argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char req[CONTROL_LINE_MAX], reply[CTLREQ_REPLY_MAX];
	size_t got = 0;
	int fd, err;

	if (argc < 2 || strlen(argv[0]) >= sizeof(addr.sun_path) ||
	    control_request(argc - 1, argv + 1, req, sizeof(req))) {
		fprintf(stderr, "usage: migctl-vmm ctl SOCKET COMMAND [--wait] [URI] | "
			"migctl-vmm ctl SOCKET '{\"cmd\":...}'\n");
		return VMM_EXIT_FAILURE;
	}
	strcpy(addr.sun_path, argv[0]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "migctl-vmm ctl: %s: %s\n", argv[0], strerror(errno));
		return VMM_EXIT_FAILURE;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);

		if (n <= 0)
			break;
		got += n;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	if (!got || !strchr(reply, '\n')) {
		fprintf(stderr, "migctl-vmm ctl: no answer from %s\n", argv[0]);
		return VMM_EXIT_FAILURE;
	}
	fputs(reply, stdout);
	err = control_reply_is_error(reply);
	if (err < 0) {
		fprintf(stderr, "migctl-vmm ctl: %s answered no JSON object\n", argv[0]);
		return VMM_EXIT_FAILURE;
	}
	return err;
}
