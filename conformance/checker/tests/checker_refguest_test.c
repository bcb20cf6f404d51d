/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* checker_refguest_test.c - the reference guest library watched by the checker: no violations. */
#include <stdlib.h>

#include "sim.h"
#include "trace.h"
#include "test.h"

/*
 * A tap between the guest library and a scripted host, standing where a
 * VMM's exit handlers stand: it forwards every MSR access and hypercall to
 * the host and feeds the host's answer to the checker. CPUID is not fed
 * (KVM answers it in the kernel). The library's lock is forwarded.
 */
struct tap {
	struct sim_host *h;
	struct migctl_check *c;
	struct migctl_guest_ops ops;
	struct migctl_list_entry *list;
	int bad;		/* the checker refused an event */
};

#define RAM_LOW_PAGES	160ull
#define RAM_HIGH_GPA	0x100000ull
#define RAM_HIGH_PAGES	((1ull << 30) / MIGCTL_PAGE_SIZE - 256)
#define LIST_GPA	0x7000ull
#define BUF		0x400000ull

static const struct migctl_guest_range tap_ram[] = {
	{ 0, RAM_LOW_PAGES },
	{ RAM_HIGH_GPA, RAM_HIGH_PAGES },
};

static const struct migctl_guest_range tap_shared[] = {
	{ LIST_GPA, 1 },
	{ 0x200000, 512 },
};

static void tap_cpuid(void *arg, u32 leaf, u32 subleaf, u32 out[4])
{
	struct tap *t = arg;

	t->h->ops.cpuid(t->h->ops.arg, leaf, subleaf, out);
}

/* The host copies a list's entries before checking them; so does the tap. */
static void tap_list(struct tap *t, gpa_t gpa, u64 count)
{
	if (gpa != t->h->list_gpa || !count || count > MIGCTL_LIST_MAX)
		return;
	if (migctl_check_list(t->c, 0, t->list, (u32)count))
		t->bad++;
}

static int tap_rdmsr(void *arg, u32 index, u64 *val)
{
	struct tap *t = arg;
	int fault = t->h->ops.rdmsr(t->h->ops.arg, index, val);

	if (migctl_check_msr_read(t->c, 0, index, fault ? 0 : *val, fault) < 0)
		t->bad++;
	return fault;
}

static int tap_wrmsr(void *arg, u32 index, u64 val)
{
	struct tap *t = arg;
	int fault;

	if (index == SIM_PSC && (val & MIGCTL_ATTR_LIST))
		tap_list(t, MIGCTL_PSC_GET_GFN(val) << MIGCTL_PAGE_SHIFT,
			 MIGCTL_PSC_GET_COUNT(val));
	fault = t->h->ops.wrmsr(t->h->ops.arg, index, val);
	if (migctl_check_msr_write(t->c, 0, index, val, fault) < 0)
		t->bad++;
	return fault;
}

static long tap_hypercall(void *arg, u32 insn, u64 nr, u64 a0, u64 a1, u64 a2, int *fault)
{
	struct tap *t = arg;
	long ret;

	if (a2 & MIGCTL_ATTR_LIST)
		tap_list(t, a0, a1);
	ret = t->h->ops.hypercall(t->h->ops.arg, insn, nr, a0, a1, a2, fault);
	/* A hypercall that raised #UD never reached the VMM. */
	if (!*fault && migctl_check_hypercall(t->c, 0, nr, a0, a1, a2, ret) < 0)
		t->bad++;
	return ret;
}

/* The checker's offer: what the scripted host put in CPUID. */
static void tap_offer(const struct sim_host *h, struct migctl_check_offer *o,
		      struct migctl_check_region *ram)
{
	bool ctl = h->kvm_features & (1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL);
	bool leaf = ctl && h->max_leaf >= h->base + MIGCTL_CPUID_LEAF_OFFSET &&
		    h->leaf[0] == MIGCTL_LEAF_MAGIC;
	u32 i;

