/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_config.c - the CONFIG section: coding, validation, compatibility check. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>
#include <sodium.h>

#include "migctl.h"
#include "stream-priv.h"

static int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

u64 migrate_config_pages(const struct migrate_config *cfg)
{
	u64 pages = 0;

	for (u32 i = 0; i < cfg->nr_regions && i < MIGCTL_STREAM_REGIONS_MAX;
	     i++)
		pages += cfg->regions[i].size / MIGCTL_STREAM_PAGE_SIZE;
	return pages;
}

bool migrate_config_has_gfn(const struct migrate_config *cfg, u64 gfn)
{
	for (u32 i = 0; i < cfg->nr_regions && i < MIGCTL_STREAM_REGIONS_MAX;
	     i++) {
		u64 first = cfg->regions[i].gpa / MIGCTL_STREAM_PAGE_SIZE;
		u64 n = cfg->regions[i].size / MIGCTL_STREAM_PAGE_SIZE;

		if (gfn >= first && gfn - first < n)
			return true;
	}
	return false;
}

static int validate_regions(const struct migrate_config *cfg, char *err,
			    size_t errlen)
{
	u64 total = 0, end = 0;

	if (cfg->nr_regions < 1 || cfg->nr_regions > MIGCTL_STREAM_REGIONS_MAX)
		return cfg_fail(err, errlen, "%u RAM regions (allowed 1..%u)",
				cfg->nr_regions, MIGCTL_STREAM_REGIONS_MAX);
	for (u32 i = 0; i < cfg->nr_regions; i++) {
		const struct migrate_region *rg = &cfg->regions[i];

		if ((rg->gpa | rg->size) & (MIGCTL_STREAM_PAGE_SIZE - 1) ||
		    !rg->size)
			return cfg_fail(
				err, errlen,
				"RAM region %u (gpa 0x%llx size 0x%llx) is empty or not page-aligned",
				i, (unsigned long long)rg->gpa,
				(unsigned long long)rg->size);
		if (rg->gpa + rg->size < rg->gpa)
			return cfg_fail(err, errlen,
					"RAM region %u wraps around", i);
		if (i && rg->gpa < end)
			return cfg_fail(
				err, errlen,
				"RAM region %u (gpa 0x%llx) overlaps or is out of order",
				i, (unsigned long long)rg->gpa);
		end = rg->gpa + rg->size;
		if (rg->size > MIGCTL_STREAM_RAM_MAX - total)
			return cfg_fail(err, errlen,
					"more than %llu GiB of RAM",
					MIGCTL_STREAM_RAM_MAX >> 30);
		total += rg->size;
	}
	return 0;
}

static bool key_is_zero(const u8 *k)
{
	u8 acc = 0;

	for (unsigned int i = 0; i < MIGCTL_STREAM_KEY_BYTES; i++)
		acc |= k[i];
	return !acc;
}

/* The version a control MSR value selects: field 0 counts as version 1. */
static u32 ctl_version(u64 ctl)
{
	u32 v = MIGCTL_CTL_GET_VERSION(ctl);

	return v ? v : MIGCTL_VERSION_1;
}

static int validate_protocol(const struct migrate_config *cfg, char *err,
			     size_t errlen)
{
	u64 ctl = cfg->protocol_ctl;
	u32 v;

	if (cfg->offer_min || cfg->offer_max || cfg->offer_features) {
		if (cfg->offer_min < 1 || cfg->offer_min > cfg->offer_max ||
		    cfg->offer_max > 255)
			return cfg_fail(
				err, errlen,
				"offered protocol versions %u..%u are invalid",
				cfg->offer_min, cfg->offer_max);
	}
	if (!ctl)
		return 0;
	if (!(ctl & MIGCTL_CTL_READY) || (ctl & MIGCTL_CTL_RESERVED))
		return cfg_fail(
			err, errlen,
			"negotiated state 0x%llx is not a valid READY value",
			(unsigned long long)ctl);
	v = ctl_version(ctl);
	if (!cfg->offer_max || v < cfg->offer_min || v > cfg->offer_max)
		return cfg_fail(
			err, errlen,
			"negotiated version %u is outside the offer %u..%u", v,
			cfg->offer_min, cfg->offer_max);
	if (MIGCTL_CTL_GET_FEATURES(ctl) & ~cfg->offer_features)
		return cfg_fail(
			err, errlen,
			"negotiated features 0x%x exceed the offer 0x%x",
			MIGCTL_CTL_GET_FEATURES(ctl), cfg->offer_features);
	if (v == MIGCTL_VERSION_1 && MIGCTL_CTL_GET_FEATURES(ctl))
		return cfg_fail(err, errlen,
				"version 1 negotiated with features 0x%x",
				MIGCTL_CTL_GET_FEATURES(ctl));
	return 0;
}

