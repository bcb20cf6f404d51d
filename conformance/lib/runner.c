// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* runner.c - runs KTAP test programs, nests their output, counts cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT	1800
#define LINE_MAX_LEN	8192

struct counts {
	int passed;
	int failed;
	int skipped;
};

/* What one program printed at its own top level. */
struct program_result {
	struct counts cases;
	int plan;	/* -1 when no plan line was seen */
	int results;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* True when s (after "ok " or "not ok ") has a "# SKIP" directive. */
static bool has_skip(const char *s)
{
	const char *hash = strchr(s, '#');

	while (hash) {
		const char *p = hash + 1;

		while (*p == ' ')
			p++;
		if (!strncasecmp(p, "SKIP", 4))
			return true;
		hash = strchr(hash + 1, '#');
	}
	return false;
}

/* Counts one line of a program's own (not nested) KTAP output. */
static void account_line(const char *line, struct program_result *res)
{
	int a, b;

	if (sscanf(line, "%d..%d", &a, &b) == 2 && a == 1 && line[0] != ' ') {
		if (res->plan < 0)
			res->plan = b;
		return;
	}
	if (!strncmp(line, "ok ", 3)) {
		res->results++;
		if (has_skip(line))
			res->cases.skipped++;
		else
			res->cases.passed++;
	} else if (!strncmp(line, "not ok ", 7)) {
		res->results++;
		res->cases.failed++;
	}
}

static void emit_line(const char *line, struct program_result *res)
{
	printf("  %s\n", line);
	account_line(line, res);
}

/* Reads the program's output until EOF or the deadline; false on timeout. */
static bool relay_output(int fd, double deadline, struct program_result *res)
{
	static char buf[LINE_MAX_LEN];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now_s();
		ssize_t n;
		char *nl;
		int rc;

		if (left <= 0)
			return false;
		rc = poll(&pfd, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
		if (rc < 0 && errno != EINTR)
			return false;
		if (rc <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			emit_line(buf, res);
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1) {
			buf[len] = '\0';
			emit_line(buf, res);
			len = 0;
		}
		fflush(stdout);
	}
	if (len) {
		buf[len] = '\0';
		emit_line(buf, res);
	}
	return true;
}

static pid_t spawn(const char *prog, int *out_fd)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execl(prog, prog, (char *)NULL);
		printf("# cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	*out_fd = fds[0];
	return pid;
}

/* Runs one program; returns its line status and adds to the totals. */
static void run_program(int idx, const char *prog, int timeout_s,
			struct counts *total)
{
	struct program_result res = { .plan = -1 };
	double start = now_s();
	bool finished, ok;
	int fd, status = 0;
	pid_t pid;

	pid = spawn(prog, &fd);
	if (pid < 0) {
		printf("# %s: cannot start: %s\nnot ok %d %s\n", prog,
		       strerror(errno), idx, prog);
		total->failed++;
		return;
	}
	finished = relay_output(fd, start + timeout_s, &res);
	close(fd);
	if (!finished) {
		kill(-pid, SIGKILL);
		printf("# %s: timed out after %d s\n", prog, timeout_s);
	}
	waitpid(pid, &status, 0);
	kill(-pid, SIGKILL);

	/* A cut-short plan, a crash or a bad exit counts as one more failure. */
	if (res.plan >= 0 && res.results < res.plan) {
		printf("# %s: %d of %d planned results missing\n", prog,
		       res.plan - res.results, res.plan);
		res.cases.failed++;
	}
	if (!finished || !WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 4)) {
		if (WIFSIGNALED(status))
			printf("# %s: killed by signal %d\n", prog, WTERMSIG(status));
		else if (finished)
			printf("# %s: exit code %d\n", prog, WEXITSTATUS(status));
		if (!res.cases.failed)
			res.cases.failed++;
	}
	if (res.results == 0 && !res.cases.failed) {
		/* A program that reports nothing is counted as one case. */
		if (WEXITSTATUS(status) == 4)
			res.cases.skipped++;
		else
			res.cases.passed++;
	}

	ok = res.cases.failed == 0;
	if (!ok)
		printf("not ok %d %s\n", idx, prog);
	else if (!res.cases.passed && res.cases.skipped)
		printf("ok %d %s # SKIP all cases skipped\n", idx, prog);
	else
		printf("ok %d %s\n", idx, prog);
	printf("# %s: %d passed, %d failed, %d skipped in %.1f s\n", prog,
	       res.cases.passed, res.cases.failed, res.cases.skipped,
	       now_s() - start);
	fflush(stdout);
	total->passed += res.cases.passed;
	total->failed += res.cases.failed;
	total->skipped += res.cases.skipped;
}

int main(int argc, char **argv)
{
	struct counts total = { 0 };
	int timeout = DEFAULT_TIMEOUT;
	int i = 1, n;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		timeout = atoi(argv[2]);
		if (timeout <= 0) {
			fprintf(stderr, "runner: bad timeout '%s'\n", argv[2]);
			return 2;
		}
		i = 3;
	}
	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		printf("usage: %s [-t SECONDS] PROGRAM...\n"
		       "Runs each KTAP test program, nests its output and ends\n"
		       "with 'N passed, N failed, N skipped' counting cases.\n",
		       argv[0]);
		return 0;
	}
	n = argc - i;
	printf("KTAP version 1\n1..%d\n", n);
	for (int k = 0; k < n; k++)
		run_program(k + 1, argv[i + k], timeout, &total);
	printf("%d passed, %d failed, %d skipped\n", total.passed, total.failed,
	       total.skipped);
	return total.failed ? 1 : 0;
}
