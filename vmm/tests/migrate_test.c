/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migrate_test.c - two VMs in one process: send, receive, compare RAM and status. */
#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <sodium.h>

#include "migctl.h"
#include "migctl-host.h"
#include "test.h"
#include "../boot.h"
#include "../dev/exitport.h"
#include "../dev/serial.h"
#include "../migrate/recv.h"
#include "../migrate/secure.h"
#include "../migrate/send.h"
#include "../migrate/sevsim.h"
#include "../migrate/stream.h"
#include "../migrate/stream_hash.h"
#include "../proto.h"
#include "../sevsim_vm.h"
#include "../vcpu.h"
#include "../vm.h"
#include "run.h"

#define MT_MEM		(64ull << 20)
#define MT_PAGES	64	/* window pages the test writes itself */

/* One side: a VM with its protocol engine and (optionally) sev-sim. */
struct side {
	struct vm *vm;
	struct proto *proto;
	struct serial *serial;
	struct sevsim_vm sev;
	bool sevsim;
	int null_fd;
};

static int side_create(struct side *s, bool sevsim, u64 mem)
{
	struct vm_config cfg = { .mem_size = mem, .nr_cpus = 1, .irqchip = true };
	struct proto_config pc = { .max_version = MIGCTL_VERSION_2, .features = MIGCTL_F_ALL,
				   .msr_works = true, .encrypted = sevsim };
	const char *note;
	char err[128];

	memset(s, 0, sizeof(*s));
	s->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	s->sevsim = sevsim;
	if (vm_create(&s->vm, &cfg) || proto_create(s->vm, &pc, &s->proto, &note) ||
	    serial_create(s->vm, s->null_fd, &s->serial) || exitport_init(s->vm))
		return -1;
	if (sevsim && (sevsim_vm_window(s->vm, 0, 0, &s->sev, err, sizeof(err)) ||
		       sevsim_vm_setup(s->vm, &s->sev, 1)))
		return -1;
	return vm_create_vcpus(s->vm);
}

static void side_destroy(struct side *s)
{
	/* The vCPUs stop before the engine their exits use goes. */
	vm_end(s->vm, VM_END_ERROR, 0);
	vm_join(s->vm);
	proto_destroy(s->proto);
	vm_destroy(s->vm);
	serial_destroy(s->serial);
	close(s->null_fd);
}

/* Boot hang.elf (prints, then halts for ever) so that pausing has vCPUs to park. */
static int side_boot(struct side *s)
{
	struct vcpu_flat32 st = { .ebx = BOOT_START_INFO };
	static u8 buf[1 << 16];
	struct boot_image img;
	const char *why;
	int fd = open(run_image("hang"), O_RDONLY);
	ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	if (len <= 0 || boot_parse_elf(buf, len, s->vm->mem.banks, s->vm->mem.nr_banks, &img, &why) ||
	    boot_load(&s->vm->mem, buf, &img, ""))
		return -1;
	st.eip = img.entry;
	return vcpu_set_flat32(s->vm->vcpus[0], &st) ?: vm_start(s->vm);
}

struct recv_job {
	struct side *dst;
	int fd;
	const u8 *key;		/* the protected channel with this key, or NULL */
	int ret;
	bool started;
	char err[512];
};

/* The destination "runs" by recording it: the test compares memory untouched. */
static int recv_start(void *opaque)
{
	((struct recv_job *)opaque)->started = true;
	return 0;
}

static void *recv_thread(void *arg)
{
	struct recv_job *j = arg;
	struct migrate_recv_args a = {
		.vm = j->dst->vm, .host = proto_host(j->dst->proto),
		.sev = j->dst->sevsim ? &j->dst->sev : NULL, .fd = j->fd, .bidirectional = true,
		.start = recv_start, .opaque = j,
	};

	if (j->key) {
		j->ret = migrate_secure_open(j->fd, false, j->key, 10000, &a.sec, j->err,
					     sizeof(j->err));
		if (j->ret)
			return NULL;
	}
	j->ret = migrate_recv(&a, NULL, j->err, sizeof(j->err));
	migrate_secure_destroy(a.sec);
	return NULL;
}

