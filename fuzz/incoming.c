/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* incoming.c - libFuzzer harness: the destination's whole incoming path, reader to vCPU apply. */

/*
 * migrate_recv() reads the input as --incoming file: does (from a memfd)
 * into a VM without KVM (incoming_vm.c): the reader, the staging
 * (state.c), the status log and protocol state loaded into a real host
 * engine, and the VM and vCPU states applied through vm->load, whose
 * calls here record and check instead of issuing ioctls.
 *
 * Byte 0 selects: bit 7 set, the harness rewrites the last 32 bytes as
 * the END digest of the rest, so that a mutated state section still
 * verifies and reaches the checks and the apply code; bits 3:0 name a
 * load call (enum inc_op) that fails as KVM refusing it. The rest is the
 * stream.
 *
 * Invariants:
 * - a failure has a message and never starts the vCPUs;
 * - nothing reaches KVM unless the stream verified and every state
 *   passed its checks: without an injected refusal, a load call means
 *   the migration succeeded (no half-applied VM);
 * - what reaches KVM is what KVM takes (inc_kvm_*: a smaller rule set
 *   written apart from vmm/state_check.c);
 * - the clock, irqchips, PIT and then COM1's registers are loaded before
 *   any vCPU, each vCPU's calls
 *   come in vcpu_restore()'s order, the TSC deadline after the LAPIC;
 * - on success exactly the stream's vm and VCPU states were loaded,
 *   every vCPU completely, and no DEVICE came twice or out of place.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <sodium.h>

#include "fuzz.h"
#include "migctl-host.h"
#include "incoming_vm.h"
#include "recv.h"
#include "state_check.h"
#include "state_load.h"
#include "stream.h"
#include "stream_hash.h"
#include "vcpu.h"
#include "vm.h"

enum inc_op {
	OP_NONE, OP_CLOCK, OP_IRQCHIP, OP_SREGS, OP_REGS, OP_XSAVE, OP_XCRS, OP_GET_TSC,
	OP_SET_TSC, OP_MSRS, OP_LAPIC, OP_EVENTS, OP_MP, OP_DEBUG, OP_PIT,
};

#define INC_SEAL	0x80
#define INC_MSR_DEADLINE 0x6e0u

/* What reached "KVM", and what the stream carried (parsed apart). */
struct inc {
	enum inc_op fail;		/* the load call to refuse */
	bool failed;			/* it was called and refused */
	unsigned int calls;
	bool started;
	/* Applied. */
	bool clock;
	u32 chips;			/* bit per chip ID */
	bool pit, uart;
	struct vm_state vm;
	enum inc_op last[INCOMING_CPUS];
	u32 done[INCOMING_CPUS];	/* bit per enum inc_op */
	struct vcpu_state cpu[INCOMING_CPUS];
	/* From the stream. */
	struct migrate_config cfg;
	unsigned int devices[3];	/* migctl, sevsim, vm */
	bool have_vm, have_cpu[INCOMING_CPUS];
	struct vm_state exp_vm;
	struct vcpu_state exp_cpu[INCOMING_CPUS];
};

static struct inc inc;

/* Every call: the order, the vm state first, and the injected refusal. */
static int inc_call(struct vcpu *vcpu, enum inc_op op)
{
	inc.calls++;
	FUZZ_ASSERT(!inc.started);
	if (vcpu) {
		int i = vcpu->id;

		FUZZ_ASSERT(i >= 0 && i < INCOMING_CPUS);
		FUZZ_ASSERT(inc.clock && inc.chips == 7 && inc.pit && inc.uart);
		FUZZ_ASSERT(op >= inc.last[i] ||
			    (op == OP_MSRS && inc.last[i] == OP_LAPIC));
		inc.last[i] = op;
		inc.done[i] |= 1u << op;
	}
	if (op == inc.fail) {
		inc.failed = true;
		return -EINVAL;
	}
	return 0;
}

static int inc_set_clock(struct vm *vm, const struct kvm_clock_data *c)
{
	FUZZ_ASSERT(!inc.clock && !inc.chips && !c->flags);
	inc.clock = true;
	inc.vm.clock = *c;
	return inc_call(NULL, OP_CLOCK);
}

