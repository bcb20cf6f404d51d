// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* test.c - the KTAP harness: registration, forking, timeouts, reporting. */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

enum {
	KSFT_PASS = 0,
	KSFT_FAIL = 1,
	KSFT_SKIP = 4,
};

#define SKIP_REASON_MAX	512
#define MAX_FILTERS	32

/* Written by the running case, read by the parent after the child ends. */
struct case_shared {
	int failed;
	int skipped;
	char reason[SKIP_REASON_MAX];
};

/* One selected (case, variant) pair. */
struct test_run {
	struct test_case *tc;
	struct test_variant *variant;
	char name[256];
};

struct harness {
	struct test_case *head;
	struct test_case **tail;
	const char *filters[MAX_FILTERS];
	int nr_filters;
	int timeout_scale;
	bool no_fork;
	bool list;
};

static struct harness harness = { .tail = &harness.head, .timeout_scale = 1 };

/* State of the case running in this process. */
static struct {
	struct case_shared *shared;
	jmp_buf stop;
	bool in_case;
	const char *name;
	bool seed_printed;
} cur;

void test_register(struct test_case *tc)
{
	*harness.tail = tc;
	harness.tail = &tc->next;
}

void test_fixture_add_variant(struct test_fixture *f, struct test_variant *v)
{
	if (!f->variants_tail)
		f->variants_tail = &f->variants;
	*f->variants_tail = v;
	f->variants_tail = &v->next;
}

int test_timeout_scale(void)
{
	return harness.timeout_scale;
}

void test_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void test_stop(void)
{
	if (!cur.in_case) {
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	longjmp(cur.stop, 1);
}

void test_fail(const char *file, int line, bool stop, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (cur.shared)
		cur.shared->failed = 1;
	if (stop)
		test_stop();
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	if (cur.shared) {
		va_start(ap, fmt);
		vsnprintf(cur.shared->reason, sizeof(cur.shared->reason), fmt, ap);
		va_end(ap);
		cur.shared->skipped = 1;
	}
	test_stop();
}

bool test_failed(void)
{
	return cur.shared && cur.shared->failed;
}

/* FNV-1a of the case name, so every case has its own fixed seed. */
uint64_t test_seed(void)
{
	const char *env = getenv("MIGCTL_TEST_SEED");
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p;

	if (env && *env) {
		h = strtoull(env, NULL, 0);
	} else {
		for (p = cur.name ? cur.name : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	}
	if (!cur.seed_printed) {
		test_diag("seed 0x%llx (set MIGCTL_TEST_SEED to repeat)",
			  (unsigned long long)h);
		cur.seed_printed = true;
	}
	return h;
}

static bool run_selected(const char *name)
{
	int i;

	if (!harness.nr_filters)
		return true;
	for (i = 0; i < harness.nr_filters; i++)
		if (!fnmatch(harness.filters[i], name, 0))
			return true;
	return false;
}

static void add_filter(const char *glob)
{
	if (harness.nr_filters == MAX_FILTERS) {
		fprintf(stderr, "too many filters (at most %d)\n", MAX_FILTERS);
		exit(KSFT_FAIL);
	}
	harness.filters[harness.nr_filters++] = glob;
}

/* Expands fixtures into one run per variant and applies the filters. */
static int collect_runs(struct test_run **out)
{
	struct test_run *runs = NULL;
	struct test_case *tc;
	int n = 0, cap = 0;

	for (tc = harness.head; tc; tc = tc->next) {
		struct test_variant none = { NULL, NULL, NULL };
		struct test_variant *v = &none;

		if (tc->fixture && tc->fixture->variants)
			v = tc->fixture->variants;
		for (; v; v = v->next) {
			struct test_run *r;

			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				runs = realloc(runs, cap * sizeof(*runs));
				if (!runs) {
					perror("realloc");
					exit(KSFT_FAIL);
				}
			}
			r = &runs[n];
			r->tc = tc;
			r->variant = v == &none ? NULL : v;
			if (r->variant)
				snprintf(r->name, sizeof(r->name), "%s.%s.%s",
					 tc->area, v->name, tc->name);
			else
				snprintf(r->name, sizeof(r->name), "%s.%s",
					 tc->area, tc->name);
			if (run_selected(r->name))
				n++;
		}
	}
	*out = runs;
	return n;
}

/* Runs setup, the case and teardown in this process; returns a ksft code. */
static int run_case_here(struct test_run *r, struct case_shared *shared)
{
	struct test_fixture *fx = r->tc->fixture;
	const void *vdata = r->variant ? r->variant->data : NULL;
	void *volatile self = NULL;
	volatile bool set_up = false;

	memset(shared, 0, sizeof(*shared));
	cur.shared = shared;
	cur.name = r->name;
	cur.seed_printed = false;
	if (fx && fx->self_size) {
		self = calloc(1, fx->self_size);
		if (!self) {
			test_diag("%s: out of memory for the fixture", r->name);
			return KSFT_FAIL;
		}
	}
	cur.in_case = true;
	if (!setjmp(cur.stop)) {
		if (fx && fx->setup)
			fx->setup(r->tc, self, vdata);
		set_up = true;
		r->tc->fn(r->tc, self, vdata);
	}
	if (set_up && fx && fx->teardown && !setjmp(cur.stop))
		fx->teardown(r->tc, self, vdata);
	cur.in_case = false;
	free(self);
	fflush(stdout);
	if (shared->failed)
		return KSFT_FAIL;
	return shared->skipped ? KSFT_SKIP : KSFT_PASS;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for pid up to timeout_s; kills its process group on expiry. */
static int wait_case(pid_t pid, int timeout_s, const char *name)
{
	double deadline = now_s() + timeout_s;
	sigset_t set;
	int status;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		double left;
		struct timespec ts;

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			test_diag("%s: waitpid: %s", name, strerror(errno));
			return KSFT_FAIL;
		}
		left = deadline - now_s();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			test_diag("%s: timed out after %d s", name, timeout_s);
			return KSFT_FAIL;
		}
		if (left > 0.2)
			left = 0.2;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		sigtimedwait(&set, NULL, &ts);
	}
	/* Anything the case left behind in its group goes with it. */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(status)) {
		test_diag("%s: killed by signal %d (%s)", name, WTERMSIG(status),
			  strsignal(WTERMSIG(status)));
		return KSFT_FAIL;
	}
	return WEXITSTATUS(status);
}

