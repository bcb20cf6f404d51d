/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* sevsim_vm.c - sev-sim on a VM: the key, the key page slot and the window. */
#include <errno.h>
#include <stdio.h>

#include "migrate/sevsim.h"
#include "sevsim_vm.h"
#include "vm.h"

#define SEVSIM_ALIGN	MIGCTL_SEVSIM_WINDOW_ALIGN

int sevsim_vm_window(const struct vm *vm, u64 gpa, u64 size, struct sevsim_vm *s,
		     char *err, size_t errlen)
{
	const struct mem *mem = &vm->mem;

	if (!size) {
		for (int i = 0; i < mem->nr_banks; i++) {
			const struct mem_bank *b = &mem->banks[i];
			u64 end = (b->gpa + b->size) & ~(SEVSIM_ALIGN - 1);

			if (b->gpa != MEM_HIGH_START)
				continue;
			gpa = ((end / 2) + SEVSIM_ALIGN - 1) & ~(SEVSIM_ALIGN - 1);
			size = end > gpa ? end - gpa : 0;
		}
		if (!size) {
			snprintf(err, errlen, "no room for a sev-sim window: use more --memory");
			return -EINVAL;
		}
	}
	if (((gpa | size) & (SEVSIM_ALIGN - 1)) || !mem_gpa_to_hva(mem, gpa, size)) {
		snprintf(err, errlen, "sev-sim window %#llx+%#llx is not 2 MiB aligned RAM "
			 "inside one bank", (unsigned long long)gpa, (unsigned long long)size);
		return -EINVAL;
	}
	s->window_gpa = gpa;
	s->window_pages = size >> 12;
	return 0;
}

int sevsim_vm_setup(struct vm *vm, struct sevsim_vm *s, u64 generation)
{
	int ret = sevsim_init();

	if (!ret)
		ret = sevsim_key_generate(s->key);
	if (!ret && !vm->mem.extra)
		ret = mem_add_extra_page(&vm->mem, vm->fd, MIGCTL_SEVSIM_KEY_GPA);
	if (ret)
		return ret;
	sevsim_key_page_init(vm->mem.extra, s->key, generation);
	sevsim_key_page_set_window(vm->mem.extra, s->window_gpa, s->window_pages);
	return 0;
}

u64 sevsim_vm_generation(const struct vm *vm)
{
	return vm->mem.extra ? sevsim_key_page_generation(vm->mem.extra) : 0;
}
