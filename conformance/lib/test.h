/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* test.h - the KTAP test harness every migctl test program uses. */
#ifndef MIGCTL_TEST_H
#define MIGCTL_TEST_H

/*
 * A test program is a list of TEST() and TEST_F() cases plus the harness's
 * main() (link conformance/lib/test.o). Each case runs in a child process
 * with a timeout; results are printed as KTAP version 1 and the program
 * exits with a kselftest code: 0 all passed, 1 any failed, 4 all skipped.
 *
 *	TEST(area, name) { ASSERT_EQ(1, one()); }
 *
 *	FIXTURE(log) { struct statuslog *log; };
 *	FIXTURE_VARIANT(log) { u64 pages; };
 *	FIXTURE_VARIANT_ADD(log, small) { .pages = 16 };
 *	FIXTURE_SETUP(log) { self->log = statuslog_create(variant->pages); }
 *	FIXTURE_TEARDOWN(log) { statuslog_destroy(self->log); }
 *	TEST_F(log, empty) { EXPECT_EQ(0, statuslog_count(self->log)); }
 *
 * ASSERT_* stops the case (teardown still runs), EXPECT_* records the
 * failure and goes on. REQUIRE(cond, fmt, ...) skips the case with the
 * reason when cond is false. Both values are printed on failure with the
 * file and line. TEST_TIMEOUT(area, name, seconds) sets a case's timeout.
 *
 * Command line: --list prints the case names, --filter GLOB (repeatable)
 * runs only matching cases, --timeout-scale N multiplies every timeout
 * (also MIGCTL_TEST_TIMEOUT_SCALE), --no-fork runs cases in-process for
 * debuggers.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define TEST_DEFAULT_TIMEOUT	30

struct test_case;

typedef void (*test_fn)(struct test_case *tc, void *self, const void *variant);
typedef void (*test_fixture_fn)(struct test_case *tc, void *self, const void *variant);

struct test_variant {
	const char *name;
	const void *data;
	struct test_variant *next;
};

struct test_fixture {
	const char *name;
	size_t self_size;
	test_fixture_fn setup;
	test_fixture_fn teardown;
	struct test_variant *variants;
	struct test_variant **variants_tail;
};

struct test_case {
	const char *area;
	const char *name;
	test_fn fn;
	struct test_fixture *fixture;
	int timeout;
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fixture_add_variant(struct test_fixture *f, struct test_variant *v);

/* Failure and skip reporting; used by the macros below. */
void test_fail(const char *file, int line, bool stop, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void test_stop(void) __attribute__((noreturn));
void test_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The factor every time limit is scaled by (--timeout-scale, MIGCTL_SLOW). */
int test_timeout_scale(void);
bool test_failed(void);

/* The reproducible seed of the running case (MIGCTL_TEST_SEED overrides). */
uint64_t test_seed(void);

#define TEST__CTOR(id) __attribute__((constructor)) static void id(void)

#define TEST__DEFINE(area, name, timeout_s)					\
	static void test__##area##__##name(struct test_case *tc, void *self,	\
					   const void *variant);		\
	static struct test_case test__case_##area##__##name = {			\
		#area, #name, test__##area##__##name, NULL, timeout_s, NULL	\
	};									\
	TEST__CTOR(test__reg_##area##__##name)					\
	{									\
		test_register(&test__case_##area##__##name);			\
	}									\
	static void test__##area##__##name(struct test_case *tc __attribute__((unused)), \
					   void *self __attribute__((unused)),	\
					   const void *variant __attribute__((unused)))

#define TEST(area, name)		TEST__DEFINE(area, name, TEST_DEFAULT_TIMEOUT)
#define TEST_TIMEOUT(area, name, s)	TEST__DEFINE(area, name, s)

#define FIXTURE(fx)								\
	struct fixture_##fx;							\
	struct fixture_variant_##fx;						\
	static void fixture__setup_##fx(struct test_case *tc,			\
					struct fixture_##fx *self,		\
					const struct fixture_variant_##fx *variant); \
	static void fixture__teardown_##fx(struct test_case *tc,		\
					   struct fixture_##fx *self,		\
					   const struct fixture_variant_##fx *variant); \
	static struct test_fixture fixture__##fx = {				\
		#fx, 0, (test_fixture_fn)fixture__setup_##fx,			\
		(test_fixture_fn)fixture__teardown_##fx, NULL, NULL		\
	};									\
	struct fixture_##fx

/* Optional: without it the fixture runs once with no variant data. */
#define FIXTURE_VARIANT(fx)	struct fixture_variant_##fx

