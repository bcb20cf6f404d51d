// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* harness_test.c - the harness and the runner checked on harness_victim. */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define OUT_MAX	65536

struct outcome {
	int status;
	double seconds;
	char out[OUT_MAX];
};

/* Path of a program built beside this one. */
static void sibling(const char *name, char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ASSERT_GT(n, 0);
	self[n] = '\0';
	snprintf(path, len, "%s/%s", dirname(self), name);
}

/*
 * Runs argv with MIGCTL_TEST_FILTER=filter and the "NAME=VALUE" strings of
 * env (NULL-terminated, or NULL), capturing stdout and stderr. The caller's
 * slow-platform knobs are dropped so that the time limits the runner
 * reports are the ones each case gives it.
 */
static void run_env(struct outcome *o, const char *filter, char *const env[],
		    char *const argv[])
{
	struct timespec t0, t1;
	size_t len = 0;
	int fds[2];
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, pipe(fds));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		if (filter)
			setenv("MIGCTL_TEST_FILTER", filter, 1);
		else
			unsetenv("MIGCTL_TEST_FILTER");
		unsetenv("MIGCTL_SLOW");
		unsetenv("MIGCTL_TEST_TIMEOUT_SCALE");
		unsetenv("MIGCTL_VICTIM_MODE");
		for (; env && *env; env++)
			putenv(*env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (len < OUT_MAX - 1 &&
	       (n = read(fds[0], o->out + len, OUT_MAX - 1 - len)) > 0)
		len += n;
	o->out[len] = '\0';
	close(fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &o->status, 0));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	o->seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ASSERT_TRUE(WIFEXITED(o->status));
	o->status = WEXITSTATUS(o->status);
}

static void run(struct outcome *o, const char *filter, char *const argv[])
{
	run_env(o, filter, NULL, argv);
}

static void run_victim(struct outcome *o, const char *filter)
{
	char path[PATH_MAX];
	char *argv[] = { path, NULL };

	sibling("harness_victim", path, sizeof(path));
	run(o, filter, argv);
}

static struct outcome o;

#define EXPECT_HAS(s)	EXPECT_MSG(strstr(o.out, s), "missing \"%s\" in:\n%s", s, o.out)
#define EXPECT_LACKS(s)	EXPECT_MSG(!strstr(o.out, s), "unexpected \"%s\" in:\n%s", s, o.out)

TEST(harness, passing_case_is_ok)
{
	run_victim(&o, "victim.pass");
	EXPECT_EQ(0, o.status);
	EXPECT_HAS("KTAP version 1\n1..1\nok 1 victim.pass\n");
	EXPECT_HAS("# Totals: pass:1 fail:0");
}

TEST(harness, failing_assert_is_not_ok_and_stops)
{
	run_victim(&o, "victim.assert_fails");
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("not ok 1 victim.assert_fails\n");
	/* file:line and both values, signed and hex */
	EXPECT_HAS("harness_victim.c:");
	EXPECT_HAS("ASSERT(one, 2): one = 1 (0x1), 2 = 2 (0x2)");
	EXPECT_LACKS("unreachable after ASSERT");
}

TEST(harness, failing_expect_continues)
{
	run_victim(&o, "victim.expect_continues");
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("EXPECT(3, 4): 3 = 3 (0x3), 4 = 4 (0x4)");
	EXPECT_HAS("EXPECT_TRUE(0) failed");
	EXPECT_HAS("reached after EXPECT");
	EXPECT_HAS("not ok 1 victim.expect_continues\n");
}

TEST(harness, require_skips_with_reason)
{
	run_victim(&o, "victim.require_skips");
	EXPECT_EQ(4, o.status);
	EXPECT_HAS("ok 1 victim.require_skips # SKIP needs a unicorn\n");
	EXPECT_LACKS("unreachable after REQUIRE");
}

TEST(harness, skip_after_failure_is_a_failure)
{
	run_victim(&o, "victim.expect_then_skip");
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("not ok 1 victim.expect_then_skip\n");
}