static int inc_set_irqchip(struct vm *vm, const struct kvm_irqchip *chip)
{
	FUZZ_ASSERT(inc.clock && chip->chip_id < 3 && !(inc.chips >> chip->chip_id & 1));
	/* The IOAPIC stays where the guest's tables put it; PIC states as i8259 emulation has them. */
	FUZZ_ASSERT(chip->chip_id < 2 || chip->chip.ioapic.base_address == 0xfec00000ull);
	FUZZ_ASSERT(chip->chip_id == 2 || chip->chip.pic.init_state <= 3);
	inc.chips |= 1u << chip->chip_id;
	inc.vm.chips[chip->chip_id] = *chip;
	inc.vm.nr_chips++;
	return inc_call(NULL, OP_IRQCHIP);
}

static int inc_set_sregs(struct vcpu *v, const struct kvm_sregs *s)
{
	bool lm = (s->efer & (1u << 8)) && (s->cr0 & (1ull << 31));

	FUZZ_ASSERT(!(s->cr0 >> 32) && (!(s->cr0 >> 31 & 1) || (s->cr0 & 1)));
	FUZZ_ASSERT(!(s->cr0 >> 29 & 1) || (s->cr0 >> 30 & 1));
	FUZZ_ASSERT(!(s->efer & ~0xd01ull) && s->cr8 <= 15);
	FUZZ_ASSERT(!(s->cr4 & ~(0x7ffull | 1u << 16 | 1u << 17 | 1u << 18 | 1u << 20)));
	if (lm)
		FUZZ_ASSERT((s->cr4 & (1u << 5)) && (s->efer & (1u << 10)));
	else
		FUZZ_ASSERT(!(s->efer & (1u << 10)) && !s->cs.l);
	/* VM entry: a code CS in protected mode, a TSS in TR. */
	FUZZ_ASSERT(!(s->cr0 & 1) || s->cs.unusable || (s->cs.s && (s->cs.type & 8)));
	FUZZ_ASSERT(!s->tr.s && (s->tr.type == 11 || s->tr.type == 3));
	inc.cpu[v->id].sregs = *s;
	return inc_call(v, OP_SREGS);
}

static int inc_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	const struct kvm_sregs *s = &inc.cpu[v->id].sregs;

	FUZZ_ASSERT((r->rflags & 2) && !(r->rflags & (0x8028ull | ~0x3fffffull)));
	/* VM entry: RIP canonical in 64-bit code, 32 bits elsewhere. */
	if ((s->efer & (1u << 10)) && s->cs.l)
		FUZZ_ASSERT((u64)((s64)(r->rip << 16) >> 16) == r->rip);
	else
		FUZZ_ASSERT(!(r->rip >> 32));
	inc.cpu[v->id].regs = *r;
	return inc_call(v, OP_REGS);
}

static int inc_set_xsave(struct vcpu *v, const struct kvm_xsave *x)
{
	u64 bv, comp;

	memcpy(&bv, (const u8 *)x->region + 512, 8);
	memcpy(&comp, (const u8 *)x->region + 520, 8);
	FUZZ_ASSERT(!(bv & ~7ull) && !comp);
	inc.cpu[v->id].xsave = *x;
	return inc_call(v, OP_XSAVE);
}

static int inc_set_xcrs(struct vcpu *v, const struct kvm_xcrs *x)
{
	FUZZ_ASSERT(x->nr_xcrs <= KVM_MAX_XCRS && !x->flags);
	for (u32 i = 0; i < x->nr_xcrs; i++) {
		u64 val = x->xcrs[i].value;

		FUZZ_ASSERT(x->xcrs[i].xcr == 0 && (val & 1) && !(val & ~7ull));
		FUZZ_ASSERT(!(val & 4) || (val & 2));
	}
	inc.cpu[v->id].xcrs = *x;
	return inc_call(v, OP_XCRS);
}

static int inc_get_tsc_khz(struct vcpu *v)
{
	int ret = inc_call(v, OP_GET_TSC);

	return ret ? ret : (int)INCOMING_TSC_KHZ;
}

static int inc_set_tsc_khz(struct vcpu *v, u32 khz)
{
	FUZZ_ASSERT(khz >= STATE_TSC_KHZ_MIN && khz <= STATE_TSC_KHZ_MAX);
	inc.cpu[v->id].tsc_khz = khz;
	return inc_call(v, OP_SET_TSC);
}

