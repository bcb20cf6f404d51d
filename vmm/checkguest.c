/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* checkguest.c - migctl-vmm --check-guest: the guest-rule checker fed from the VM's exits. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "migctl.h"
#include "boot.h"
#include "checkguest.h"
#include "guestcheck.h"
#include "proto.h"
#include "vm.h"

/* Diagnostics printed per rule; the rest are counted. */
#define CHECKGUEST_DIAG_MAX	8

struct checkguest {
	struct migctl_check *check;
	struct vm *vm;
	struct migctl_check_offer offer;
	struct migctl_check_region ram[BOOT_MAX_E820];
};

/*
 * The rules guestcheck.h says the checker judges, one KTAP case each. G-15
 * is judged only through G-5 and G-6, so it has no case of its own.
 */
static const struct { u32 rule; const char *what; } checkguest_rules[] = {
	{ 3, "control MSR only with CPUID bit 17" },
	{ 4, "hypercall 12 only with CPUID bit 16" },
	{ 5, "MSR transport and range lists only when the leaf offers them" },
	{ 6, "READY value: one common version, offered features, reserved bits 0" },
	{ 7, "READY read back before use; silent after a failed negotiation" },
	{ 8, "no hypercall after -KVM_ENOSYS" },
	{ 9, "no identical request after an error answer" },
	{ 11, "write 0 before shutdown, reset and suspend" },
	{ 13, "boot-time reset before the opt-in, never while READY" },
	{ 14, "every request valid" },
	{ 16, "while READY only the features of the accepted value" },
	{ 17, "no control-MSR read without a valid versioned leaf" },
};

/* What a conforming guest reads from the CPUID template (G-1, G-2, G-15). */
static void checkguest_read_offer(struct vm *vm, struct migctl_check_offer *o)
{
	struct kvm_cpuid_entry2 *e = NULL, *f, *leaf = NULL;
	u32 base, max, min_v, max_v;

	for (base = MIGCTL_CPUID_BASE_FIRST; base <= MIGCTL_CPUID_BASE_LAST;
	     base += MIGCTL_CPUID_BASE_STEP) {
		e = vm_cpuid_find(vm, base, 0);
		if (e && e->ebx == MIGCTL_KVM_SIG_EBX && e->ecx == MIGCTL_KVM_SIG_ECX &&
		    e->edx == MIGCTL_KVM_SIG_EDX)
			break;
		e = NULL;
	}
	if (!e)
		return;
	max = e->eax ? e->eax : base + MIGCTL_CPUID_FEATURES_OFFSET;
	f = vm_cpuid_find(vm, base + MIGCTL_CPUID_FEATURES_OFFSET, 0);
	if (!f || max < base + MIGCTL_CPUID_FEATURES_OFFSET)
		return;
	o->hypercall = f->eax & (1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE);
	if (!(f->eax & (1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL)))
		return;
	o->min_version = o->max_version = MIGCTL_VERSION_1;
	if (max >= base + MIGCTL_CPUID_LEAF_OFFSET)
		leaf = vm_cpuid_find(vm, base + MIGCTL_CPUID_LEAF_OFFSET, 0);
	if (!leaf || leaf->eax != MIGCTL_LEAF_MAGIC || (leaf->ebx & MIGCTL_LEAF_EBX_RESERVED))
		return;
	min_v = (leaf->ebx >> MIGCTL_LEAF_EBX_MIN_SHIFT) & MIGCTL_LEAF_EBX_VERSION_MASK;
	max_v = (leaf->ebx >> MIGCTL_LEAF_EBX_MAX_SHIFT) & MIGCTL_LEAF_EBX_VERSION_MASK;
	if (min_v < 1 || min_v > max_v)
		return;
	o->min_version = min_v;
	o->max_version = max_v;
	o->features = leaf->ecx;
	/* EDX 0 with F_MSR_PSC names no index: the checker's "no transport". */
	o->psc_msr = (leaf->ecx & MIGCTL_F_MSR_PSC) && !leaf->edx ? MIGCTL_MSR_CONTROL : leaf->edx;
}

/*
 * The entries of a list request as the host copied them: read after its
 * answer, while the issuing vCPU still waits in its exit. A request the
 * host refuses before copying (bad count, page outside RAM) has none.
 */
static void checkguest_list(struct checkguest *cg, int cpu, gpa_t page, u64 count)
{
	struct migctl_list_entry entries[MIGCTL_LIST_MAX];
	const void *src;

	if (!count || count > MIGCTL_LIST_MAX || (page & (MIGCTL_PAGE_SIZE - 1)))
		return;
	src = mem_gpa_to_hva(&cg->vm->mem, page, count * sizeof(entries[0]));
	if (!src)
		return;
	memcpy(entries, src, count * sizeof(entries[0]));
	migctl_check_list(cg->check, cpu, entries, count);
}

static void checkguest_msr(void *arg, int cpu, bool write, u32 index, u64 val, bool gp)
{
	struct checkguest *cg = arg;

	if (!write) {
		migctl_check_msr_read(cg->check, cpu, index, val, gp);
		return;
	}
	/* Only the offered PSC MSR carries lists; other indices are judged bare. */
	if ((cg->offer.features & MIGCTL_F_MSR_PSC) && index == cg->offer.psc_msr &&
	    (val & MIGCTL_ATTR_LIST))
		checkguest_list(cg, cpu, MIGCTL_PSC_GET_GFN(val) << MIGCTL_PAGE_SHIFT,
				MIGCTL_PSC_GET_COUNT(val));
	migctl_check_msr_write(cg->check, cpu, index, val, gp);
}

