/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* exitport.c - port 0xf4: the guest ends the VM with a result (isa-debug-exit). */
#include <migctl/pvh.h>

#include "../vm.h"
#include "exitport.h"

static void exitport_io(void *opaque, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	if (!out) {
		*data = 0;
		return;
	}
	/* Only the base port counts, like QEMU's isa-debug-exit. */
	if (port == MIGCTL_PVH_EXIT_PORT)
		vm_end(opaque, VM_END_GUEST, (int)*data);
}

int exitport_init(struct vm *vm)
{
	return vm_ioport_register(vm, MIGCTL_PVH_EXIT_PORT, EXITPORT_LEN, exitport_io, vm);
}