	*o = (struct migctl_check_offer){
		.min_version = leaf ? (h->leaf[1] & 0xff) : ctl,
		.max_version = leaf ? ((h->leaf[1] >> 8) & 0xff) : ctl,
		.features = leaf ? h->leaf[2] : 0,
		.psc_msr = leaf ? h->leaf[3] : 0,
		.hypercall = h->kvm_features & (1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE),
		.ram = ram,
		.nr_ram = 2,
	};
	for (i = 0; i < 2; i++) {
		ram[i].gpa = tap_ram[i].gpa;
		ram[i].size = tap_ram[i].npages << MIGCTL_PAGE_SHIFT;
	}
}

/* Preset hosts, and knobs that make them refuse. */
enum { H_V1, H_V1_WRITE_ONLY, H_V2, H_V2_PSC, H_V2_ONLY, H_ENOSYS, H_UD, H_GP, H_LIES, H_NONE,
       H_NR };

FIXTURE(ref) {
	struct sim_host *h;
	struct migctl_guest g;
	struct tap tap;
	struct migctl_check_region ram[2];
};

FIXTURE_VARIANT(ref) {
	u32 host;
	u32 flags;		/* MIGCTL_GUEST_* of the guest */
	bool ready;		/* the guest ends up READY */
};

FIXTURE_VARIANT_ADD(ref, v1_host) { .host = H_V1, .ready = true };
FIXTURE_VARIANT_ADD(ref, v1_host_filtering_writes_only) { .host = H_V1_WRITE_ONLY,
							 .ready = true };
FIXTURE_VARIANT_ADD(ref, v1_guest_v2_host) { .host = H_V2, .flags = MIGCTL_GUEST_NO_V2,
					     .ready = true };
FIXTURE_VARIANT_ADD(ref, v2_all) { .host = H_V2, .ready = true };
FIXTURE_VARIANT_ADD(ref, v2_psc_first) { .host = H_V2, .flags = MIGCTL_GUEST_PREFER_MSR_PSC,
					 .ready = true };
FIXTURE_VARIANT_ADD(ref, v2_no_list) { .host = H_V2, .flags = MIGCTL_GUEST_NO_LIST,
				       .ready = true };
FIXTURE_VARIANT_ADD(ref, v2_msr_only_host) { .host = H_V2_PSC, .ready = true };
FIXTURE_VARIANT_ADD(ref, v2_only_host) { .host = H_V2_ONLY, .ready = true };
FIXTURE_VARIANT_ADD(ref, enosys_then_msr) { .host = H_ENOSYS, .ready = true };
FIXTURE_VARIANT_ADD(ref, ud_then_msr) { .host = H_UD, .ready = true };
FIXTURE_VARIANT_ADD(ref, control_gp) { .host = H_GP };
FIXTURE_VARIANT_ADD(ref, readback_lies) { .host = H_LIES };
FIXTURE_VARIANT_ADD(ref, no_support) { .host = H_NONE };

static void ref_host(struct sim_host *h, u32 which)
{
	switch (which) {
	case H_V1:
		sim_v1(h, true);
		break;
	case H_V1_WRITE_ONLY:
		sim_v1_write_only(h);
		break;
	case H_V2_PSC:
		sim_v2(h, 1, 2, MIGCTL_F_ALL, false);
		break;
	case H_V2_ONLY:
		sim_v2(h, 2, 2, MIGCTL_F_ALL, false);
		break;
	case H_ENOSYS:
	case H_UD:
		sim_v2(h, 1, 2, MIGCTL_F_ALL, true);
		h->hc_mode = which == H_ENOSYS ? SIM_HC_ENOSYS : SIM_HC_UD;
		break;
	case H_GP:
		sim_v2(h, 1, 2, MIGCTL_F_ALL, true);
		h->gp_all_wrmsr = true;
		break;
	case H_LIES:
		sim_v2(h, 1, 2, MIGCTL_F_ALL, true);
		h->readback_xor = 1ull << 33;
		break;
	case H_NONE:
		sim_none(h);
		break;
	default:
		sim_v2(h, 1, 2, MIGCTL_F_ALL, true);
	}
}

