/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* control_test.c - host CPUID values, control MSR state machine, policy, saved state. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "host_test_util.h"
#include "test.h"

#define A	MIGCTL_HOST_ACCEPT
#define GP	MIGCTL_HOST_GP
#define BASE	MIGCTL_CPUID_BASE_FIRST
#define BIT16	(1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE)
#define BIT17	(1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL)
#define V(v, f)	MIGCTL_CTL_VALUE(v, f)

/* The host offers of the tests; the index is the column of the tables. */
enum { OFF, V1, V2, V2ONLY, NR_OFFERS };

FIXTURE(offer)
{
	struct migctl_host *host;
	struct ht_guest guest;
};

FIXTURE_VARIANT(offer)
{
	int col;
	u32 min, max, features;
	bool hypercall;
	/* two different values this offer accepts (H-5 needs two) */
	u64 a, b;
};

FIXTURE_VARIANT_ADD(offer, off) { .col = OFF, .hypercall = true };
FIXTURE_VARIANT_ADD(offer, v1) {
	.col = V1, .min = 1, .max = 1, .hypercall = true, .a = 1, .b = V(1, 0),
};
FIXTURE_VARIANT_ADD(offer, v2) {
	.col = V2, .min = 1, .max = 2, .features = MIGCTL_F_ALL, .hypercall = true,
	.a = V(2, MIGCTL_F_MSR_PSC), .b = 1,
};
FIXTURE_VARIANT_ADD(offer, v2only) {
	.col = V2ONLY, .min = 2, .max = 2, .features = MIGCTL_F_MSR_PSC,
	.a = V(2, MIGCTL_F_MSR_PSC), .b = V(2, 0),
};

FIXTURE_SETUP(offer)
{
	struct migctl_host_config cfg;

	ht_config(&cfg, variant->min, variant->max, variant->features, variant->hypercall,
		  &self->guest);
	ASSERT_EQ(0, migctl_host_create(&cfg, &self->host));
}

FIXTURE_TEARDOWN(offer)
{
	migctl_host_destroy(self->host);
}

static u64 ctl_read(struct migctl_host *h, unsigned int vcpu, int *res)
{
	u64 v = 0xdead;

	*res = migctl_host_msr_read(h, vcpu, MIGCTL_MSR_CONTROL, &v);
	return v;
}

/* One guest write, its expected result under each offer. */
struct ctl_case {
	const char *name;
	u64 val;
	int want[NR_OFFERS];
};

static const struct ctl_case ctl_cases[] = {
	{ "zero", 0, { GP, A, A, A } },
	{ "upstream v1 (1)", 1, { GP, A, A, GP } },
	{ "explicit v1", V(1, 0), { GP, A, A, GP } },
	{ "v2 no features", V(2, 0), { GP, GP, A, A } },
	{ "v2 MSR_PSC", V(2, MIGCTL_F_MSR_PSC), { GP, GP, A, A } },
	{ "v2 LIST (not offered by v2only)", V(2, MIGCTL_F_LIST), { GP, GP, A, GP } },
	{ "v2 all features", V(2, MIGCTL_F_ALL), { GP, GP, A, GP } },
	{ "v2 undefined feature", V(2, 1u << 2), { GP, GP, GP, GP } },
	{ "v2 feature bit 31", V(2, 1u << 31), { GP, GP, GP, GP } },
	{ "features with explicit v1", V(1, MIGCTL_F_MSR_PSC), { GP, GP, GP, GP } },
	{ "features with version field 0", V(0, MIGCTL_F_MSR_PSC), { GP, GP, GP, GP } },
	{ "version 3", V(3, 0), { GP, GP, GP, GP } },
	{ "version 255", V(255, 0), { GP, GP, GP, GP } },
	{ "reserved bit 1", 0x3, { GP, GP, GP, GP } },
	{ "reserved bit 7", 0x81, { GP, GP, GP, GP } },
	{ "reserved bit 16", 0x10001, { GP, GP, GP, GP } },
	{ "reserved bit 31", 0x80000201, { GP, GP, GP, GP } },
	{ "version without READY", 0x200, { GP, GP, GP, GP } },
	{ "features without READY", 1ull << 32, { GP, GP, GP, GP } },
	{ "reserved without READY", 0x2, { GP, GP, GP, GP } },
};