/*
 * Migrate src to dst over a socket pair, through the protected channel
 * when @key_src (the source's key; the destination's is j->key, set by
 * the caller) is set; returns the handshake's or migrate_send()'s result.
 */
static int migrate_pair_key(struct side *src, struct side *dst, struct recv_job *j,
			    const u8 *key_src, const u8 *key_dst, struct migrate_stats *st,
			    char *err, size_t errlen)
{
	atomic_bool cancel = false;
	struct migrate_send_args a = {
		.vm = src->vm, .host = proto_host(src->proto), .sev = src->sevsim ? &src->sev : NULL,
		.bidirectional = true, .downtime_ms = 300, .max_rounds = 30,
		.reply_timeout_ms = 10000, .cancel = &cancel, .opaque = src,
	};
	pthread_t t;
	int sv[2], ret;

	memset(st, 0, sizeof(*st));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	*j = (struct recv_job){ .dst = dst, .fd = sv[1], .key = key_dst };
	pthread_create(&t, NULL, recv_thread, j);
	a.fd = sv[0];
	ret = migrate_secure_open(sv[0], true, key_src, 10000, &a.sec, err, errlen);
	if (!ret)
		ret = migrate_send(&a, st, err, errlen);
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	migrate_secure_destroy(a.sec);
	return ret;
}

/* Migrate src to dst over a socket pair in at most @max_rounds pre-copy rounds. */
static int migrate_pair_rounds(struct side *src, struct side *dst, struct recv_job *j,
			       struct migrate_stats *st, char *err, size_t errlen,
			       void (*progress)(void *opaque, const struct migrate_progress *p),
			       unsigned int max_rounds)
{
	atomic_bool cancel = false;
	struct migrate_send_args a = {
		.vm = src->vm, .host = proto_host(src->proto), .sev = src->sevsim ? &src->sev : NULL,
		.bidirectional = true, .downtime_ms = 300, .max_rounds = max_rounds,
		.reply_timeout_ms = 10000, .cancel = &cancel, .progress = progress,
		.opaque = src,
	};
	pthread_t t;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	*j = (struct recv_job){ .dst = dst, .fd = sv[1] };
	pthread_create(&t, NULL, recv_thread, j);
	a.fd = sv[0];
	ret = migrate_send(&a, st, err, errlen);
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	return ret;
}

/* Migrate src to dst over a socket pair; returns migrate_send()'s result. */
static int migrate_pair(struct side *src, struct side *dst, struct recv_job *j,
			struct migrate_stats *st, char *err, size_t errlen,
			void (*progress)(void *opaque, const struct migrate_progress *p))
{
	return migrate_pair_rounds(src, dst, j, st, err, errlen, progress, 30);
}

/* Both sides for one test, the source booted; stops the test if any step fails. */
static void mt_pair_create(struct side *src, struct side *dst, bool sevsim, u64 dst_mem)
{
	REQUIRE(HAVE_KVM, "no /dev/kvm");
	ASSERT_EQ(0, side_create(src, sevsim, MT_MEM));
	ASSERT_EQ(0, side_create(dst, sevsim, dst_mem));
	ASSERT_EQ(0, side_boot(src));
}

static void mt_pair_destroy(struct side *src, struct side *dst)
{
	side_destroy(src);
	side_destroy(dst);
}

/*
 * A guest paused and resumed (the pause path must leave nothing behind),
 * then migrated: the destination's RAM equals the paused source's, byte
 * for byte, and the stream carried the protocol state.
 */
/* Covers: V-3, V-4, V-5, V-9 */
TEST(migrate, ram_equal_after_pause_resume)
{
	struct side src, dst;
	struct migrate_stats st;
	struct recv_job j;
	char err[512];

	mt_pair_create(&src, &dst, false, MT_MEM);
	memset((u8 *)src.vm->mem.host + (8 << 20), 0xa5, 1 << 20);
	ASSERT_EQ(0, vm_pause(src.vm));
	vm_resume(src.vm);
	ASSERT_EQ(0, migrate_pair(&src, &dst, &j, &st, err, sizeof(err), NULL));
	EXPECT_EQ(0, j.ret);
	EXPECT_TRUE(j.started);
	EXPECT_TRUE(vm_is_paused(src.vm));	/* the caller stops it after DONE */
	EXPECT_EQ(0, memcmp(src.vm->mem.host, dst.vm->mem.host, MT_MEM));
	EXPECT_TRUE(st.pages_zero > 0 && st.pages_raw >= 256);
	EXPECT_EQ(0u, st.pages_private);
	test_diag("%llu bytes, %llu rounds", (unsigned long long)st.bytes,
		  (unsigned long long)st.rounds);
	mt_pair_destroy(&src, &dst);
}

