/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* statusbench.c - the destination's peak memory for receiving STATUS, 1 GiB to 1 TiB guests. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <xxhash.h>

#include "migctl-host.h"
#include "mem.h"
#include "vcpu.h"
#include "migrate/state.h"
#include "migrate/stream-priv.h"
#include "stats.h"

/*
 * What is measured: the destination's receive path for STATUS as
 * migctl-vmm --incoming runs it, through the library code (no KVM, no
 * guest RAM): migrate_reader over migrate_io_fd on a socket, staging by
 * migrate_staged_status_recv(), then migrate_staged_apply_status(), which
 * loads the log into the host library's S (migctl_host_log_load()).
 *
 * Each case runs in two fresh processes. The sender generates the stream
 * as it writes it, a megabyte at a time, so it never holds the log; the
 * receiver's figures are its own only. The receiver creates its engine
 * (whose log, S and C, two bits per page, is the destination's state
 * before any stream) and touches all of it, then resets its peak RSS
 * (clear_refs 5) and reads VmRSS as the baseline. Peak extra memory is
 * VmHWM minus that baseline: every page the receive path touched, heap,
 * buffers and the STATUS section itself. VmPeak's rise shows address
 * space reserved but not touched; malloc'd bytes (mallinfo2) around the
 * staging call show whether staging allocated anything.
 *
 * The STATUS is the largest the reader accepts for the guest
 * (32 + 16 bytes per RAM page: every page a shared run of its own, stride
 * 1), or with stride 2 every other page shared, the most runs a source's
 * canonical encoding has. The receiver checks that the loaded log has
 * exactly the generated shared pages.
 */

#define SB_OUT_BYTES	(1u << 20)
#define SB_FNV_OFFSET	0xcbf29ce484222325ull
#define SB_FNV_PRIME	0x100000001b3ull
#define SB_SPARE_KIB	(2ull << 20)	/* left free for the machine's other users */

struct sb_case {
	u64 gib;
	u64 stride;
};

static const struct sb_case sb_cases[] = {
	{ 1, 1 }, { 64, 1 }, { 1024, 1 }, { 1024, 2 },
};

struct sb_guest {
	struct migrate_config cfg;
	struct migctl_host_region ram[MEM_MAX_BANKS];
	unsigned int nr;
	u64 pages, runs, stride;
	size_t status_len;
};

/* What the receiver reports through its pipe. */
struct sb_result {
	int err;
	char msg[160];
	bool hwm_reset;
	u64 log_bytes, shared_pages;
	u64 rss_base_kib, hwm_recv_kib, hwm_apply_kib, peak_base_kib, peak_recv_kib;
	u64 anon_base_kib, anon_recv_kib, file_base_kib, file_recv_kib;
	long long malloc_staging, malloc_held;
	double recv_s, apply_s;
};

static int sb_guest_of(u64 gib, u64 stride, struct sb_guest *g)
{
	struct mem_bank banks[MEM_MAX_BANKS];
	int n = mem_layout(gib << 30, banks);

	if (n < 1)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->nr = n;
	g->stride = stride;
	g->cfg.nr_regions = n;
	g->cfg.nr_vcpus = 1;
	g->cfg.page_size = MIGCTL_STREAM_PAGE_SIZE;
	for (int i = 0; i < n; i++) {
		u64 np = banks[i].size >> 12;

		g->ram[i] = (struct migctl_host_region){ banks[i].gpa, banks[i].size };
		g->cfg.regions[i] = (struct migrate_region){ banks[i].gpa, banks[i].size };
		g->pages += np;
		g->runs += (np + stride - 1) / stride;
	}
	g->status_len = MIGCTL_HOST_LOG_STREAM_HDR + g->runs * MIGCTL_HOST_LOG_STREAM_RUN +
			MIGCTL_HOST_LOG_STREAM_TRAILER;
	return 0;
}

static int sb_host(const struct sb_guest *g, struct migctl_host **out)
{
	struct migctl_host_config hc = {
		.min_version = MIGCTL_VERSION_1,
		.max_version = MIGCTL_VERSION_1,
		.encrypted = true,
		.vm_type = MIGCTL_HOST_VM_DEFAULT,
		.ram = g->ram,
		.nr_ram = g->nr,
	};

	return migctl_host_create(&hc, out);
}