static bool inc_msr_listed(u32 index)
{
	for (u32 i = 0; i < incoming_nr_msrs; i++)
		if (incoming_msr_list[i] == index)
			return true;
	return false;
}

static int inc_set_msrs(struct vcpu *v, const struct kvm_msrs *m)
{
	struct vcpu_state *st = &inc.cpu[v->id];
	int ret;

	FUZZ_ASSERT(m->nmsrs >= 1 && m->nmsrs <= STATE_MSR_CHUNK);
	/* After the LAPIC only the TSC deadline, alone. */
	FUZZ_ASSERT(inc.last[v->id] != OP_LAPIC ||
		    (m->nmsrs == 1 && m->entries[0].index == INC_MSR_DEADLINE));
	for (u32 i = 0; i < m->nmsrs; i++) {
		const struct kvm_msr_entry *e = &m->entries[i];

		FUZZ_ASSERT(inc_msr_listed(e->index) && !e->reserved);
		for (u32 j = 0; j < st->nr_msrs; j++)
			FUZZ_ASSERT(st->msrs[j].index != e->index);
		if (e->index == 0x277)
			for (int b = 0; b < 8; b++)
				FUZZ_ASSERT((e->data >> (8 * b) & 0xff) <= 7 &&
					    (e->data >> (8 * b) & 0xfe) != 2);
		FUZZ_ASSERT(st->nr_msrs < VCPU_MAX_MSRS);
		st->msrs[st->nr_msrs++] = *e;
	}
	ret = inc_call(v, OP_MSRS);
	/* A refusal as KVM makes it: the last MSR not taken. */
	return ret ? (int)m->nmsrs - 1 : (int)m->nmsrs;
}

static int inc_set_lapic(struct vcpu *v, const struct kvm_lapic_state *l)
{
	u32 id;

	/* In x2APIC mode KVM's routing assumes the ID is the vCPU's. */
	memcpy(&id, l->regs + 0x20, 4);
	FUZZ_ASSERT(!(inc.cpu[v->id].sregs.apic_base & (1u << 10)) || id == (u32)v->id << 24);
	inc.cpu[v->id].lapic = *l;
	return inc_call(v, OP_LAPIC);
}

static int inc_set_events(struct vcpu *v, const struct kvm_vcpu_events *e)
{
	FUZZ_ASSERT(!(e->flags & ~0xfu));
	FUZZ_ASSERT(!e->exception.injected || (e->exception.nr <= 31 && e->exception.nr != 2));
	inc.cpu[v->id].events = *e;
	return inc_call(v, OP_EVENTS);
}

static int inc_set_mp_state(struct vcpu *v, const struct kvm_mp_state *mp)
{
	FUZZ_ASSERT(mp->mp_state <= KVM_MP_STATE_SIPI_RECEIVED);
	inc.cpu[v->id].mp = *mp;
	return inc_call(v, OP_MP);
}

static int inc_set_debugregs(struct vcpu *v, const struct kvm_debugregs *d)
{
	FUZZ_ASSERT(!d->flags && !(d->dr6 >> 32) && !(d->dr7 >> 32));
	inc.cpu[v->id].debugregs = *d;
	return inc_call(v, OP_DEBUG);
}

/* What KVM's i8254 takes without misbehaving: a count it can load, a mode it knows. */
static int inc_set_pit(struct vm *vm, const struct kvm_pit_state2 *p)
{
	FUZZ_ASSERT(inc.chips == 7 && !inc.pit && !(p->flags & KVM_PIT_FLAGS_HPET_LEGACY));
	for (int i = 0; i < 3; i++)
		FUZZ_ASSERT(p->channels[i].count <= 0x10000 &&
			    (p->channels[i].mode <= 5 || p->channels[i].mode == 0xff));
	inc.pit = true;
	inc.vm.pit = *p;
	return inc_call(NULL, OP_PIT);
}

/* COM1's registers: not KVM's, but loaded once, after the PIT, and only checked ones. */
static void inc_uart_save(void *opaque, struct uart_regs *r)
{
	FUZZ_ASSERT(0);
}