/* Covers: H-3, H-4, H-6, H-7 */
TEST_F(offer, control_write_table)
{
	unsigned int i;
	int res;

	for (i = 0; i < sizeof(ctl_cases) / sizeof(ctl_cases[0]); i++) {
		const struct ctl_case *c = &ctl_cases[i];
		int want = c->want[variant->col];
		u64 got;

		res = migctl_host_msr_write(self->host, i % 4, MIGCTL_MSR_CONTROL, c->val);
		EXPECT_MSG(res == want, "write %s (%#llx): got %d, want %d", c->name,
			   (unsigned long long)c->val, res, want);
		got = ctl_read(self->host, (i + 1) % 4, &res);
		if (variant->col == OFF) {
			EXPECT_EQ(GP, res);
			continue;
		}
		EXPECT_EQ(A, res);
		/* H-7: exactly the accepted value; a #GP changed nothing. */
		EXPECT_MSG(got == (want == A ? c->val : 0), "read after %s: %#llx", c->name,
			   (unsigned long long)got);
		EXPECT_EQ(A, migctl_host_msr_write(self->host, 0, MIGCTL_MSR_CONTROL, 0));
	}
}

/* Covers: H-3, H-4, H-5, H-6, H-7 */
TEST_F(offer, control_transitions)
{
	struct migctl_host *h = self->host;
	struct migctl_host_state st;
	int res;

	if (variant->col == OFF) {
		/* H-3: no transition exists; the state never leaves "off". */
		EXPECT_EQ(GP, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, 1));
		EXPECT_EQ(GP, migctl_host_msr_write(h, 1, MIGCTL_MSR_CONTROL, V(2, 0)));
		EXPECT_EQ(GP, migctl_host_msr_write(h, 1, MIGCTL_MSR_CONTROL, 0));
		migctl_host_state(h, &st);
		EXPECT_FALSE(st.enabled);
		EXPECT_FALSE(st.ready);
		EXPECT_EQ(0, st.generation);
		return;
	}
	/* Idempotent READY from any vCPU. */
	ASSERT_EQ(A, migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, variant->a));
	EXPECT_EQ(A, migctl_host_msr_write(h, 3, MIGCTL_MSR_CONTROL, variant->a));
	EXPECT_EQ(variant->a, ctl_read(h, 2, &res));
	/* A different READY value needs an opt-out first (H-5). */
	EXPECT_EQ(GP, migctl_host_msr_write(h, 1, MIGCTL_MSR_CONTROL, variant->b));
	EXPECT_EQ(variant->a, ctl_read(h, 0, &res));
	/* An invalid value while READY changes nothing (H-4). */
	EXPECT_EQ(GP, migctl_host_msr_write(h, 1, MIGCTL_MSR_CONTROL, 0x3));
	EXPECT_EQ(variant->a, ctl_read(h, 1, &res));
	/* Opt-out from another vCPU is VM-wide (H-6). */
	EXPECT_EQ(A, migctl_host_msr_write(h, 2, MIGCTL_MSR_CONTROL, 0));
	EXPECT_EQ(0, ctl_read(h, 0, &res));
	EXPECT_EQ(0, ctl_read(h, 3, &res));
	migctl_host_state(h, &st);
	EXPECT_FALSE(st.ready);
	/* Opt-out while not READY is accepted too. */
	EXPECT_EQ(A, migctl_host_msr_write(h, 2, MIGCTL_MSR_CONTROL, 0));
	/* Re-entry with another choice. */
	EXPECT_EQ(A, migctl_host_msr_write(h, 1, MIGCTL_MSR_CONTROL, variant->b));
	EXPECT_EQ(variant->b, ctl_read(h, 3, &res));
	migctl_host_state(h, &st);
	EXPECT_TRUE(st.ready);
	EXPECT_TRUE(st.enabled);
	EXPECT_EQ(variant->b, st.control);
	EXPECT_EQ(MIGCTL_CTL_GET_VERSION(variant->b) ? MIGCTL_CTL_GET_VERSION(variant->b) : 1,
		  st.version);
	EXPECT_EQ(MIGCTL_CTL_GET_FEATURES(variant->b), st.features);
	/* a, a, 0, b: three changes of the value. */
	EXPECT_EQ(3, st.generation);
	migctl_host_reset(h);
	EXPECT_EQ(0, ctl_read(h, 0, &res));
}