static int validate_sevsim(const struct migrate_config *cfg, char *err,
			   size_t errlen)
{
	if (!cfg->sevsim && !key_is_zero(cfg->transport_key))
		return cfg_fail(err, errlen,
				"transport key set without sev-sim");
	if (cfg->sevsim && key_is_zero(cfg->transport_key))
		return cfg_fail(err, errlen,
				"sev-sim on but the transport key is zero");
	if (!cfg->sevsim && cfg->sevsim_generation)
		return cfg_fail(err, errlen,
				"key page generation set without sev-sim");
	/* The destination installs generation + 1: it must not wrap to 0. */
	if (cfg->sevsim &&
	    (!cfg->sevsim_generation || !~cfg->sevsim_generation))
		return cfg_fail(err, errlen,
				"sev-sim key page generation %llu is invalid",
				(unsigned long long)cfg->sevsim_generation);
	return 0;
}

int migrate_config_validate(const struct migrate_config *cfg, char *err,
			    size_t errlen)
{
	int ret;

	ret = validate_regions(cfg, err, errlen);
	if (ret)
		return ret;
	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > MIGCTL_STREAM_VCPUS_MAX)
		return cfg_fail(err, errlen, "%u vCPUs (allowed 1..%u)",
				cfg->nr_vcpus, MIGCTL_STREAM_VCPUS_MAX);
	if (cfg->page_size != MIGCTL_STREAM_PAGE_SIZE)
		return cfg_fail(err, errlen,
				"guest page size %u (only %u is supported)",
				cfg->page_size, MIGCTL_STREAM_PAGE_SIZE);
	ret = validate_protocol(cfg, err, errlen);
	if (ret)
		return ret;
	return validate_sevsim(cfg, err, errlen);
}

