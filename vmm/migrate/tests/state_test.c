/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state_test.c - the destination's staging of STATUS, and its checks of the VM state's devices. */

#include <malloc.h>
#include <stddef.h>

#include "test.h"
#include "migrate_test_util.h"
#include "migctl-host.h"
#include "state.h"
#include "vcpu.h"
#include "../state_check.h"
#include "../state_load.h"
#include "../vm.h"

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

/* What reached the load calls, in order: c clock, i irqchip, p PIT, u UART. */
static char dev_calls[16];

static void dev_call(char c)
{
	size_t n = strlen(dev_calls);

	if (n + 1 < sizeof(dev_calls))
		dev_calls[n] = c;
}

static int dev_set_clock(struct vm *vm, const struct kvm_clock_data *c) { dev_call('c'); return 0; }
static int dev_set_irqchip(struct vm *vm, const struct kvm_irqchip *k) { dev_call('i'); return 0; }
static int dev_set_pit(struct vm *vm, const struct kvm_pit_state2 *p) { dev_call('p'); return 0; }
static void dev_uart_save(void *opaque, struct uart_regs *r) { }

static void dev_uart_load(void *opaque, const struct uart_regs *r)
{
	dev_call('u');
	*(struct uart_regs *)opaque = *r;
}

static const struct vm_load_ops dev_load_ops = {
	.set_clock = dev_set_clock, .set_irqchip = dev_set_irqchip, .set_pit = dev_set_pit,
};
static const struct vm_uart_ops dev_uart_ops = { .save = dev_uart_save, .load = dev_uart_load };

/* A state as KVM and the UART save it: PICs and IOAPIC after boot, a PIT reset, bytes in the FIFO. */
static void dev_state(struct vm_state *st)
{
	memset(st, 0, sizeof(*st));
	st->clock.clock = 1000000;
	st->nr_chips = 3;
	for (u32 i = 0; i < 3; i++)
		st->chips[i].chip_id = i;
	st->chips[0].chip.pic = (struct kvm_pic_state){ .irq_base = 0x20, .init4 = 1,
							.elcr_mask = 0xf8 };
	st->chips[1].chip.pic = (struct kvm_pic_state){ .irq_base = 0x28, .init4 = 1,
							.elcr_mask = 0xde };
	st->chips[2].chip.ioapic.base_address = 0xfec00000ull;
	st->has_pit = 1;
	for (int i = 0; i < 3; i++)
		st->pit.channels[i] = (struct kvm_pit_channel_state){
			.count = 0x10000, .mode = 0xff, .gate = i != 2 };
	/* Channel 0 as Linux programs it: mode 2, LSB then MSB, HZ=250. */
	st->pit.channels[0].mode = 2;
	st->pit.channels[0].rw_mode = 3;
	st->pit.channels[0].read_state = 3;
	st->pit.channels[0].write_state = 3;
	st->pit.channels[0].count = 4772;
	st->pit.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	st->has_uart = 1;
	st->uart = (struct uart_regs){ .ier = 0x05, .fcr = 0xc1, .lcr = 0x03, .mcr = 0x0b,
				       .dll = 1, .thri = 1, .rx_count = 3, .rx = "ls\n" };
}

