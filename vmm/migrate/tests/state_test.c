/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state_test.c - the destination's staging of STATUS: held once, in the reader's buffer. */

#include <malloc.h>

#include "test.h"
#include "migrate_test_util.h"
#include "migctl-host.h"
#include "state.h"
#include "vcpu.h"

/* The sample layout's log with a few shared runs, and its engine. */
static struct migctl_host *engine(bool with_runs)
{
	struct migctl_host_region ram[2] = {
		{ 0, 64 << 10 }, { (u64)SAMPLE_GFN_HIGH << 12, 128 << 10 },
	};
	struct migctl_host_config hc = {
		.min_version = MIGCTL_VERSION_1, .max_version = MIGCTL_VERSION_1,
		.encrypted = true, .vm_type = MIGCTL_HOST_VM_DEFAULT,
		.ram = ram, .nr_ram = 2,
	};
	struct migctl_host *h;

	if (migctl_host_create(&hc, &h))
		test_stop();
	if (with_runs) {
		migctl_host_log_set(migctl_host_log(h), 3, 5, false);
		migctl_host_log_set(migctl_host_log(h), SAMPLE_GFN_HIGH + 1, 1, false);
		migctl_host_log_set(migctl_host_log(h), SAMPLE_GFN_HIGH + 30, 2, false);
	}
	return h;
}

static long long malloc_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long long)(mi.uordblks + mi.hblkhd);
}

/*
 * mallinfo2() sees glibc's heap only: under ASan, whose allocator is its
 * own, it stays put and the allocation counts say nothing.
 */
static bool malloc_counted(void)
{
	long long before = malloc_bytes();
	void *volatile p = malloc(1 << 16);
	bool seen = malloc_bytes() - before >= 1 << 16;

	free(p);
	return seen;
}

/* CONFIG, STATUS (@src's log), DEVICE migctl, both VCPUs, END. */
static void stream_of(struct migctl_host *src, struct membuf *m)
{
	struct migctl_host_log *log = migctl_host_log(src);
	size_t len = migctl_host_log_stream_size(log), used;
	u8 *blob = malloc(len), saved[MIGCTL_HOST_SAVED_SIZE];
	struct vcpu_state *cs = calloc(1, sizeof(*cs));
	struct migctl_host_saved s;
	struct migrate_config c;
	struct migrate_writer *w;
	int ret;

	if (!blob || !cs || migctl_host_log_save(log, blob, len, &used))
		test_stop();
	migctl_host_export(src, &s);
	migctl_host_saved_encode(&s, saved);
	sample_config(&c, false);
	if (migrate_writer_create(&membuf_io, m, &w))
		test_stop();
	ret = migrate_writer_config(w, &c);
	ret = ret ?: migrate_writer_status(w, blob, used);
	ret = ret ?: migrate_writer_device(w, "migctl", saved, sizeof(saved));
	ret = ret ?: migrate_writer_vcpu(w, 0, cs, sizeof(*cs));
	ret = ret ?: migrate_writer_vcpu(w, 1, cs, sizeof(*cs));
	ret = ret ?: migrate_writer_end(w);
	migrate_writer_destroy(w);
	free(blob);
	free(cs);
	if (ret)
		test_stop();
}

struct stage {
	struct migrate_reader *rd;
	struct migrate_staged *staged;
	long long allocated;	/* by staging STATUS */
	void *still_readers;	/* the buffer, if the reader still held it */
	size_t len;
};

static int st_config(void *o, const struct migrate_config *cfg, char *err, size_t errlen)
{
	struct stage *t = o;

	(void)err;
	(void)errlen;
	t->staged = migrate_staged_create(cfg->nr_vcpus);
	return t->staged ? 0 : -ENOMEM;
}

static int st_status(void *o, const void *blob, size_t len)
{
	struct stage *t = o;
	long long before = malloc_bytes();
	int ret = migrate_staged_status_recv(t->staged, t->rd, blob, len);

	t->allocated = malloc_bytes() - before;
	t->still_readers = migrate_reader_take_blob(t->rd, blob);
	t->len = len;
	return ret;
}

static int st_device(void *o, const char *name, const void *blob, size_t len)
{
	struct stage *t = o;
	char err[160];

	return migrate_staged_device(t->staged, name, blob, len, err, sizeof(err));
}

