/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* uart.c - the 16550A register model behind COM1: registers, FIFO, interrupt line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "uart.h"

/* Receive FIFO trigger levels, by FCR bits 7:6. */
static const u8 uart_trigger[4] = { 1, 4, 8, 14 };

static bool uart_fifo_on(const struct uart *u)
{
	return u->r.fcr & UART_FCR_ENABLE;
}

static unsigned int uart_rx_size(const struct uart *u)
{
	return uart_fifo_on(u) ? UART_FIFO : 1;
}

/*
 * The modem lines as MSR shows them: outside loopback nothing drives
 * them but a cable that is always ready (CTS, DSR, DCD); in loopback
 * they are MCR's outputs: RTS to CTS, DTR to DSR, OUT1 to RI, OUT2 to DCD.
 */
static u8 uart_msr_lines(u8 mcr)
{
	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return (mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) | (mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

/* The pending interrupt of highest priority, as IIR bits 3:0. */
static u8 uart_iid(const struct uart *u)
{
	const struct uart_regs *r = &u->r;

	if ((r->ier & UART_IER_RLSI) && (r->lsr & UART_LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((r->ier & UART_IER_RDI) && r->rx_count) {
		/* Below the trigger level the timeout reports it, at once here. */
		if (uart_fifo_on(u) && r->rx_count < uart_trigger[r->fcr >> 6])
			return UART_IIR_CTI;
		return UART_IIR_RDI;
	}
	if ((r->ier & UART_IER_THRI) && r->thri)
		return UART_IIR_THRI;
	if ((r->ier & UART_IER_MSI) && (r->msr & UART_MSR_DELTAS))
		return UART_IIR_MSI;
	return UART_IIR_NONE;
}

/* Give the ISA line its new level: after every change of state. */
static void uart_update(struct uart *u)
{
	bool level = uart_iid(u) != UART_IIR_NONE && (u->r.mcr & UART_MCR_OUT2) &&
		     !(u->r.mcr & UART_MCR_LOOP);

	if (level == u->line)
		return;
	u->line = level;
	if (u->irq)
		u->irq(u->opaque, level);
}

void uart_init(struct uart *u, void (*irq)(void *, bool), void (*tx)(void *, u8), void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->irq = irq;
	u->tx = tx;
	u->opaque = opaque;
}

/* Into the receive FIFO; a full FIFO overruns. Does not update the line. */
static int uart_push(struct uart *u, u8 c)
{
	struct uart_regs *r = &u->r;

	if (r->rx_count >= uart_rx_size(u)) {
		r->lsr |= UART_LSR_OE;
		return -ENOSPC;
	}
	r->rx[r->rx_count++] = c;
	return 0;
}

static u8 uart_pop(struct uart *u)
{
	struct uart_regs *r = &u->r;
	u8 c;

	if (!r->rx_count)
		return 0;
	c = r->rx[0];
	memmove(r->rx, r->rx + 1, --r->rx_count);
	r->rx[r->rx_count] = 0;
	return c;
}

u8 uart_read(struct uart *u, u8 reg)
{
	struct uart_regs *r = &u->r;
	bool dlab = r->lcr & UART_LCR_DLAB;
	u8 v = 0, iid;

	switch (reg & 7) {
	case UART_RBR:
		v = dlab ? r->dll : uart_pop(u);
		break;
	case UART_IER:
		v = dlab ? r->dlm : r->ier;
		break;
	case UART_IIR:
		iid = uart_iid(u);
		v = iid | (uart_fifo_on(u) ? UART_IIR_FIFO : 0);
		/* Reading THRI as the identity acknowledges it. */
		if (iid == UART_IIR_THRI)
			r->thri = 0;
		break;
	case UART_LCR:
		v = r->lcr;
		break;
	case UART_MCR:
		v = r->mcr;
		break;
	case UART_LSR:
		v = r->lsr | UART_LSR_THRE | UART_LSR_TEMT | (r->rx_count ? UART_LSR_DR : 0);
		r->lsr = 0;
		break;
	case UART_MSR:
		v = uart_msr_lines(r->mcr) | r->msr;
		r->msr = 0;
		break;
	case UART_SCR:
		v = r->scr;
		break;
	}
	uart_update(u);
	return v;
}

/* MCR changes the modem lines in loopback: record each change as a delta. */
static void uart_write_mcr(struct uart *u, u8 val)
{
	u8 was = uart_msr_lines(u->r.mcr), now = uart_msr_lines(val & UART_MCR_MASK);
	u8 diff = was ^ now;

	u->r.mcr = val & UART_MCR_MASK;
	if (diff & UART_MSR_CTS)
		u->r.msr |= 0x01;
	if (diff & UART_MSR_DSR)
		u->r.msr |= 0x02;
	/* TERI: RI's trailing edge only. */
	if ((was & UART_MSR_RI) && !(now & UART_MSR_RI))
		u->r.msr |= UART_MSR_TERI;
	if (diff & UART_MSR_DCD)
		u->r.msr |= 0x08;
}

static void uart_write_fcr(struct uart *u, u8 val)
{
	struct uart_regs *r = &u->r;

	/* Turning the FIFOs on or off empties them. */
	if ((val ^ r->fcr) & UART_FCR_ENABLE || (val & UART_FCR_CLEAR_RX)) {
		r->rx_count = 0;
		memset(r->rx, 0, sizeof(r->rx));
	}
	r->fcr = val & UART_FCR_KEPT;
}

static void uart_write_thr(struct uart *u, u8 val)
{
	/* The write takes THR, so THRE and its interrupt drop... */
	u->r.thri = 0;
	uart_update(u);
	if (u->r.mcr & UART_MCR_LOOP)
		uart_push(u, val);
	else if (u->tx)
		u->tx(u->opaque, val);
	/* ...and the byte leaves at once: THR is empty again. */
	u->r.thri = 1;
}

void uart_write(struct uart *u, u8 reg, u8 val)
{
	struct uart_regs *r = &u->r;
	bool dlab = r->lcr & UART_LCR_DLAB;

	switch (reg & 7) {
	case UART_RBR:
		if (dlab)
			r->dll = val;
		else
			uart_write_thr(u, val);
		break;
	case UART_IER:
		if (dlab) {
			r->dlm = val;
			break;
		}
		/* Enabling THRI with THR empty owes an interrupt; disabling drops it. */
		if ((val ^ r->ier) & UART_IER_THRI)
			r->thri = !!(val & UART_IER_THRI);
		r->ier = val & UART_IER_MASK;
		break;
	case UART_IIR:
		uart_write_fcr(u, val);
		break;
	case UART_LCR:
		r->lcr = val;
		break;
	case UART_MCR:
		uart_write_mcr(u, val);
		break;
	case UART_LSR:
	case UART_MSR:
		/* Read-only on a 16550A (factory test only). */
		break;
	case UART_SCR:
		r->scr = val;
		break;
	}
	uart_update(u);
}

unsigned int uart_rx_room(const struct uart *u)
{
	if (u->r.mcr & UART_MCR_LOOP)
		return 0;
	return uart_rx_size(u) - u->r.rx_count;
}

int uart_receive(struct uart *u, u8 c)
{
	int ret;

	if (u->r.mcr & UART_MCR_LOOP)
		return -ENOSPC;
	ret = uart_push(u, c);
	uart_update(u);
	return ret;
}

void uart_save(const struct uart *u, struct uart_regs *r)
{
	*r = u->r;
}

void uart_load(struct uart *u, const struct uart_regs *r)
{
	u->r = *r;
	uart_update(u);
}

int uart_regs_check(const struct uart_regs *r, char *why, size_t len)
{
	unsigned int size = r->fcr & UART_FCR_ENABLE ? UART_FIFO : 1;

	if (r->ier & ~UART_IER_MASK || r->fcr & ~UART_FCR_KEPT || r->mcr & ~UART_MCR_MASK ||
	    r->lsr & ~UART_LSR_ERRORS || r->msr & ~UART_MSR_DELTAS || r->thri > 1) {
		snprintf(why, len, "uart: a register with bits a 16550A does not keep (ier %#x, "
			 "fcr %#x, mcr %#x, lsr %#x, msr %#x, thri %u)", r->ier, r->fcr, r->mcr,
			 r->lsr, r->msr, r->thri);
		return -EINVAL;
	}
	if (r->rx_count > size) {
		snprintf(why, len, "uart: rx_count %u, more than the %u bytes of its receive buffer",
			 r->rx_count, size);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(r->reserved); i++) {
		if (r->reserved[i]) {
			snprintf(why, len, "uart: reserved[%zu] is not 0", i);
			return -EINVAL;
		}
	}
	for (unsigned int i = r->rx_count; i < UART_FIFO; i++) {
		if (r->rx[i]) {
			snprintf(why, len, "uart: rx[%u] past rx_count %u is not 0", i, r->rx_count);
			return -EINVAL;
		}
	}
	return 0;
}