FIXTURE(devstate) { struct vm vm; struct vm_state st; struct uart_regs loaded; };
FIXTURE_VARIANT(devstate) {
	size_t off;		/* in struct vm_state */
	u32 val;
	int bytes;		/* 0: the state as saved */
	bool no_pit, no_uart;	/* the destination VM lacks them */
	const char *why;	/* NULL: taken */
};
#define VS(f)	offsetof(struct vm_state, f)
#define CH(i, f) VS(pit.channels[i].f)
FIXTURE_VARIANT_ADD(devstate, as_saved) { 0 };
FIXTURE_VARIANT_ADD(devstate, pit_hpet_legacy) { VS(pit.flags), 1, 4, .why = "vm.pit.flags 0x1" };
FIXTURE_VARIANT_ADD(devstate, pit_reserved) { VS(pit.reserved[4]), 1, 4, .why = "vm.pit.reserved[4]" };
FIXTURE_VARIANT_ADD(devstate, pit_count) { CH(1, count), 0x10001, 4, .why = "channels[1]: a field out of range (count 0x10001" };
FIXTURE_VARIANT_ADD(devstate, pit_mode) { CH(0, mode), 6, 1, .why = "channels[0]: a field out of range (count 0x12a4, mode 6" };
FIXTURE_VARIANT_ADD(devstate, pit_bcd) { CH(2, bcd), 2, 1, .why = "channels[2]: a field" };
FIXTURE_VARIANT_ADD(devstate, pit_gate) { CH(1, gate), 2, 1, .why = "channels[1]: a field" };
FIXTURE_VARIANT_ADD(devstate, pit_rw_mode) { CH(2, rw_mode), 4, 1, .why = "rw_mode 4" };
FIXTURE_VARIANT_ADD(devstate, pit_count_latched) { CH(0, count_latched), 4, 1, .why = "count_latched 4" };
FIXTURE_VARIANT_ADD(devstate, pit_status_latched) { CH(0, status_latched), 2, 1, .why = "status_latched 2" };
FIXTURE_VARIANT_ADD(devstate, pit_read_state) { CH(1, read_state), 5, 1, .why = "read_state 5" };
FIXTURE_VARIANT_ADD(devstate, pit_write_state) { CH(2, write_state), 9, 1, .why = "write_state 9" };
FIXTURE_VARIANT_ADD(devstate, pit_missing) { VS(has_pit), 0, 4, .why = "has_pit 0, has_uart 1; this VM has a PIT" };
FIXTURE_VARIANT_ADD(devstate, pit_flag_2) { VS(has_pit), 2, 4, .why = "has_pit 2" };
FIXTURE_VARIANT_ADD(devstate, pit_unwanted) { 0, 0, 0, .no_pit = true, .why = "has_pit 1, has_uart 1; this VM has no PIT" };
FIXTURE_VARIANT_ADD(devstate, uart_missing) { VS(has_uart), 0, 4, .why = "has_uart 0; this VM has a PIT and a UART" };
FIXTURE_VARIANT_ADD(devstate, uart_unwanted) { 0, 0, 0, .no_uart = true, .why = "this VM has a PIT and no UART" };
FIXTURE_VARIANT_ADD(devstate, uart_ier) { VS(uart.ier), 0xf5, 1, .why = "uart: a register with bits a 16550A does not keep (ier 0xf5" };
FIXTURE_VARIANT_ADD(devstate, uart_rx_count) { VS(uart.rx_count), 200, 1, .why = "uart: rx_count 200" };
FIXTURE_VARIANT_ADD(devstate, uart_rx_garbage) { VS(uart.rx[15]), 0x41, 1, .why = "uart: rx[15] past rx_count 3" };
FIXTURE_VARIANT_ADD(devstate, uart_reserved) { VS(uart.reserved[0]), 7, 1, .why = "uart: reserved[0]" };

FIXTURE_SETUP(devstate)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.cfg.irqchip = true;
	self->vm.caps.pit = !variant->no_pit;
	self->vm.uart = variant->no_uart ? NULL : &dev_uart_ops;
	self->vm.uart_opaque = &self->loaded;
	self->vm.load = &dev_load_ops;
	dev_state(&self->st);
	dev_calls[0] = '\0';
	memset(&self->loaded, 0, sizeof(self->loaded));
}
FIXTURE_TEARDOWN(devstate) {}

/*
 * The PIT's and the UART's records from a stream: each out-of-range field
 * named, and nothing applied (not even the clock) when one is wrong; the
 * record as saved is loaded clock, irqchips, PIT, then the UART.
 * Covers: V-5
 */
TEST_F(devstate, check_then_load)
{
	char why[VCPU_WHY_MAX] = "";
	u8 *p = (u8 *)&self->st + variant->off;
	int ret;

	if (variant->bytes == 1)
		*p = (u8)variant->val;
	else if (variant->bytes == 4)
		memcpy(p, &variant->val, 4);
	ret = vm_restore_state(&self->vm, &self->st, why);
	if (!variant->why) {
		ASSERT_EQ(0, ret);
		EXPECT_STREQ("ciiipu", dev_calls);
		EXPECT_EQ(0, memcmp(&self->st.uart, &self->loaded, sizeof(self->loaded)));
		return;
	}
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("", dev_calls);
	EXPECT_MSG(strstr(why, variant->why), "why: '%s', expected '%s'", why, variant->why);
	EXPECT_EQ(-EINVAL, vm_state_check(&self->vm, &self->st, why));
}