/*
 * Round 0 of a running VM sends only the pages the host never backed and
 * carries every page with contents over to round 1 (send.c,
 * send_defers()); with a round limit of 1 it sends them all at once.
 * Either way the destination's RAM equals the source's.
 */
/* Covers: V-2, V-4 */
TEST(migrate, round0_carries_pages_with_contents_over)
{
	static const unsigned int limits[] = { 30, 1 };

	for (unsigned int i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct side src, dst;
		struct migrate_stats st;
		struct recv_job j;
		char err[512];

		mt_pair_create(&src, &dst, false, MT_MEM);
		memset((u8 *)src.vm->mem.host + (8 << 20), 0x5a, 1 << 20);
		ASSERT_EQ(0, migrate_pair_rounds(&src, &dst, &j, &st, err, sizeof(err), NULL,
						 limits[i]));
		EXPECT_EQ(0, j.ret);
		EXPECT_EQ(0, memcmp(src.vm->mem.host, dst.vm->mem.host, MT_MEM));
		test_diag("max_rounds %u: %llu deferred, %llu rounds, %llu raw", limits[i],
			  (unsigned long long)st.pages_deferred, (unsigned long long)st.rounds,
			  (unsigned long long)st.pages_raw);
		if (limits[i] > 1) {
			/* The 256 pages written, the image and what the guest touched. */
			EXPECT_GE(st.pages_deferred, 256u);
			EXPECT_GE(st.rounds, 3u);
		} else {
			EXPECT_EQ(0u, st.pages_deferred);
			EXPECT_EQ(2u, st.rounds);
		}
		EXPECT_GE(st.pages_raw, 256u);
		mt_pair_destroy(&src, &dst);
	}
}

/*
 * The same over the protected channel: the guest's RAM arrives byte for
 * byte; with another key on the destination the handshake fails on both
 * sides, the destination starts nothing and the source runs on.
 */
/* Covers: V-16, V-17, V-9 */
TEST(migrate, protected_channel)
{
	struct side src, dst;
	struct migrate_stats st;
	struct recv_job j;
	u8 key[32], other[32];
	char err[512];

	mt_pair_create(&src, &dst, false, MT_MEM);
	randombytes_buf(key, sizeof(key));
	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	memset((u8 *)src.vm->mem.host + (8 << 20), 0x5a, 1 << 20);
	EXPECT_EQ(-EACCES, migrate_pair_key(&src, &dst, &j, key, other, &st, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "different migration keys"));
	EXPECT_EQ(-EACCES, j.ret);
	EXPECT_FALSE(j.started);
	EXPECT_FALSE(vm_is_paused(src.vm));
	ASSERT_EQ(0, migrate_pair_key(&src, &dst, &j, key, key, &st, err, sizeof(err)));
	EXPECT_EQ(0, j.ret);
	EXPECT_TRUE(j.started);
	EXPECT_EQ(0, memcmp(src.vm->mem.host, dst.vm->mem.host, MT_MEM));
	EXPECT_TRUE(st.pages_raw >= 256);
	mt_pair_destroy(&src, &dst);
}

#define MT_CTL		MIGCTL_CTL_VALUE(MIGCTL_VERSION_2, MIGCTL_F_MSR_PSC)
#define MT_OUTSIDE	(4ull << 20)	/* a private page outside the window */

static void mt_plain(u8 *page, u64 gpa)
{
	for (int k = 0; k < 4096; k++)
		page[k] = (u8)(gpa >> 12) ^ (u8)k ^ 0x3c;
}