/* Covers: H-3 */
TEST(control, off_every_access_gp)
{
	struct migctl_host_config cfg;
	struct migctl_host_counters c;
	struct migctl_host *host;
	u64 v = 5;

	ht_config(&cfg, 0, 0, 0, true, NULL);
	ASSERT_EQ(0, migctl_host_create(&cfg, &host));
	EXPECT_EQ(GP, migctl_host_msr_read(host, 0, MIGCTL_MSR_CONTROL, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(GP, migctl_host_msr_write(host, 0, MIGCTL_MSR_CONTROL, 0));
	EXPECT_EQ(GP, migctl_host_msr_write(host, 0, MIGCTL_MSR_CONTROL, 1));
	/* cfg.hypercall is ignored when the protocol is off. */
	EXPECT_EQ(-MIGCTL_KVM_ENOSYS,
		  migctl_host_hypercall(host, 0, MIGCTL_HC_MAP_GPA_RANGE, HT_MIB, 1, 0));
	EXPECT_EQ(GP, migctl_host_msr_write(host, 0, MIGCTL_MSR_PSC_DEFAULT,
					    MIGCTL_PSC_VALUE(0x100, 1, 0)));
	migctl_host_counters(host, &c);
	EXPECT_EQ(2, c.ctl_rejected);
	EXPECT_EQ(0, c.ctl_accepted);
	EXPECT_EQ(1, c.enosys);
	EXPECT_EQ(1, c.psc_gp);
	EXPECT_EQ(0, ht_log_drain_changed(migctl_host_log(host)));
	migctl_host_destroy(host);
}

/* The expected CPUID of each offer. */
static void expect_cpuid(struct test_case *tc, const struct migctl_host *h, int col,
			 bool hypercall, u32 min, u32 max, u32 features, u32 base)
{
	u32 r[4] = { 0x40000001u, 1, 2, 3 };
	bool mine;

	mine = migctl_host_cpuid(h, base, 0, r);
	EXPECT_EQ(col != OFF, mine);
	if (col != OFF) {
		EXPECT_EQ(base + (col == V1 ? 1 : MIGCTL_CPUID_LEAF_OFFSET), r[0]);
		EXPECT_EQ(MIGCTL_KVM_SIG_EBX, r[1]);
		EXPECT_EQ(MIGCTL_KVM_SIG_ECX, r[2]);
		EXPECT_EQ(MIGCTL_KVM_SIG_EDX, r[3]);
	} else {
		EXPECT_EQ(1, r[1]);
	}
	/* base+1: other bits kept, 16 and 17 per the offer (H-1, H-3). */
	r[0] = 0x1 | BIT16 | BIT17;
	EXPECT_TRUE(migctl_host_cpuid(h, base + 1, 0, r));
	EXPECT_EQ(0x1 | (col != OFF ? BIT17 : 0) | (col != OFF && hypercall ? BIT16 : 0), r[0]);
	r[0] = r[1] = r[2] = r[3] = 0x55;
	EXPECT_TRUE(migctl_host_cpuid(h, base + MIGCTL_CPUID_LEAF_OFFSET, 0, r));
	if (col == V2 || col == V2ONLY) {
		EXPECT_EQ(MIGCTL_LEAF_MAGIC, r[0]);
		EXPECT_EQ(min | max << 8, r[1]);
		EXPECT_EQ(features, r[2]);
		EXPECT_EQ(features & MIGCTL_F_MSR_PSC ? MIGCTL_MSR_PSC_DEFAULT : 0, r[3]);
	} else {
		EXPECT_EQ(0, r[0] | r[1] | r[2] | r[3]);
	}
	r[0] = 7;
	EXPECT_FALSE(migctl_host_cpuid(h, base + 2, 0, r));
	EXPECT_FALSE(migctl_host_cpuid(h, 1, 0, r));
	EXPECT_EQ(7, r[0]);
}

/* Covers: H-1, H-2, H-3 */
TEST_F(offer, cpuid_values)
{
	u32 leaves[MIGCTL_HOST_CPUID_LEAVES_MAX], idx[MIGCTL_HOST_MSR_INDICES_MAX];
	unsigned int n;

	expect_cpuid(tc, self->host, variant->col, variant->hypercall, variant->min, variant->max,
		     variant->features, BASE);
	n = migctl_host_cpuid_leaves(self->host, leaves);
	EXPECT_EQ(variant->col == OFF ? 0 : variant->col == V1 ? 2 : 3, n);
	if (n >= 2) {
		EXPECT_EQ(BASE, leaves[0]);
		EXPECT_EQ(BASE + 1, leaves[1]);
	}
	if (n == 3)
		EXPECT_EQ(BASE + MIGCTL_CPUID_LEAF_OFFSET, leaves[2]);
	n = migctl_host_msr_indices(self->host, idx);
	EXPECT_EQ(variant->features & MIGCTL_F_MSR_PSC ? 2 : 1, n);
	EXPECT_EQ(MIGCTL_MSR_CONTROL, idx[0]);
	if (n == 2)
		EXPECT_EQ(MIGCTL_MSR_PSC_DEFAULT, idx[1]);
}

/* Covers: H-1, H-2 */
TEST(cpuid, other_base_and_index)
{
	struct migctl_host_config cfg;
	struct migctl_host *h;
	u32 r[4] = { 0 };

	ht_config(&cfg, 1, 2, MIGCTL_F_MSR_PSC, false, NULL);
	cfg.cpuid_base = 0x40000100;
	cfg.psc_msr = 0x4b564d7f;
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	/* Max leaf 0 (old host) is raised to the versioned leaf. */
	EXPECT_TRUE(migctl_host_cpuid(h, 0x40000100, 0, r));
	EXPECT_EQ(0x4000014d, r[0]);
	EXPECT_FALSE(migctl_host_cpuid(h, 0x40000000, 0, r));
	EXPECT_TRUE(migctl_host_cpuid(h, 0x4000014d, 0, r));
	EXPECT_EQ(0x4b564d7f, r[3]);
	EXPECT_EQ(MIGCTL_HOST_UNHANDLED, migctl_host_msr_write(h, 0, MIGCTL_MSR_PSC_DEFAULT, 0));
	EXPECT_EQ(MIGCTL_HOST_UNHANDLED, migctl_host_msr_write(h, 0, 0x4b564d00, 0));
	/* A larger max leaf from the VMM stays. */
	r[0] = 0x40000180;
	migctl_host_cpuid(h, 0x40000100, 0, r);
	EXPECT_EQ(0x40000180, r[0]);
	migctl_host_destroy(h);
}

struct race {
	struct migctl_host *h;
	pthread_barrier_t *bar;
	u64 val;
	int rounds;
	int won;
};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(r->bar);
		if (migctl_host_msr_write(r->h, 0, MIGCTL_MSR_CONTROL, r->val) == A)
			r->won++;
		pthread_barrier_wait(r->bar);
		/* the main thread opts out between rounds */
		pthread_barrier_wait(r->bar);
	}
	return NULL;
}