/* --- The sender: the stream, generated as it is written ------------------ */

struct sb_out {
	XXH3_state_t *hash; /* the END checksum, XXH3-128 */
	int fd;
	bool fnv_on;
	u64 fnv;
	size_t len;
	u8 buf[SB_OUT_BYTES];
};

static int sb_flush(struct sb_out *o)
{
	size_t done = 0;

	XXH3_128bits_update(o->hash, o->buf, o->len);
	while (done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		done += (size_t)n;
	}
	o->len = 0;
	return 0;
}

static int sb_put(struct sb_out *o, const void *p, size_t n)
{
	const u8 *b = p;

	if (n > sizeof(o->buf))
		return -EINVAL;
	if (o->fnv_on)
		for (size_t i = 0; i < n; i++)
			o->fnv = (o->fnv ^ b[i]) * SB_FNV_PRIME;
	if (o->len + n > sizeof(o->buf) && sb_flush(o))
		return -EPIPE;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static int sb_put64(struct sb_out *o, u64 v)
{
	u8 b[8];

	put_le64(b, v);
	return sb_put(o, b, sizeof(b));
}

static int sb_section(struct sb_out *o, u32 type, u64 len)
{
	u8 h[STREAM_SEC_BYTES];

	put_le32(h, type);
	put_le32(h + 4, 0);
	put_le64(h + 8, len);
	return sb_put(o, h, sizeof(h));
}

/* The host library's log encoding (logstream.h), one run at a time. */
static int sb_status(struct sb_out *o, const struct sb_guest *g)
{
	u8 h[8], blk[4096];
	size_t n = 0;
	int ret = sb_section(o, MIGCTL_SEC_STATUS, g->status_len);

	o->fnv_on = true;
	o->fnv = SB_FNV_OFFSET;
	put_le32(h, MIGCTL_HOST_LOG_STREAM_MAGIC);
	put_le32(h + 4, MIGCTL_HOST_LOG_STREAM_VERSION);
	ret = ret ?: sb_put(o, h, sizeof(h));
	ret = ret ?: sb_put64(o, g->pages);
	ret = ret ?: sb_put64(o, g->runs);
	for (unsigned int i = 0; !ret && i < g->nr; i++) {
		u64 gfn = g->ram[i].gpa >> 12, end = gfn + (g->ram[i].size >> 12);

		for (; !ret && gfn < end; gfn += g->stride) {
			put_le64(blk + n, gfn);
			put_le64(blk + n + 8, 1);
			n += MIGCTL_HOST_LOG_STREAM_RUN;
			if (n == sizeof(blk)) {
				ret = sb_put(o, blk, n);
				n = 0;
			}
		}
	}
	ret = ret ?: sb_put(o, blk, n);
	o->fnv_on = false;
	return ret ?: sb_put64(o, o->fnv);
}

static int sb_send(int fd, const struct sb_guest *g)
{
	u8 cfg[STREAM_CFG_MAX_BYTES], saved[MIGCTL_HOST_SAVED_SIZE], h[8];
	u8 digest[MIGCTL_STREAM_DIGEST_BYTES];
	char name[MIGCTL_STREAM_DEVICE_NAME] = "migctl";
	struct vcpu_state *cs = calloc(1, sizeof(*cs));
	struct migctl_host_saved s;
	struct migctl_host *host;
	struct sb_out *o;
	size_t n = stream_config_encode(&g->cfg, cfg);
	int ret;

	if (!cs || sb_host(g, &host))
		return -ENOMEM;
	migctl_host_export(host, &s);
	migctl_host_saved_encode(&s, saved);
	migctl_host_destroy(host);
	if (posix_memalign((void **)&o, 64, sizeof(*o))) {
		free(cs);
		return -ENOMEM;
	}
	memset(o, 0, offsetof(struct sb_out, buf));
	o->fd = fd;
	o->hash = XXH3_createState();
	if (!o->hash) {
		free(o);
		free(cs);
		return -ENOMEM;
	}
	XXH3_128bits_reset(o->hash);
	ret = sb_put(o, MIGCTL_STREAM_MAGIC, MIGCTL_STREAM_MAGIC_LEN);
	put_le32(h, MIGCTL_STREAM_VERSION);
	put_le32(h + 4, 0);
	ret = ret ?: sb_put(o, h, sizeof(h));
	ret = ret ?: sb_section(o, MIGCTL_SEC_CONFIG, n);
	ret = ret ?: sb_put(o, cfg, n);
	ret = ret ?: sb_status(o, g);
	ret = ret ?: sb_section(o, MIGCTL_SEC_DEVICE, sizeof(name) + sizeof(saved));
	ret = ret ?: sb_put(o, name, sizeof(name));
	ret = ret ?: sb_put(o, saved, sizeof(saved));
	ret = ret ?: sb_section(o, MIGCTL_SEC_VCPU, sizeof(h) + sizeof(*cs));
	memset(h, 0, sizeof(h));	/* vCPU 0, reserved 0 */
	ret = ret ?: sb_put(o, h, sizeof(h));
	ret = ret ?: sb_put(o, cs, sizeof(*cs));
	ret = ret ?: sb_section(o, MIGCTL_SEC_END, sizeof(digest));
	ret = ret ?: sb_flush(o);
	if (!ret) {
		XXH128_canonical_t c;

		_Static_assert(sizeof(c) == sizeof(digest), "END is XXH3-128");
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(o->hash));
		memcpy(o->buf, c.digest, sizeof(digest));
		o->len = sizeof(digest);
		ret = sb_flush(o);
	}
	XXH3_freeState(o->hash);
	free(o);
	free(cs);
	return ret;
}