/*
 * The test plays the guest: READY, even window pages private (ciphertext
 * under K), odd ones shared (plaintext), one private page outside the
 * window (plaintext: nothing is encrypted there).
 */
static void mt_fill(struct side *s)
{
	struct migctl_host_log *log = migctl_host_log(proto_host(s->proto));
	u8 *kp = s->vm->mem.extra;

	for (u64 i = 0; i < MT_PAGES; i++) {
		u64 gpa = s->sev.window_gpa + i * 4096;
		u8 *page = mem_gpa_to_hva(&s->vm->mem, gpa, 4096);

		mt_plain(page, gpa);
		if (i & 1)
			migctl_host_log_set(log, gpa >> 12, 1, false);
		else
			sevsim_prf_page_xor(kp + 16, gpa, page);
	}
	mt_plain(mem_gpa_to_hva(&s->vm->mem, MT_OUTSIDE, 4096), MT_OUTSIDE);
}

/*
 * Private pages in the window went through the firmware path and read
 * correctly under the destination's fresh K'; shared pages went raw; the
 * status log, READY and a new key page generation arrived before the
 * guest could run.
 */
/* Covers: V-2, V-5, H-13 */
TEST(migrate, sevsim_private_pages_under_new_key)
{
	struct side src, dst;
	struct migrate_stats st;
	struct migctl_host_state hs;
	struct recv_job j;
	u8 want[4096], got[4096];
	char err[512];
	int bad = 0;

	mt_pair_create(&src, &dst, true, MT_MEM);
	ASSERT_EQ(MIGCTL_HOST_ACCEPT, migctl_host_msr_write(proto_host(src.proto), 0,
							    MIGCTL_MSR_CONTROL, MT_CTL));
	mt_fill(&src);
	ASSERT_EQ(0, migrate_pair(&src, &dst, &j, &st, err, sizeof(err), NULL));
	ASSERT_EQ(0, j.ret);
	EXPECT_NE(0, memcmp(src.sev.key, dst.sev.key, 32));
	for (u64 i = 0; i < MT_PAGES; i++) {
		u64 gpa = dst.sev.window_gpa + i * 4096;

		memcpy(got, mem_gpa_to_hva(&dst.vm->mem, gpa, 4096), 4096);
		if (!(i & 1))
			sevsim_prf_page_xor((u8 *)dst.vm->mem.extra + 16, gpa, got);
		mt_plain(want, gpa);
		bad += memcmp(want, got, 4096) != 0;
		EXPECT_EQ(!(i & 1), migctl_host_log_get(migctl_host_log(proto_host(dst.proto)),
						       gpa >> 12));
	}
	EXPECT_EQ(0, bad);
	mt_plain(want, MT_OUTSIDE);
	EXPECT_EQ(0, memcmp(want, mem_gpa_to_hva(&dst.vm->mem, MT_OUTSIDE, 4096), 4096));
	EXPECT_EQ(2u, sevsim_vm_generation(dst.vm));
	migctl_host_state(proto_host(dst.proto), &hs);
	EXPECT_TRUE(hs.ready);
	EXPECT_EQ(MT_CTL, hs.control);
	EXPECT_TRUE(st.pages_private > 0);
	mt_pair_destroy(&src, &dst);
}

/* An encrypted VM whose guest never opted in is not migrated; it keeps running. */
/* Covers: V-6, V-9 */
TEST(migrate, sevsim_not_ready_refused)
{
	struct side src, dst;
	struct migrate_stats st;
	struct recv_job j;
	char err[512];

	mt_pair_create(&src, &dst, true, MT_MEM);
	EXPECT_EQ(-EPERM, migrate_pair(&src, &dst, &j, &st, err, sizeof(err), NULL));
	test_diag("%s", err);
	EXPECT_TRUE(strstr(err, "not READY"));
	EXPECT_FALSE(vm_is_paused(src.vm));
	EXPECT_FALSE(j.started);
	EXPECT_EQ(0u, st.bytes);
	mt_pair_destroy(&src, &dst);
}

