/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial.h - COM1: a transmit-only 16550 that relays guest output to a file. */
#ifndef MIGCTL_VMM_SERIAL_H
#define MIGCTL_VMM_SERIAL_H

#include <migctl/types.h>

#define SERIAL_NR_PORTS		8
#define SERIAL_PREFIX_MAX	32

struct vm;
struct serial;

/**
 * serial_create() - COM1 on @vm writing to @fd (not closed by the serial).
 *
 * THR bytes are written to @fd line by line; LSR reads 0x60 (transmitter
 * empty); the other registers accept writes and read 0.
 */
int serial_create(struct vm *vm, int fd, struct serial **out);

/**
 * serial_set_prefix() - write @prefix (a static string of at most
 * SERIAL_PREFIX_MAX bytes, NULL for none) before every line of guest output,
 * e.g. "# " to keep it a KTAP diagnostic beside the VMM's own KTAP.
 */
void serial_set_prefix(struct serial *s, const char *prefix);

/** serial_flush() - write out a partial line. */
void serial_flush(struct serial *s);

/** serial_destroy() - flush and free. */
void serial_destroy(struct serial *s);

#endif /* MIGCTL_VMM_SERIAL_H */