/* Covers: H-5, H-7 */
TEST(control, concurrent_opt_in_one_winner)
{
	static const u64 vals[] = { V(2, 0), V(2, 1), V(2, 2), V(2, 3) };
	struct migctl_host_config cfg;
	struct race r[4];
	pthread_t t[4];
	pthread_barrier_t bar;
	struct migctl_host *h;
	int i, k, res, total = 0;

	ht_config(&cfg, 1, 2, MIGCTL_F_ALL, true, NULL);
	cfg.mem.read = ht_guest_read;
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	pthread_barrier_init(&bar, NULL, 5);
	for (i = 0; i < 4; i++) {
		r[i] = (struct race){ h, &bar, vals[i], 500, 0 };
		pthread_create(&t[i], NULL, race_thread, &r[i]);
	}
	for (k = 0; k < 500; k++) {
		u64 v;
		int winners = 0;

		pthread_barrier_wait(&bar);
		pthread_barrier_wait(&bar);
		v = ctl_read(h, 0, &res);
		for (i = 0; i < 4; i++)
			winners += v == vals[i];
		EXPECT_EQ(1, winners);
		migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, 0);
		pthread_barrier_wait(&bar);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += r[i].won;
	}
	EXPECT_EQ(500, total);
	pthread_barrier_destroy(&bar);
	migctl_host_destroy(h);
}

