/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* exitport.h - port 0xf4: the guest ends the VM with a result (isa-debug-exit). */
#ifndef MIGCTL_VMM_EXITPORT_H
#define MIGCTL_VMM_EXITPORT_H

#define EXITPORT_LEN		4

struct vm;

/**
 * exitport_init() - an OUT of v (8 to 32 bits) to port 0xf4 ends @vm with
 * VM_END_GUEST and code v.
 */
int exitport_init(struct vm *vm);

#endif /* MIGCTL_VMM_EXITPORT_H */