TEST(harness, hanging_case_times_out)
{
	run_victim(&o, "victim.hangs");
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("victim.hangs: timed out after 1 s");
	EXPECT_HAS("not ok 1 victim.hangs\n");
	EXPECT_LT(o.seconds, 10.0);
}

TEST(harness, crashing_case_is_reported)
{
	run_victim(&o, "victim.crashes,victim.pass");
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("killed by signal 11");
	EXPECT_HAS("not ok 2 victim.crashes\n");
	/* a crash costs only its own case */
	EXPECT_HAS("ok 1 victim.pass\n");
	EXPECT_HAS("# Totals: pass:1 fail:1");
}

TEST(harness, fixture_variants_setup_teardown)
{
	run_victim(&o, "fx.*");
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("# setup 1\n# body 1\n# after assert 1\n# teardown 1\nok 1 fx.one.is_one\n");
	/* the failed ASSERT stops the body, teardown still runs */
	EXPECT_HAS("# setup 2\n# body 2\n");
	EXPECT_HAS("# teardown 2\nnot ok 2 fx.two.is_one\n");
	EXPECT_LACKS("after assert 2");
}

TEST(harness, seed_is_per_case_and_reproducible)
{
	char first[OUT_MAX];

	run_victim(&o, "victim.seed");
	EXPECT_EQ(0, o.status);
	EXPECT_HAS("# seed-value 0x");
	memcpy(first, o.out, sizeof(first));
	run_victim(&o, "victim.seed");
	EXPECT_STREQ(first, o.out);
}

TEST(harness, list_names_every_case)
{
	char path[PATH_MAX];
	char *argv[] = { path, "--list", NULL };

	sibling("harness_victim", path, sizeof(path));
	run(&o, NULL, argv);
	EXPECT_EQ(0, o.status);
	EXPECT_HAS("victim.pass\nvictim.assert_fails\n");
	EXPECT_HAS("fx.one.is_one\nfx.two.is_one\n");
}