/* Covers: V-6, V-7, H-13 */
TEST_F(offer, migratable_policy)
{
	struct migctl_host_state st0, st1;
	const char *why = NULL;

	EXPECT_FALSE(migctl_host_migratable(self->host, &why));
	ASSERT_NONNULL(why);
	test_diag("not migratable: %s", why);
	EXPECT_EQ(migctl_host_log_pages(migctl_host_log(self->host)),
		  migctl_host_log_count(migctl_host_log(self->host), true));
	if (variant->col == OFF)
		return;
	migctl_host_state(self->host, &st0);
	ASSERT_EQ(A, migctl_host_msr_write(self->host, 0, MIGCTL_MSR_CONTROL, variant->a));
	why = NULL;
	EXPECT_TRUE(migctl_host_migratable(self->host, &why));
	EXPECT_NULL(why);
	/* An opt-out mid-migration is visible in the generation (V-7). */
	ASSERT_EQ(A, migctl_host_msr_write(self->host, 1, MIGCTL_MSR_CONTROL, 0));
	ASSERT_EQ(A, migctl_host_msr_write(self->host, 1, MIGCTL_MSR_CONTROL, variant->a));
	migctl_host_state(self->host, &st1);
	EXPECT_EQ(st0.generation + 3, st1.generation);
	EXPECT_TRUE(migctl_host_migratable(self->host, NULL));
}

/* Covers: V-6 */
TEST(policy, unencrypted_always_migratable)
{
	struct migctl_host_config cfg;
	struct migctl_host *h;

	ht_config(&cfg, 0, 0, 0, false, NULL);
	cfg.encrypted = false;
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	EXPECT_TRUE(migctl_host_migratable(h, NULL));
	/* H-13 only for encrypted VMs: here every page starts shared. */
	EXPECT_EQ(migctl_host_log_pages(migctl_host_log(h)),
		  migctl_host_log_count(migctl_host_log(h), false));
	migctl_host_destroy(h);
}

/* A configuration change that create must refuse. */
struct bad_cfg {
	const char *name;
	void (*mutate)(struct migctl_host_config *c);
};

static const struct migctl_host_region ram_unaligned[] = { { 0x800, 0x1000 } };
static const struct migctl_host_region ram_empty[] = { { 0, 0 } };
static const struct migctl_host_region ram_overlap[] = { { 0, 0x3000 }, { 0x2000, 0x1000 } };
static const struct migctl_host_region ram_unsorted[] = { { 0x10000, 0x1000 }, { 0, 0x1000 } };
static const struct migctl_host_region ram_wrap[] = { { ~0xfffull, 0x2000 } };
static const struct migctl_host_region ram_above[] = { { 1ull << 40, 0x1000 } };

