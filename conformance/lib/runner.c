// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* runner.c - runs KTAP test programs, nests their output, counts cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#define EXIT_CRASHED	-1	/* killed by a signal, timed out, or an odd code */
#define EXIT_PLATFORM	75	/* scripts/kvm-run: the platform failed, not the test */
#define MAX_JOBS	16
#define RECAP_MAX	2048	/* failed-case lines kept per program */
#define RECAP_TOTAL	16384	/* and in all, for the closing recap */

struct counts {
	int passed;
	int failed;
	int skipped;
	int platform;	/* programs whose platform failed twice */
};

/* What one program printed at its own top level. */
struct program_result {
	struct counts cases;	/* its result lines, as they read */
	struct counts totals;	/* its closing totals line, if it is a runner */
	bool has_totals;	/* a totals line came after its last result */
	int plan;		/* -1 when no plan line was seen */
	int results;
	char recap[RECAP_MAX];	/* its failed cases, a line each */
	size_t recap_len;
	bool recap_cut;
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

/* "1..N", optionally followed by a directive; N in *n. */
static bool parse_plan(const char *line, int *n)
{
	int end = 0;

	if (sscanf(line, "1..%d%n", n, &end) != 1 || *n < 0)
		return false;
	return line[end] == '\0' || line[end] == ' ' || line[end] == '\t';
}

/* A runner's closing line: "N passed, N failed, N skipped" or without skipped. */
static bool parse_totals(const char *line, struct counts *c)
{
	int end = 0;

	c->skipped = 0;
	if (sscanf(line, "%d passed, %d failed, %d skipped%n", &c->passed,
		   &c->failed, &c->skipped, &end) == 3 && !line[end])
		return c->passed >= 0 && c->failed >= 0 && c->skipped >= 0;
	end = 0;
	if (sscanf(line, "%d passed, %d failed%n", &c->passed, &c->failed,
		   &end) == 2 && !line[end])
		return c->passed >= 0 && c->failed >= 0;
	return false;
}

/* Keeps a line for the closing recap of failed cases, while room lasts. */
static void recap_add(struct program_result *res, const char *line)
{
	size_t n = strlen(line);

	if (res->recap_len + n + 1 >= sizeof(res->recap)) {
		res->recap_cut = true;
		return;
	}
	memcpy(res->recap + res->recap_len, line, n);
	res->recap[res->recap_len + n] = '\n';
	res->recap_len += n + 1;
	res->recap[res->recap_len] = '\0';
}

/* Counts one line of a program's own (not nested) KTAP output. */
static void account_line(const char *line, struct program_result *res)
{
	struct counts t;
	int n;

	if (parse_plan(line, &n)) {
		if (res->plan < 0)
			res->plan = n;
	} else if (!strncmp(line, "ok ", 3)) {
		res->results++;
		res->has_totals = false;
		if (has_skip(line))
			res->cases.skipped++;
		else
			res->cases.passed++;
	} else if (!strncmp(line, "not ok ", 7)) {
		res->results++;
		res->has_totals = false;
		res->cases.failed++;
		recap_add(res, line);
	} else if (!strncmp(line, "# failed: ", 10)) {
		/* a nested runner's recap: its program and case */
		recap_add(res, line + 10);
	} else if (parse_totals(line, &t)) {
		res->totals = t;
		res->has_totals = true;
	}
}

/* Relays one line nested; only whole lines are counted, not fragments. */
static void emit_line(const char *line, bool whole, struct program_result *res)
{
	printf("  %s\n", line);
	if (whole)
		account_line(line, res);
}

/* Reads the program's output until EOF or the deadline; false on timeout. */
static bool relay_output(int fd, double deadline, struct program_result *res)
{
	static char buf[LINE_MAX_LEN];
	bool line_start = true;
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
			emit_line(buf, line_start, res);
			line_start = true;
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1) {
			buf[len] = '\0';
			emit_line(buf, false, res);
			line_start = false;
			len = 0;
		}
		fflush(stdout);
	}
	if (len) {
		buf[len] = '\0';
		emit_line(buf, line_start, res);
	}
	return true;
}

