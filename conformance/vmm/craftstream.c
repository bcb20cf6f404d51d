/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* craftstream.c - test-only: rewrites a migration stream with one out-of-range field, END resealed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <xxhash.h>

#include "stream.h"
#include "stream-priv.h"
#include "vcpu.h"
#include "vm.h"

/*
 *   craftstream --list
 *   craftstream CASE IN_FILE OUT_FILE
 *   craftstream CASE --listen unix:PATH --to unix:PATH
 *
 * Reads a valid stream section by section, changes one field of the first
 * section CASE names (a count, an index, a length, a register), and
 * writes the rest as it came, with an END digest computed anew so that
 * only the planted defect is wrong. As a proxy it takes one connection
 * from a source, connects to the destination and passes the
 * destination's replies back unchanged. --list prints each case and the
 * text the destination's error must contain, tab-separated. Exit 3: the
 * stream has no section the case could change.
 */

#define CRAFT_MAX_SECTION	(64u << 20)

/* What to do with the section: SKIP, not the one the case changes. */
enum craft_act { CRAFT_SKIP, CRAFT_KEEP, CRAFT_TWICE, CRAFT_SEVSIM_FIRST };

struct craft_sec {
	u32 type, flags;
	u64 len;
	u8 *p;
};

struct craft_case {
	const char *name;
	u32 type;		/* the section changed; 0 the header */
	enum craft_act (*edit)(struct craft_sec *s);
	const char *expect;
};

static void set32(struct craft_sec *s, size_t off, u32 v)
{
	if (off + 4 <= s->len)
		put_le32(s->p + off, v);
}

static void set64(struct craft_sec *s, size_t off, u64 v)
{
	if (off + 8 <= s->len)
		put_le64(s->p + off, v);
}

/* A field of the struct vcpu_state after the 8-byte VCPU header. */
/* A field of the struct vm_state after the 16-byte DEVICE name. */
#define VMS(field)	(16 + offsetof(struct vm_state, field))

static struct vcpu_state *cpu(struct craft_sec *s)
{
	return s->len == 8 + sizeof(struct vcpu_state) ? (void *)(s->p + 8) : NULL;
}

static bool is_dev(struct craft_sec *s, const char *name)
{
	return s->len >= 16 && !strncmp((const char *)s->p, name, 16);
}

#define EDIT(n)	static enum craft_act n(struct craft_sec *s)

/* Header, CONFIG, RAM, ROUND, STATUS: one field out of range. */
EDIT(e_version) { set32(s, 8, 4); return CRAFT_KEEP; }
EDIT(e_hflags) { set32(s, 12, 1); return CRAFT_KEEP; }
EDIT(e_regions) { set32(s, 0, MIGCTL_STREAM_REGIONS_MAX + 1); return CRAFT_KEEP; }
EDIT(e_vcpus) { set32(s, 4, MIGCTL_STREAM_VCPUS_MAX + 1); return CRAFT_KEEP; }
EDIT(e_vcpus_skew) { set32(s, 4, get_le32(s->p + 4) + 1); return CRAFT_KEEP; }
EDIT(e_page) { set32(s, 8, 8192); return CRAFT_KEEP; }
EDIT(e_creserved) { set32(s, 28, 1); return CRAFT_KEEP; }
EDIT(e_rsize) { set64(s, 120, get_le64(s->p + 120) + 4096); return CRAFT_KEEP; }
EDIT(e_rgpa) { set64(s, 112, 1ull << 50); return CRAFT_KEEP; }
EDIT(e_npages0) { set32(s, 8, 0); return CRAFT_KEEP; }
EDIT(e_npages) { set32(s, 8, MIGCTL_STREAM_RAM_BATCH_MAX + 1); return CRAFT_KEEP; }
EDIT(e_rround) { set64(s, 0, 7); return CRAFT_KEEP; }
EDIT(e_round) { set64(s, 0, get_le64(s->p) + 5); return CRAFT_KEEP; }
EDIT(e_status) { s->p[0] ^= 0xff; return CRAFT_KEEP; }
EDIT(e_twice) { return CRAFT_TWICE; }

static enum craft_act e_desc(struct craft_sec *s, u64 gfn, u32 kind)
{
	u64 d = get_le64(s->p + 16);

	set64(s, 16, MIGCTL_PAGE_DESC(gfn == ~0ull ? d >> 12 : gfn, kind ? kind : d & 0xfff));
	return CRAFT_KEEP;
}