/* --- The receiver: the library's receive path, measured ----------------- */

/* A field of /proc/self/status or /proc/meminfo in KiB, 0 if absent. */
static u64 sb_proc_kib(const char *path, const char *field)
{
	char line[256];
	size_t fl = strlen(field);
	u64 v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			v = strtoull(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static u64 sb_status_kib(const char *field)
{
	return sb_proc_kib("/proc/self/status", field);
}

/* VmHWM := VmRSS (Linux 4.0+); false where the kernel refuses it. */
static bool sb_reset_hwm(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs("5", f) >= 0;
	return !fclose(f) && ok;
}

static long long sb_malloc_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long long)(mi.uordblks + mi.hblkhd);
}

struct sb_recv {
	struct migrate_reader *r;
	struct migrate_staged *staged;
	long long malloc_staging;
};

static int sb_recv_config(void *opaque, const struct migrate_config *cfg, char *err,
			  size_t errlen)
{
	struct sb_recv *x = opaque;

	x->staged = migrate_staged_create(cfg->nr_vcpus);
	if (!x->staged)
		snprintf(err, errlen, "out of memory");
	return x->staged ? 0 : -ENOMEM;
}

static int sb_recv_status(void *opaque, const void *blob, size_t len)
{
	struct sb_recv *x = opaque;
	long long before = sb_malloc_bytes();
	int ret = migrate_staged_status_recv(x->staged, x->r, blob, len);

	x->malloc_staging = sb_malloc_bytes() - before;
	return ret;
}

static int sb_recv_device(void *opaque, const char *name, const void *blob, size_t len)
{
	struct sb_recv *x = opaque;
	char err[160];

	return migrate_staged_device(x->staged, name, blob, len, err, sizeof(err));
}

static int sb_recv_vcpu(void *opaque, u32 index, const void *blob, size_t len)
{
	struct sb_recv *x = opaque;
	char err[160];

	return migrate_staged_vcpu(x->staged, index, blob, len, err, sizeof(err));
}

static void sb_measure(int fd, const struct sb_guest *g, struct migctl_host *host,
		       struct sb_result *res)
{
	static const struct migrate_reader_ops ops = {
		.config = sb_recv_config, .status = sb_recv_status,
		.device = sb_recv_device, .vcpu = sb_recv_vcpu,
	};
	struct sb_recv x = { 0 };
	long long base;
	double t0;