/* A PROGRAM with a blank in it is a shell command line: it has arguments. */
static pid_t spawn(const char *prog, int *out_fd)
{
	bool shell = strpbrk(prog, " \t");
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
		if (shell)
			execl("/bin/sh", "sh", "-c", prog, (char *)NULL);
		else
			execl(prog, prog, (char *)NULL);
		printf("# cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	*out_fd = fds[0];
	return pid;
}

/* The program's kselftest code (0, 1 or 4), or EXIT_CRASHED. */
static int exit_code(const char *prog, int status, bool finished)
{
	if (!finished)
		return EXIT_CRASHED;	/* the timeout was reported already */
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d\n", prog, WTERMSIG(status));
		return EXIT_CRASHED;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
	case 1:
	case 4:
		return WEXITSTATUS(status);
	case EXIT_PLATFORM:
		printf("# %s: exit code %d: the platform failed (a VM crash, lockup or boot failure), not the test\n",
		       prog, EXIT_PLATFORM);
		return EXIT_CRASHED;
	default:
		printf("# %s: exit code %d\n", prog, WEXITSTATUS(status));
		return EXIT_CRASHED;
	}
}

/*
 * A runner's totals replace the count of its results (one per program it
 * ran) when they can be true: every failed result is at least one failed
 * case, every other result at least one passed or skipped case.
 */
static bool take_totals(const char *prog, struct program_result *res)
{
	struct counts *t = &res->totals, *c = &res->cases;

	if (t->failed >= c->failed &&
	    t->passed + t->skipped >= c->passed + c->skipped) {
		*c = *t;
		return true;
	}
	printf("# %s: its totals (%d passed, %d failed, %d skipped) do not cover its %d results; counted from the results\n",
	       prog, t->passed, t->failed, t->skipped, res->results);
	return false;
}

/* Holds the results against the plan; exit 4 turns missing cases into skips. */
static void check_plan(const char *prog, int code, const struct program_result *res,
		       struct counts *c)
{
	if (res->plan < 0 && !res->results) {
		if (code == 4) {
			printf("# %s: skipped without a plan: counted as one case\n", prog);
			c->skipped++;
		} else {
			printf("# %s: no KTAP plan or results\n", prog);
			c->failed++;
		}
	} else if (res->plan < 0) {
		printf("# %s: %d results without a plan\n", prog, res->results);
		c->failed++;
	} else if (res->results > res->plan) {
		printf("# %s: %d results for a plan of %d\n", prog, res->results, res->plan);
		c->failed++;
	} else if (!res->plan) {
		/* "1..0", with or without "# SKIP why": no case ran. */
		c->skipped++;
	} else if (res->results < res->plan && code == 4) {
		printf("# %s: %d of %d planned cases skipped without a result\n",
		       prog, res->plan - res->results, res->plan);
		c->skipped += res->plan - res->results;
	} else if (res->results < res->plan) {
		printf("# %s: %d of %d planned results missing\n", prog,
		       res->plan - res->results, res->plan);
		c->failed += res->plan - res->results;
	}
}

/*
 * The exit code must say what the results say; failed is what they
 * reported, before the plan was held against them.
 */
static void check_exit(const char *prog, int code, int failed, struct counts *c)
{
	bool disagree = false;

	if (code == 0 && failed) {
		printf("# %s: exit code 0, yet failed cases: %d\n", prog, failed);
	} else if (code == 1 && !c->failed) {
		printf("# %s: exit code 1 but no case failed\n", prog);
		disagree = true;
	} else if (code == 4 && failed) {
		printf("# %s: exit code 4 (skipped), yet failed cases: %d\n", prog, failed);
	} else if (code == 4 && !c->skipped) {
		printf("# %s: exit code 4 (skipped) but no case skipped\n", prog);
		disagree = true;
	} else if (code == EXIT_CRASHED) {
		disagree = true;
	}
	/* A failure the cases do not show yet is one failed case more. */
	if (disagree && !c->failed)
		c->failed++;
}