EDIT(e_gfn) { return e_desc(s, 0xffffffffffull, 0); }
EDIT(e_kind) { return e_desc(s, ~0ull, 9); }
EDIT(e_private) { return e_desc(s, ~0ull, MIGCTL_PAGE_PRIVATE); }

/* DEVICE: its name, its size, twice, one out of place; the vm state's fields. */
EDIT(e_dunknown) { memcpy(s->p, "bogus\0\0\0\0\0\0\0\0\0\0\0", 16); return CRAFT_KEEP; }
EDIT(e_dchars) { s->p[0] = 'V'; return CRAFT_KEEP; }
EDIT(e_sevsim) { return is_dev(s, "vm") ? CRAFT_SEVSIM_FIRST : CRAFT_SKIP; }
EDIT(e_vmtwice) { return is_dev(s, "vm") ? CRAFT_TWICE : CRAFT_SKIP; }

EDIT(e_migctl)
{
	if (!is_dev(s, "migctl"))
		return CRAFT_SKIP;
	s->p[16] ^= 0xff;
	return CRAFT_KEEP;
}

EDIT(e_vmsize)
{
	if (!is_dev(s, "vm"))
		return CRAFT_SKIP;
	s->len -= 8;
	return CRAFT_KEEP;
}

static enum craft_act e_vm(struct craft_sec *s, size_t off, u64 v, int bytes)
{
	if (!is_dev(s, "vm") || s->len != 16 + sizeof(struct vm_state))
		return CRAFT_SKIP;
	if (bytes == 1)
		s->p[off] = (u8)v;
	else if (bytes == 4)
		set32(s, off, (u32)v);
	else
		set64(s, off, v);
	return CRAFT_KEEP;
}

EDIT(e_nchips) { return e_vm(s, VMS(nr_chips), 7, 4); }
EDIT(e_chipid) { return e_vm(s, VMS(chips[1].chip_id), 0, 4); }
EDIT(e_ioapic) { return e_vm(s, VMS(chips[2].chip.ioapic.base_address), 0xfee00000, 8); }
EDIT(e_pic) { return e_vm(s, VMS(chips[0].chip.pic.init_state), 9, 1); }
EDIT(e_pitflags) { return e_vm(s, VMS(pit.flags), KVM_PIT_FLAGS_HPET_LEGACY, 4); }
EDIT(e_pitmode) { return e_vm(s, VMS(pit.channels[0].mode), 6, 1); }
EDIT(e_uartier) { return e_vm(s, VMS(uart.ier), 0xf0, 1); }
EDIT(e_uartrx) { return e_vm(s, VMS(uart.rx_count), 17, 1); }

/* VCPU: the header, the size, twice; one field of the vCPU's state. */
EDIT(e_index) { set32(s, 0, 1000); return CRAFT_KEEP; }
EDIT(e_vreserved) { set32(s, 4, 1); return CRAFT_KEEP; }
EDIT(e_vsize) { s->len -= 8; return CRAFT_KEEP; }

#define CPU_EDIT(n, stmt)						\
	EDIT(n)								\
	{								\
		struct vcpu_state *st = cpu(s);				\
									\
		if (!st)						\
			return CRAFT_SKIP;				\
		stmt;							\
		return CRAFT_KEEP;					\
	}

CPU_EDIT(e_nmsrs, st->nr_msrs = 100000)
CPU_EDIT(e_msr, st->msrs[0].index = 0xdeadbeef)
CPU_EDIT(e_msrdup, st->msrs[1].index = st->msrs[0].index)
CPU_EDIT(e_nxcrs, st->xcrs.nr_xcrs = KVM_MAX_XCRS + 1)
CPU_EDIT(e_xcr0, st->xcrs.nr_xcrs = 1; st->xcrs.xcrs[0].value = 0)
CPU_EDIT(e_xsave, ((u8 *)st->xsave.region)[512 + 7] |= 0x40)
CPU_EDIT(e_cr0, st->sregs.cr0 = (st->sregs.cr0 | 1ull << 31) & ~1ull)
CPU_EDIT(e_cr4, st->sregs.cr4 |= 1ull << 15)
CPU_EDIT(e_efer, st->sregs.efer |= 1ull << 13)
CPU_EDIT(e_rflags, st->regs.rflags |= 1ull << 3)
CPU_EDIT(e_cs, st->sregs.cs.type = 3)
CPU_EDIT(e_tr, st->sregs.tr.type = 10)
CPU_EDIT(e_apic, st->sregs.apic_base |= 1ull << 9)
CPU_EDIT(e_exc, st->events.exception.injected = 1; st->events.exception.nr = 40)
CPU_EDIT(e_mp, st->mp.mp_state = 9)
CPU_EDIT(e_tsc, st->tsc_khz = 1)
CPU_EDIT(e_dr7, st->debugregs.dr7 |= 1ull << 40)

