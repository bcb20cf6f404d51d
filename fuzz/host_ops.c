/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_ops.c - libFuzzer harness: sequences of guest and VMM operations on the host library. */

/*
 * Input: a configuration (protocol off, v1, v2 or v1..v2, features,
 * transports, encryption, physical width, up to 8 RAM regions with holes),
 * then up to OPS_MAX operations: control MSR and MSR transport reads and
 * writes, other MSRs, hypercalls with arbitrary nr/a0/a1/a2 (list pages
 * filled from the input), state, export/import, migratable, reset, CPUID,
 * status-log save and load.
 *
 * After every operation the harness compares the host with host_model.c:
 * the result code, the protocol state, every counter, the changed set C
 * (fetched and cleared each time, so a rejected request that touched a
 * page shows up) and S on the changed pages (all pages at the end). No
 * allocation may happen after migctl_host_create() (H-12).
 */

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "host_model.h"
#include "host_ops.h"
#include "watch.h"

#define OPS_MAX		64

static u8 model_s[HOST_MODEL_REGIONS * HOST_OPS_REGION_PAGES];
static u8 model_c[HOST_MODEL_REGIONS * HOST_OPS_REGION_PAGES];

/* --- Configuration --------------------------------------------------------- */

static int mem_read(void *arg, gpa_t gpa, void *buf, size_t len)
{
	struct host_ops *o = arg;

	/* The library's promises: one read per request, inside RAM, one page. */
	FUZZ_ASSERT(++o->reads == 1);
	FUZZ_ASSERT(len && len <= sizeof(o->list) && len % sizeof(o->list[0]) == 0);
	FUZZ_ASSERT(host_model_index(&o->m, gpa >> MIGCTL_PAGE_SHIFT) >= 0);
	if (!o->read_ok)
		return -EFAULT;
	memcpy(buf, o->list, len);
	return 0;
}

static void log_sink(void *arg, int level, const char *fmt, ...)
{
	FUZZ_ASSERT(level == MIGCTL_HOST_LOG_DEBUG || level == MIGCTL_HOST_LOG_INFO ||
		    level == MIGCTL_HOST_LOG_ERR);
	FUZZ_ASSERT(fmt && fmt[0]);
}

/* Regions with holes (or none), small ones and ones far up; false if absurd. */
static bool config_regions(struct host_ops *o, struct migctl_host_region *ram)
{
	struct host_model *m = &o->m;
	u64 gfn = 0;
	unsigned int i;

	m->nr = 1 + fuzz_u8(&o->in) % HOST_MODEL_REGIONS;
	m->pages = 0;
	for (i = 0; i < m->nr; i++) {
		u8 g = fuzz_u8(&o->in), s = fuzz_u8(&o->in);
		u64 gap = g & 0x80 ? (u64)fuzz_u32(&o->in) << (g & 0x1f) : g & 0x7f;
		u64 npages = 1 + (s & 0x3f) * (s & 0x40 ? 16 : 1);

		if (gap >= (1ull << 40) || gfn + gap >= (1ull << 40))
			return false;
		gfn += gap;
		m->r[i].gfn = gfn;
		m->r[i].npages = npages;
		m->r[i].first = m->pages;
		ram[i].gpa = gfn << MIGCTL_PAGE_SHIFT;
		ram[i].size = npages << MIGCTL_PAGE_SHIFT;
		m->pages += npages;
		gfn += npages;
	}
	return true;
}

/* Raw values: create must refuse exactly the inconsistent ones. */
static void config_raw(struct host_ops *o, struct migctl_host_config *cfg)
{
	u8 which;

	cfg->min_version = fuzz_u8(&o->in) % 4;
	cfg->max_version = fuzz_u8(&o->in) % 4;
	cfg->features = fuzz_u8(&o->in) % 8;
	which = fuzz_u8(&o->in);
	if (which & 1)
		cfg->psc_msr = fuzz_u32(&o->in);
	if (which & 2)
		cfg->cpuid_base = fuzz_u32(&o->in);
	if (which & 4)
		cfg->phys_bits = fuzz_u8(&o->in);
	if (which & 8)
		cfg->mem.read = NULL;
}

