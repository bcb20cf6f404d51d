/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* options_test.c - the migctl-vmm command line: sizes, values, errors. */
#include <errno.h>
#include <string.h>

#include "migctl.h"
#include "test.h"
#include "../options.h"

FIXTURE(size) { int ret; u64 v; };
FIXTURE_VARIANT(size) { const char *s; int ret; u64 v; };
FIXTURE_VARIANT_ADD(size, mib_suffix) { "64M", 0, 64ull << 20 };
FIXTURE_VARIANT_ADD(size, gib_lower) { "1g", 0, 1ull << 30 };
FIXTURE_VARIANT_ADD(size, gib_long) { "2GiB", 0, 2ull << 30 };
FIXTURE_VARIANT_ADD(size, kib) { "512K", 0, 512ull << 10 };
FIXTURE_VARIANT_ADD(size, bytes) { "4096B", 0, 4096 };
FIXTURE_VARIANT_ADD(size, tib) { "1T", 0, 1ull << 40 };
FIXTURE_VARIANT_ADD(size, bare_is_mib) { "128", 0, 128ull << 20 };
FIXTURE_VARIANT_ADD(size, zero) { "0", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, empty) { "", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, negative) { "-1G", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, fraction) { "1.5G", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, bad_suffix) { "12X", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, trailing) { "64Mx", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, overflow) { "99999999999999999999", -EINVAL, 0 };
FIXTURE_VARIANT_ADD(size, shift_overflow) { "17179869184G", -EINVAL, 0 };

FIXTURE_SETUP(size)
{
	self->v = 0;
	self->ret = options_parse_size(variant->s, &self->v);
}

FIXTURE_TEARDOWN(size) {}

TEST_F(size, parse)
{
	EXPECT_EQ(variant->ret, self->ret);
	if (!variant->ret)
		EXPECT_EQ(variant->v, self->v);
}

#define ARGS(...)	{ "migctl-vmm", __VA_ARGS__, NULL }

FIXTURE(cmd) { struct options o; char err[256]; int ret; };
FIXTURE_VARIANT(cmd) {
	const char *argv[24];
	int ret;
	const char *err;	/* substring of the message on error */
	u64 memory;
	int cpus;
	enum options_migctl migctl;
	u32 features;
	unsigned int timeout;
	const char *cmdline;
};

FIXTURE_VARIANT_ADD(cmd, defaults) {
	ARGS("img"), 0, NULL, 64ull << 20, 1, OPTIONS_MIGCTL_V2, MIGCTL_F_ALL, 0, "" };
FIXTURE_VARIANT_ADD(cmd, everything) {
	ARGS("--memory", "5G", "--cpus=4", "--migctl", "v2", "--features", "msr-psc",
	     "--timeout", "30", "--trace", "--stats", "img", "--", "test=a*", "cpus=4"),
	0, NULL, 5ull << 30, 4, OPTIONS_MIGCTL_V2, MIGCTL_F_MSR_PSC, 30, "test=a* cpus=4" };
FIXTURE_VARIANT_ADD(cmd, v1_drops_features) {
	ARGS("--migctl=v1", "img"), 0, NULL, 64ull << 20, 1, OPTIONS_MIGCTL_V1, 0, 0, "" };
FIXTURE_VARIANT_ADD(cmd, off_features_none) {
	ARGS("--migctl", "off", "--features", "none", "img"), 0, NULL, 64ull << 20, 1,
	OPTIONS_MIGCTL_OFF, 0, 0, "" };
FIXTURE_VARIANT_ADD(cmd, features_list) {
	ARGS("--features", "list,msr-psc", "img"), 0, NULL, 64ull << 20, 1,
	OPTIONS_MIGCTL_V2, MIGCTL_F_ALL, 0, "" };
FIXTURE_VARIANT_ADD(cmd, dashes_in_cmdline) {
	ARGS("img", "--", "--memory", "x"), 0, NULL, 64ull << 20, 1, OPTIONS_MIGCTL_V2,
	MIGCTL_F_ALL, 0, "--memory x" };
FIXTURE_VARIANT_ADD(cmd, no_image) {
	.argv = ARGS("--cpus", "2"), .ret = -EINVAL, .err = "no IMAGE" };
