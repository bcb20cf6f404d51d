/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim_vm.h - sev-sim on a VM: the key, the key page slot and the window. */
#ifndef MIGCTL_VMM_SEVSIM_VM_H
#define MIGCTL_VMM_SEVSIM_VM_H

#include <stddef.h>

#include <migctl/types.h>

#include "migrate/sevsim_prf.h"

struct vm;

/* One VM's sev-sim state; the key page itself is vm->mem.extra. */
struct sevsim_vm {
	u8 key[MIGCTL_SEVSIM_KEY_BYTES];
	u64 window_gpa;
	u64 window_pages;
};

/**
 * sevsim_vm_window() - the window for @vm's RAM layout
 * @size: 0 for the default, the upper half of the RAM bank at 1 MiB,
 *	  2 MiB aligned; else [@gpa, @gpa + @size), which must be RAM.
 * Return: 0 or -EINVAL (with @err set).
 */
int sevsim_vm_window(const struct vm *vm, u64 gpa, u64 size, struct sevsim_vm *s,
		     char *err, size_t errlen);

/**
 * sevsim_vm_setup() - draw a fresh key, map the key page at
 * MIGCTL_SEVSIM_KEY_GPA and lay it out with @generation and the window
 * (set by sevsim_vm_window() first). Before any vCPU runs.
 * Return: 0 or -errno.
 */
int sevsim_vm_setup(struct vm *vm, struct sevsim_vm *s, u64 generation);

/** sevsim_vm_generation() - the key page's generation (0: no sev-sim). */
u64 sevsim_vm_generation(const struct vm *vm);

/** sevsim_vm_in_window() - is page @gfn inside the window */
static inline bool sevsim_vm_in_window(const struct sevsim_vm *s, u64 gfn)
{
	u64 first = s->window_gpa >> 12;

	return gfn >= first && gfn - first < s->window_pages;
}

#endif /* MIGCTL_VMM_SEVSIM_VM_H */
