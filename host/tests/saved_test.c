/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* saved_test.c - protocol state across migration: export, compatibility checks, import. */
#include <errno.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define V(v, f)	MIGCTL_CTL_VALUE(v, f)

struct side {
	u32 min, max, features;
	bool hypercall, encrypted;
	u32 psc_msr;
};

/* A source (with the guest's choice) and a destination, and the verdict. */
struct compat_case {
	const char *name;
	struct side src, dst;
	u64 control;
	int want;
};

#define V2ALL	{ 1, 2, MIGCTL_F_ALL, true, true }
#define V1HC	{ 1, 1, 0, true, true }

static const struct compat_case compat_cases[] = {
	{ "same v2 offer, READY v2", V2ALL, V2ALL, V(2, MIGCTL_F_LIST), 0 },
	{ "same v2 offer, not READY", V2ALL, V2ALL, 0, 0 },
	{ "v1 guest onto v2 host", V1HC, V2ALL, 1, 0 },
	{ "v2 READY onto v1-only host", V2ALL, V1HC, V(2, 0), -EOPNOTSUPP },
	{ "v2 READY onto v2-only host", V2ALL, { 2, 2, MIGCTL_F_ALL, true, true }, V(2, 0), 0 },
	{ "v1 READY onto v2-only host", V2ALL, { 2, 2, MIGCTL_F_ALL, true, true }, 1,
	  -EOPNOTSUPP },
	{ "feature offered but missing", V2ALL, { 1, 2, MIGCTL_F_MSR_PSC, true, true }, V(2, 0),
	  -EOPNOTSUPP },
	{ "hypercall offered but missing", V2ALL, { 1, 2, MIGCTL_F_ALL, false, true }, 0,
	  -EOPNOTSUPP },
	{ "hypercall gained is fine", { 1, 2, MIGCTL_F_ALL, false, true }, V2ALL, V(2, 1), 0 },
	{ "encryption differs", V2ALL, { 1, 2, MIGCTL_F_ALL, true, false }, 0, -EOPNOTSUPP },
	{ "destination off", V1HC, { 0, 0, 0, true, true }, 0, -EOPNOTSUPP },
	{ "both off", { 0, 0, 0, false, true }, { 0, 0, 0, false, true }, 0, 0 },
	{ "PSC index differs", V2ALL, { 1, 2, MIGCTL_F_ALL, true, true, 0x4b564d41 }, 0,
	  -EOPNOTSUPP },
};

static struct migctl_host *make(struct test_case *tc, const struct side *s)
{
	struct migctl_host_config cfg;
	static struct ht_guest g;
	struct migctl_host *h = NULL;

	ht_config(&cfg, s->min, s->max, s->features, s->hypercall, &g);
	cfg.encrypted = s->encrypted;
	cfg.psc_msr = s->psc_msr;
	if (migctl_host_create(&cfg, &h))
		test_fail(__FILE__, __LINE__, true, "create failed");
	return h;
}

/* Covers: V-5, V-8 */
TEST(saved, compatibility_table)
{
	unsigned int i;

	for (i = 0; i < sizeof(compat_cases) / sizeof(compat_cases[0]); i++) {
		const struct compat_case *c = &compat_cases[i];
		struct migctl_host *src = make(tc, &c->src), *dst = make(tc, &c->dst);
		struct migctl_host_saved s, d;
		struct migctl_host_state st;
		u8 wire[MIGCTL_HOST_SAVED_SIZE];
		const char *why = NULL;
		int err;

		if (c->control)
			ASSERT_EQ(MIGCTL_HOST_ACCEPT,
				  migctl_host_msr_write(src, 0, MIGCTL_MSR_CONTROL, c->control));
		migctl_host_export(src, &s);
		migctl_host_saved_encode(&s, wire);
		ASSERT_EQ(0, migctl_host_saved_decode(wire, sizeof(wire), &d));
		EXPECT_EQ(0, memcmp(&s, &d, sizeof(s)));
		err = migctl_host_check_import(dst, &d, &why);
		EXPECT_MSG(err == c->want, "%s: %d (%s)", c->name, err, why ? why : "-");
		err = migctl_host_import(dst, &d, NULL);
		EXPECT_EQ(c->want, err);
		migctl_host_state(dst, &st);
		/* V-5: READY, version and features arrive; a refusal changes nothing. */
		EXPECT_EQ(c->want ? 0 : c->control, st.control);
		migctl_host_destroy(src);
		migctl_host_destroy(dst);
	}
}

/* Covers: V-5 */
TEST(saved, decode_rejects)
{
	static const struct side s2 = V2ALL;
	struct migctl_host *h = make(tc, &s2);
	struct migctl_host_saved s, d;
	u8 wire[MIGCTL_HOST_SAVED_SIZE], bad[MIGCTL_HOST_SAVED_SIZE];
	static const size_t offs[] = { 0, 4, 28, 36 };	/* magic, format, flags, reserved */
	unsigned int i;

	migctl_host_export(h, &s);
	migctl_host_saved_encode(&s, wire);
	EXPECT_EQ(-EINVAL, migctl_host_saved_decode(wire, sizeof(wire) - 1, &d));
	EXPECT_EQ(-EINVAL, migctl_host_saved_decode(NULL, sizeof(wire), &d));
	for (i = 0; i < 4; i++) {
		memcpy(bad, wire, sizeof(bad));
		bad[offs[i] + 3] ^= 0x80;
		EXPECT_MSG(migctl_host_saved_decode(bad, sizeof(bad), &d) == -EINVAL,
			   "offset %zu", offs[i]);
	}
	/* A structurally bad state is refused by import as malformed. */
	s.reserved = 1;
	EXPECT_EQ(-EINVAL, migctl_host_import(h, &s, NULL));
	s.reserved = 0;
	s.max_version = 0;
	s.control = 1;
	EXPECT_EQ(-EINVAL, migctl_host_check_import(h, &s, NULL));
	migctl_host_destroy(h);
}