static void inc_uart_load(void *opaque, const struct uart_regs *r)
{
	FUZZ_ASSERT(inc.pit && !inc.uart && r->rx_count <= UART_FIFO && !(r->ier & 0xf0));
	inc.uart = true;
	inc.vm.uart = *r;
}

static const struct vm_uart_ops inc_uart_ops = { .save = inc_uart_save, .load = inc_uart_load };

static const struct vcpu_load_ops inc_vcpu_ops = {
	.set_sregs = inc_set_sregs, .set_regs = inc_set_regs, .set_xsave = inc_set_xsave,
	.set_xcrs = inc_set_xcrs, .get_tsc_khz = inc_get_tsc_khz,
	.set_tsc_khz = inc_set_tsc_khz, .set_msrs = inc_set_msrs, .set_lapic = inc_set_lapic,
	.set_events = inc_set_events, .set_mp_state = inc_set_mp_state,
	.set_debugregs = inc_set_debugregs,
};

static const struct vm_load_ops inc_ops = {
	.set_clock = inc_set_clock, .set_irqchip = inc_set_irqchip, .set_pit = inc_set_pit,
	.vcpu = &inc_vcpu_ops,
};

/* --- The stream as it is, read apart ------------------------------------- */

static int exp_config(void *o, const struct migrate_config *cfg, char *err, size_t len)
{
	inc.cfg = *cfg;
	return 0;
}

static int exp_device(void *o, const char *name, const void *blob, size_t len)
{
	static const char *const names[3] = { "migctl", "sevsim", "vm" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i]))
			inc.devices[i]++;
	if (!strcmp(name, "vm") && len == sizeof(inc.exp_vm)) {
		memcpy(&inc.exp_vm, blob, len);
		inc.have_vm = true;
	}
	return 0;
}

static int exp_vcpu(void *o, u32 index, const void *blob, size_t len)
{
	if (index < INCOMING_CPUS && len == sizeof(struct vcpu_state)) {
		memcpy(&inc.exp_cpu[index], blob, len);
		inc.have_cpu[index] = true;
	}
	return 0;
}

/* Whether the reader takes the stream whole; fills the expected states. */
static bool inc_expect(const u8 *data, size_t size)
{
	static const struct migrate_reader_ops ops = {
		.config = exp_config, .device = exp_device, .vcpu = exp_vcpu,
	};
	struct migrate_io_mem mem = { .buf = data, .len = size };
	struct migrate_reader *r;
	int ret;

	FUZZ_ASSERT(migrate_reader_create(&migrate_io_mem, &mem, &ops, NULL, NULL, &r) == 0);
	ret = migrate_reader_run(r);
	migrate_reader_destroy(r);
	return ret == 0;
}

/* --- The run -------------------------------------------------------------- */

static int inc_start(void *opaque)
{
	FUZZ_ASSERT(!inc.started);
	inc.started = true;
	return 0;
}

/* The vCPU's loaded state is the stream's, field by field, MSRs in load order. */
static void inc_check_vcpu(int i)
{
	const struct vcpu_state *e = &inc.exp_cpu[i], *a = &inc.cpu[i];
	u32 want = 1u << OP_SREGS | 1u << OP_REGS | 1u << OP_XSAVE | 1u << OP_XCRS |
		   1u << OP_LAPIC | 1u << OP_EVENTS | 1u << OP_MP | 1u << OP_DEBUG;
	u32 n = 0;

	FUZZ_ASSERT((inc.done[i] & want) == want);
	FUZZ_ASSERT(!memcmp(&a->sregs, &e->sregs, sizeof(e->sregs)));
	FUZZ_ASSERT(!memcmp(&a->regs, &e->regs, sizeof(e->regs)));
	FUZZ_ASSERT(!memcmp(&a->xsave, &e->xsave, sizeof(e->xsave)));
	FUZZ_ASSERT(!memcmp(&a->xcrs, &e->xcrs, sizeof(e->xcrs)));
	FUZZ_ASSERT(!memcmp(&a->lapic, &e->lapic, sizeof(e->lapic)));
	FUZZ_ASSERT(!memcmp(&a->events, &e->events, sizeof(e->events)));
	FUZZ_ASSERT(!memcmp(&a->mp, &e->mp, sizeof(e->mp)));
	FUZZ_ASSERT(!memcmp(&a->debugregs, &e->debugregs, sizeof(e->debugregs)));
	FUZZ_ASSERT(a->nr_msrs == e->nr_msrs);
	for (u32 k = 0; k < e->nr_msrs; k++)
		if (e->msrs[k].index != INC_MSR_DEADLINE)
			FUZZ_ASSERT(!memcmp(&a->msrs[n++], &e->msrs[k], sizeof(e->msrs[k])));
	for (u32 k = 0; k < e->nr_msrs; k++)
		if (e->msrs[k].index == INC_MSR_DEADLINE)
			FUZZ_ASSERT(!memcmp(&a->msrs[n++], &e->msrs[k], sizeof(e->msrs[k])));
}