/* The guest writes 0 to the control MSR between two pre-copy rounds. */
static void mt_opt_out(void *opaque, const struct migrate_progress *p)
{
	struct side *src = opaque;

	if (p->round == 0)
		migctl_host_msr_write(proto_host(src->proto), 0, MIGCTL_MSR_CONTROL, 0);
}

/* Covers: V-7, V-9 */
TEST(migrate, opt_out_midway_fails_cleanly)
{
	struct side src, dst;
	struct migrate_stats st;
	struct recv_job j;
	char err[512];

	mt_pair_create(&src, &dst, true, MT_MEM);
	ASSERT_EQ(MIGCTL_HOST_ACCEPT, migctl_host_msr_write(proto_host(src.proto), 0,
							    MIGCTL_MSR_CONTROL, MT_CTL));
	EXPECT_EQ(-ECANCELED, migrate_pair(&src, &dst, &j, &st, err, sizeof(err), mt_opt_out));
	test_diag("%s; destination: %s", err, j.err);
	EXPECT_TRUE(strstr(err, "opted out"));
	EXPECT_FALSE(vm_is_paused(src.vm));
	EXPECT_FALSE(j.started);
	EXPECT_NE(0, j.ret);
	mt_pair_destroy(&src, &dst);
}

/* A destination with less RAM refuses before the source pauses. */
/* Covers: V-8, V-9 */
TEST(migrate, memory_mismatch_refused)
{
	struct side src, dst;
	struct migrate_stats st;
	struct recv_job j;
	char err[512];

	mt_pair_create(&src, &dst, false, MT_MEM / 2);
	EXPECT_EQ(-ECONNREFUSED, migrate_pair(&src, &dst, &j, &st, err, sizeof(err), NULL));
	test_diag("%s", err);
	EXPECT_TRUE(strstr(err, "memory layout mismatch"));
	EXPECT_FALSE(vm_is_paused(src.vm));
	EXPECT_FALSE(j.started);
	mt_pair_destroy(&src, &dst);
}

/* The source's whole stream, as a snapshot to a file would hold it. */
static u8 *mt_snapshot(struct side *src, size_t *len)
{
	atomic_bool cancel = false;
	struct migrate_send_args a = {
		.vm = src->vm, .host = proto_host(src->proto), .downtime_ms = 300,
		.max_rounds = 30, .cancel = &cancel,
	};
	struct migrate_stats st;
	char err[512];
	u8 *buf = NULL;
	off_t end;

	a.fd = memfd_create("migrate-test", MFD_CLOEXEC);
	if (a.fd < 0)
		return NULL;
	if (!migrate_send(&a, &st, err, sizeof(err)) && (end = lseek(a.fd, 0, SEEK_END)) > 0 &&
	    (buf = malloc(end)) && pread(a.fd, buf, end, 0) != end) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)end : 0;
	close(a.fd);
	return buf;
}

/* vCPU 0's state in the stream: the payload of its VCPU section. */
static struct vcpu_state *mt_find_vcpu0(u8 *buf, size_t len)
{
	size_t off = sizeof(struct migctl_stream_header);

	while (off + sizeof(struct migctl_stream_section) <= len) {
		struct migctl_stream_section h;

		memcpy(&h, buf + off, sizeof(h));
		off += sizeof(h);
		if (h.length > len - off)
			return NULL;
		if (h.type == MIGCTL_SEC_VCPU && h.length == 8 + sizeof(struct vcpu_state) &&
		    !memcmp(buf + off, "\0\0\0\0", 4))
			return (struct vcpu_state *)(buf + off + 8);
		off += h.length;
	}
	return NULL;
}

/* A source (or a network peer) that sends a vCPU state with one field wrong. */
FIXTURE(hostile_vcpu) { struct side src, dst; };
FIXTURE_VARIANT(hostile_vcpu) {
	void (*tamper)(struct vcpu_state *st);
	const char *why;	/* NULL: untouched, the migration works */
};

