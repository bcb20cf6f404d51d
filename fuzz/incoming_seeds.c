/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* incoming_seeds.c - writes the incoming harness's seeds and one regress input per class of defect. */

/*
 * incoming-seeds CORPUS_DIR REGRESS_DIR
 *
 * Seeds: valid streams for the harness's VM (a 64-bit and a 32-bit
 * guest), the 64-bit one once per refused load call, and once to be
 * sealed by the harness. Regress inputs: the 64-bit stream with one
 * defect each, named after the class of check that refuses it; before
 * the checks existed each reached KVM (the harness's stand-ins abort) or
 * was applied in part.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl-host.h"
#include "incoming_vm.h"
#include "send.h"
#include "stream.h"
#include "vcpu.h"
#include "vm.h"

struct seed_buf {
	u8 *p;
	size_t len, cap;
};

static ssize_t seed_write(void *ctx, const void *p, size_t n)
{
	struct seed_buf *b = ctx;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			return -ENOMEM;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return (ssize_t)n;
}

static const struct migrate_io seed_io = { .write = seed_write };

/* One defect: changes the states, or the sections around them. */
struct seed_case {
	const char *name;
	void (*cpu)(struct vcpu_state *st);
	void (*vm)(struct vm_state *st);
	int extra;		/* SEED_DUP_VM, SEED_DUP_MIGCTL, SEED_SEVSIM */
};

enum { SEED_NONE, SEED_DUP_VM, SEED_DUP_MIGCTL, SEED_SEVSIM };

static void c_cr0(struct vcpu_state *s) { s->sregs.cr0 &= ~1ull; }
static void c_pae(struct vcpu_state *s) { s->sregs.cr4 &= ~(1ull << 5); }
static void c_efer(struct vcpu_state *s) { s->sregs.efer |= 1ull << 13; }
static void c_cr4(struct vcpu_state *s) { s->sregs.cr4 |= 1ull << 14; }
static void c_cr8(struct vcpu_state *s) { s->sregs.cr8 = 16; }
static void c_rflags(struct vcpu_state *s) { s->regs.rflags |= 1ull << 3; }
static void c_rip(struct vcpu_state *s) { s->regs.rip = 0x0000800000000000ull; }
static void c_cs(struct vcpu_state *s) { s->sregs.cs.type = 3; }
static void c_tr(struct vcpu_state *s) { s->sregs.tr.s = 1; }
static void c_xcr0(struct vcpu_state *s) { s->xcrs.xcrs[0].value = 6; }
static void c_xcr_index(struct vcpu_state *s) { s->xcrs.xcrs[0].xcr = 1; }
static void c_xcr_count(struct vcpu_state *s) { s->xcrs.nr_xcrs = KVM_MAX_XCRS + 1; }
static void c_xstate_bv(struct vcpu_state *s) { ((u8 *)s->xsave.region)[512] = 0x13; }
static void c_xcomp(struct vcpu_state *s) { ((u8 *)s->xsave.region)[527] = 0x80; }
static void c_msr_count(struct vcpu_state *s) { s->nr_msrs = VCPU_MAX_MSRS + 1; }
static void c_msr_dup(struct vcpu_state *s) { s->msrs[1].index = s->msrs[0].index; }
static void c_msr_unknown(struct vcpu_state *s) { s->msrs[1].index = 0xc0010000; }
static void c_msr_pat(struct vcpu_state *s) { s->msrs[5].data = 0x0007040600070402ull; }
static void c_events(struct vcpu_state *s) { s->events.flags |= KVM_VCPUEVENT_VALID_PAYLOAD; }
static void c_exc(struct vcpu_state *s) { s->events.exception.injected = 1;
					   s->events.exception.nr = 40; }
static void c_mp(struct vcpu_state *s) { s->mp.mp_state = 9; }
static void c_dr7(struct vcpu_state *s) { s->debugregs.dr7 |= 1ull << 40; }
static void c_tsc(struct vcpu_state *s) { s->tsc_khz = 1; }
static void c_x2apic(struct vcpu_state *s) { s->sregs.apic_base |= 1ull << 10;
					      s->lapic.regs[0x23] = 5; }