static void config_offer(struct host_ops *o, struct migctl_host_config *cfg)
{
	static const u32 modes[4][2] = { { 0, 0 }, { 1, 1 }, { 2, 2 }, { 1, 2 } };
	u8 b = fuzz_u8(&o->in), phys = fuzz_u8(&o->in), psc = fuzz_u8(&o->in);
	u8 base = fuzz_u8(&o->in);

	cfg->min_version = modes[b & 3][0];
	cfg->max_version = modes[b & 3][1];
	cfg->hypercall = b & 4;
	cfg->encrypted = b & 8;
	cfg->features = cfg->max_version >= 2 ? (b >> 4) & MIGCTL_F_ALL : 0;
	cfg->phys_bits = phys ? 20 + phys % 33 : 0;
	/* The PSC range and a few indices on either side of it. */
	cfg->psc_msr = psc ? MIGCTL_MSR_PSC_FIRST - 8 + (psc - 1) % 0x50 : 0;
	cfg->cpuid_base = base ? MIGCTL_CPUID_BASE_FIRST + base * MIGCTL_CPUID_BASE_STEP : 0;
	cfg->mem.read = mem_read;
	cfg->mem.arg = o;
	cfg->log = b & 0x80 ? log_sink : NULL;
	if (b & 0x40)
		config_raw(o, cfg);
}

/* The model's copy of the offer, with the library's documented defaults. */
static void model_offer(struct host_model *m, const struct migctl_host_config *cfg)
{
	m->min_version = cfg->min_version;
	m->max_version = cfg->max_version;
	/* H-15: no version 1 without the hypercall transport. */
	if (m->max_version && !cfg->hypercall && m->max_version < 2)
		m->min_version = m->max_version = 0;
	else if (m->max_version && !cfg->hypercall && m->min_version < 2)
		m->min_version = 2;
	m->enabled = m->max_version != 0;
	m->offered = m->max_version >= 2 ? cfg->features : 0;
	m->hypercall = cfg->hypercall && m->enabled;
	m->encrypted = cfg->encrypted;
	m->psc_msr = cfg->psc_msr ? cfg->psc_msr : MIGCTL_MSR_PSC_DEFAULT;
	m->cpuid_base = cfg->cpuid_base ? cfg->cpuid_base : MIGCTL_CPUID_BASE_FIRST;
	m->phys_bits = cfg->phys_bits ? cfg->phys_bits : MIGCTL_HOST_PHYS_BITS_DEFAULT;
	m->s = model_s;
	m->c = model_c;
	memset(m->s, cfg->encrypted, m->pages);	/* H-13 */
	memset(m->c, 0, m->pages);
	m->c_lo = 0;
	m->c_hi = m->pages;	/* the first check looks at every page */
	m->control = 0;
	m->generation = 0;
	m->unreliable = false;
}

static bool config_valid(const struct migctl_host_config *cfg, const struct host_model *m)
{
	const struct host_model_region *last = &m->r[m->nr - 1];

	if (cfg->max_version > MIGCTL_VERSION_MAX || cfg->features & ~MIGCTL_F_ALL)
		return false;
	if (cfg->max_version && (!cfg->min_version || cfg->min_version > cfg->max_version))
		return false;
	if (cfg->features && cfg->max_version < 2)
		return false;
	if ((cfg->features & MIGCTL_F_LIST) && !cfg->mem.read)
		return false;
	if (cfg->psc_msr && (cfg->psc_msr < MIGCTL_MSR_PSC_FIRST ||
			     cfg->psc_msr > MIGCTL_MSR_PSC_LAST))
		return false;
	if (cfg->cpuid_base && (cfg->cpuid_base < MIGCTL_CPUID_BASE_FIRST ||
				cfg->cpuid_base > MIGCTL_CPUID_BASE_LAST ||
				cfg->cpuid_base % MIGCTL_CPUID_BASE_STEP))
		return false;
	if (cfg->phys_bits && (cfg->phys_bits < 20 || cfg->phys_bits > 52))
		return false;
	return last->gfn + last->npages <= 1ull << (m->phys_bits - MIGCTL_PAGE_SHIFT);
}

/* Create the host; false when the input names no usable configuration. */
static bool setup(struct host_ops *o)
{
	struct migctl_host_region ram[HOST_MODEL_REGIONS];
	struct migctl_host_config cfg = { 0 };
	size_t bound;
	int err;

	config_offer(o, &cfg);
	if (!config_regions(o, ram))
		return false;
	cfg.ram = ram;
	cfg.nr_ram = o->m.nr;
	model_offer(&o->m, &cfg);
	err = migctl_host_create(&cfg, &o->h);
	FUZZ_ASSERT(err == (config_valid(&cfg, &o->m) ? 0 : -EINVAL));
	if (err)
		return false;
	o->log = migctl_host_log(o->h);
	FUZZ_ASSERT(migctl_host_log_pages(o->log) == o->m.pages);
	/* Two bits per page plus a constant per region (DESIGN section 7). */
	bound = 4096 + o->m.nr * (64 + 2 * sizeof(u64)) + o->m.pages / 4;
	FUZZ_ASSERT(migctl_host_log_bytes(o->log) <= bound);
	return true;
}