static int st_vcpu(void *o, u32 index, const void *blob, size_t len)
{
	struct stage *t = o;
	char err[160];

	return migrate_staged_vcpu(t->staged, index, blob, len, err, sizeof(err));
}

static void expect_same_log(struct migctl_host *a, struct migctl_host *b)
{
	struct migctl_host_log *la = migctl_host_log(a), *lb = migctl_host_log(b);

	EXPECT_EQ(migctl_host_log_count(la, false), migctl_host_log_count(lb, false));
	for (u64 gfn = 0; gfn < SAMPLE_GFN_HIGH + 32; gfn++)
		EXPECT_EQ(migctl_host_log_get(la, gfn), migctl_host_log_get(lb, gfn));
}

/*
 * Receiving STATUS holds the log once, whatever its size (a 1 TiB guest's
 * is up to 4 GiB): the staged log is the reader's own buffer, taken from
 * it, and staging allocates nothing. The log then loads as sent.
 * Covers: V-5
 */
TEST(state, status_staged_in_the_readers_buffer)
{
	static const struct migrate_reader_ops ops = {
		.config = st_config, .status = st_status,
		.device = st_device, .vcpu = st_vcpu,
	};
	struct migctl_host *src = engine(true), *dst = engine(false);
	struct stage t = { 0 };
	struct membuf m = { 0 };
	struct migrate_io_mem mem;
	char err[256] = "";

	stream_of(src, &m);
	mem = (struct migrate_io_mem){ .buf = m.buf, .len = m.len };
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, &ops, &t, NULL, &t.rd));
	ASSERT_EQ(0, migrate_reader_run(t.rd));
	EXPECT_EQ(0, t.allocated);
	EXPECT_NULL(t.still_readers);
	free(t.still_readers);
	EXPECT_EQ(migctl_host_log_stream_size(migctl_host_log(src)), t.len);
	migrate_reader_destroy(t.rd);
	EXPECT_EQ(0, migrate_staged_apply_status(t.staged, dst, NULL, err, sizeof(err)));
	EXPECT_STREQ("", err);
	EXPECT_EQ(5u + 1 + 2, migctl_host_log_count(migctl_host_log(dst), false));
	expect_same_log(src, dst);
	migrate_staged_destroy(t.staged);
	migctl_host_destroy(src);
	migctl_host_destroy(dst);
	free(m.buf);
}

/*
 * A log that is not the reader's buffer is copied, once: the caller's
 * buffer may go away after the callback.
 * Covers: V-5
 */
TEST(state, foreign_status_is_copied)
{
	struct migctl_host *src = engine(true), *dst = engine(false);
	struct migctl_host_log *log = migctl_host_log(src);
	size_t len = migctl_host_log_stream_size(log), used;
	u8 *blob = malloc(len), saved[MIGCTL_HOST_SAVED_SIZE];
	struct migrate_io_mem mem = { 0 };
	struct migrate_staged *staged = migrate_staged_create(2);
	struct migrate_reader *rd;
	struct migctl_host_saved s;
	char err[256] = "";
	long long before;

	ASSERT_NONNULL(blob);
	ASSERT_NONNULL(staged);
	ASSERT_EQ(0, migctl_host_log_save(log, blob, len, &used));
	ASSERT_EQ(0, migrate_reader_create(&migrate_io_mem, &mem, NULL, NULL, NULL, &rd));
	before = malloc_bytes();
	ASSERT_EQ(0, migrate_staged_status_recv(staged, rd, blob, used));
	if (malloc_counted())
		EXPECT_GE(malloc_bytes() - before, (long long)used);
	memset(blob, 0, used);
	free(blob);
	migctl_host_export(src, &s);
	migctl_host_saved_encode(&s, saved);
	ASSERT_EQ(0, migrate_staged_device(staged, "migctl", saved, sizeof(saved), err,
					   sizeof(err)));
	EXPECT_EQ(0, migrate_staged_apply_status(staged, dst, NULL, err, sizeof(err)));
	expect_same_log(src, dst);
	migrate_reader_destroy(rd);
	migrate_staged_destroy(staged);
	migctl_host_destroy(src);
	migctl_host_destroy(dst);
}