/* A VM without PIT or UART: their records must be absent and all zero. */
TEST(devstate, absent_devices_are_zero)
{
	struct vm vm = { .cfg.irqchip = true, .load = &dev_load_ops };
	struct vm_state st;
	char why[VCPU_WHY_MAX] = "";

	dev_state(&st);
	st.has_pit = st.has_uart = 0;
	EXPECT_EQ(-EINVAL, vm_state_check(&vm, &st, why));
	EXPECT_NONNULL(strstr(why, "vm.pit: not 0 without a PIT"));
	memset(&st.pit, 0, sizeof(st.pit));
	EXPECT_EQ(-EINVAL, vm_state_check(&vm, &st, why));
	EXPECT_NONNULL(strstr(why, "vm.uart: not 0 without a UART"));
	memset(&st.uart, 0, sizeof(st.uart));
	EXPECT_EQ(0, vm_state_check(&vm, &st, why));
	dev_calls[0] = '\0';
	EXPECT_EQ(0, vm_restore_state(&vm, &st, why));
	EXPECT_STREQ("ciii", dev_calls);
}

/* A VM whose CPUID leaf 0 names @ebx's vendor, for state_sregs_for_load(). */
static void vendor_vm(struct vm *vm, struct kvm_cpuid2 *c, u32 ebx)
{
	memset(vm, 0, sizeof(*vm));
	c->nent = 1;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd, .ebx = ebx };
	vm->cpuid = c;
}

/*
 * TR as a Linux guest's vCPU is saved on kvm-amd: a busy 64-bit TSS. The
 * destination loads it available on kvm-amd (an SVM guest's own LTR
 * leaves type 9 in the VMCB, and an SVM whose user-mode I/O check wants
 * that type faults a process's iopl(3) outb after the move), busy on
 * kvm-intel (VMX needs a busy TSS) whatever the source saved, and never
 * touches anything else.
 */
TEST(vcpustate, tr_busy_bit_by_vendor)
{
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[1]; } cpuid;
	struct kvm_sregs saved = {
		.tr = { .base = 0xfffffe0000003000ull, .limit = 0x4087, .selector = 0x40,
			.type = 11, .present = 1 },
		.cr0 = 0x80050033, .efer = 0xd01,
	}, load, want;
	struct vm vm;

	vendor_vm(&vm, &cpuid.c, 0x68747541u);		/* AuthenticAMD */
	state_sregs_for_load(&vm, &saved, &load);
	want = saved;
	want.tr.type = 9;
	EXPECT_EQ(0, memcmp(&want, &load, sizeof(want)));
	saved.tr.type = 3;				/* a busy 16-bit TSS */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(1, load.tr.type);
	saved.tr.type = 9;				/* already available */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(0, memcmp(&saved, &load, sizeof(saved)));
	saved.tr.type = 11;
	saved.tr.s = 1;					/* not a system descriptor: as saved */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(0, memcmp(&saved, &load, sizeof(saved)));
	saved.tr.s = 0;

	vendor_vm(&vm, &cpuid.c, 0x6f677948u);		/* HygonGenuine: SVM too */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(9, load.tr.type);

	vendor_vm(&vm, &cpuid.c, 0x756e6547u);		/* GenuineIntel */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(0, memcmp(&saved, &load, sizeof(saved)));
	saved.tr.type = 9;				/* from an AMD source: made busy */
	state_sregs_for_load(&vm, &saved, &load);
	want = saved;
	want.tr.type = 11;
	EXPECT_EQ(0, memcmp(&want, &load, sizeof(want)));
	saved.tr.type = 1;
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(3, load.tr.type);
	saved.tr.type = 2;				/* an LDT, no TSS: as saved */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(2, load.tr.type);
	saved.tr.type = 11;
	vm.cpuid = NULL;				/* no template: as saved */
	state_sregs_for_load(&vm, &saved, &load);
	EXPECT_EQ(0, memcmp(&saved, &load, sizeof(saved)));
}