	res->hwm_reset = sb_reset_hwm();
	res->rss_base_kib = sb_status_kib("VmRSS");
	res->peak_base_kib = sb_status_kib("VmPeak");
	res->anon_base_kib = sb_status_kib("RssAnon");
	res->file_base_kib = sb_status_kib("RssFile");
	base = sb_malloc_bytes();
	t0 = stats_now_ns();
	res->err = migrate_reader_create(&migrate_io_fd, MIGRATE_IO_FD(fd), &ops, &x, NULL, &x.r);
	if (!res->err)
		res->err = migrate_reader_run(x.r);
	res->recv_s = (stats_now_ns() - t0) / 1e9;
	res->hwm_recv_kib = sb_status_kib("VmHWM");
	res->peak_recv_kib = sb_status_kib("VmPeak");
	res->anon_recv_kib = sb_status_kib("RssAnon");
	res->file_recv_kib = sb_status_kib("RssFile");
	res->malloc_staging = x.malloc_staging;
	res->malloc_held = sb_malloc_bytes() - base;
	if (res->err) {
		snprintf(res->msg, sizeof(res->msg), "receive: %s",
			 x.r ? migrate_reader_error(x.r) : strerror(-res->err));
		goto out;
	}
	t0 = stats_now_ns();
	res->err = migrate_staged_apply_status(x.staged, host, NULL, res->msg, sizeof(res->msg));
	res->apply_s = (stats_now_ns() - t0) / 1e9;
	res->hwm_apply_kib = sb_status_kib("VmHWM");
	res->shared_pages = migctl_host_log_count(migctl_host_log(host), false);
	if (!res->err && res->shared_pages != g->runs) {
		res->err = -EBADMSG;
		snprintf(res->msg, sizeof(res->msg), "%llu shared pages loaded, %llu sent",
			 (unsigned long long)res->shared_pages, (unsigned long long)g->runs);
	}
out:
	migrate_reader_destroy(x.r);
	migrate_staged_destroy(x.staged);
}

static void sb_receive(int fd, const struct sb_guest *g, struct sb_result *res)
{
	struct migctl_host_log *log;
	struct migctl_host *host;

	res->err = sb_host(g, &host);
	if (res->err) {
		snprintf(res->msg, sizeof(res->msg), "engine: %s", strerror(-res->err));
		return;
	}
	/* Resident before the stream, as a destination's log is: not the receive's. */
	log = migctl_host_log(host);
	for (unsigned int i = 0; i < g->nr; i++)
		migctl_host_log_set(log, g->ram[i].gpa >> 12, g->ram[i].size >> 12, true);
	res->log_bytes = migctl_host_log_bytes(log);
	sb_measure(fd, g, host, res);
	migctl_host_destroy(host);
}

/* --- One case: two processes over a socket pair ------------------------- */

static int sb_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -ECHILD;
}

static int sb_run(const struct sb_guest *g, struct sb_result *res)
{
	int sv[2], rp[2], ret;
	pid_t tx, rx;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(rp))
		return -errno;
	tx = fork();
	if (tx == 0) {
		close(sv[0]);
		close(rp[0]);
		_exit(sb_send(sv[1], g) ? 1 : 0);
	}
	rx = tx < 0 ? -1 : fork();
	if (rx == 0) {
		close(sv[1]);
		close(rp[0]);
		memset(res, 0, sizeof(*res));
		sb_receive(sv[0], g, res);
		_exit(write(rp[1], res, sizeof(*res)) == sizeof(*res) ? 0 : 1);
	}
	close(sv[0]);
	close(sv[1]);
	close(rp[1]);
	ret = rx < 0 ? -errno : 0;
	if (!ret && read(rp[0], res, sizeof(*res)) != sizeof(*res))
		ret = -EIO;
	close(rp[0]);
	if (tx > 0 && sb_wait(tx) && !ret && !res->err)
		ret = -EPIPE;
	if (rx > 0 && sb_wait(rx) && !ret)
		ret = -ECHILD;
	return ret;
}