static void judge(const char *prog, int status, bool finished,
		  struct program_result *res)
{
	int code = exit_code(prog, status, finished);
	bool bad_totals = res->has_totals && !take_totals(prog, res);
	int reported = res->cases.failed;

	check_plan(prog, code, res, &res->cases);
	if (bad_totals)
		res->cases.failed++;
	check_exit(prog, code, reported, &res->cases);
}

/* One run of the program: its status, or -1 when it could not start. */
static int attempt(const char *prog, int timeout_s, struct program_result *res,
		   bool *finished)
{
	int fd, status = 0;
	pid_t pid;

	*res = (struct program_result){ .plan = -1 };
	pid = spawn(prog, &fd);
	if (pid < 0)
		return -1;
	*finished = relay_output(fd, now_s() + timeout_s, res);
	close(fd);
	if (!*finished) {
		kill(-pid, SIGKILL);
		printf("# %s: timed out after %d s\n", prog, timeout_s);
	}
	waitpid(pid, &status, 0);
	kill(-pid, SIGKILL);
	return status;
}

static bool platform_failed(int status, bool finished)
{
	return finished && WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PLATFORM;
}

/*
 * Writes "# failed: PROG: LINE" for each failed case the program showed,
 * or what failed when it showed none (a timeout, a crash, missing results).
 */
static void recap_program(FILE *out, const char *prog,
			  const struct program_result *res, bool finished,
			  int status)
{
	const char *line = res->recap, *nl;

	for (; (nl = strchr(line, '\n')); line = nl + 1)
		fprintf(out, "# failed: %s: %.*s\n", prog, (int)(nl - line), line);
	if (res->recap_cut)
		fprintf(out, "# failed: %s: more failed cases than the recap holds; see its output\n",
			prog);
	if (res->recap_len)
		return;
	if (!finished)
		fprintf(out, "# failed: %s: timed out\n", prog);
	else if (WIFSIGNALED(status))
		fprintf(out, "# failed: %s: killed by signal %d\n", prog, WTERMSIG(status));
	else
		fprintf(out, "# failed: %s: exit code %d, results or plan wrong; see its output\n",
			prog, WEXITSTATUS(status));
}

/*
 * Runs one program and adds its cases to the totals. A platform failure
 * (exit 75) is no result: the program runs once more, and what the failed
 * run printed stays visible but is not counted.
 */
static void run_program(int idx, const char *prog, int timeout_s,
			struct counts *total, FILE *recap)
{
	struct program_result res;
	double start = now_s();
	bool finished = false;
	int status;

	status = attempt(prog, timeout_s, &res, &finished);
	if (status >= 0 && platform_failed(status, finished)) {
		printf("# %s: the platform failed; running it once more, the output above is not counted\n",
		       prog);
		status = attempt(prog, timeout_s, &res, &finished);
	}
	if (status < 0) {
		printf("# %s: cannot start: %s\nnot ok %d %s\n", prog,
		       strerror(errno), idx, prog);
		fprintf(recap, "# failed: %s: cannot start\n", prog);
		total->failed++;
		return;
	}
	if (platform_failed(status, finished))
		total->platform++;
	judge(prog, status, finished, &res);

	if (res.cases.failed)
		printf("not ok %d %s\n", idx, prog);
	else if (!res.cases.passed)
		printf("ok %d %s # SKIP all cases skipped\n", idx, prog);
	else
		printf("ok %d %s\n", idx, prog);
	printf("# %s: %d passed, %d failed, %d skipped in %.1f s\n", prog,
	       res.cases.passed, res.cases.failed, res.cases.skipped,
	       now_s() - start);
	fflush(stdout);
	if (res.cases.failed)
		recap_program(recap, prog, &res, finished, status);
	total->passed += res.cases.passed;
	total->failed += res.cases.failed;
	total->skipped += res.cases.skipped;
}

/* One program of the list, run by a worker process of its own. */
struct job {
	const char *prog;
	pid_t worker;
	int out;		/* what it printed, a temporary file */
	off_t shown;		/* how much of that is on stdout already */
	int counts_fd;		/* its struct counts, when it is done */
	bool done;
};