/* "192 KiB", "1024 MiB": layouts are page-aligned, so KiB is exact. */
static const char *fmt_size(char *buf, size_t len, u64 bytes)
{
	if (bytes % (1u << 20))
		snprintf(buf, len, "%llu KiB",
			 (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu MiB",
			 (unsigned long long)(bytes >> 20));
	return buf;
}

static int check_layout(const struct migrate_config *src,
			const struct migrate_config *local, char *err,
			size_t errlen)
{
	u64 sp = migrate_config_pages(src) * MIGCTL_STREAM_PAGE_SIZE;
	u64 lp = migrate_config_pages(local) * MIGCTL_STREAM_PAGE_SIZE;
	char ss[32], ls[32];
	u32 i;

	for (i = 0; i < src->nr_regions && i < local->nr_regions; i++)
		if (src->regions[i].gpa != local->regions[i].gpa ||
		    src->regions[i].size != local->regions[i].size)
			break;
	if (i == src->nr_regions && i == local->nr_regions)
		return 0;
	return cfg_fail(
		err, errlen,
		"memory layout mismatch: source has %s in %u regions, destination %s in %u regions (first difference at region %u); start the destination with the source's memory size",
		fmt_size(ss, sizeof(ss), sp), src->nr_regions,
		fmt_size(ls, sizeof(ls), lp), local->nr_regions, i);
}

static int check_protocol(const struct migrate_config *src,
			  const struct migrate_config *local, char *err,
			  size_t errlen)
{
	u32 v = ctl_version(src->protocol_ctl),
	    f = MIGCTL_CTL_GET_FEATURES(src->protocol_ctl);

	if (src->sevsim && !(src->protocol_ctl & MIGCTL_CTL_READY))
		return cfg_fail(
			err, errlen,
			"sev-sim guest not READY: it has not opted in to migration, so its page status is unknown (V-6)");
	if (src->protocol_ctl & MIGCTL_CTL_READY) {
		if (!local->offer_max)
			return cfg_fail(
				err, errlen,
				"version skew: the guest negotiated protocol version %u, the destination offers no protocol version (V-8)",
				v);
		if (v < local->offer_min || v > local->offer_max)
			return cfg_fail(
				err, errlen,
				"version skew: the guest negotiated protocol version %u, the destination offers versions %u..%u (V-8)",
				v, local->offer_min, local->offer_max);
		if (f & ~local->offer_features)
			return cfg_fail(
				err, errlen,
				"feature skew: the guest uses features 0x%x, the destination offers 0x%x (missing 0x%x) (V-8)",
				f, local->offer_features,
				f & ~local->offer_features);
	}
	if (src->offer_min != local->offer_min ||
	    src->offer_max != local->offer_max ||
	    src->offer_features != local->offer_features)
		return cfg_fail(
			err, errlen,
			"protocol offer mismatch: source offers versions %u..%u features 0x%x, destination %u..%u features 0x%x (the guest would see its CPUID change)",
			src->offer_min, src->offer_max, src->offer_features,
			local->offer_min, local->offer_max,
			local->offer_features);
	return 0;
}

int migrate_config_check(const struct migrate_config *src,
			 const struct migrate_config *local, char *err,
			 size_t errlen)
{
	int ret;

	ret = check_layout(src, local, err, errlen);
	if (ret)
		return ret;
	if (src->nr_vcpus != local->nr_vcpus)
		return cfg_fail(
			err, errlen,
			"vCPU count mismatch: source has %u vCPUs, destination %u; start the destination with the same count",
			src->nr_vcpus, local->nr_vcpus);
	if (src->page_size != local->page_size)
		return cfg_fail(err, errlen,
				"page size mismatch: source %u, destination %u",
				src->page_size, local->page_size);
	if (src->sevsim != local->sevsim)
		return cfg_fail(
			err, errlen,
			"sev-sim mismatch: source has sev-sim %s, destination %s",
			src->sevsim ? "on" : "off",
			local->sevsim ? "on" : "off");
	ret = check_protocol(src, local, err, errlen);
	if (ret)
		return ret;
	if (memcmp(src->cpuid_digest, local->cpuid_digest,
		   sizeof(src->cpuid_digest)))
		return cfg_fail(
			err, errlen,
			"CPUID mismatch: the source's CPUID table differs from the destination's (same CPU model and options needed)");
	return 0;
}

void migrate_cpuid_digest(const struct kvm_cpuid_entry2 *e, u32 nr,
			  u8 out[MIGCTL_STREAM_CPUID_DIGEST_BYTES])
{
	crypto_generichash_state st;
	u8 rec[28];

	crypto_generichash_init(&st, NULL, 0,
				MIGCTL_STREAM_CPUID_DIGEST_BYTES);
	for (u32 i = 0; i < nr; i++) {
		put_le32(rec, e[i].function);
		put_le32(rec + 4, e[i].index);
		put_le32(rec + 8, e[i].flags);
		put_le32(rec + 12, e[i].eax);
		put_le32(rec + 16, e[i].ebx);
		put_le32(rec + 20, e[i].ecx);
		put_le32(rec + 24, e[i].edx);
		crypto_generichash_update(&st, rec, sizeof(rec));
	}
	crypto_generichash_final(&st, out,
				 MIGCTL_STREAM_CPUID_DIGEST_BYTES);
}

size_t stream_config_encode(const struct migrate_config *cfg, u8 *buf)
{
	u8 *p = buf;

	memset(buf, 0, STREAM_CFG_BYTES);
	put_le32(p + 0, cfg->nr_regions);
	put_le32(p + 4, cfg->nr_vcpus);
	put_le32(p + 8, cfg->page_size);
	put_le32(p + 12, cfg->sevsim ? 1 : 0);
	put_le32(p + 16, cfg->offer_min);
	put_le32(p + 20, cfg->offer_max);
	put_le32(p + 24, cfg->offer_features);
	put_le64(p + 32, cfg->protocol_ctl);
	put_le64(p + 40, cfg->sevsim_generation);
	memcpy(p + 48, cfg->cpuid_digest, MIGCTL_STREAM_CPUID_DIGEST_BYTES);
	memcpy(p + 80, cfg->transport_key, MIGCTL_STREAM_KEY_BYTES);
	p += STREAM_CFG_BYTES;
	for (u32 i = 0; i < cfg->nr_regions; i++, p += STREAM_REGION_BYTES) {
		put_le64(p, cfg->regions[i].gpa);
		put_le64(p + 8, cfg->regions[i].size);
	}
	return (size_t)(p - buf);
}

int stream_config_decode_fixed(const u8 *p, struct migrate_config *cfg,
			       char *err, size_t errlen)
{
	u32 sevsim = get_le32(p + 12);

	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_regions = get_le32(p + 0);
	cfg->nr_vcpus = get_le32(p + 4);
	cfg->page_size = get_le32(p + 8);
	cfg->offer_min = get_le32(p + 16);
	cfg->offer_max = get_le32(p + 20);
	cfg->offer_features = get_le32(p + 24);
	cfg->protocol_ctl = get_le64(p + 32);
	cfg->sevsim_generation = get_le64(p + 40);
	memcpy(cfg->cpuid_digest, p + 48, MIGCTL_STREAM_CPUID_DIGEST_BYTES);
	memcpy(cfg->transport_key, p + 80, MIGCTL_STREAM_KEY_BYTES);
	if (sevsim > 1) {
		cfg_fail(err, errlen, "sev-sim field is %u (0 or 1 allowed)",
			 sevsim);
		return -EBADMSG;
	}
	cfg->sevsim = sevsim;
	if (get_le32(p + 28)) {
		cfg_fail(err, errlen, "reserved field is 0x%x (must be 0)",
			 get_le32(p + 28));
		return -EBADMSG;
	}
	if (cfg->nr_regions < 1 ||
	    cfg->nr_regions > MIGCTL_STREAM_REGIONS_MAX) {
		cfg_fail(err, errlen, "%u RAM regions (allowed 1..%u)",
			 cfg->nr_regions, MIGCTL_STREAM_REGIONS_MAX);
		return -EBADMSG;
	}
	return (int)cfg->nr_regions;
}

void stream_config_decode_regions(const u8 *p, struct migrate_config *cfg)
{
	for (u32 i = 0; i < cfg->nr_regions; i++, p += STREAM_REGION_BYTES) {
		cfg->regions[i].gpa = get_le64(p);
		cfg->regions[i].size = get_le64(p + 8);
	}
}