static void v_nchips(struct vm_state *s) { s->nr_chips = 0; }
static void v_chip_id(struct vm_state *s) { s->chips[0].chip_id = 2; }
static void v_ioapic(struct vm_state *s) { s->chips[2].chip.ioapic.base_address = 0xfee00000; }
static void v_pic(struct vm_state *s) { s->chips[0].chip.pic.init_state = 9; }
static void v_pit(struct vm_state *s) { s->pit.channels[0].mode = 6; }
static void v_uart(struct vm_state *s) { s->uart.rx_count = 17; }

static const struct seed_case seed_cases[] = {
	{ .name = "vcpu-cr0-pg-without-pe", .cpu = c_cr0 },
	{ .name = "vcpu-long-mode-without-pae", .cpu = c_pae },
	{ .name = "vcpu-efer-reserved", .cpu = c_efer },
	{ .name = "vcpu-cr4-reserved", .cpu = c_cr4 },
	{ .name = "vcpu-cr8-range", .cpu = c_cr8 },
	{ .name = "vcpu-rflags-reserved", .cpu = c_rflags },
	{ .name = "vcpu-rip-noncanonical", .cpu = c_rip },
	{ .name = "vcpu-segment-cs-data", .cpu = c_cs },
	{ .name = "vcpu-segment-tr-type", .cpu = c_tr },
	{ .name = "vcpu-xcr0-no-x87", .cpu = c_xcr0 },
	{ .name = "vcpu-xcr-index", .cpu = c_xcr_index },
	{ .name = "vcpu-xcr-count", .cpu = c_xcr_count },
	{ .name = "vcpu-xsave-xstate-bv", .cpu = c_xstate_bv },
	{ .name = "vcpu-xsave-xcomp-bv", .cpu = c_xcomp },
	{ .name = "vcpu-msr-count", .cpu = c_msr_count },
	{ .name = "vcpu-msr-duplicate", .cpu = c_msr_dup },
	{ .name = "vcpu-msr-not-listed", .cpu = c_msr_unknown },
	{ .name = "vcpu-msr-pat-value", .cpu = c_msr_pat },
	{ .name = "vcpu-events-flags", .cpu = c_events },
	{ .name = "vcpu-events-exception-nr", .cpu = c_exc },
	{ .name = "vcpu-mp-state", .cpu = c_mp },
	{ .name = "vcpu-debugregs-dr7", .cpu = c_dr7 },
	{ .name = "vcpu-tsc-khz", .cpu = c_tsc },
	{ .name = "vcpu-x2apic-id", .cpu = c_x2apic },
	{ .name = "vm-irqchip-count-after-clock", .vm = v_nchips },
	{ .name = "vm-irqchip-id-twice", .vm = v_chip_id },
	{ .name = "vm-ioapic-base", .vm = v_ioapic },
	{ .name = "vm-pic-init-state", .vm = v_pic },
	{ .name = "vm-pit-mode", .vm = v_pit },
	{ .name = "vm-uart-rx-count", .vm = v_uart },
	{ .name = "device-vm-twice", .extra = SEED_DUP_VM },
	{ .name = "device-migctl-twice", .extra = SEED_DUP_MIGCTL },
	{ .name = "device-sevsim-without-sevsim", .extra = SEED_SEVSIM },
};

static void seed_check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "incoming-seeds: %s: %s\n", what, strerror(-ret));
		exit(1);
	}
}

/* The 64-bit (or 32-bit) guest's stream with @c's defect (NULL: none). */
static void seed_stream(struct vm *vm, bool long_mode, const struct seed_case *c,
			struct seed_buf *out)
{
	static struct vcpu_state cs;
	static u8 page[MIGCTL_STREAM_PAGE_SIZE];
	u8 saved[MIGCTL_HOST_SAVED_SIZE], win[16] = { 0 };
	struct migctl_host_saved s;
	struct migrate_config cfg;
	struct migrate_writer *w;
	struct migctl_host *host;
	struct vm_state vs;
	size_t len, used;
	void *log;