#define HDR	0u
#define END	MIGCTL_SEC_END

static const struct craft_case craft_cases[] = {
	{ "none", HDR, NULL, "" },
	{ "header-version", HDR, e_version, "unsupported stream format version 4" },
	{ "header-flags", HDR, e_hflags, "stream header flags 0x1" },
	{ "config-nr-regions", MIGCTL_SEC_CONFIG, e_regions, "CONFIG" },
	{ "config-nr-vcpus", MIGCTL_SEC_CONFIG, e_vcpus, "1025 vCPUs (allowed 1..1024)" },
	{ "config-vcpu-count-skew", MIGCTL_SEC_CONFIG, e_vcpus_skew, "vCPU count mismatch" },
	{ "config-page-size", MIGCTL_SEC_CONFIG, e_page, "page size 8192" },
	{ "config-reserved", MIGCTL_SEC_CONFIG, e_creserved, "reserved field is 0x1" },
	{ "config-region-size", MIGCTL_SEC_CONFIG, e_rsize, "memory layout mismatch" },
	{ "config-region-gpa", MIGCTL_SEC_CONFIG, e_rgpa, "CONFIG" },
	{ "ram-nr-pages-0", MIGCTL_SEC_RAM, e_npages0, "RAM batch of 0 pages" },
	{ "ram-nr-pages-257", MIGCTL_SEC_RAM, e_npages, "RAM batch of 257 pages" },
	{ "ram-gfn-outside", MIGCTL_SEC_RAM, e_gfn, "outside guest RAM" },
	{ "ram-kind", MIGCTL_SEC_RAM, e_kind, "unknown kind 9" },
	{ "ram-private-without-sevsim", MIGCTL_SEC_RAM, e_private, "PRIVATE page" },
	{ "ram-round", MIGCTL_SEC_RAM, e_rround, "RAM batch for round 7" },
	{ "round-number", MIGCTL_SEC_ROUND, e_round, "ROUND 5 out of sequence" },
	{ "status-corrupt", MIGCTL_SEC_STATUS, e_status, "status log does not load" },
	{ "status-twice", MIGCTL_SEC_STATUS, e_twice, "second STATUS section" },
	{ "device-unknown", MIGCTL_SEC_DEVICE, e_dunknown, "unknown device 'bogus'" },
	{ "device-name-chars", MIGCTL_SEC_DEVICE, e_dchars, "DEVICE name is not" },
	{ "device-migctl-garbage", MIGCTL_SEC_DEVICE, e_migctl, "device 'migctl': malformed" },
	{ "device-vm-size", MIGCTL_SEC_DEVICE, e_vmsize, "device 'vm': malformed" },
	{ "device-vm-twice", MIGCTL_SEC_DEVICE, e_vmtwice, "device 'vm' appears twice" },
	{ "device-sevsim-without-sevsim", MIGCTL_SEC_DEVICE, e_sevsim,
	  "device 'sevsim' in a stream without sev-sim" },
	{ "vm-irqchip-count", MIGCTL_SEC_DEVICE, e_nchips, "vm: 7 irqchips" },
	{ "vm-irqchip-id", MIGCTL_SEC_DEVICE, e_chipid, "vm.chips[1]: chip_id 0" },
	{ "vm-ioapic-base", MIGCTL_SEC_DEVICE, e_ioapic, "(IOAPIC): base 0xfee00000" },
	{ "vm-pic-init-state", MIGCTL_SEC_DEVICE, e_pic, "(PIC): a field out of range" },
	{ "vm-pit-flags", MIGCTL_SEC_DEVICE, e_pitflags, "vm.pit.flags 0x1" },
	{ "vm-pit-mode", MIGCTL_SEC_DEVICE, e_pitmode, "vm.pit.channels[0]: a field out of range" },
	{ "vm-uart-ier", MIGCTL_SEC_DEVICE, e_uartier, "uart: a register with bits" },
	{ "vm-uart-rx-count", MIGCTL_SEC_DEVICE, e_uartrx, "uart: rx_count 17" },
	{ "vcpu-index", MIGCTL_SEC_VCPU, e_index, "VCPU index 1000" },
	{ "vcpu-reserved", MIGCTL_SEC_VCPU, e_vreserved, "or reserved bits invalid" },
	{ "vcpu-size", MIGCTL_SEC_VCPU, e_vsize, "malformed state" },
	{ "vcpu-twice", MIGCTL_SEC_VCPU, e_twice, "second VCPU section" },
	{ "vcpu-msr-count", MIGCTL_SEC_VCPU, e_nmsrs, "100000 MSRs" },
	{ "vcpu-msr-index", MIGCTL_SEC_VCPU, e_msr, "MSR 0xdeadbeef is not one" },
	{ "vcpu-msr-duplicate", MIGCTL_SEC_VCPU, e_msrdup, "appears twice" },
	{ "vcpu-xcr-count", MIGCTL_SEC_VCPU, e_nxcrs, "17 XCRs" },
	{ "vcpu-xcr0", MIGCTL_SEC_VCPU, e_xcr0, "XCR0 0 is not valid" },
	{ "vcpu-xsave-bv", MIGCTL_SEC_VCPU, e_xsave, "xsave: XSTATE_BV" },
	{ "vcpu-cr0", MIGCTL_SEC_VCPU, e_cr0, "sregs.cr0" },
	{ "vcpu-cr4", MIGCTL_SEC_VCPU, e_cr4, "sregs.cr4" },
	{ "vcpu-efer", MIGCTL_SEC_VCPU, e_efer, "sregs.efer" },
	{ "vcpu-rflags", MIGCTL_SEC_VCPU, e_rflags, "regs.rflags" },
	{ "vcpu-segment-cs", MIGCTL_SEC_VCPU, e_cs, "sregs.cs: not a code segment" },
	{ "vcpu-segment-tr", MIGCTL_SEC_VCPU, e_tr, "sregs.tr: not a TSS (type 10" },
	{ "vcpu-apic-base", MIGCTL_SEC_VCPU, e_apic, "sregs.apic_base" },
	{ "vcpu-events", MIGCTL_SEC_VCPU, e_exc, "events.exception.nr 40" },
	{ "vcpu-mp-state", MIGCTL_SEC_VCPU, e_mp, "MP state 9" },
	{ "vcpu-tsc-khz", MIGCTL_SEC_VCPU, e_tsc, "tsc_khz 1:" },
	{ "vcpu-debugregs", MIGCTL_SEC_VCPU, e_dr7, "debugregs" },
	{ "end-digest", END, NULL, "checksum mismatch" },
};

