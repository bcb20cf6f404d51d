/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial.h - COM1: a transmit-only 16550 that relays guest output to a file. */
#ifndef MIGCTL_VMM_SERIAL_H
#define MIGCTL_VMM_SERIAL_H

#include <migctl/types.h>

#define SERIAL_NR_PORTS		8
#define SERIAL_PREFIX_MAX	32
#define SERIAL_RING		65536	/* output held while the reader is behind */

struct vm;
struct serial;

/**
 * serial_create() - COM1 on @vm writing to @fd (not closed by the serial).
 *
 * THR bytes are written to @fd line by line by a writer thread of the
 * serial's own, so a vCPU never waits for the reader of @fd: output goes
 * into a ring of SERIAL_RING bytes, and what does not fit is dropped and
 * counted (serial_dropped()). LSR reads 0x60 (transmitter empty); the
 * other registers accept writes and read 0.
 */
int serial_create(struct vm *vm, int fd, struct serial **out);

/**
 * serial_set_prefix() - write @prefix (a static string of at most
 * SERIAL_PREFIX_MAX bytes, NULL for none) before every line of guest output,
 * e.g. "# " to keep it a KTAP diagnostic beside the VMM's own KTAP.
 */
void serial_set_prefix(struct serial *s, const char *prefix);

/**
 * serial_flush() - write out everything held, a partial line included.
 *
 * Return: 0, or -ETIMEDOUT when the reader took nothing for a while; what
 * was held is then counted as dropped and later output is dropped too.
 */
int serial_flush(struct serial *s);

/** serial_dropped() - bytes of output dropped because the reader was behind. */
u64 serial_dropped(struct serial *s);

/** serial_destroy() - flush, stop the writer, free. */
void serial_destroy(struct serial *s);

#endif /* MIGCTL_VMM_SERIAL_H */
