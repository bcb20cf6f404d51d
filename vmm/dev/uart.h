/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* uart.h - the 16550A register model behind COM1: registers, FIFO, interrupt line. */
#ifndef MIGCTL_VMM_UART_H
#define MIGCTL_VMM_UART_H

#include <migctl/types.h>

#define UART_FIFO		16
#define UART_IRQ		4	/* COM1's ISA line */

/* Register offsets from the base port (DLAB selects DLL/DLM at 0 and 1). */
#define UART_RBR		0	/* read: receive buffer; write: THR */
#define UART_IER		1
#define UART_IIR		2	/* read: interrupt identity; write: FCR */
#define UART_LCR		3
#define UART_MCR		4
#define UART_LSR		5
#define UART_MSR		6
#define UART_SCR		7

#define UART_IER_RDI		0x01	/* received data available */
#define UART_IER_THRI		0x02	/* transmit holding register empty */
#define UART_IER_RLSI		0x04	/* receiver line status */
#define UART_IER_MSI		0x08	/* modem status */
#define UART_IER_MASK		0x0f

#define UART_IIR_NONE		0x01	/* no interrupt pending */
#define UART_IIR_MSI		0x00
#define UART_IIR_THRI		0x02
#define UART_IIR_RDI		0x04
#define UART_IIR_RLSI		0x06
#define UART_IIR_CTI		0x0c	/* character timeout: data below the trigger */
#define UART_IIR_FIFO		0xc0	/* FIFOs enabled */

#define UART_FCR_ENABLE		0x01
#define UART_FCR_CLEAR_RX	0x02
#define UART_FCR_CLEAR_TX	0x04
#define UART_FCR_DMA		0x08
#define UART_FCR_TRIGGER	0xc0
#define UART_FCR_KEPT		(UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER)

#define UART_LCR_DLAB		0x80

#define UART_MCR_DTR		0x01
#define UART_MCR_RTS		0x02
#define UART_MCR_OUT1		0x04
#define UART_MCR_OUT2		0x08	/* gates the IRQ on a PC */
#define UART_MCR_LOOP		0x10
#define UART_MCR_MASK		0x1f

#define UART_LSR_DR		0x01
#define UART_LSR_OE		0x02
#define UART_LSR_PE		0x04
#define UART_LSR_FE		0x08
#define UART_LSR_BI		0x10
#define UART_LSR_ERRORS		0x1e
#define UART_LSR_THRE		0x20
#define UART_LSR_TEMT		0x40

#define UART_MSR_DELTAS		0x0f	/* DCTS DDSR TERI DDCD */
#define UART_MSR_TERI		0x04
#define UART_MSR_CTS		0x10
#define UART_MSR_DSR		0x20
#define UART_MSR_RI		0x40
#define UART_MSR_DCD		0x80

/*
 * The registers that are state, as they travel in a migration stream
 * (inside struct vm_state): bytes only, explicit padding. What can be
 * derived is not kept: LSR's DR, THRE and TEMT, MSR's line bits, IIR.
 */
struct uart_regs {
	u8 ier;			/* UART_IER_MASK bits */
	u8 fcr;			/* UART_FCR_KEPT bits */
	u8 lcr;
	u8 mcr;			/* UART_MCR_MASK bits */
	u8 lsr;			/* UART_LSR_ERRORS bits, cleared by an LSR read */
	u8 msr;			/* UART_MSR_DELTAS bits, cleared by an MSR read */
	u8 scr;
	u8 dll;
	u8 dlm;
	u8 thri;		/* 1: a THR-empty interrupt is owed */
	u8 rx_count;		/* bytes in rx[], at most UART_FIFO (1 without FIFO) */
	u8 reserved[5];		/* 0 */
	u8 rx[UART_FIFO];	/* oldest first; 0 past rx_count */
};

_Static_assert(sizeof(struct uart_regs) == 32, "struct uart_regs is a wire layout");

/*
 * A 16550A as a PC wires it: its interrupt output reaches the ISA line
 * through OUT2, and not in loopback. @irq is called only when the line's
 * level changes (an edge-triggered PIC or IOAPIC pin sees each rise);
 * @tx takes each transmitted byte. Transmission is immediate: THR and
 * the transmitter are always empty again by the next access.
 */
struct uart {
	struct uart_regs r;
	bool line;		/* the level last given to @irq */
	void (*irq)(void *opaque, bool level);
	void (*tx)(void *opaque, u8 c);
	void *opaque;
};

/** uart_init() - the state after a reset: all registers 0, line low. */
void uart_init(struct uart *u, void (*irq)(void *, bool), void (*tx)(void *, u8), void *opaque);

/** uart_read() - the guest reads register @reg (0..7) with its side effects. */
u8 uart_read(struct uart *u, u8 reg);

/** uart_write() - the guest writes @val to register @reg (0..7). */
void uart_write(struct uart *u, u8 reg, u8 val);

/**
 * uart_rx_room() - how many bytes uart_receive() takes now: the FIFO's
 * free space (1 or 0 with the FIFO off); 0 in loopback, where the line
 * is cut off from the outside.
 */
unsigned int uart_rx_room(const struct uart *u);

/** uart_receive() - a byte from the line. Return: 0, or -ENOSPC (not taken). */
int uart_receive(struct uart *u, u8 c);

/** uart_save() - the registers as struct uart_regs. */
void uart_save(const struct uart *u, struct uart_regs *r);

/**
 * uart_load() - take @r (checked by uart_regs_check()) and set the line
 * to what the registers say.
 */
void uart_load(struct uart *u, const struct uart_regs *r);

/**
 * uart_regs_check() - could a 16550A have these registers?
 * @why: @len bytes, receives the first field found wrong, by name
 *
 * Return: 0 or -EINVAL.
 */
int uart_regs_check(const struct uart_regs *r, char *why, size_t len);

#endif /* MIGCTL_VMM_UART_H */
