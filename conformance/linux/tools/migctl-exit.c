/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migctl-exit.c - a Linux guest's init ends migctl-vmm with a status through the exit port. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/io.h>

#include <migctl/pvh.h>

/*
 * usage: migctl-exit CODE
 *
 * Writes CODE (0..255) to port 0xf4 with I/O privilege level 3: migctl-vmm
 * (and QEMU's isa-debug-exit) end the VM there, and migctl-vmm exits with
 * CODE when it is 0, 1 or 4. Returns only when nothing ended the VM: 1,
 * with a message. Needs CAP_SYS_RAWIO (init runs as root).
 */
int main(int argc, char **argv)
{
	unsigned long code;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: migctl-exit CODE (0..255)\n");
		return 2;
	}
	errno = 0;
	code = strtoul(argv[1], &end, 0);
	if (errno || end == argv[1] || *end || code > 255) {
		fprintf(stderr, "migctl-exit: bad CODE '%s' (0..255)\n", argv[1]);
		return 2;
	}
	if (iopl(3)) {
		fprintf(stderr, "migctl-exit: iopl(3): %s\n", strerror(errno));
		return 1;
	}
	outb((unsigned char)code, MIGCTL_PVH_EXIT_PORT);
	sleep(1);
	fprintf(stderr, "migctl-exit: still running: no exit port at %#x\n",
		MIGCTL_PVH_EXIT_PORT);
	return 1;
}