static void m_max3(struct migctl_host_config *c) { c->max_version = 3; }
static void m_min0(struct migctl_host_config *c) { c->min_version = 0; }
static void m_min_gt(struct migctl_host_config *c) { c->min_version = 3; c->max_version = 2; }
static void m_feat_v1(struct migctl_host_config *c) { c->max_version = 1; }
static void m_feat_bad(struct migctl_host_config *c) { c->features = 1u << 5; }
static void m_list_nomem(struct migctl_host_config *c) { c->mem.read = NULL; }
static void m_psc_upstream(struct migctl_host_config *c) { c->psc_msr = MIGCTL_MSR_CONTROL; }
static void m_psc_out(struct migctl_host_config *c) { c->psc_msr = 0x4b564e00; }
static void m_psc_0x09(struct migctl_host_config *c) { c->psc_msr = 0x4b564d09; }
static void m_psc_below(struct migctl_host_config *c) { c->psc_msr = MIGCTL_MSR_PSC_FIRST - 1; }
static void m_psc_above(struct migctl_host_config *c) { c->psc_msr = MIGCTL_MSR_PSC_LAST + 1; }
static void m_psc_pvm(struct migctl_host_config *c) { c->psc_msr = 0x4b564df0; }
static void m_base_odd(struct migctl_host_config *c) { c->cpuid_base = 0x40000080; }
static void m_base_low(struct migctl_host_config *c) { c->cpuid_base = 0x3fffff00; }
static void m_phys53(struct migctl_host_config *c) { c->phys_bits = 53; }
static void m_phys40(struct migctl_host_config *c) { c->phys_bits = 40; }
static void m_nr0(struct migctl_host_config *c) { c->nr_ram = 0; }
static void m_nr_many(struct migctl_host_config *c) { c->nr_ram = MIGCTL_HOST_LOG_REGIONS_MAX + 1; }
static void m_ram_null(struct migctl_host_config *c) { c->ram = NULL; }
#define RAM(name, arr)								\
	static void name(struct migctl_host_config *c)				\
	{ c->ram = arr; c->nr_ram = sizeof(arr) / sizeof(arr[0]); }
RAM(m_unaligned, ram_unaligned)
RAM(m_empty, ram_empty)
RAM(m_overlap, ram_overlap)
RAM(m_unsorted, ram_unsorted)
RAM(m_wrap, ram_wrap)
RAM(m_above, ram_above)

static const struct bad_cfg bad_cfgs[] = {
	{ "version 3", m_max3 }, { "min 0", m_min0 }, { "min > max", m_min_gt },
	{ "features with v1 offer", m_feat_v1 }, { "undefined feature", m_feat_bad },
	{ "LIST without memory reader", m_list_nomem },
	{ "PSC index = control MSR", m_psc_upstream }, { "PSC index outside", m_psc_out },
	{ "PSC index 0x4b564d09 (proposed upstream)", m_psc_0x09 },
	{ "PSC index below the range", m_psc_below }, { "PSC index above the range", m_psc_above },
	{ "PSC index in PVM's block", m_psc_pvm },
	{ "CPUID base not 0x100-aligned", m_base_odd }, { "CPUID base low", m_base_low },
	{ "phys_bits 53", m_phys53 }, { "RAM above phys_bits 40", m_phys40 },
	{ "no RAM", m_nr0 }, { "too many regions", m_nr_many }, { "RAM NULL", m_ram_null },
	{ "unaligned region", m_unaligned }, { "empty region", m_empty },
	{ "overlapping regions", m_overlap }, { "unsorted regions", m_unsorted },
	{ "wrapping region", m_wrap }, { "region above 2^40 with phys 40", m_above },
};

/* Covers: H-2, H-12 */
TEST(config, rejects_bad)
{
	struct migctl_host_config cfg;
	struct migctl_host *h = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); i++) {
		ht_config(&cfg, 1, 2, MIGCTL_F_ALL, true, NULL);
		cfg.mem.read = ht_guest_read;
		bad_cfgs[i].mutate(&cfg);
		if (bad_cfgs[i].mutate == m_above)
			cfg.phys_bits = 40;
		EXPECT_MSG(migctl_host_create(&cfg, &h) == -EINVAL, "config %s accepted",
			   bad_cfgs[i].name);
	}
	ht_config(&cfg, 1, 2, MIGCTL_F_ALL, true, NULL);
	cfg.mem.read = ht_guest_read;
	ASSERT_EQ(0, migctl_host_create(&cfg, &h));
	migctl_host_destroy(h);
	migctl_host_destroy(NULL);
}