static int run_case(struct test_run *r, struct case_shared *shared)
{
	int timeout = r->tc->timeout * harness.timeout_scale;
	pid_t pid;

	if (harness.no_fork)
		return run_case_here(r, shared);
	memset(shared, 0, sizeof(*shared));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		test_diag("%s: fork: %s", r->name, strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		_exit(run_case_here(r, shared));
	}
	setpgid(pid, pid);
	return wait_case(pid, timeout, r->name);
}

static void usage(const char *prog)
{
	printf("usage: %s [--list] [--filter GLOB]... [--timeout-scale N] [--no-fork]\n"
	       "Runs this program's test cases and prints KTAP version 1.\n"
	       "Environment: MIGCTL_TEST_FILTER (comma-separated globs),\n"
	       "MIGCTL_TEST_TIMEOUT_SCALE (else MIGCTL_SLOW), MIGCTL_TEST_SEED.\n", prog);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "filter", required_argument, NULL, 'f' },
		{ "timeout-scale", required_argument, NULL, 't' },
		{ "no-fork", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *env;
	int c;

	/* On a slow platform (scripts/kvm-run's VM) MIGCTL_SLOW scales too. */
	env = getenv("MIGCTL_TEST_TIMEOUT_SCALE");
	if (!env || atoi(env) <= 0)
		env = getenv("MIGCTL_SLOW");
	if (env && atoi(env) > 0)
		harness.timeout_scale = atoi(env);
	env = getenv("MIGCTL_TEST_FILTER");
	if (env && *env) {
		char *s = strdup(env), *tok, *save = NULL;

		for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			add_filter(tok);
	}
	while ((c = getopt_long(argc, argv, "lf:t:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			harness.list = true;
			break;
		case 'f':
			add_filter(optarg);
			break;
		case 't':
			harness.timeout_scale = atoi(optarg) > 0 ? atoi(optarg) : 1;
			break;
		case 'n':
			harness.no_fork = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(KSFT_PASS);
		default:
			usage(argv[0]);
			exit(KSFT_FAIL);
		}
	}
}

int main(int argc, char **argv)
{
	struct case_shared *shared;
	struct test_run *runs;
	int n, i, pass = 0, fail = 0, skip = 0;
	sigset_t set;

	parse_args(argc, argv);
	n = collect_runs(&runs);
	if (harness.list) {
		for (i = 0; i < n; i++)
			printf("%s\n", runs[i].name);
		free(runs);
		return KSFT_PASS;
	}
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	/* SIGCHLD stays blocked so wait_case() can sleep on it. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	printf("KTAP version 1\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		int rc = run_case(&runs[i], shared);

		if (rc == KSFT_PASS) {
			pass++;
			printf("ok %d %s\n", i + 1, runs[i].name);
		} else if (rc == KSFT_SKIP) {
			skip++;
			printf("ok %d %s # SKIP %s\n", i + 1, runs[i].name,
			       shared->reason[0] ? shared->reason : "skipped");
		} else {
			fail++;
			printf("not ok %d %s\n", i + 1, runs[i].name);
		}
		fflush(stdout);
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	free(runs);
	if (fail)
		return KSFT_FAIL;
	return (skip && !pass) ? KSFT_SKIP : KSFT_PASS;
}
