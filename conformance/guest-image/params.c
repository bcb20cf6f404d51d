/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* params.c - the image's command-line keys. */
#include "params.h"

#include "console.h"
#include "layout.h"
#include "migctl.h"

/* Printed for test=help; params.h documents the same keys. */
static const char *const params_help[] = {
	"usage: test=GLOB[,GLOB...] cpus=N expect=off|v1|v2|any hc=0|1|any",
	"       features=msr-psc,list|none|any iters=N",
	"       migrate.count=K migrate.iters=N migrate.pages=P migrate.run=R",
	"       migrate.progress=N migrate.late=MS",
	"  test=     scenarios to run (default *); test=help prints this",
	"  cpus=     CPUs to start through INIT-SIPI-SIPI, 1..16 (default 1)",
	"  expect=   what the host must offer: off (nothing), v1 (control MSR",
	"            only), v2 (versioned leaf); any checks only the spec's rules",
	"  hc=       whether the host must offer hypercall 12 (CPUID bit 16)",
	"  features= the v2 features the host must offer",
	"  iters=    notifications per CPU in smp-notify (default 64)",
	"  migrate.count=  migrate: finish after K migrations seen (0: run",
	"                  migrate.iters conversions per CPU instead; default 0)",
	"  migrate.iters=  migrate: conversions per CPU (default 2000)",
	"  migrate.pages=  migrate: pages per CPU (default: the window / cpus)",
	"  migrate.run=    migrate: pages per conversion, 1..64 (default 4)",
	"  migrate.progress=  migrate: each CPU prints \"migrate: cpu C: generation",
	"                  G: X conversions\" every N conversions (default 0: never)",
	"  migrate.late=MS migrate: convert each group once, its status only",
	"                  (no write), one group every MS ms, then idle until a",
	"                  migration arrives (default 0: the mixed workload)",
	"  migrate.fault=write-first  migrate: write before notifying (breaks G-10:",
	"                  a migration must then find corrupted pages)",
	"  dirty.mib=N     dirty: ring-3 stores to N MiB until killed (0: idle);",
	"                  without it the scenario skips (benchmarks only)",
	"  dirty.fill=N    dirty: first write all of N MiB once with non-zero",
	"                  bytes that depend only on the address (default 0)",
	"  flood.count=N   flood: random requests per CPU (default 256; below 4 skips)",
	"  flood.migrate=1 flood: then wait for a migration and check again",
	"  seed=S          seed of flood's random choices (default 1)",
	"  upstream.map=vmm|past-ram|unaligned  upstream-boot: the VMM's memory map,",
	"                  or one entry a page past RAM, or one split inside a page",
	"  upstream.verdict=1  upstream-*: a driver acts on the verdict (wait for a",
	"                  migration, or stay up after the last case for a refusal)",
	"exit code (port 0xf4): 0 pass, 1 fail, 4 skip",
};

void params_print_help(void)
{
	u32 i;

	for (i = 0; i < sizeof(params_help) / sizeof(params_help[0]); i++)
		con_printf("# %s\n", params_help[i]);
}

static bool str_eq(const char *a, u32 alen, const char *b)
{
	u32 i;

	for (i = 0; i < alen; i++)
		if (a[i] != b[i])
			return false;
	return b[alen] == '\0';
}

static bool parse_u32(const char *s, u32 len, u32 *out)
{
	u64 v = 0;
	u32 i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (u32)(s[i] - '0');
		if (v > 0xffffffffu)
			return false;
	}
	*out = (u32)v;
	return true;
}

static bool parse_features(const char *v, u32 len, s32 *out)
{
	u32 i = 0, j;

	if (str_eq(v, len, "any")) {
		*out = PARAMS_ANY;
		return true;
	}
	*out = 0;
	if (str_eq(v, len, "none"))
		return true;
	while (i < len) {
		for (j = i; j < len && v[j] != ','; j++)
			;
		if (str_eq(v + i, j - i, "msr-psc"))
			*out |= MIGCTL_F_MSR_PSC;
		else if (str_eq(v + i, j - i, "list"))
			*out |= MIGCTL_F_LIST;
		else
			return false;
		i = j + 1;
	}
	return true;
}

/* kexec.resume=CASE.PASS.FAIL.SKIP.SUB.SUBFAIL.STAGE */
static bool parse_resume(struct params *p, const char *v, u32 len)
{
	u32 f[7], n = 0, i = 0, j;

	while (i <= len && n < 7) {
		for (j = i; j < len && v[j] != '.'; j++)
			;
		if (!parse_u32(v + i, j - i, &f[n++]))
			return false;
		i = j + 1;
	}
	if (n != 7)
		return false;
	p->progress = (struct ktap_progress){ f[0], f[1], f[2], f[3], f[4], f[5] };
	p->kexec_stage = f[6];
	p->resumed = true;
	return true;
}

