/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* serial.h - COM1: a 16550A on IRQ 4 relaying guest output to a file, input from a pipe or tty. */
#ifndef MIGCTL_VMM_SERIAL_H
#define MIGCTL_VMM_SERIAL_H

#include <migctl/types.h>

#define SERIAL_NR_PORTS		8
#define SERIAL_PREFIX_MAX	32
#define SERIAL_RING		65536	/* output held while the reader is behind */
#define SERIAL_FLUSH_STALL_MS	2000	/* at exit: how long a reader may take nothing */

struct vm;
struct serial;

/**
 * serial_create() - COM1 on @vm writing to @fd (not closed by the serial).
 *
 * Ports 0x3f8-0x3ff are a 16550A (uart.h): a guest that polls LSR and
 * writes THR works as before, and one that enables interrupts gets them
 * on ISA IRQ 4 of the in-kernel irqchip (KVM_IRQ_LINE, the level following
 * the UART's interrupt output as OUT2 gates it). Its registers travel in
 * the VM state (@vm->uart).
 *
 * Transmitted bytes go to a ring of SERIAL_RING bytes, which a writer
 * thread of the serial's own writes to @fd line by line (a partial line,
 * such as a shell's prompt, once the guest has added nothing to it for
 * 50 ms): a vCPU never waits for the reader of @fd. What does not fit in the ring (the newest
 * bytes) is dropped and counted, and a "... N bytes dropped ..." line
 * stands in its place.
 */
int serial_create(struct vm *vm, int fd, struct serial **out);

/**
 * serial_set_input() - feed what @fd (a pipe or a tty, not closed by the
 * serial) gives into the receive FIFO, from a thread of the serial's own.
 *
 * It reads only as much as the FIFO has room for, so a guest that does not
 * read holds the writer back rather than losing bytes. A tty is read as it
 * is set (its line discipline is not changed); a tty of another process
 * group, or the end of the pipe, ends the input.
 *
 * Return: 0, -ENOTTY for an fd neither a pipe nor a tty, or -errno.
 */
int serial_set_input(struct serial *s, int fd);

/** serial_port_io() - what a guest's access to register @reg (0..7) does, for tests. */
void serial_port_io(struct serial *s, u8 reg, bool out, u8 *val);

/** serial_open() - the ring, its writer and the UART without a VM (no IRQ). */
int serial_open(int fd, struct serial **out);

/** serial_putc() - what a guest's THR write does: append @c, never wait. */
void serial_putc(struct serial *s, char c);

/**
 * serial_set_prefix() - write @prefix (a static string of at most
 * SERIAL_PREFIX_MAX bytes, NULL for none) before every line of guest output,
 * e.g. "# " to keep it a KTAP diagnostic beside the VMM's own KTAP.
 */
void serial_set_prefix(struct serial *s, const char *prefix);

/**
 * serial_flush() - write out everything held, a partial line included.
 *
 * Gives up when the reader takes nothing for @stall_ms, or after 10 *
 * @stall_ms in all; after that, later flushes give up at once.
 *
 * Return: 0, or -ETIMEDOUT when it gave up.
 */
int serial_flush(struct serial *s, int stall_ms);

/**
 * serial_dropped() - bytes of guest output dropped (the ring was full),
 * not written (the output failed) or left behind by a flush that gave up.
 */
u64 serial_dropped(struct serial *s);

/**
 * serial_destroy() - end the input, flush (as serial_flush() with
 * SERIAL_FLUSH_STALL_MS, not at all after a flush gave up), end the writer
 * and free. No vCPU may run any more, and the VM must still exist (the
 * input raises its IRQ until it ends). A writer still blocked on a reader that takes nothing is
 * left to end, and free, on its own: this never waits for the reader.
 *
 * Return: 0, or -EBUSY when a writer was left behind: it still writes to
 * the fd, so keep the fd open (until exit) and do not reuse its number.
 */
int serial_destroy(struct serial *s);

#endif /* MIGCTL_VMM_SERIAL_H */
