// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* harness_victim.c - cases that pass, fail, skip, hang and crash on purpose. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/*
 * Never run directly by `make check`: harness_test.c runs it with filters
 * and checks what the harness made of each case.
 */

/*
 * With MIGCTL_VICTIM_MODE=NAME set, the victim is no harness program at all:
 * it prints the KTAP of the mode and ends as the mode says, before main(),
 * so that the runner's self-test can feed the runner every kind of program
 * output: honest, skipping as a whole, broken, crashing, a nested runner.
 */
enum {
	VICTIM_KILLED = -1,	/* SIGKILL after the output */
	VICTIM_HANGS = -2,	/* waits for ever after the output */
	VICTIM_SLOW = -3,	/* prints the rest after 1.5 s, exits 0 */
};

struct victim_mode {
	const char *name;
	const char *out;
	int end;	/* an exit code or VICTIM_* */
};

#define NESTED_PROGRAMS								\
	"KTAP version 1\n1..2\n"						\
	"  KTAP version 1\n  1..5\n  ok 1 a\n  ok 2 b\n  ok 3 c\n"		\
	"  ok 4 d # SKIP no e\n  ok 5 e # SKIP no e\n"			\
	"ok 1 p1\n# p1: 3 passed, 0 failed, 2 skipped in 0.1 s\n"		\
	"  KTAP version 1\n  1..3\n  ok 1 f\n  ok 2 g\n  not ok 3 h\n"	\
	"not ok 2 p2\n# p2: 2 passed, 1 failed, 0 skipped in 0.1 s\n"

static const struct victim_mode victim_modes[] = {
	{ "pass3", "KTAP version 1\n1..3\nok 1 a\nok 2 b\nok 3 c\n", 0 },
	{ "skip_each", "KTAP version 1\n1..3\nok 1 a # SKIP no unicorn\n"
	  "ok 2 b # SKIP no unicorn\nok 3 c # SKIP no unicorn\n", 4 },
	{ "skip_plan_only", "KTAP version 1\n1..3\n# no unicorn\n", 4 },
	{ "skip_partway", "KTAP version 1\n1..4\nok 1 a\n# no unicorn\n", 4 },
	{ "skip_empty_plan", "KTAP version 1\n1..0 # SKIP no unicorn\n", 4 },
	{ "skip_no_plan", "# no unicorn\n", 4 },
	{ "empty_plan", "KTAP version 1\n1..0\n", 0 },
	{ "silent", "", 0 },
	{ "diag_only", "# cannot start\n", 1 },
	{ "cut_short", "KTAP version 1\n1..3\nok 1 a\n", 0 },
	{ "too_many", "KTAP version 1\n1..1\nok 1 a\nok 2 b\n", 0 },
	{ "no_plan", "ok 1 a\nok 2 b\n", 0 },
	{ "exit0_not_ok", "KTAP version 1\n1..2\nok 1 a\nnot ok 2 b\n", 0 },
	{ "exit1_all_ok", "KTAP version 1\n1..2\nok 1 a\nok 2 b\n", 1 },
	{ "exit4_not_ok", "KTAP version 1\n1..2\nok 1 a # SKIP no unicorn\n"
	  "not ok 2 b\n", 4 },
	{ "exit4_all_pass", "KTAP version 1\n1..2\nok 1 a\nok 2 b\n", 4 },
	{ "exit_other", "KTAP version 1\n1..1\nok 1 a\n", 3 },
	{ "killed", "KTAP version 1\n1..2\nok 1 a\n", VICTIM_KILLED },
	{ "killed_after_all", "KTAP version 1\n1..1\nok 1 a\n", VICTIM_KILLED },
	{ "hangs", "KTAP version 1\n1..1\n", VICTIM_HANGS },
	{ "slow", "KTAP version 1\n1..1\n", VICTIM_SLOW },
	/* a runner of two programs, one with a failed case; a console after it */
	{ "nested", NESTED_PROGRAMS "5 passed, 1 failed, 2 skipped\n"
	  "# console: powered off\nreboot: Power down\n", 1 },
	{ "nested_no_skipped", "KTAP version 1\n1..2\nok 1 p1\nok 2 p2\n"
	  "7 passed, 0 failed\n", 0 },
	{ "nested_too_few", "KTAP version 1\n1..2\nok 1 p1\nok 2 p2\n"
	  "1 passed, 0 failed, 0 skipped\n", 0 },
	{ "nested_hides_failure", NESTED_PROGRAMS "8 passed, 0 failed, 0 skipped\n", 1 },
	{ "nested_cut_short", "KTAP version 1\n1..3\n  KTAP version 1\n  1..9\n"
	  "  ok 1 a\nok 1 p1\n# p1: 1 passed, 0 failed, 0 skipped in 0.1 s\n"
	  "  KTAP version 1\n  1..9\n  ok 1 a\n", VICTIM_KILLED },
	{ "nested_result_after_totals", "KTAP version 1\n1..2\nok 1 p1\n"
	  "9 passed, 0 failed, 0 skipped\nok 2 p2\n", 0 },
};