static void sb_json_case(const struct sb_case *c, const struct sb_guest *g,
			 const struct sb_result *r, bool first)
{
	u64 recv = r->hwm_recv_kib - r->rss_base_kib, apply = r->hwm_apply_kib - r->rss_base_kib;
	double st_kib = g->status_len / 1024.0;

	printf("%s\n  {\"guest_gib\": %llu, \"stride\": %llu, \"ram_pages\": %llu, ", first ? "" : ",",
	       (unsigned long long)c->gib, (unsigned long long)c->stride,
	       (unsigned long long)g->pages);
	printf("\"status_bytes\": %zu, \"status_max\": %llu, \"shared_pages\": %llu, ",
	       g->status_len, 32ull + 16 * g->pages, (unsigned long long)r->shared_pages);
	printf("\"log_bytes\": %llu, \"rss_base_kib\": %llu, \"hwm_reset\": %s, ",
	       (unsigned long long)r->log_bytes, (unsigned long long)r->rss_base_kib,
	       r->hwm_reset ? "true" : "false");
	printf("\"peak_extra_recv_kib\": %llu, \"peak_extra_apply_kib\": %llu, ",
	       (unsigned long long)recv, (unsigned long long)apply);
	printf("\"ratio_recv\": %.4f, \"ratio_apply\": %.4f, \"vmpeak_extra_kib\": %llu, ",
	       recv / st_kib, apply / st_kib,
	       (unsigned long long)(r->peak_recv_kib - r->peak_base_kib));
	printf("\"anon_extra_kib\": %lld, \"file_extra_kib\": %lld, ",
	       (long long)(r->anon_recv_kib - r->anon_base_kib),
	       (long long)(r->file_recv_kib - r->file_base_kib));
	printf("\"malloc_staging_bytes\": %lld, \"malloc_held_bytes\": %lld, ",
	       r->malloc_staging, r->malloc_held);
	printf("\"recv_s\": %.2f, \"apply_s\": %.2f}", r->recv_s, r->apply_s);
}

/* Cases from the command line, GIB[:STRIDE] each, or the default table. */
static int sb_parse(int argc, char **argv, struct sb_case *cs, size_t max)
{
	int n = 0;

	for (int i = 1; i < argc && (size_t)n < max; i++, n++) {
		char *end;

		cs[n].gib = strtoull(argv[i], &end, 10);
		cs[n].stride = *end == ':' ? strtoull(end + 1, &end, 10) : 1;
		if (*end || !cs[n].stride || !cs[n].gib || cs[n].gib > MEM_MAX_SIZE >> 30)
			return -EINVAL;
	}
	if (argc > 1)
		return n;
	memcpy(cs, sb_cases, sizeof(sb_cases));
	return sizeof(sb_cases) / sizeof(sb_cases[0]);
}

int main(int argc, char **argv)
{
	struct sb_case cs[16];
	int failed = 0, nr = sb_parse(argc, argv, cs, 16);
	bool first = true;

	if (nr < 0) {
		fprintf(stderr, "usage: statusbench [GIB[:STRIDE]]... (1..1024 GiB, stride >= 1)\n");
		return 2;
	}

	if (sodium_init() < 0) {
		fprintf(stderr, "statusbench: libsodium does not initialise\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	printf("{\"benchmark\": \"status-memory\", \"cases\": [");
	for (int i = 0; i < nr; i++) {
		const struct sb_case *c = &cs[i];
		struct sb_result r;
		struct sb_guest g;
		u64 need, avail;
		int ret;

		if (sb_guest_of(c->gib, c->stride, &g))
			return 1;
		/* The receiver holds the section and its engine's log (S, C). */
		need = g.status_len / 1024 + g.pages / 4 / 1024 + SB_SPARE_KIB;
		avail = sb_proc_kib("/proc/meminfo", "MemAvailable");
		if (avail < need) {
			fprintf(stderr, "statusbench: %llu GiB stride %llu left out: needs %llu MiB, "
				"%llu MiB available\n", (unsigned long long)c->gib,
				(unsigned long long)c->stride, (unsigned long long)need >> 10,
				(unsigned long long)avail >> 10);
			failed = 1;
			continue;
		}
		ret = sb_run(&g, &r);
		if (ret || r.err) {
			fprintf(stderr, "statusbench: %llu GiB stride %llu: %s\n",
				(unsigned long long)c->gib, (unsigned long long)c->stride,
				ret ? strerror(-ret) : r.msg);
			failed = 1;
			continue;
		}
		sb_json_case(c, &g, &r, first);
		first = false;
		fflush(stdout);
	}
	printf("\n]}\n");
	return failed;
}