/* Starts the worker that runs job idx (1-based) with its output to a file. */
static int job_start(struct job *job, int idx, int timeout_s)
{
	char path[] = "/tmp/migctl-runner.XXXXXX";
	int fds[2];

	job->out = mkostemp(path, O_CLOEXEC);
	if (job->out < 0)
		return -errno;
	unlink(path);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	job->worker = fork();
	if (job->worker < 0)
		return -errno;
	if (job->worker == 0) {
		struct counts c = { 0 };
		char *recap = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&recap, &len);
		bool ok;

		dup2(job->out, STDOUT_FILENO);
		run_program(idx, job->prog, timeout_s, &c, f ? f : stderr);
		fflush(stdout);
		if (f)
			fclose(f);
		/* the pipe holds it all: the parent reads it after the exit */
		if (len > RECAP_TOTAL)
			len = RECAP_TOTAL;
		ok = write(fds[1], &c, sizeof(c)) == sizeof(c);
		if (ok && len)
			ok = write(fds[1], recap, len) == (ssize_t)len;
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	job->counts_fd = fds[0];
	return 0;
}

/* The failed cases of every program, for the closing recap. */
static char recap_all[RECAP_TOTAL];
static size_t recap_all_len;
static bool recap_all_cut;

/* Adds what a finished worker left in its pipe after its counts. */
static void recap_take(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(recap_all) - 1 - recap_all_len;

		if ((size_t)n > room) {
			recap_all_cut = true;
			n = room;
		}
		memcpy(recap_all + recap_all_len, buf, n);
		recap_all_len += n;
	}
}

/* Copies what the job printed since the last call to stdout. */
static void job_show(struct job *job)
{
	char buf[65536];
	ssize_t n;

	while ((n = pread(job->out, buf, sizeof(buf), job->shown)) > 0) {
		if (write(STDOUT_FILENO, buf, n) != n)
			break;
		job->shown += n;
	}
}

/*
 * Marks the jobs whose workers ended and returns how many; waits at most
 * a tenth of a second for one.
 */
static int jobs_reap(struct job *jobs, int n)
{
	struct timespec tenth = { 0, 100 * 1000 * 1000 };
	int ended = 0;
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (int k = 0; k < n; k++) {
			if (jobs[k].worker == pid) {
				jobs[k].done = true;
				ended++;
			}
		}
	}
	if (!ended)
		nanosleep(&tenth, NULL);
	return ended;
}

/*
 * Runs the programs, up to max_jobs at a time. Each program's output is
 * shown whole and in list order: the first unfinished one as it prints,
 * the others once they are next.
 */
static int run_all(char **progs, int n, int max_jobs, int timeout_s, struct counts *total)
{
	struct job *jobs = calloc(n, sizeof(*jobs));
	int started = 0, head = 0, running = 0, ret = 0;

	if (!jobs)
		return -ENOMEM;
	while (head < n) {
		while (running < max_jobs && started < n) {
			jobs[started].prog = progs[started];
			ret = job_start(&jobs[started], started + 1, timeout_s);
			if (ret)
				goto out;
			started++;
			running++;
		}
		job_show(&jobs[head]);
		if (!jobs[head].done) {
			/* a job that ended frees its slot, shown or not */
			running -= jobs_reap(jobs, started);
			continue;
		}
		struct counts c = { 0 };

		job_show(&jobs[head]);
		if (read(jobs[head].counts_fd, &c, sizeof(c)) != sizeof(c)) {
			printf("# %s: its worker died\nnot ok %d %s\n", jobs[head].prog,
			       head + 1, jobs[head].prog);
			c.failed = 1;
		}
		fflush(stdout);
		recap_take(jobs[head].counts_fd);
		close(jobs[head].counts_fd);
		close(jobs[head].out);
		total->passed += c.passed;
		total->failed += c.failed;
		total->skipped += c.skipped;
		total->platform += c.platform;
		head++;
	}
out:
	free(jobs);
	return ret;
}

