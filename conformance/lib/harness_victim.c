// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* harness_victim.c - cases that pass, fail, skip, hang and crash on purpose. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "test.h"

/*
 * Never run directly by `make check`: harness_test.c runs it with filters
 * and checks what the harness made of each case.
 */

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