FIXTURE_SETUP(ref)
{
	struct migctl_check_offer o;

	self->h = sim_create();
	ASSERT_NONNULL(self->h);
	self->tap.list = aligned_alloc(MIGCTL_PAGE_SIZE, MIGCTL_PAGE_SIZE);
	ASSERT_NONNULL(self->tap.list);
	self->h->list_va = self->tap.list;
	self->h->list_gpa = LIST_GPA;
	ref_host(self->h, variant->host);
	tap_offer(self->h, &o, self->ram);
	ASSERT_EQ(0, migctl_check_create(&o, 1, &self->tap.c));
	self->tap.h = self->h;
	self->tap.ops = (struct migctl_guest_ops){
		.cpuid = tap_cpuid, .rdmsr = tap_rdmsr, .wrmsr = tap_wrmsr,
		.hypercall = tap_hypercall, .lock = self->h->ops.lock,
		.unlock = self->h->ops.unlock, .arg = &self->tap,
		.lock_arg = self->h->ops.lock_arg,
	};
}

FIXTURE_TEARDOWN(ref)
{
	u64 events = migctl_check_nr_events(self->tap.c);

	EXPECT_EQ(0, self->tap.bad);
	EXPECT_EQ(0, migctl_check_count(self->tap.c, 0));
	/* The VM-level events are 3; a host without support sees nothing else (G-8). */
	if (variant->host == H_NONE)
		EXPECT_EQ(3, events);
	else
		EXPECT_GT(events, 10);
	tr_dump(self->tap.c);
	migctl_check_destroy(self->tap.c);
	sim_destroy(self->h);
	free(self->tap.list);
}

/* One boot of the reference guest: discovery, reset, opt-in, conversions. */
static void ref_boot(struct migctl_guest *g, struct tap *t, u32 flags, bool ready)
{
	migctl_guest_init(g, &t->ops, flags);
	migctl_guest_set_list_page(g, t->list, LIST_GPA);
	migctl_guest_discover(g);
	migctl_guest_boot_reset(g, tap_ram, 2, tap_shared, 2);
	EXPECT_EQ(ready, g->state == MIGCTL_GUEST_READY);
	migctl_guest_set_status(g, BUF, 16, false);
	migctl_guest_set_status(g, BUF + 0x10000, 512, false);
	migctl_guest_set_status(g, BUF, 16, true);
}

/* Covers: G-3, G-4, G-5, G-6, G-7, G-8, G-11, G-13, G-14, G-16, G-17 */
TEST_F(ref, whole_life_without_violations)
{
	struct migctl_guest *g = &self->g;

	ref_boot(g, &self->tap, variant->flags, variant->ready);
	/* S3 and back, the last CPU down and up (G-11, G-12). */
	migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_SUSPEND);
	EXPECT_EQ(0, migctl_check_vm_exit(self->tap.c, MIGCTL_CHECK_EXIT_SUSPEND));
	migctl_guest_resume(g);
	migctl_guest_cpu_offline(g, 1);
	migctl_guest_cpu_offline(g, 0);
	migctl_guest_cpu_online(g);
	migctl_guest_set_status(g, BUF, 16, false);
	/* kexec: the next kernel discovers and resets (G-13). */
	migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_KEXEC);
	ref_boot(g, &self->tap, variant->flags, variant->ready);
	/* Reboot: the VM resets and boots again, then shuts down. */
	migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_REBOOT);
	EXPECT_EQ(0, migctl_check_vm_exit(self->tap.c, MIGCTL_CHECK_EXIT_RESET));
	ref_boot(g, &self->tap, variant->flags, variant->ready);
	migctl_guest_opt_out(g, MIGCTL_GUEST_OUT_SHUTDOWN);
	EXPECT_EQ(0, migctl_check_vm_exit(self->tap.c, MIGCTL_CHECK_EXIT_SHUTDOWN));
}