#define FIXTURE_VARIANT_ADD(fx, vname)						\
	static const struct fixture_variant_##fx fixture__vdata_##fx##__##vname; \
	static struct test_variant fixture__variant_##fx##__##vname = {	\
		#vname, &fixture__vdata_##fx##__##vname, NULL			\
	};									\
	TEST__CTOR(fixture__vreg_##fx##__##vname)				\
	{									\
		test_fixture_add_variant(&fixture__##fx,			\
					 &fixture__variant_##fx##__##vname);	\
	}									\
	static const struct fixture_variant_##fx fixture__vdata_##fx##__##vname =

#define FIXTURE_SETUP(fx)							\
	static void fixture__setup_##fx(struct test_case *tc __attribute__((unused)), \
					struct fixture_##fx *self __attribute__((unused)), \
					const struct fixture_variant_##fx *variant __attribute__((unused)))

#define FIXTURE_TEARDOWN(fx)							\
	static void fixture__teardown_##fx(struct test_case *tc __attribute__((unused)), \
					   struct fixture_##fx *self __attribute__((unused)), \
					   const struct fixture_variant_##fx *variant __attribute__((unused)))

#define TEST__F_DEFINE(fx, name, timeout_s)					\
	static void test__##fx##__##name(struct test_case *tc,			\
					 struct fixture_##fx *self,		\
					 const struct fixture_variant_##fx *variant); \
	static struct test_case test__case_##fx##__##name = {			\
		#fx, #name, (test_fn)test__##fx##__##name, &fixture__##fx,	\
		timeout_s, NULL							\
	};									\
	TEST__CTOR(test__reg_##fx##__##name)					\
	{									\
		fixture__##fx.self_size = sizeof(struct fixture_##fx);		\
		test_register(&test__case_##fx##__##name);			\
	}									\
	static void test__##fx##__##name(struct test_case *tc __attribute__((unused)), \
					 struct fixture_##fx *self __attribute__((unused)), \
					 const struct fixture_variant_##fx *variant __attribute__((unused)))

#define TEST_F(fx, name)		TEST__F_DEFINE(fx, name, TEST_DEFAULT_TIMEOUT)
#define TEST_F_TIMEOUT(fx, name, s)	TEST__F_DEFINE(fx, name, s)

/* Comparisons print both sides as signed and hex, whatever their type. */
#define TEST__CMP(stop, a, op, b)						\
	do {									\
		__typeof__(a) test__a = (a);					\
		__typeof__(b) test__b = (b);					\
		if (!(test__a op test__b))					\
			test_fail(__FILE__, __LINE__, stop,			\
				  "%s(%s, %s): %s = %lld (0x%llx), %s = %lld (0x%llx)", \
				  stop ? "ASSERT" : "EXPECT", #a, #b,		\
				  #a, (long long)test__a,			\
				  (unsigned long long)test__a,			\
				  #b, (long long)test__b,			\
				  (unsigned long long)test__b);			\
	} while (0)

#define TEST__BOOL(stop, cond, want)						\
	do {									\
		if ((bool)(cond) != (bool)(want))						\
			test_fail(__FILE__, __LINE__, stop,			\
				  "%s_%s(%s) failed", stop ? "ASSERT" : "EXPECT", \
				  (want) ? "TRUE" : "FALSE", #cond);		\
	} while (0)

#define TEST__STR(stop, a, b, want)						\
	do {									\
		const char *test__sa = (a), *test__sb = (b);			\
		if ((test__sa && test__sb && !strcmp(test__sa, test__sb)) != (want)) \
			test_fail(__FILE__, __LINE__, stop,			\
				  "%s(%s, %s): \"%s\" vs \"%s\"",		\
				  (want) ? "STREQ" : "STRNE", #a, #b,		\
				  test__sa ? test__sa : "(null)",		\
				  test__sb ? test__sb : "(null)");		\
	} while (0)

#define ASSERT_EQ(a, b)		TEST__CMP(true, a, ==, b)
#define ASSERT_NE(a, b)		TEST__CMP(true, a, !=, b)
#define ASSERT_LT(a, b)		TEST__CMP(true, a, <, b)
#define ASSERT_LE(a, b)		TEST__CMP(true, a, <=, b)
#define ASSERT_GT(a, b)		TEST__CMP(true, a, >, b)
#define ASSERT_GE(a, b)		TEST__CMP(true, a, >=, b)
#define ASSERT_TRUE(c)		TEST__BOOL(true, c, true)
#define ASSERT_FALSE(c)		TEST__BOOL(true, c, false)
#define ASSERT_NULL(p)		TEST__BOOL(true, (p) == NULL, true)
#define ASSERT_NONNULL(p)	TEST__BOOL(true, (p) != NULL, true)
#define ASSERT_STREQ(a, b)	TEST__STR(true, a, b, true)
#define ASSERT_STRNE(a, b)	TEST__STR(true, a, b, false)

#define EXPECT_EQ(a, b)		TEST__CMP(false, a, ==, b)
#define EXPECT_NE(a, b)		TEST__CMP(false, a, !=, b)
#define EXPECT_LT(a, b)		TEST__CMP(false, a, <, b)
#define EXPECT_LE(a, b)		TEST__CMP(false, a, <=, b)
#define EXPECT_GT(a, b)		TEST__CMP(false, a, >, b)
#define EXPECT_GE(a, b)		TEST__CMP(false, a, >=, b)
#define EXPECT_TRUE(c)		TEST__BOOL(false, c, true)
#define EXPECT_FALSE(c)		TEST__BOOL(false, c, false)
#define EXPECT_NULL(p)		TEST__BOOL(false, (p) == NULL, true)
#define EXPECT_NONNULL(p)	TEST__BOOL(false, (p) != NULL, true)
#define EXPECT_STREQ(a, b)	TEST__STR(false, a, b, true)
#define EXPECT_STRNE(a, b)	TEST__STR(false, a, b, false)

/* Fail with a message of your own; ASSERT_MSG stops, EXPECT_MSG goes on. */
#define ASSERT_MSG(cond, ...)							\
	do {									\
		if (!(cond))							\
			test_fail(__FILE__, __LINE__, true, __VA_ARGS__);	\
	} while (0)
#define EXPECT_MSG(cond, ...)							\
	do {									\
		if (!(cond))							\
			test_fail(__FILE__, __LINE__, false, __VA_ARGS__);	\
	} while (0)

/* Skip the case, with the reason, unless cond holds. */
#define REQUIRE(cond, ...)							\
	do {									\
		if (!(cond))							\
			test_skip(__VA_ARGS__);					\
	} while (0)

#endif /* MIGCTL_TEST_H */