static void msr_count_over_max(struct vcpu_state *st) { st->nr_msrs = VCPU_MAX_MSRS + 1; }
static void msr_count_huge(struct vcpu_state *st) { st->nr_msrs = 0xffffffffu; }
static void msr_count_over_list(struct vcpu_state *st) { st->nr_msrs = VCPU_MAX_MSRS; }
static void msr_unknown(struct vcpu_state *st) { st->msrs[0].index = 0x4b564d13; }
static void msr_twice(struct vcpu_state *st) { st->msrs[1].index = st->msrs[0].index; }
static void msr_reserved(struct vcpu_state *st) { st->msrs[0].reserved = 1; }
static void xcr_count(struct vcpu_state *st) { st->xcrs.nr_xcrs = KVM_MAX_XCRS + 1; }
static void mp_state(struct vcpu_state *st) { st->mp.mp_state = 77; }

FIXTURE_VARIANT_ADD(hostile_vcpu, untouched) { NULL, NULL };
FIXTURE_VARIANT_ADD(hostile_vcpu, msr_count_over_max) { msr_count_over_max, "MSRs, more than" };
FIXTURE_VARIANT_ADD(hostile_vcpu, msr_count_huge) { msr_count_huge, "4294967295 MSRs" };
FIXTURE_VARIANT_ADD(hostile_vcpu, msr_count_over_list) { msr_count_over_list, "MSRs, more than" };
FIXTURE_VARIANT_ADD(hostile_vcpu, msr_unknown) { msr_unknown, "MSR 0x4b564d13 is not one this KVM saves" };
FIXTURE_VARIANT_ADD(hostile_vcpu, msr_twice) { msr_twice, "appears twice" };
FIXTURE_VARIANT_ADD(hostile_vcpu, msr_reserved) { msr_reserved, "reserved field 0x1" };
FIXTURE_VARIANT_ADD(hostile_vcpu, xcr_count) { xcr_count, "17 XCRs" };
FIXTURE_VARIANT_ADD(hostile_vcpu, mp_state) { mp_state, "MP state 77" };

FIXTURE_SETUP(hostile_vcpu)
{
	mt_pair_create(&self->src, &self->dst, false, MT_MEM);
}

FIXTURE_TEARDOWN(hostile_vcpu)
{
	mt_pair_destroy(&self->src, &self->dst);
}

/*
 * The vCPU state in a stream is the peer's word: its MSR count indexes the
 * destination's arrays. Every field the VMM relies on is checked before
 * any of the state is applied, the stream is refused with the field named,
 * and the destination never runs a vCPU.
 */
TEST_F(hostile_vcpu, refused_before_apply)
{
	struct recv_job j = { .dst = &self->dst };
	struct migrate_recv_args a = {
		.vm = self->dst.vm, .host = proto_host(self->dst.proto), .start = recv_start,
		.opaque = &j,
	};
	struct vcpu_state *st;
	size_t len;
	u8 *buf = mt_snapshot(&self->src, &len);

	ASSERT_NONNULL(buf);
	st = mt_find_vcpu0(buf, len);
	ASSERT_NONNULL(st);
	ASSERT_GE(st->nr_msrs, 2u);
	if (variant->tamper) {
		variant->tamper(st);
		/* A correct checksum: only the planted field is wrong. */
		stream_hash_buf(buf, len - MIGCTL_STREAM_DIGEST_BYTES,
				buf + len - MIGCTL_STREAM_DIGEST_BYTES);
	}
	a.fd = memfd_create("migrate-test", MFD_CLOEXEC);
	ASSERT_GE(a.fd, 0);
	ASSERT_EQ((ssize_t)len, write(a.fd, buf, len));
	ASSERT_EQ(0, lseek(a.fd, 0, SEEK_SET));
	j.ret = migrate_recv(&a, NULL, j.err, sizeof(j.err));
	test_diag("%s", j.ret ? j.err : "restored");
	if (!variant->why) {
		EXPECT_EQ(0, j.ret);
		EXPECT_TRUE(j.started);
	} else {
		EXPECT_NE(0, j.ret);
		EXPECT_FALSE(j.started);
		EXPECT_MSG(strstr(j.err, variant->why), "reason '%s' lacks '%s'", j.err,
			   variant->why);
		EXPECT_TRUE(strstr(j.err, "vCPU 0"));
	}
	close(a.fd);
	free(buf);
}