FIXTURE_VARIANT_ADD(cmd, cpus_zero) {
	.argv = ARGS("--cpus", "0", "img"), .ret = -EINVAL, .err = "--cpus" };
FIXTURE_VARIANT_ADD(cmd, cpus_too_many) {
	.argv = ARGS("--cpus", "65", "img"), .ret = -EINVAL, .err = "--cpus" };
FIXTURE_VARIANT_ADD(cmd, cpus_junk) {
	.argv = ARGS("--cpus", "2x", "img"), .ret = -EINVAL, .err = "--cpus" };
FIXTURE_VARIANT_ADD(cmd, memory_tiny) {
	.argv = ARGS("--memory", "1M", "img"), .ret = -EINVAL, .err = "--memory" };
FIXTURE_VARIANT_ADD(cmd, memory_unaligned) {
	.argv = ARGS("--memory", "4097B", "img"), .ret = -EINVAL, .err = "--memory" };
FIXTURE_VARIANT_ADD(cmd, memory_huge) {
	.argv = ARGS("--memory", "2T", "img"), .ret = -EINVAL, .err = "--memory" };
FIXTURE_VARIANT_ADD(cmd, migctl_bad) {
	.argv = ARGS("--migctl", "v3", "img"), .ret = -EINVAL, .err = "--migctl" };
FIXTURE_VARIANT_ADD(cmd, features_bad) {
	.argv = ARGS("--features", "msr-psc,x", "img"), .ret = -EINVAL, .err = "--features" };
FIXTURE_VARIANT_ADD(cmd, features_need_v2) {
	.argv = ARGS("--migctl", "v1", "--features", "list", "img"), .ret = -EINVAL,
	.err = "needs --migctl v2" };
FIXTURE_VARIANT_ADD(cmd, timeout_zero) {
	.argv = ARGS("--timeout", "0", "img"), .ret = -EINVAL, .err = "--timeout" };
FIXTURE_VARIANT_ADD(cmd, missing_value) {
	.argv = ARGS("img", "--memory"), .ret = -EINVAL, .err = "needs a value" };
FIXTURE_VARIANT_ADD(cmd, flag_with_value) {
	.argv = ARGS("--trace=1", "img"), .ret = -EINVAL, .err = "takes no value" };
FIXTURE_VARIANT_ADD(cmd, unknown_long) {
	.argv = ARGS("--frobnicate", "img"), .ret = -EINVAL, .err = "unknown option" };
FIXTURE_VARIANT_ADD(cmd, unknown_short) {
	.argv = ARGS("-x", "img"), .ret = -EINVAL, .err = "unknown option" };
FIXTURE_VARIANT_ADD(cmd, two_images) {
	.argv = ARGS("a", "b"), .ret = -EINVAL, .err = "after --" };
FIXTURE_VARIANT_ADD(cmd, window_needs_sevsim) {
	.argv = ARGS("--sev-sim-window", "0x2000000:16M", "img"), .ret = -EINVAL,
	.err = "needs --sev-sim" };
FIXTURE_VARIANT_ADD(cmd, window_unaligned) {
	.argv = ARGS("--sev-sim", "--sev-sim-window", "0x2001000:16M", "img"), .ret = -EINVAL,
	.err = "--sev-sim-window" };
FIXTURE_VARIANT_ADD(cmd, downtime_zero) {
	.argv = ARGS("--downtime-ms", "0", "img"), .ret = -EINVAL, .err = "--downtime-ms" };
FIXTURE_VARIANT_ADD(cmd, dirty_log_unknown) {
	.argv = ARGS("--dirty-log", "ring", "img"), .ret = -EINVAL, .err = "--dirty-log" };
FIXTURE_VARIANT_ADD(cmd, throttle_too_big) {
	.argv = ARGS("--throttle-max", "100", "img"), .ret = -EINVAL, .err = "--throttle-max" };
FIXTURE_VARIANT_ADD(cmd, bandwidth_too_big) {
	.argv = ARGS("--max-bandwidth", "1000001", "img"), .ret = -EINVAL,
	.err = "--max-bandwidth" };
FIXTURE_VARIANT_ADD(cmd, empty_serial) {
	.argv = ARGS("--serial", "", "img"), .ret = -EINVAL, .err = "--serial" };