	seed_check(incoming_host_create(vm, &host), "host");
	migrate_local_config(vm, host, NULL, &cfg);
	out->len = 0;
	seed_check(migrate_writer_create(&seed_io, out, &w), "writer");
	seed_check(migrate_writer_config(w, &cfg), "CONFIG");
	memset(page, 0x5a, sizeof(page));
	seed_check(migrate_writer_ram(w, 0, 0x100, MIGCTL_PAGE_RAW, page), "RAM");
	seed_check(migrate_writer_ram(w, 0, 0x101, MIGCTL_PAGE_ZERO, NULL), "RAM");
	seed_check(migrate_writer_round(w, 0), "ROUND");
	seed_check(migrate_writer_ram(w, 1, 0x9f, MIGCTL_PAGE_RAW, page), "RAM");
	len = migctl_host_log_stream_size(migctl_host_log(host));
	log = malloc(len);
	if (!log)
		exit(1);
	seed_check(migctl_host_log_save(migctl_host_log(host), log, len, &used), "log");
	seed_check(migrate_writer_status(w, log, used), "STATUS");
	free(log);
	migctl_host_export(host, &s);
	migctl_host_saved_encode(&s, saved);
	seed_check(migrate_writer_device(w, "migctl", saved, sizeof(saved)), "migctl");
	if (c && c->extra == SEED_DUP_MIGCTL)
		seed_check(migrate_writer_device(w, "migctl", saved, sizeof(saved)), "migctl");
	if (c && c->extra == SEED_SEVSIM)
		seed_check(migrate_writer_device(w, "sevsim", win, sizeof(win)), "sevsim");
	incoming_vm_state(&vs);
	if (c && c->vm)
		c->vm(&vs);
	seed_check(migrate_writer_device(w, "vm", &vs, sizeof(vs)), "vm");
	if (c && c->extra == SEED_DUP_VM)
		seed_check(migrate_writer_device(w, "vm", &vs, sizeof(vs)), "vm");
	for (int i = 0; i < INCOMING_CPUS; i++) {
		incoming_vcpu_state(i, long_mode, &cs);
		/* The last vCPU carries the defect: every earlier one was fine. */
		if (c && c->cpu && i == INCOMING_CPUS - 1)
			c->cpu(&cs);
		seed_check(migrate_writer_vcpu(w, (u32)i, &cs, sizeof(cs)), "VCPU");
	}
	seed_check(migrate_writer_end(w), "END");
	migrate_writer_destroy(w);
	migctl_host_destroy(host);
}

static void seed_file(const char *dir, const char *name, u8 sel, const struct seed_buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&sel, 1, 1, f) != 1 || fwrite(b->p, 1, b->len, f) != b->len ||
	    fclose(f)) {
		fprintf(stderr, "incoming-seeds: %s: cannot write\n", path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct seed_buf b = { 0 };
	struct vm *vm;
	char name[64];

	if (argc != 3) {
		fprintf(stderr, "usage: %s CORPUS_DIR REGRESS_DIR\n", argv[0]);
		return 2;
	}
	vm = incoming_vm_create(NULL);
	if (!vm)
		return 1;
	seed_stream(vm, false, NULL, &b);
	seed_file(argv[1], "seed-flat32", 0, &b);
	seed_stream(vm, true, NULL, &b);
	seed_file(argv[1], "seed-long64", 0, &b);
	seed_file(argv[1], "seed-long64-sealed", 0x80, &b);
	/* The load calls of enum inc_op (incoming.c), each refused once. */
	for (u8 op = 1; op <= 13; op++) {
		snprintf(name, sizeof(name), "seed-long64-refuse-%u", op);
		seed_file(argv[1], name, op, &b);
	}
	for (size_t i = 0; i < sizeof(seed_cases) / sizeof(seed_cases[0]); i++) {
		seed_stream(vm, true, &seed_cases[i], &b);
		seed_file(argv[2], seed_cases[i].name, 0, &b);
	}
	free(b.p);
	return 0;
}
