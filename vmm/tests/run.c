/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* run.c - vmm tests: run the built migctl-vmm and collect its output. */
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "test.h"
#include "run.h"

const char *run_vmm_path(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int slot;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *p = buf[slot++ % 4];

	if (n < 0)
		return rel;
	exe[n] = '\0';
	snprintf(p, PATH_MAX, "%s/../%s", dirname(exe), rel);
	return p;
}

const char *run_image(const char *name)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "tests/images/%s.elf", name);
	return run_vmm_path(rel);
}

static void drain(int fd, char *buf, size_t *len, bool *open)
{
	ssize_t n = read(fd, buf + *len, RUN_OUT_MAX - 1 - *len);

	if (n <= 0) {
		*open = false;
		return;
	}
	*len += n;
	buf[*len] = '\0';
}

/* Show the first @max lines of @text as KTAP diagnostics. */
static void diag_lines(const char *what, const char *text, int max)
{
	for (int i = 0; i < max && *text; i++) {
		const char *nl = strchr(text, '\n');
		int len = nl ? (int)(nl - text) : (int)strlen(text);

		test_diag("%s: %.*s", what, len, text);
		text += len + (nl ? 1 : 0);
	}
}

static int reap(pid_t pid, bool hung)
{
	int st;

	if (hung)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (hung)
		return RUN_HUNG;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static void child(int out, int err, const struct run_opts *o, char *const argv[])
{
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	if (o && o->child_setup)
		o->child_setup();
	execv(argv[0], argv);
	_exit(127);
}

void run_vmm(struct run *r, const struct run_opts *o, const char *const *args)
{
	char *argv[32] = { (char *)run_vmm_path("migctl-vmm") };
	int po[2], pe[2], n = 1;
	size_t lo = 0, le = 0;
	bool oo = true, eo = true, signalled = false;
	time_t end = time(NULL) + RUN_LIMIT_S;
	pid_t pid;

	while (args[n - 1] && n < 31) {
		argv[n] = (char *)args[n - 1];
		n++;
	}
	memset(r, 0, sizeof(*r));
	if (pipe(po) || pipe(pe))
		abort();
	pid = fork();
	if (!pid)
		child(po[1], pe[1], o, argv);
	close(po[1]);
	close(pe[1]);
	while ((oo || eo) && time(NULL) < end) {
		struct pollfd p[2] = { { oo ? po[0] : -1, POLLIN, 0 }, { eo ? pe[0] : -1, POLLIN, 0 } };

		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents)
			drain(po[0], r->out, &lo, &oo);
		if (p[1].revents)
			drain(pe[0], r->err, &le, &eo);
		if (o && !signalled &&
		    ((o->signal_after && strstr(r->out, o->signal_after)) ||
		     (o->signal_after_err && strstr(r->err, o->signal_after_err)))) {
			kill(pid, o->kill_sig);
			signalled = true;
		}
	}
	close(po[0]);
	close(pe[0]);
	r->status = reap(pid, oo || eo);
	diag_lines("stderr", r->err, 8);
}