TEST(runner, nests_and_counts_cases)
{
	char runner[PATH_MAX], victim[PATH_MAX];
	char *argv[] = { runner, victim, victim, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	run(&o, "victim.pass,victim.require_skips,victim.assert_fails", argv);
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("KTAP version 1\n1..2\n  KTAP version 1\n  1..3\n  ok 1 victim.pass\n");
	EXPECT_HAS("  not ok 2 victim.assert_fails\n");
	EXPECT_HAS("  ok 3 victim.require_skips # SKIP needs a unicorn\n");
	EXPECT_HAS("\nnot ok 1 ");
	EXPECT_HAS("\nnot ok 2 ");
	/* the closing line counts cases, not programs, and is the last line */
	EXPECT_HAS("\n2 passed, 2 failed, 2 skipped\n");
	EXPECT_EQ('\n', o.out[strlen(o.out) - 1]);
	EXPECT_TRUE(strstr(o.out, "2 passed, 2 failed, 2 skipped\n") ==
		    o.out + strlen(o.out) - strlen("2 passed, 2 failed, 2 skipped\n"));
}

TEST(runner, all_passing_exits_zero)
{
	char runner[PATH_MAX], victim[PATH_MAX];
	char *argv[] = { runner, victim, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	run(&o, "victim.pass,fx.one.*", argv);
	EXPECT_EQ(0, o.status);
	EXPECT_HAS("\nok 1 ");
	EXPECT_HAS("\n2 passed, 0 failed, 0 skipped\n");
}

TEST(runner, missing_program_fails)
{
	char runner[PATH_MAX];
	char *argv[] = { runner, "/nonexistent/test-program", NULL };

	sibling("runner", runner, sizeof(runner));
	run(&o, NULL, argv);
	EXPECT_EQ(1, o.status);
	EXPECT_HAS("not ok 1 /nonexistent/test-program\n");
	EXPECT_HAS("\n0 passed, 1 failed, 0 skipped\n");
}

/* True when the captured output ends with s. */
static bool ends_with(const char *out, const char *s)
{
	size_t a = strlen(out), b = strlen(s);

	return a >= b && !strcmp(out + a - b, s);
}

static int occurrences(const char *out, const char *s)
{
	int n = 0;

	for (; (out = strstr(out, s)); out++)
		n++;
	return n;
}

#define EXPECT_ENDS(s)	EXPECT_MSG(ends_with(o.out, s), "output does not end with \"%s\":\n%s", s, o.out)

/*
 * The runner's verdict on each kind of program output: the victim prints
 * the KTAP of its mode and ends as the mode says (see harness_victim.c).
 * Each row gives the program's result line, the exact totals and the
 * diagnostic that says why, or NULL when the output is honest.
 */
FIXTURE(verdict)
{
	char runner[PATH_MAX];
	char victim[PATH_MAX];
};

FIXTURE_VARIANT(verdict)
{
	const char *mode;
	const char *timeout;	/* the runner's -t */
	const char *line;	/* "ok", "not ok" or "skip" (ok, all skipped) */
	const char *totals;
	const char *diag;	/* after "# PROGRAM: " */
};

#define VERDICT(name, t, l, tot, d)						\
	FIXTURE_VARIANT_ADD(verdict, name)					\
	{									\
		.mode = #name, .timeout = t, .line = l, .totals = tot,		\
		.diag = d,							\
	}

/* Honest programs, passing or skipping as a whole: a case is a case. */
VERDICT(pass3, "30", "ok", "3 passed, 0 failed, 0 skipped", NULL);
VERDICT(skip_each, "30", "skip", "0 passed, 0 failed, 3 skipped", NULL);
VERDICT(skip_plan_only, "30", "skip", "0 passed, 0 failed, 3 skipped",
	"3 of 3 planned cases skipped without a result");
VERDICT(skip_partway, "30", "ok", "1 passed, 0 failed, 3 skipped",
	"3 of 4 planned cases skipped without a result");
VERDICT(skip_empty_plan, "30", "skip", "0 passed, 0 failed, 1 skipped", NULL);
VERDICT(skip_no_plan, "30", "skip", "0 passed, 0 failed, 1 skipped",
	"skipped without a plan: counted as one case");
VERDICT(empty_plan, "30", "skip", "0 passed, 0 failed, 1 skipped", NULL);
/* Nothing, or a broken plan: every missing result is a failed case. */
VERDICT(silent, "30", "not ok", "0 passed, 1 failed, 0 skipped",
	"no KTAP plan or results");
VERDICT(diag_only, "30", "not ok", "0 passed, 1 failed, 0 skipped",
	"no KTAP plan or results");
VERDICT(cut_short, "30", "not ok", "1 passed, 2 failed, 0 skipped",
	"2 of 3 planned results missing");
VERDICT(too_many, "30", "not ok", "2 passed, 1 failed, 0 skipped",
	"2 results for a plan of 1");
VERDICT(no_plan, "30", "not ok", "2 passed, 1 failed, 0 skipped",
	"2 results without a plan");
/* An exit code that contradicts the results. */
VERDICT(exit0_not_ok, "30", "not ok", "1 passed, 1 failed, 0 skipped",
	"exit code 0, yet failed cases: 1");
VERDICT(exit1_all_ok, "30", "not ok", "2 passed, 1 failed, 0 skipped",
	"exit code 1 but no case failed");
VERDICT(exit4_not_ok, "30", "not ok", "0 passed, 1 failed, 1 skipped",
	"exit code 4 (skipped), yet failed cases: 1");
VERDICT(exit4_all_pass, "30", "not ok", "2 passed, 1 failed, 0 skipped",
	"exit code 4 (skipped) but no case skipped");
/* Crashes and hangs. */
VERDICT(exit_other, "30", "not ok", "1 passed, 1 failed, 0 skipped", "exit code 3");
VERDICT(killed, "30", "not ok", "1 passed, 1 failed, 0 skipped",
	"1 of 2 planned results missing");
VERDICT(killed_after_all, "30", "not ok", "1 passed, 1 failed, 0 skipped",
	"killed by signal 9");
VERDICT(hangs, "1", "not ok", "0 passed, 1 failed, 0 skipped", "timed out after 1 s");
VERDICT(slow, "1", "not ok", "0 passed, 1 failed, 0 skipped", "timed out after 1 s");
/* A runner as the program: its totals are its cases, if they can be true. */
VERDICT(nested, "30", "not ok", "5 passed, 1 failed, 2 skipped", NULL);
VERDICT(nested_no_skipped, "30", "ok", "7 passed, 0 failed, 0 skipped", NULL);
VERDICT(nested_too_few, "30", "not ok", "2 passed, 1 failed, 0 skipped",
	"its totals (1 passed, 0 failed, 0 skipped) do not cover its 2 results; counted from the results");
VERDICT(nested_hides_failure, "30", "not ok", "1 passed, 2 failed, 0 skipped",
	"its totals (8 passed, 0 failed, 0 skipped) do not cover its 2 results; counted from the results");
VERDICT(nested_cut_short, "30", "not ok", "1 passed, 2 failed, 0 skipped",
	"2 of 3 planned results missing");
VERDICT(nested_result_after_totals, "30", "ok", "2 passed, 0 failed, 0 skipped", NULL);

FIXTURE_SETUP(verdict)
{
	sibling("runner", self->runner, sizeof(self->runner));
	sibling("harness_victim", self->victim, sizeof(self->victim));
}

FIXTURE_TEARDOWN(verdict)
{
}

TEST_F(verdict, counts)
{
	char mode[64], want[PATH_MAX + 256], prefix[PATH_MAX + 8];
	char *env[] = { mode, NULL };
	char *argv[] = { self->runner, "-t", (char *)variant->timeout,
			 self->victim, NULL };
	int passed, failed, skipped;

	snprintf(mode, sizeof(mode), "MIGCTL_VICTIM_MODE=%s", variant->mode);
	run_env(&o, NULL, env, argv);
	ASSERT_EQ(3, sscanf(variant->totals, "%d passed, %d failed, %d skipped",
			    &passed, &failed, &skipped));
	EXPECT_EQ(failed ? 1 : 0, o.status);
	if (!strcmp(variant->line, "skip"))
		snprintf(want, sizeof(want), "\nok 1 %s # SKIP all cases skipped\n",
			 self->victim);
	else
		snprintf(want, sizeof(want), "\n%s 1 %s\n", variant->line, self->victim);
	EXPECT_HAS(want);
	snprintf(want, sizeof(want), "\n# %s: %s in ", self->victim, variant->totals);
	EXPECT_HAS(want);
	/* the closing line counts cases and is the last line */
	snprintf(want, sizeof(want), "\n%s\n", variant->totals);
	EXPECT_ENDS(want);
	snprintf(prefix, sizeof(prefix), "\n# %s: ", self->victim);
	if (variant->diag) {
		snprintf(want, sizeof(want), "%s%s\n", prefix, variant->diag);
		EXPECT_HAS(want);
	} else {
		/* an honest program gets no diagnostic but its counts */
		EXPECT_EQ(1, occurrences(o.out, prefix));
	}
}

/* A runner of programs run as one program: the inner cases count. */
TEST(runner, nested_runner_counts_its_cases)
{
	char runner[PATH_MAX], victim[PATH_MAX], cmd[3 * PATH_MAX + 8];
	char want[sizeof(cmd) + 16];
	char *argv[] = { runner, cmd, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	snprintf(cmd, sizeof(cmd), "%s %s %s", runner, victim, victim);
	run(&o, "victim.pass,victim.require_skips,victim.assert_fails", argv);
	EXPECT_EQ(1, o.status);
	/* the inner runner's programs nest four spaces deep */
	EXPECT_HAS("\n  1..2\n    KTAP version 1\n    1..3\n    ok 1 victim.pass\n");
	EXPECT_HAS("\n  2 passed, 2 failed, 2 skipped\n");
	snprintf(want, sizeof(want), "\nnot ok 1 %s\n", cmd);
	EXPECT_HAS(want);
	EXPECT_ENDS("\n2 passed, 2 failed, 2 skipped\n");
}

/*
 * Just above the totals, the failed cases again, each with its program:
 * what a log's tail must show. A nested runner's recap names both.
 */
TEST(runner, failed_cases_recap_above_totals)
{
	char runner[PATH_MAX], victim[PATH_MAX], cmd[3 * PATH_MAX + 8];
	static char want[16 * PATH_MAX];
	char *argv[] = { runner, victim, cmd, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	snprintf(cmd, sizeof(cmd), "%s %s", runner, victim);
	run(&o, "victim.pass,victim.assert_fails", argv);
	EXPECT_EQ(1, o.status);
	snprintf(want, sizeof(want),
		 "\n# failed cases:\n# failed: %s: not ok 2 victim.assert_fails\n"
		 "# failed: %s: not ok 1 %s\n"
		 "# failed: %s: %s: not ok 2 victim.assert_fails\n"
		 "2 passed, 2 failed, 0 skipped\n",
		 victim, cmd, victim, cmd, victim);
	EXPECT_ENDS(want);
	/* the inner runner showed its own recap, nested */
	snprintf(want, sizeof(want),
		 "\n  # failed: %s: not ok 2 victim.assert_fails\n", victim);
	EXPECT_HAS(want);

	run(&o, "victim.pass", argv);
	EXPECT_EQ(0, o.status);
	EXPECT_LACKS("# failed");
}

/* A program that shows no failed case still has a line saying why. */
TEST(runner, failed_recap_names_a_timeout)
{
	char runner[PATH_MAX], victim[PATH_MAX], mode[64], want[PATH_MAX + 64];
	char *env[] = { mode, NULL };
	char *argv[] = { runner, "-t", "1", victim, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	snprintf(mode, sizeof(mode), "MIGCTL_VICTIM_MODE=hangs");
	run_env(&o, NULL, env, argv);
	EXPECT_EQ(1, o.status);
	snprintf(want, sizeof(want), "\n# failed: %s: timed out\n0 passed, 1 failed, 0 skipped\n",
		 victim);
	EXPECT_ENDS(want);
}

/* A PROGRAM with a blank runs through the shell, with its arguments. */
TEST(runner, program_with_arguments)
{
	char runner[PATH_MAX], victim[PATH_MAX], cmd[PATH_MAX + 64];
	char want[sizeof(cmd) + 16];
	char *argv[] = { runner, "-t", "30", "--", cmd, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	snprintf(cmd, sizeof(cmd), "%s --filter 'victim.pa*'", victim);
	run(&o, NULL, argv);
	EXPECT_EQ(0, o.status);
	EXPECT_HAS("\n  1..1\n  ok 1 victim.pass\n");
	snprintf(want, sizeof(want), "\nok 1 %s\n", cmd);
	EXPECT_HAS(want);
	EXPECT_ENDS("\n1 passed, 0 failed, 0 skipped\n");
}

/* MIGCTL_SLOW multiplies the limit and reaches the programs' own cases. */
TEST(runner, slow_platform_scales_time_limits)
{
	const char *outer = getenv("MIGCTL_SLOW");
	char runner[PATH_MAX], victim[PATH_MAX], slow[32], mode[64], want[64];
	char *env[] = { slow, mode, NULL };
	char *argv[] = { runner, "-t", "1", victim, NULL };
	int scale = 4 * (outer && atoi(outer) > 0 ? atoi(outer) : 1);

	sibling("runner", runner, sizeof(runner));
	sibling("harness_victim", victim, sizeof(victim));
	/* 1.5 s of work fits in 1 s times the scale */
	snprintf(slow, sizeof(slow), "MIGCTL_SLOW=%d", scale);
	snprintf(mode, sizeof(mode), "MIGCTL_VICTIM_MODE=slow");
	run_env(&o, NULL, env, argv);
	EXPECT_EQ(0, o.status);
	snprintf(want, sizeof(want), "\n  # timeout scale %d\n  ok 1 slow\n", scale);
	EXPECT_HAS(want);
	EXPECT_ENDS("\n1 passed, 0 failed, 0 skipped\n");

	/* the limit it reports is the scaled one, and it holds to it */
	snprintf(slow, sizeof(slow), "MIGCTL_SLOW=2");
	snprintf(mode, sizeof(mode), "MIGCTL_VICTIM_MODE=hangs");
	run_env(&o, NULL, env, argv);
	EXPECT_EQ(1, o.status);
	EXPECT_HAS(": timed out after 2 s\n");
	EXPECT_GE(o.seconds, 2.0);
	EXPECT_ENDS("\n0 passed, 1 failed, 0 skipped\n");
}

TEST(runner, bad_slow_factor_is_refused)
{
	char runner[PATH_MAX];
	char *env[] = { "MIGCTL_SLOW=fast", NULL };
	char *argv[] = { runner, "/bin/true", NULL };

	sibling("runner", runner, sizeof(runner));
	run_env(&o, NULL, env, argv);
	EXPECT_EQ(2, o.status);
	EXPECT_HAS("MIGCTL_SLOW must be a number from 1 to 1000, not 'fast'");
	EXPECT_LACKS("KTAP");
}

TEST(runner, help_names_arguments_and_slow)
{
	char runner[PATH_MAX];
	char *argv[] = { runner, "--help", NULL };

	sibling("runner", runner, sizeof(runner));
	run(&o, NULL, argv);
	EXPECT_EQ(0, o.status);
	EXPECT_HAS("usage: ");
	EXPECT_HAS("/bin/sh -c");
	EXPECT_HAS("MIGCTL_SLOW=N");
	EXPECT_LACKS("KTAP version 1");
}

/* An executable script with the given text; its path replaces the Xs. */
static void write_script(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f;

	ASSERT_GE(fd, 0);
	f = fdopen(fd, "w");
	ASSERT_NONNULL(f);
	fputs(text, f);
	fclose(f);
	ASSERT_EQ(0, chmod(path, 0700));
}

/* ktap_skip_all reports every planned case, so each counts as skipped. */
TEST(runner, shell_skip_all_counts_every_planned_case)
{
	static const struct {
		const char *before, *names, *totals;
	} rows[] = {
		{ "ktap_result ok first\n", "second third", "1 passed, 0 failed, 3 skipped" },
		{ "", "first second third", "0 passed, 0 failed, 4 skipped" },
	};
	char runner[PATH_MAX], ktap[PATH_MAX], text[PATH_MAX + 256], want[128];
	char script[] = "/tmp/migctl-skip-all-XXXXXX";
	char *argv[] = { runner, script, NULL };

	sibling("runner", runner, sizeof(runner));
	sibling("../../scripts/ktap.sh", ktap, sizeof(ktap));
	REQUIRE(!access(ktap, R_OK), "%s is not built (run make)", ktap);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text),
			 "#!/bin/bash\n. '%s'\necho 'KTAP version 1'\necho '1..4'\n%s"
			 "ktap_skip_all 4 'no unicorn' %s\necho unreachable\n",
			 ktap, rows[i].before, rows[i].names);
		strcpy(script, "/tmp/migctl-skip-all-XXXXXX");
		write_script(script, text);
		run(&o, NULL, argv);
		unlink(script);
		EXPECT_EQ(0, o.status);
		EXPECT_HAS("  ok 3 third # SKIP no unicorn\n  ok 4 not_run # SKIP no unicorn\n");
		EXPECT_LACKS("unreachable");
		snprintf(want, sizeof(want), "\n%s\n", rows[i].totals);
		EXPECT_ENDS(want);
	}
	/* the last one skipped as a whole and said so with exit 4 */
	EXPECT_HAS(" # SKIP all cases skipped\n");
	EXPECT_HAS("  # Totals: pass:0 fail:0 xfail:0 xpass:0 skip:4 error:0\n");
}

/*
 * Exit 75 is the platform's failure (scripts/kvm-run), not the program's:
 * the program runs once more and only that run counts; two in a row are
 * reported as a platform failure and fail.
 */
TEST(runner, platform_failure_runs_once_more)
{
	char runner[PATH_MAX], flag[] = "/tmp/migctl-platform-XXXXXX", cmd[PATH_MAX + 256];
	char *argv[] = { runner, cmd, NULL };
	int fd;

	sibling("runner", runner, sizeof(runner));
	fd = mkstemp(flag);
	ASSERT_GE(fd, 0);
	close(fd);
	/* the first run prints a result and fails its platform; the second passes */
	snprintf(cmd, sizeof(cmd),
		 "sh -c 'echo \"1..2\"; echo \"ok 1 a\"; if [ -e %s ]; then rm %s; exit 75; fi; "
		 "echo \"ok 2 b\"'", flag, flag);
	run(&o, NULL, argv);
	EXPECT_EQ(0, o.status);
	EXPECT_HAS(": the platform failed; running it once more, the output above is not counted\n");
	EXPECT_EQ(2, occurrences(o.out, "  ok 1 a\n"));
	EXPECT_LACKS("platform failures");
	EXPECT_ENDS("\n2 passed, 0 failed, 0 skipped\n");

	snprintf(cmd, sizeof(cmd), "sh -c 'echo \"1..2\"; echo \"ok 1 a\"; exit 75'");
	run(&o, NULL, argv);
	EXPECT_EQ(1, o.status);
	EXPECT_HAS(": the platform failed; running it once more, the output above is not counted\n");
	EXPECT_HAS(": exit code 75: the platform failed (a VM crash, lockup or boot failure), not the test\n");
	EXPECT_HAS("\n# platform failures: 1 program(s) could not run, twice; counted as failed\n");
	EXPECT_ENDS("\n1 passed, 1 failed, 0 skipped\n");
}

/*
 * -j 2 runs two programs at once, yet prints each whole and in order: the
 * first waits for a file only the third writes, so it passes only when the
 * second, ended but not yet shown, gives its place to the third.
 */
TEST(runner, jobs_run_together_and_print_in_order)
{
	char runner[PATH_MAX], flag[] = "/tmp/migctl-jobs-XXXXXX";
	char first[PATH_MAX + 256], second[PATH_MAX + 64];
	char fast[] = "sh -c 'echo 1..1; echo ok 1 fast'";
	char *argv[] = { runner, "-t", "60", "-j", "2", first, fast, second, "/bin/true", NULL };
	int fd;

	sibling("runner", runner, sizeof(runner));
	fd = mkstemp(flag);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, unlink(flag));
	snprintf(first, sizeof(first),
		 "sh -c 'echo 1..1; i=0; while [ ! -e %s ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; "
		 "[ -e %s ] && echo \"ok 1 saw_the_second\" || echo \"not ok 1 saw_the_second\"'",
		 flag, flag);
	snprintf(second, sizeof(second), "sh -c 'echo 1..1; touch %s; echo \"ok 1 wrote\"'", flag);
	run(&o, NULL, argv);
	unlink(flag);
	EXPECT_EQ(1, o.status);	/* /bin/true prints nothing: a failed case */
	EXPECT_HAS("\n  1..1\n  ok 1 saw_the_second\nok 1 sh -c");
	EXPECT_HAS("\n  1..1\n  ok 1 fast\nok 2 sh -c");
	EXPECT_HAS("\n  1..1\n  ok 1 wrote\nok 3 sh -c");
	EXPECT_MSG(strstr(o.out, "ok 1 saw_the_second") < strstr(o.out, "ok 1 wrote"),
		   "the third program's output came first:\n%s", o.out);
	EXPECT_HAS("\nnot ok 4 /bin/true\n");
	EXPECT_ENDS("\n3 passed, 1 failed, 0 skipped\n");

	argv[4] = "0";
	run(&o, NULL, argv);
	EXPECT_EQ(2, o.status);
	EXPECT_HAS("runner: -j takes 1 to 16, not '0'");
}