struct craft {
	const struct craft_case *c;
	int in, out;
	bool done;
	XXH3_state_t *h; /* the END checksum, XXH3-128 */
};

static int craft_io(int fd, void *buf, size_t len, bool wr)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int craft_put(struct craft *k, const void *p, size_t len)
{
	XXH3_128bits_update(k->h, p, len);
	return craft_io(k->out, (void *)p, len, true);
}

static int craft_put_sec(struct craft *k, const struct craft_sec *s)
{
	u8 hdr[16];

	put_le32(hdr, s->type);
	put_le32(hdr + 4, s->flags);
	put_le64(hdr + 8, s->len);
	return craft_put(k, hdr, 16) || craft_put(k, s->p, s->len);
}

/* A DEVICE 'sevsim' with the window at 0 of 0 pages. */
static int craft_put_sevsim(struct craft *k)
{
	u8 body[32] = "sevsim";
	struct craft_sec s = { MIGCTL_SEC_DEVICE, 0, sizeof(body), body };

	return craft_put_sec(k, &s);
}

static int craft_end(struct craft *k, const struct craft_sec *s)
{
	u8 hdr[16], d[MIGCTL_STREAM_DIGEST_BYTES];
	XXH128_canonical_t c;

	put_le32(hdr, s->type);
	put_le32(hdr + 4, s->flags);
	put_le64(hdr + 8, s->len);
	if (craft_put(k, hdr, 16))
		return -1;
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(k->h));
	memcpy(d, c.digest, sizeof(d));
	if (k->c->type == END)
		d[0] ^= 1;
	return craft_io(k->out, d, sizeof(d), true);
}