static void usage(const char *argv0)
{
	printf("usage: %s [-t SECONDS] [-j JOBS] [--] PROGRAM...\n"
	       "Runs each KTAP test program, nests its output two spaces and ends\n"
	       "with 'N passed, N failed, N skipped' counting cases. Exits 1 when a\n"
	       "case failed, else 0.\n"
	       "\n"
	       "  -t SECONDS  time limit of each program (default %d)\n"
	       "  -j JOBS     run up to JOBS programs at once (default 1); each\n"
	       "              program's output still comes whole and in order\n"
	       "  PROGRAM     a path, or a shell command line when it contains a\n"
	       "              blank: 'prog --filter x*' runs through /bin/sh -c\n"
	       "\n"
	       "Environment: MIGCTL_SLOW=N multiplies every time limit by N (for\n"
	       "slow platforms such as an emulated VM) and, unless it is set,\n"
	       "sets MIGCTL_TEST_TIMEOUT_SCALE=N for the programs' own cases.\n"
	       "\n"
	       "Counting: a result line is a case. A program that ends with a\n"
	       "runner's totals line is counted by those totals. Missing results\n"
	       "fail, or are skipped when the program exits 4; no output, results\n"
	       "without a plan, too many results, a crash, a timeout or an exit\n"
	       "code that disagrees with the results fail. Exit code 75 means the\n"
	       "platform failed (scripts/kvm-run: a VM crash, lockup or boot\n"
	       "failure), not the program: it runs once more, and a second 75 is\n"
	       "reported as a platform failure and counted as failed.\n"
	       "\n"
	       "Just above the totals, every failed case is listed again as\n"
	       "'# failed: PROGRAM: RESULT LINE' (a nested runner's recap adds its\n"
	       "program), so the tail of a long log shows what failed.\n",
	       argv0, DEFAULT_TIMEOUT);
}

/* MIGCTL_SLOW: a whole number of at least 1, or 0 when it is malformed. */
static int slow_factor(void)
{
	const char *env = getenv("MIGCTL_SLOW");
	char *end;
	long n;

	if (!env || !*env)
		return 1;
	n = strtol(env, &end, 10);
	if (*end || n < 1 || n > 1000)
		return 0;
	setenv("MIGCTL_TEST_TIMEOUT_SCALE", env, 0);
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct counts total = { 0 };
	int timeout = DEFAULT_TIMEOUT, max_jobs = 1;
	int c, n, slow;

	while ((c = getopt_long(argc, argv, "+t:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			max_jobs = atoi(optarg);
			if (max_jobs < 1 || max_jobs > MAX_JOBS) {
				fprintf(stderr, "runner: -j takes 1 to %d, not '%s'\n",
					MAX_JOBS, optarg);
				return 2;
			}
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout <= 0) {
				fprintf(stderr, "runner: bad timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			fprintf(stderr, "runner: see %s --help\n", argv[0]);
			return 2;
		}
	}
	slow = slow_factor();
	if (!slow) {
		fprintf(stderr, "runner: MIGCTL_SLOW must be a number from 1 to 1000, not '%s'\n",
			getenv("MIGCTL_SLOW"));
		return 2;
	}
	n = argc - optind;
	printf("KTAP version 1\n1..%d\n", n);
	fflush(stdout);
	if (run_all(argv + optind, n, max_jobs, timeout * slow, &total)) {
		fprintf(stderr, "runner: cannot start a worker: %s\n", strerror(errno));
		return 2;
	}
	if (recap_all_len) {
		/* where a long log's tail shows them: just above the totals */
		printf("# failed cases:\n%.*s", (int)recap_all_len, recap_all);
		if (recap_all_cut)
			printf("# failed: and more; see the output above\n");
	}
	if (total.platform)
		printf("# platform failures: %d program(s) could not run, twice; counted as failed\n",
		       total.platform);
	printf("%d passed, %d failed, %d skipped\n", total.passed, total.failed,
	       total.skipped);
	return total.failed ? 1 : 0;
}
