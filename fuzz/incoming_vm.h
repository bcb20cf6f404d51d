/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* incoming_vm.h - the incoming-path harness's VM without KVM: RAM, vCPUs, CPUID, MSRs, states. */
#ifndef MIGCTL_FUZZ_INCOMING_VM_H
#define MIGCTL_FUZZ_INCOMING_VM_H

#include <stdbool.h>

#include <migctl/types.h>

struct vm;
struct vm_state;
struct vcpu_state;
struct vm_load_ops;
struct migctl_host;

#define INCOMING_MEM		(2ull << 20)
#define INCOMING_CPUS		2
#define INCOMING_TSC_KHZ	2000000u

/* The MSRs this "KVM" saves, and the CPUID it gives the guest (both fixed). */
extern const u32 incoming_msr_list[];
extern const u32 incoming_nr_msrs;

/**
 * incoming_vm_create() - a struct vm as vm_create() leaves it, with RAM
 * mapped but no KVM: the load calls go to @load.
 */
struct vm *incoming_vm_create(const struct vm_load_ops *load);

/** incoming_ram_reset() - every RAM page untouched (zero) again. */
void incoming_ram_reset(struct vm *vm);

/** incoming_host_create() - the protocol engine as the VMM makes it for @vm. */
int incoming_host_create(struct vm *vm, struct migctl_host **out);

/** incoming_vcpu_state() - a state KVM could have saved for vCPU @id. */
void incoming_vcpu_state(int id, bool long_mode, struct vcpu_state *st);

/** incoming_vm_state() - the clock, irqchips and PIT as KVM saves them, and COM1. */
void incoming_vm_state(struct vm_state *st);

#endif /* MIGCTL_FUZZ_INCOMING_VM_H */
