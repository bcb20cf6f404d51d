/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream_fuzz.c - libFuzzer harness: the destination's stream parser on arbitrary bytes. */

/*
 * Build: make -f <makefile including migrate.mk> $(VMM_MIGRATE_FUZZ) (clang
 * with -fsanitize=fuzzer,address,undefined). The callbacks do what the
 * VMM's would: accept the CONFIG, open PRIVATE pages through the firmware
 * path, copy RAW pages into a small guest memory, read every blob byte.
 */

#include <errno.h>
#include <string.h>

#include "sevsim.h"
#include "stream.h"

#define FUZZ_PAGES 64u

struct fuzz_dst {
	u8 mem[FUZZ_PAGES][4096];
	u8 key[32];
	u8 tkey[32];
	unsigned int sum;
};

static int fz_config(void *o, const struct migrate_config *cfg, char *err,
		     size_t len)
{
	struct fuzz_dst *d = o;

	memcpy(d->tkey, cfg->transport_key, sizeof(d->tkey));
	return 0;
}

static int fz_ram(void *o, const struct migrate_page *pg)
{
	struct fuzz_dst *d = o;
	u8 *page = d->mem[pg->gfn % FUZZ_PAGES];

	if (pg->kind == MIGCTL_PAGE_ZERO)
		memset(page, 0, 4096);
	else if (pg->kind == MIGCTL_PAGE_RAW)
		memcpy(page, pg->data, 4096);
	else
		return sevsim_fw_import(d->key, d->tkey, pg->gfn, pg->round,
					pg->data, page);
	return 0;
}

static int fz_blob(struct fuzz_dst *d, const void *blob, size_t len)
{
	const u8 *b = blob;

	for (size_t i = 0; i < len; i++)
		d->sum += b[i];
	return 0;
}

static int fz_status(void *o, const void *blob, size_t len)
{
	return fz_blob(o, blob, len);
}

static int fz_device(void *o, const char *name, const void *blob, size_t len)
{
	return fz_blob(o, blob, len) ?: (strlen(name) > 16 ? -EINVAL : 0);
}

static int fz_vcpu(void *o, u32 index, const void *blob, size_t len)
{
	return fz_blob(o, blob, len);
}

static const struct migrate_reader_ops fz_ops = {
	.config = fz_config,
	.ram = fz_ram,
	.status = fz_status,
	.device = fz_device,
	.vcpu = fz_vcpu,
};

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fuzz_dst dst;
	struct migrate_io_mem mem = { .buf = data, .len = size };
	struct migrate_reader *r;
	int ret;

	if (migrate_reader_create(&migrate_io_mem, &mem, &fz_ops, &dst, NULL,
				  &r))
		return 0;
	ret = migrate_reader_run(r);
	/* Every failure carries a message. */
	if (ret && !migrate_reader_error(r)[0])
		__builtin_trap();
	migrate_reader_destroy(r);
	return 0;
}