/* The stream from k->in to k->out through @s's buffer, with the case's one change. */
static int craft_sections(struct craft *k, struct craft_sec s)
{
	u8 hdr[16];

	if (craft_io(k->in, hdr, 16, false))
		return -1;
	XXH3_128bits_reset(k->h);
	s.p = memcpy(s.p, hdr, 16);
	s.len = 16;
	if (k->c->type == HDR && k->c->edit)
		k->c->edit(&s);
	if (craft_put(k, s.p, 16))
		return -1;
	for (;;) {
		enum craft_act act = CRAFT_KEEP;

		if (craft_io(k->in, hdr, 16, false))
			return -1;
		s.type = get_le32(hdr);
		s.flags = get_le32(hdr + 4);
		s.len = get_le64(hdr + 8);
		if (s.len > CRAFT_MAX_SECTION || craft_io(k->in, s.p, s.len, false))
			return -1;
		if (s.type == MIGCTL_SEC_END) {
			if (!k->done && k->c->type != HDR && k->c->type != END) {
				fprintf(stderr, "craftstream: %s: the stream has no section to change\n",
					k->c->name);
				return -2;
			}
			return craft_end(k, &s);
		}
		if (!k->done && s.type == k->c->type && k->c->edit) {
			act = k->c->edit(&s);
			k->done = act != CRAFT_SKIP;
		}
		if ((act == CRAFT_SEVSIM_FIRST && craft_put_sevsim(k)) || craft_put_sec(k, &s) ||
		    (act == CRAFT_TWICE && craft_put_sec(k, &s)))
			return -1;
	}
}

/* Return: 0, -1 (I/O or not a whole stream), -2 (nothing to change). */
static int craft_run(struct craft *k)
{
	struct craft_sec s = { .p = malloc(CRAFT_MAX_SECTION) };
	int ret = s.p ? craft_sections(k, s) : -1;

	free(s.p);
	return ret;
}

static int craft_unix(const char *uri, bool listen_on)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (fd < 0 || strncmp(uri, "unix:", 5) || strlen(uri + 5) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, uri + 5);
	if (!listen_on)
		return connect(fd, (void *)&a, sizeof(a)) ? -1 : fd;
	unlink(a.sun_path);
	if (bind(fd, (void *)&a, sizeof(a)) || listen(fd, 1))
		return -1;
	fprintf(stderr, "craftstream: listening on %s\n", uri);
	c = accept(fd, NULL, NULL);
	close(fd);
	unlink(a.sun_path);
	return c;
}

struct craft_relay {
	int from, to;
};

/* The destination's replies back to the source, unchanged. */
static void *craft_replies(void *arg)
{
	struct craft_relay *r = arg;
	u8 buf[4096];
	ssize_t n;

	while ((n = read(r->from, buf, sizeof(buf))) > 0)
		if (craft_io(r->to, buf, (size_t)n, true))
			break;
	shutdown(r->to, SHUT_WR);
	return NULL;
}

static const struct craft_case *craft_find(const char *name)
{
	for (size_t i = 0; i < sizeof(craft_cases) / sizeof(craft_cases[0]); i++)
		if (!strcmp(craft_cases[i].name, name))
			return &craft_cases[i];
	return NULL;
}

static int craft_proxy(struct craft *k, const char *listen_uri, const char *to_uri)
{
	struct craft_relay r;
	pthread_t t;
	int ret;

	k->in = craft_unix(listen_uri, true);
	k->out = k->in < 0 ? -1 : craft_unix(to_uri, false);
	if (k->out < 0) {
		fprintf(stderr, "craftstream: %s or %s: %s\n", listen_uri, to_uri, strerror(errno));
		return 1;
	}
	r = (struct craft_relay){ k->out, k->in };
	if (pthread_create(&t, NULL, craft_replies, &r))
		return 1;
	ret = craft_run(k);
	/* The source's stream ended (or broke): the replies finish on their own. */
	shutdown(k->out, SHUT_WR);
	pthread_join(t, NULL);
	fprintf(stderr, "craftstream: %s: stream %s\n", k->c->name, ret ? "cut" : "passed on");
	return 0;
}

int main(int argc, char **argv)
{
	struct craft k = { 0 };
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < sizeof(craft_cases) / sizeof(craft_cases[0]); i++)
			printf("%s\t%s\n", craft_cases[i].name, craft_cases[i].expect);
		return 0;
	}
	if (!(k.h = XXH3_createState()) || (argc != 4 && argc != 6) || !(k.c = craft_find(argv[1]))) {
		fprintf(stderr, "usage: %s --list | CASE IN OUT | CASE --listen unix:PATH "
			"--to unix:PATH\n", argv[0]);
		return 2;
	}
	if (argc == 6)
		return craft_proxy(&k, argv[3], argv[5]);
	k.in = open(argv[2], O_RDONLY | O_CLOEXEC);
	k.out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ret = k.in < 0 || k.out < 0 ? -1 : craft_run(&k);
	if (ret == -2)
		return 3;
	if (ret || close(k.out)) {
		fprintf(stderr, "craftstream: %s -> %s: %s\n", argv[2], argv[3],
			errno ? strerror(errno) : "not a whole stream");
		return 1;
	}
	return 0;
}