static void inc_check_success(void)
{
	/* A failed KVM_GET_TSC_KHZ only means the rate is set again. */
	FUZZ_ASSERT(inc.started && (!inc.failed || inc.fail == OP_GET_TSC));
	FUZZ_ASSERT(inc.devices[0] == 1 && inc.devices[1] == 0 && inc.devices[2] == 1);
	FUZZ_ASSERT(inc.have_vm && inc.vm.nr_chips == inc.exp_vm.nr_chips);
	FUZZ_ASSERT(inc.vm.clock.clock == inc.exp_vm.clock.clock);
	for (u32 c = 0; c < inc.exp_vm.nr_chips; c++)
		FUZZ_ASSERT(!memcmp(&inc.vm.chips[c], &inc.exp_vm.chips[c],
				    sizeof(inc.vm.chips[c])));
	FUZZ_ASSERT(inc.pit && !memcmp(&inc.vm.pit, &inc.exp_vm.pit, sizeof(inc.vm.pit)));
	FUZZ_ASSERT(inc.uart && !memcmp(&inc.vm.uart, &inc.exp_vm.uart, sizeof(inc.vm.uart)));
	for (int i = 0; i < INCOMING_CPUS; i++) {
		FUZZ_ASSERT(inc.have_cpu[i]);
		inc_check_vcpu(i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm *vm;
	static int fd = -1;
	static u8 *buf;
	struct migrate_stream_stats st;
	struct migctl_host *host;
	char err[512];
	bool whole;
	int ret;

	if (!size || size > (1u << 20))
		return 0;
	if (!vm) {
		vm = incoming_vm_create(&inc_ops);
		vm->uart = &inc_uart_ops;
		fd = memfd_create("incoming", MFD_CLOEXEC);
		buf = malloc(1u << 20);
		FUZZ_ASSERT(vm && fd >= 0 && buf && sodium_init() >= 0);
	}
	memset(&inc, 0, sizeof(inc));
	inc.fail = (enum inc_op)(data[0] & 0xf);
	size--;
	memcpy(buf, data + 1, size);
	if ((data[0] & INC_SEAL) && size >= 48)
		stream_hash_buf(buf, size - MIGCTL_STREAM_DIGEST_BYTES,
				buf + size - MIGCTL_STREAM_DIGEST_BYTES);
	whole = inc_expect(buf, size);
	FUZZ_ASSERT(ftruncate(fd, 0) == 0 && pwrite(fd, buf, size, 0) == (ssize_t)size);
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	incoming_ram_reset(vm);
	FUZZ_ASSERT(incoming_host_create(vm, &host) == 0);

	struct migrate_recv_args a = {
		.vm = vm, .host = host, .fd = fd, .start = inc_start,
	};
	ret = migrate_recv(&a, &st, err, sizeof(err));
	/* MIGCTL_FUZZ_VERBOSE=1: each input's outcome, to see what a seed reaches. */
	if (getenv("MIGCTL_FUZZ_VERBOSE"))
		fprintf(stderr, "incoming: %s (%u load calls)\n", ret ? err : "applied, started",
			inc.calls);
	FUZZ_ASSERT(st.bytes <= size);
	if (ret) {
		FUZZ_ASSERT(err[0] && !inc.started);
		FUZZ_ASSERT(!inc.calls || inc.failed);
	} else {
		FUZZ_ASSERT(whole);
		inc_check_success();
	}
	migctl_host_destroy(host);
	return 0;
}