static void checkguest_hypercall(void *arg, int cpu, u64 nr, u64 a0, u64 a1, u64 a2, s64 ret)
{
	struct checkguest *cg = arg;

	if (nr == MIGCTL_HC_MAP_GPA_RANGE && (a2 & MIGCTL_ATTR_LIST))
		checkguest_list(cg, cpu, a0, a1);
	migctl_check_hypercall(cg->check, cpu, nr, a0, a1, a2, ret);
}

int checkguest_create(struct vm *vm, struct proto *proto,
		      const struct hvm_memmap_table_entry *map, int n, struct checkguest **out)
{
	struct checkguest *cg = calloc(1, sizeof(*cg));
	int i, ret;

	if (!cg)
		return -ENOMEM;
	cg->vm = vm;
	checkguest_read_offer(vm, &cg->offer);
	for (i = 0; i < n && cg->offer.nr_ram < BOOT_MAX_E820; i++)
		if (map[i].type == MIGCTL_PVH_MEMMAP_RAM)
			cg->ram[cg->offer.nr_ram++] = (struct migctl_check_region){
				map[i].addr, map[i].size };
	cg->offer.ram = cg->ram;
	ret = migctl_check_create(&cg->offer, vm->cfg.nr_cpus, &cg->check);
	if (ret) {
		free(cg);
		return ret;
	}
	proto_observe(proto, &(struct proto_observer){ cg, checkguest_msr,
						       checkguest_hypercall });
	*out = cg;
	return 0;
}

void checkguest_destroy(struct checkguest *cg)
{
	if (!cg)
		return;
	migctl_check_destroy(cg->check);
	free(cg);
}

/* How the VM ended, as the checker's VM-level event; 0: not the guest's doing. */
static u32 checkguest_end_event(struct vm *vm, FILE *f)
{
	switch (vm->end_kind) {
	case VM_END_GUEST:
		fprintf(f, "# check-guest: the guest ended the VM through port 0xf4 "
			"(value %d): a shutdown\n", vm->end_code);
		return MIGCTL_CHECK_EXIT_SHUTDOWN;
	case VM_END_SHUTDOWN:
		fprintf(f, "# check-guest: the guest triple-faulted or asked for a reset: "
			"a reset\n");
		return MIGCTL_CHECK_EXIT_RESET;
	default:
		fprintf(f, "# check-guest: the VMM stopped the VM (timeout, signal or "
			"error): judged as far as it ran, no shutdown event\n");
		return 0;
	}
}

static void checkguest_print_offer(const struct checkguest *cg, FILE *f)
{
	const struct migctl_check_offer *o = &cg->offer;
	u32 i;

	if (!o->max_version)
		fprintf(f, "# check-guest: offer: protocol off (no CPUID bit 17)");
	else
		fprintf(f, "# check-guest: offer: versions %u..%u, features %#x, PSC MSR %#x",
			o->min_version, o->max_version, o->features,
			(o->features & MIGCTL_F_MSR_PSC) ? o->psc_msr : 0);
	fprintf(f, ", hypercall %s; RAM", o->hypercall ? "yes" : "no");
	for (i = 0; i < o->nr_ram; i++)
		fprintf(f, " %#" PRIx64 "-%#" PRIx64, (u64)o->ram[i].gpa,
			(u64)(o->ram[i].gpa + o->ram[i].size - 1));
	fprintf(f, "\n");
}

/* The diagnostics of one rule: vcpu, event index and message of each violation. */
static void checkguest_print_rule(struct checkguest *cg, u32 rule, FILE *f)
{
	struct migctl_check_violation v;
	u64 cursor = 0, shown = 0, total = migctl_check_count(cg->check, rule);

	while (shown < CHECKGUEST_DIAG_MAX && !migctl_check_next(cg->check, &cursor, &v)) {
		if (v.rule != rule)
			continue;
		if (v.vcpu == MIGCTL_CHECK_NO_VCPU)
			fprintf(f, "# %s: VM, event %" PRIu64 ": %s\n", v.id, v.event, v.msg);
		else
			fprintf(f, "# %s: vcpu %u, event %" PRIu64 ": %s\n", v.id, v.vcpu, v.event,
				v.msg);
		shown++;
	}
	if (total > shown)
		fprintf(f, "# G-%u: ... and %" PRIu64 " more\n", rule, total - shown);
}

int checkguest_finish(struct checkguest *cg, struct vm *vm, FILE *f)
{
	u32 n = sizeof(checkguest_rules) / sizeof(checkguest_rules[0]), i, failed = 0;
	u32 event;

	fprintf(f, "KTAP version 1\n");
	checkguest_print_offer(cg, f);
	event = checkguest_end_event(vm, f);
	if (event)
		migctl_check_vm_exit(cg->check, event);
	fprintf(f, "# check-guest: events judged: %" PRIu64 ", violations: %" PRIu64 "\n",
		migctl_check_nr_events(cg->check), migctl_check_count(cg->check, 0));
	fprintf(f, "1..%u\n", n);
	for (i = 0; i < n; i++) {
		u32 rule = checkguest_rules[i].rule;
		bool bad = migctl_check_count(cg->check, rule) != 0;

		checkguest_print_rule(cg, rule, f);
		fprintf(f, "%sok %u G-%u %s\n", bad ? "not " : "", i + 1, rule,
			checkguest_rules[i].what);
		failed += bad;
	}
	fprintf(f, "# not judged: G-1, G-2 (CPUID never exits to the VMM), G-10 (memory "
		"accesses), G-12 (suspend and resume inside the guest), G-11 for CPU "
		"offline, G-15 beyond G-5 and G-6\n");
	fprintf(f, "# check-guest: %u of %u rules broken\n", failed, n);
	fflush(f);
	return failed ? 1 : 0;
}