FIXTURE_SETUP(cmd)
{
	int argc = 0;

	while (variant->argv[argc])
		argc++;
	self->err[0] = '\0';
	self->ret = options_parse(argc, (char *const *)variant->argv, &self->o, self->err,
				  sizeof(self->err));
}

FIXTURE_TEARDOWN(cmd) {}

TEST_F(cmd, parse)
{
	ASSERT_EQ(variant->ret, self->ret);
	if (variant->ret) {
		EXPECT_MSG(strstr(self->err, variant->err), "message '%s' lacks '%s'",
			   self->err, variant->err);
		return;
	}
	EXPECT_STREQ("img", self->o.image);
	EXPECT_EQ(variant->memory, self->o.memory);
	EXPECT_EQ(variant->cpus, self->o.cpus);
	EXPECT_EQ(variant->migctl, self->o.migctl);
	EXPECT_EQ(variant->features, self->o.features);
	EXPECT_EQ(variant->timeout, self->o.timeout);
	EXPECT_STREQ(variant->cmdline, self->o.cmdline);
}

TEST(options, serial_stdio_and_file)
{
	char *a1[] = { "migctl-vmm", "--serial", "stdio", "img", NULL };
	char *a2[] = { "migctl-vmm", "--serial", "/tmp/x", "img", NULL };
	struct options o;
	char err[128];

	ASSERT_EQ(0, options_parse(4, a1, &o, err, sizeof(err)));
	EXPECT_NULL(o.serial);
	ASSERT_EQ(0, options_parse(4, a2, &o, err, sizeof(err)));
	EXPECT_STREQ("/tmp/x", o.serial);
}

TEST(options, migration_options)
{
	const char *argv[] = { "migctl-vmm", "--sev-sim", "--sev-sim-window=0x2000000:16M",
			       "--control", "/tmp/s", "--downtime-ms", "50", "--max-rounds=7",
			       "--dirty-log=get", "--max-bandwidth", "64", "--throttle-max=0",
			       "img", NULL };
	struct options o;
	char err[128];

	ASSERT_EQ(0, options_parse(13, (char *const *)argv, &o, err, sizeof(err)));
	EXPECT_EQ(0u, o.throttle_max);
	EXPECT_EQ((int)MEM_DIRTY_GET, (int)o.dirty_log);
	EXPECT_EQ(64u, o.max_bandwidth);
	EXPECT_TRUE(o.sevsim);
	EXPECT_EQ(0x2000000ull, o.window_gpa);
	EXPECT_EQ(16ull << 20, o.window_size);
	EXPECT_STREQ("/tmp/s", o.control);
	EXPECT_EQ(50u, o.downtime_ms);
	EXPECT_EQ(7u, o.max_rounds);
	ASSERT_EQ(0, options_parse(2, (char *const *)(const char *[]){ "x", "img", NULL }, &o,
				   err, sizeof(err)));
	EXPECT_EQ(300u, o.downtime_ms);
	EXPECT_EQ(30u, o.max_rounds);
	EXPECT_EQ(99u, o.throttle_max);
	EXPECT_EQ((int)MEM_DIRTY_AUTO, (int)o.dirty_log);
	EXPECT_EQ(0u, o.max_bandwidth);
	EXPECT_FALSE(o.sevsim);
	/* A destination takes its guest from the stream: no IMAGE. */
	ASSERT_EQ(0, options_parse(3, (char *const *)(const char *[]){ "x", "--incoming",
				   "tcp:127.0.0.1:4444", NULL }, &o, err, sizeof(err)));
	EXPECT_STREQ("tcp:127.0.0.1:4444", o.incoming);
}

TEST(options, check_guest)
{
	char *a1[] = { "migctl-vmm", "--check-guest", "img", NULL };
	char *a2[] = { "migctl-vmm", "--check-guest", "--incoming", "unix:/tmp/x", NULL };
	struct options o;
	char err[128];

	ASSERT_EQ(0, options_parse(2, (char *[]){ "migctl-vmm", "img", NULL }, &o, err,
				   sizeof(err)));
	EXPECT_FALSE(o.check_guest);
	ASSERT_EQ(0, options_parse(3, a1, &o, err, sizeof(err)));
	EXPECT_TRUE(o.check_guest);
	/* The checker follows a guest from its boot, not a migrated one. */
	EXPECT_EQ(-EINVAL, options_parse(4, a2, &o, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "--check-guest"));
	EXPECT_TRUE(strstr(options_usage(), "--check-guest"));
}