static bool parse_token(struct params *p, const char *k, u32 klen, const char *v, u32 vlen)
{
	u32 i;

	if (str_eq(k, klen, "test")) {
		if (vlen >= PARAMS_TEST_MAX)
			return false;
		for (i = 0; i < vlen; i++)
			p->test[i] = v[i];
		p->test[vlen] = '\0';
		p->help = str_eq(v, vlen, "help");
		return true;
	}
	if (str_eq(k, klen, "cpus"))
		return parse_u32(v, vlen, &p->cpus) && p->cpus >= 1 && p->cpus <= MAX_CPUS;
	if (str_eq(k, klen, "iters"))
		return parse_u32(v, vlen, &p->iters) && p->iters >= 1;
	if (str_eq(k, klen, "migrate.count"))
		return parse_u32(v, vlen, &p->migrate_count);
	if (str_eq(k, klen, "migrate.iters"))
		return parse_u32(v, vlen, &p->migrate_iters) && p->migrate_iters >= 1;
	if (str_eq(k, klen, "migrate.pages"))
		return parse_u32(v, vlen, &p->migrate_pages) && p->migrate_pages >= 1;
	if (str_eq(k, klen, "migrate.fault")) {
		p->migrate_write_first = str_eq(v, vlen, "write-first");
		return p->migrate_write_first || str_eq(v, vlen, "none");
	}
	if (str_eq(k, klen, "migrate.progress"))
		return parse_u32(v, vlen, &p->migrate_progress);
	if (str_eq(k, klen, "migrate.late"))
		return parse_u32(v, vlen, &p->migrate_late_ms) && p->migrate_late_ms <= 60000;
	if (str_eq(k, klen, "migrate.run"))
		return parse_u32(v, vlen, &p->migrate_run) && p->migrate_run >= 1 &&
		       p->migrate_run <= 64;
	if (str_eq(k, klen, "dirty.mib")) {
		p->dirty_set = true;
		return parse_u32(v, vlen, &p->dirty_mib) && p->dirty_mib <= 65536;
	}
	if (str_eq(k, klen, "dirty.fill"))
		return parse_u32(v, vlen, &p->dirty_fill_mib) && p->dirty_fill_mib <= 65536;
	if (str_eq(k, klen, "flood.count"))
		return parse_u32(v, vlen, &p->flood_count);
	if (str_eq(k, klen, "flood.migrate")) {
		p->flood_migrate = str_eq(v, vlen, "1");
		return p->flood_migrate || str_eq(v, vlen, "0");
	}
	if (str_eq(k, klen, "seed"))
		return parse_u32(v, vlen, &p->seed);
	if (str_eq(k, klen, "upstream.map")) {
		p->upstream_map = str_eq(v, vlen, "past-ram")  ? PARAMS_MAP_PAST_RAM :
				  str_eq(v, vlen, "unaligned") ? PARAMS_MAP_UNALIGNED :
								 PARAMS_MAP_VMM;
		return p->upstream_map != PARAMS_MAP_VMM || str_eq(v, vlen, "vmm");
	}
	if (str_eq(k, klen, "upstream.verdict")) {
		p->upstream_verdict = str_eq(v, vlen, "1");
		return p->upstream_verdict || str_eq(v, vlen, "0");
	}
	if (str_eq(k, klen, "features"))
		return parse_features(v, vlen, &p->expect_features);
	if (str_eq(k, klen, "hc")) {
		p->expect_hc = str_eq(v, vlen, "1") ? 1 : str_eq(v, vlen, "0") ? 0 : PARAMS_ANY;
		return p->expect_hc != PARAMS_ANY || str_eq(v, vlen, "any");
	}
	if (str_eq(k, klen, "expect")) {
		p->expect = str_eq(v, vlen, "off") ? PARAMS_EXPECT_OFF :
			    str_eq(v, vlen, "v1")  ? PARAMS_EXPECT_V1 :
			    str_eq(v, vlen, "v2")  ? PARAMS_EXPECT_V2 : PARAMS_EXPECT_ANY;
		return p->expect != PARAMS_EXPECT_ANY || str_eq(v, vlen, "any");
	}
	if (str_eq(k, klen, "kexec.resume"))
		return parse_resume(p, v, vlen);
	return false;
}

int params_parse(struct params *p, const char *s, char *bad, u32 bad_size)
{
	u32 i, k, eq;

	*p = (struct params){ .test = "*", .cpus = 1, .expect_hc = PARAMS_ANY,
			      .expect_features = PARAMS_ANY, .iters = 64,
			      .migrate_iters = 2000, .migrate_run = 4,
			      .flood_count = 256, .seed = 1 };
	for (i = 0; s[i];) {
		while (s[i] == ' ')
			i++;
		if (!s[i])
			break;
		for (k = i, eq = 0; s[k] && s[k] != ' '; k++)
			if (s[k] == '=' && !eq)
				eq = k;
		if (!eq || !parse_token(p, s + i, eq - i, s + eq + 1, k - eq - 1)) {
			con_snprintf(bad, bad_size, "%.*s", (int)(k - i), s + i);
			return -1;
		}
		i = k;
	}
	return 0;
}

int params_format_resume(char *buf, u32 size, const struct ktap_progress *g, u32 stage)
{
	return con_snprintf(buf, size, " kexec.resume=%u.%u.%u.%u.%u.%u.%u", g->next_case,
			    g->passed, g->failed, g->skipped, g->sub_next, g->sub_failed, stage);
}