/* --- Checks after every operation ------------------------------------------ */

static void check_state(struct host_ops *o)
{
	const struct host_model *m = &o->m;
	struct migctl_host_state st;
	u32 version = MIGCTL_CTL_GET_VERSION(m->control);

	migctl_host_state(o->h, &st);
	FUZZ_ASSERT(st.enabled == m->enabled);
	FUZZ_ASSERT(st.control == m->control);
	FUZZ_ASSERT(st.ready == !!(m->control & MIGCTL_CTL_READY));
	FUZZ_ASSERT(st.generation == m->generation);
	FUZZ_ASSERT(st.unreliable == m->unreliable);
	FUZZ_ASSERT(st.version == (m->control ? (version ? version : 1) : 0));
	FUZZ_ASSERT(st.features == MIGCTL_CTL_GET_FEATURES(m->control));
}

/* Fetch and clear C: exactly the pages the model wrote; S right on them. */
static void check_region_changed(struct host_ops *o, const struct host_model_region *r)
{
	struct host_model *m = &o->m;
	u64 map[HOST_OPS_REGION_WORDS], w, p, want = 0;
	s64 got;

	got = migctl_host_log_fetch_changed(o->log, (unsigned int)(r - m->r), map,
					    HOST_OPS_REGION_WORDS);
	for (w = 0; w < HOST_OPS_REGION_WORDS; w++) {
		u64 lo = r->first + w * 64;

		/* Words the model did not touch (or past the region) must be 0. */
		if (w * 64 >= r->npages || lo + 64 <= m->c_lo || lo >= m->c_hi) {
			FUZZ_ASSERT(map[w] == 0);
			continue;
		}
		for (p = w * 64; p < r->npages && p < w * 64 + 64; p++) {
			bool c = map[w] >> (p % 64) & 1;

			FUZZ_ASSERT(c == m->c[r->first + p]);
			if (c)
				FUZZ_ASSERT(migctl_host_log_get(o->log, r->gfn + p) ==
					    m->s[r->first + p]);
			want += c;
			m->c[r->first + p] = 0;
		}
	}
	FUZZ_ASSERT(got == (s64)want);
}

static void check_changed(struct host_ops *o)
{
	unsigned int i;

	for (i = 0; i < o->m.nr; i++)
		check_region_changed(o, &o->m.r[i]);
	o->m.c_lo = o->m.pages;
	o->m.c_hi = 0;
}

static void check_all_status(struct host_ops *o)
{
	const struct host_model *m = &o->m;
	u64 p, priv = 0;
	unsigned int i;

	for (i = 0; i < m->nr; i++) {
		for (p = 0; p < m->r[i].npages; p++) {
			FUZZ_ASSERT(migctl_host_log_get(o->log, m->r[i].gfn + p) ==
				    m->s[m->r[i].first + p]);
			priv += m->s[m->r[i].first + p];
		}
		/* The page just past a region is RAM only if the next one starts there. */
		if (host_model_index(m, m->r[i].gfn + m->r[i].npages) < 0)
			FUZZ_ASSERT(migctl_host_log_get(o->log, m->r[i].gfn + m->r[i].npages) ==
				    -EINVAL);
	}
	FUZZ_ASSERT(migctl_host_log_count(o->log, true) == priv);
	FUZZ_ASSERT(migctl_host_log_count(o->log, false) == m->pages - priv);
}

static void check_counters(struct host_ops *o)
{
	struct migctl_host_counters c;

	migctl_host_counters(o->h, &c);
	FUZZ_ASSERT(!memcmp(&c, &o->exp, sizeof(c)));
}

static void teardown(struct host_ops *o)
{
	migctl_host_destroy(o->h);
	o->h = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct host_ops o;
	unsigned int n;

	memset(&o.exp, 0, sizeof(o.exp));
	o.in.p = data;
	o.in.n = size;
	if (!setup(&o))
		return 0;
	check_all_status(&o);
	check_changed(&o);
	fuzz_watch_start();
	for (n = 0; n < OPS_MAX && !fuzz_input_empty(&o.in); n++) {
		o.reads = 0;
		host_ops_step(&o);
		check_state(&o);
		check_counters(&o);
		check_changed(&o);
	}
	FUZZ_ASSERT(fuzz_watch_stop() == 0);		/* H-12 */
	check_all_status(&o);
	teardown(&o);
	return 0;
}