static void victim_end(int end)
{
	struct timespec pause_s = { 1, 500000000 };
	const char *scale;

	switch (end) {
	case VICTIM_KILLED:
		raise(SIGKILL);
		break;
	case VICTIM_HANGS:
		for (;;)
			pause();
	case VICTIM_SLOW:
		scale = getenv("MIGCTL_TEST_TIMEOUT_SCALE");
		printf("# timeout scale %s\n", scale ? scale : "unset");
		fflush(stdout);
		nanosleep(&pause_s, NULL);
		printf("ok 1 slow\n");
		end = 0;
		break;
	}
	fflush(stdout);
	_exit(end);
}

__attribute__((constructor)) static void victim_mode_run(void)
{
	const char *name = getenv("MIGCTL_VICTIM_MODE");
	size_t i;

	if (!name)
		return;
	for (i = 0; i < sizeof(victim_modes) / sizeof(victim_modes[0]); i++) {
		if (strcmp(name, victim_modes[i].name))
			continue;
		fputs(victim_modes[i].out, stdout);
		fflush(stdout);
		victim_end(victim_modes[i].end);
	}
	fprintf(stderr, "harness_victim: no mode '%s'\n", name);
	_exit(2);
}

TEST(victim, pass)
{
	ASSERT_EQ(2, 1 + 1);
	EXPECT_STREQ("abc", "abc");
}

TEST(victim, assert_fails)
{
	int one = 1;

	ASSERT_EQ(one, 2);
	printf("# unreachable after ASSERT\n");
}

TEST(victim, expect_continues)
{
	EXPECT_EQ(3, 4);
	EXPECT_TRUE(0);
	printf("# reached after EXPECT\n");
}

TEST(victim, require_skips)
{
	REQUIRE(0, "needs a %s", "unicorn");
	printf("# unreachable after REQUIRE\n");
}

TEST(victim, expect_then_skip)
{
	EXPECT_EQ(1, 0);
	REQUIRE(0, "skipping does not hide the failure");
}

TEST_TIMEOUT(victim, hangs, 1)
{
	for (;;)
		pause();
}

TEST(victim, crashes)
{
	/* Sanitizer runtimes catch SIGSEGV; this case wants the plain death. */
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
}

TEST(victim, seed)
{
	printf("# seed-value 0x%llx\n", (unsigned long long)test_seed());
}

FIXTURE(fx)
{
	int value;
};

FIXTURE_VARIANT(fx)
{
	int start;
};

FIXTURE_VARIANT_ADD(fx, one)
{
	.start = 1,
};

FIXTURE_VARIANT_ADD(fx, two)
{
	.start = 2,
};

FIXTURE_SETUP(fx)
{
	self->value = variant->start;
	printf("# setup %d\n", self->value);
}

FIXTURE_TEARDOWN(fx)
{
	printf("# teardown %d\n", self->value);
}

TEST_F(fx, is_one)
{
	printf("# body %d\n", self->value);
	ASSERT_EQ(self->value, 1);
	printf("# after assert %d\n", self->value);
}
