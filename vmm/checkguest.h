/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* checkguest.h - migctl-vmm --check-guest: the guest-rule checker fed from the VM's exits. */
#ifndef MIGCTL_VMM_CHECKGUEST_H
#define MIGCTL_VMM_CHECKGUEST_H

#include <stdio.h>

#include <migctl/pvh.h>

struct vm;
struct proto;
struct checkguest;

/**
 * checkguest_create() - judge the guest of @vm by what its exits show
 * @vm: the VM, after proto_create() installed the offer in its CPUID
 *      template (created with proto_config.check_guest), before its vCPUs run.
 * @proto: the protocol glue whose exits feed the checker.
 * @map, @n: the memory map the guest is given (a PVH image's or a bzImage's):
 *      its RAM entries are the RAM the guest must notify before READY (G-13).
 * @out: the new checker.
 *
 * The offer is read back from the CPUID template the vCPUs get (all the
 * guest can know), the RAM ranges from @map.
 * Every MSR and hypercall exit is then fed to the checker with the answer
 * the guest gets; the entries of a list request are read from guest memory
 * while the vCPU still waits in its exit, as the host copied them.
 * Return: 0 or -errno.
 */
int checkguest_create(struct vm *vm, struct proto *proto,
		      const struct hvm_memmap_table_entry *map, int n, struct checkguest **out);

/** checkguest_destroy() - free a checker (NULL is fine) */
void checkguest_destroy(struct checkguest *cg);

/**
 * checkguest_finish() - the VM has ended: feed how, print the KTAP report
 * @cg: the checker
 * @vm: the ended VM (its end kind says whether the guest shut down or reset)
 * @f: where the KTAP goes (stdout)
 *
 * Return: 0 when no rule was broken, 1 otherwise.
 */
int checkguest_finish(struct checkguest *cg, struct vm *vm, FILE *f);

#endif /* MIGCTL_VMM_CHECKGUEST_H */