/* An initrd goes with a kernel to boot; a destination's guest comes from the stream. */
TEST(options, initrd)
{
	char *a1[] = { "migctl-vmm", "--initrd", "/tmp/i.gz", "bzImage", "--", "console=ttyS0",
		       NULL };
	char *a2[] = { "migctl-vmm", "--initrd=/tmp/i.gz", "--incoming", "tcp:h:1", NULL };
	char *a3[] = { "migctl-vmm", "--initrd=", "bzImage", NULL };
	struct options o;
	char err[128];

	ASSERT_EQ(0, options_parse(2, (char *[]){ "migctl-vmm", "img", NULL }, &o, err,
				   sizeof(err)));
	EXPECT_NULL(o.initrd);
	ASSERT_EQ(0, options_parse(6, a1, &o, err, sizeof(err)));
	EXPECT_STREQ("/tmp/i.gz", o.initrd);
	EXPECT_STREQ("bzImage", o.image);
	EXPECT_STREQ("console=ttyS0", o.cmdline);
	EXPECT_EQ(-EINVAL, options_parse(4, a2, &o, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "--initrd"));
	EXPECT_EQ(-EINVAL, options_parse(3, a3, &o, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "--initrd"));
	EXPECT_TRUE(strstr(options_usage(), "--initrd FILE"));
}

/* Covers: V-16. The key or plaintext is the operator's explicit choice, not both. */
TEST(options, migrate_key)
{
	char *a1[] = { "migctl-vmm", "--migrate-key", "/etc/k", "--incoming", "tcp:h:1", NULL };
	char *a2[] = { "migctl-vmm", "--migrate-insecure", "img", NULL };
	char *a3[] = { "migctl-vmm", "--migrate-key=/etc/k", "--migrate-insecure", "img", NULL };
	struct options o;
	char err[128];

	ASSERT_EQ(0, options_parse(2, (char *[]){ "migctl-vmm", "img", NULL }, &o, err,
				   sizeof(err)));
	EXPECT_NULL(o.migrate_key);
	EXPECT_FALSE(o.migrate_insecure);
	ASSERT_EQ(0, options_parse(5, a1, &o, err, sizeof(err)));
	EXPECT_STREQ("/etc/k", o.migrate_key);
	ASSERT_EQ(0, options_parse(3, a2, &o, err, sizeof(err)));
	EXPECT_TRUE(o.migrate_insecure);
	EXPECT_EQ(-EINVAL, options_parse(4, a3, &o, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "contradict"));
	EXPECT_TRUE(strstr(options_usage(), "--migrate-key FILE"));
}

TEST(options, help_probe_version_need_no_image)
{
	char *a[][3] = {
		{ "migctl-vmm", "--help", NULL }, { "migctl-vmm", "-h", NULL },
		{ "migctl-vmm", "--probe", NULL }, { "migctl-vmm", "--version", NULL },
	};
	struct options o;
	char err[128];

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		EXPECT_EQ(0, options_parse(2, a[i], &o, err, sizeof(err)));
	EXPECT_TRUE(strstr(options_usage(), "--timeout"));
}

TEST(options, cmdline_too_long)
{
	static char big[OPTIONS_CMDLINE_MAX + 1];
	char *a[] = { "migctl-vmm", "img", "--", big, NULL };
	struct options o;
	char err[128];

	memset(big, 'x', OPTIONS_CMDLINE_MAX);
	EXPECT_EQ(-EINVAL, options_parse(4, a, &o, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "longer than"));
	big[OPTIONS_CMDLINE_MAX - 1] = '\0';	/* 3839 bytes + NUL: fits */
	EXPECT_EQ(0, options_parse(4, a, &o, err, sizeof(err)));
	EXPECT_EQ((size_t)OPTIONS_CMDLINE_MAX - 1, strlen(o.cmdline));
}
