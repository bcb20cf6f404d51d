/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* uart_test.c - COM1's 16550A model: registers, IIR priorities, loopback, FIFO, the IRQ line. */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "../dev/uart.h"

#define REC_MAX	64

/* The seam: every level given to the ISA line and every byte sent, in order. */
struct rec {
	int levels[REC_MAX];
	int nr_levels;
	u8 tx[REC_MAX];
	int nr_tx;
};

static void rec_irq(void *opaque, bool level)
{
	struct rec *r = opaque;

	if (r->nr_levels < REC_MAX)
		r->levels[r->nr_levels++] = level;
}

static void rec_tx(void *opaque, u8 c)
{
	struct rec *r = opaque;

	if (r->nr_tx < REC_MAX)
		r->tx[r->nr_tx++] = c;
}

/* The levels so far as a string, "1010". */
static const char *rec_levels(const struct rec *r)
{
	static char buf[REC_MAX + 1];

	for (int i = 0; i < r->nr_levels; i++)
		buf[i] = '0' + r->levels[i];
	buf[r->nr_levels] = '\0';
	return buf;
}

FIXTURE(uart) { struct uart u; struct rec rec; };
FIXTURE_SETUP(uart)
{
	memset(&self->rec, 0, sizeof(self->rec));
	uart_init(&self->u, rec_irq, rec_tx, &self->rec);
}
FIXTURE_TEARDOWN(uart) {}

/* After a reset: nothing pending, transmitter empty, a ready cable, line low. */
TEST_F(uart, reset_state)
{
	EXPECT_EQ(UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(UART_LSR_THRE | UART_LSR_TEMT, uart_read(&self->u, UART_LSR));
	EXPECT_EQ(UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD, uart_read(&self->u, UART_MSR));
	EXPECT_EQ(0, uart_read(&self->u, UART_IER));
	EXPECT_EQ(0, self->rec.nr_levels);
}

/* A polling guest (our PVH images): LSR says empty, THR bytes go out in order. */
TEST_F(uart, polled_output)
{
	const char *msg = "ok 1\n";

	for (const char *p = msg; *p; p++) {
		ASSERT_TRUE(uart_read(&self->u, UART_LSR) & UART_LSR_THRE);
		uart_write(&self->u, UART_RBR, (u8)*p);
	}
	ASSERT_EQ((int)strlen(msg), self->rec.nr_tx);
	EXPECT_EQ(0, memcmp(self->rec.tx, msg, strlen(msg)));
	EXPECT_EQ(0, self->rec.nr_levels);
}

/* DLAB maps offsets 0 and 1 to the divisor; THR, IER and RBR are left alone. */
TEST_F(uart, dlab_selects_divisor)
{
	uart_write(&self->u, UART_IER, UART_IER_RDI);
	uart_write(&self->u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_write(&self->u, UART_RBR, 0x0c);
	uart_write(&self->u, UART_IER, 0x01);
	EXPECT_EQ(0x0c, uart_read(&self->u, UART_RBR));
	EXPECT_EQ(0x01, uart_read(&self->u, UART_IER));
	EXPECT_EQ(0, self->rec.nr_tx);
	uart_write(&self->u, UART_LCR, 0x03);
	EXPECT_EQ(UART_IER_RDI, uart_read(&self->u, UART_IER));
	uart_write(&self->u, UART_RBR, 'x');
	ASSERT_EQ(1, self->rec.nr_tx);
	EXPECT_EQ('x', self->rec.tx[0]);
	EXPECT_EQ(0x03, uart_read(&self->u, UART_LCR));
	EXPECT_EQ(0x0c, self->u.r.dll);
	EXPECT_EQ(0x01, self->u.r.dlm);
}

/* What Linux's probe writes: IER keeps 4 bits, SCR 8, FCR shows as IIR bits 7:6. */
TEST_F(uart, probe_registers)
{
	uart_write(&self->u, UART_IER, 0xff);
	EXPECT_EQ(0x0f, uart_read(&self->u, UART_IER));
	uart_write(&self->u, UART_IER, 0);
	uart_write(&self->u, UART_SCR, 0xa5);
	EXPECT_EQ(0xa5, uart_read(&self->u, UART_SCR));
	uart_write(&self->u, UART_IIR, UART_FCR_ENABLE | 0x20);
	EXPECT_EQ(UART_IIR_FIFO | UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	uart_write(&self->u, UART_IIR, 0);
	EXPECT_EQ(UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	uart_write(&self->u, UART_MCR, 0xff);
	EXPECT_EQ(UART_MCR_MASK, uart_read(&self->u, UART_MCR));
}

/*
 * THRE: enabling it owes one interrupt; reading IIR as THRI or disabling
 * acknowledges it; each THR write drops the line and raises it again (an
 * edge per byte for an edge-triggered pin).
 */
TEST_F(uart, thre_raise_lower_sequence)
{
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2);
	uart_write(&self->u, UART_IER, UART_IER_THRI);
	EXPECT_STREQ("1", rec_levels(&self->rec));
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_STREQ("10", rec_levels(&self->rec));
	EXPECT_EQ(UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	uart_write(&self->u, UART_RBR, 'a');
	EXPECT_STREQ("101", rec_levels(&self->rec));
	uart_write(&self->u, UART_RBR, 'b');
	EXPECT_STREQ("10101", rec_levels(&self->rec));
	uart_write(&self->u, UART_IER, 0);
	EXPECT_STREQ("101010", rec_levels(&self->rec));
	EXPECT_EQ(UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	/* Enabled again with THR empty: owed again, as Linux's THRE test expects. */
	uart_write(&self->u, UART_IER, UART_IER_THRI);
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_STREQ("10101010", rec_levels(&self->rec));
	EXPECT_EQ(2, self->rec.nr_tx);
}

/* OUT2 gates the line: an interrupt pending without OUT2 raises nothing. */
TEST_F(uart, out2_gates_the_line)
{
	uart_write(&self->u, UART_IER, UART_IER_RDI);
	ASSERT_EQ(0, uart_receive(&self->u, 'z'));
	EXPECT_EQ(UART_IIR_RDI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(0, self->rec.nr_levels);
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2);
	EXPECT_STREQ("1", rec_levels(&self->rec));
	uart_write(&self->u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	EXPECT_STREQ("10", rec_levels(&self->rec));
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2);
	EXPECT_EQ('z', uart_read(&self->u, UART_RBR));
	EXPECT_STREQ("1010", rec_levels(&self->rec));
}

/*
 * All four sources pending at once: IIR names the highest first, and
 * clearing each (LSR, RBR, IIR itself, MSR read) uncovers the next. The
 * line stays up through all of them and drops with the last.
 */
TEST_F(uart, iir_priorities)
{
	/* Modem-status deltas: loopback in and out changes the lines twice. */
	uart_write(&self->u, UART_MCR, UART_MCR_LOOP);
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2);
	uart_write(&self->u, UART_IER, UART_IER_MASK);
	EXPECT_STREQ("1", rec_levels(&self->rec));
	/* No FIFO: the second byte overruns the first. */
	ASSERT_EQ(0, uart_receive(&self->u, 'a'));
	EXPECT_EQ(-ENOSPC, uart_receive(&self->u, 'b'));

	EXPECT_EQ(UART_IIR_RLSI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT,
		  uart_read(&self->u, UART_LSR));
	EXPECT_EQ(UART_IIR_RDI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ('a', uart_read(&self->u, UART_RBR));
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(UART_IIR_MSI, uart_read(&self->u, UART_IIR));
	EXPECT_STREQ("1", rec_levels(&self->rec));
	/* Lines back to the cable's; CTS and DSR changed, DCD left at 0 then came back. */
	EXPECT_EQ(UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD | 0x0b, uart_read(&self->u, UART_MSR));
	EXPECT_EQ(UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	EXPECT_STREQ("10", rec_levels(&self->rec));
	EXPECT_EQ(UART_LSR_THRE | UART_LSR_TEMT, uart_read(&self->u, UART_LSR));
}

/*
 * Loopback: MCR's outputs show in MSR (Linux's probe expects 0x90 for
 * LOOP|OUT2|RTS), THR comes back in RBR and never leaves, and the line
 * stays cut off from the PIC however much is pending.
 */
TEST_F(uart, loopback)
{
	uart_write(&self->u, UART_IER, UART_IER_RDI | UART_IER_THRI);
	uart_write(&self->u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	EXPECT_EQ(0x90, uart_read(&self->u, UART_MSR) & 0xf0);
	uart_write(&self->u, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	/* DSR rose, RI rose, CTS and DCD fell: DDSR DCTS DDCD, no TERI on a rise. */
	EXPECT_EQ(UART_MSR_DSR | UART_MSR_RI | 0x0b, uart_read(&self->u, UART_MSR));
	uart_write(&self->u, UART_MCR, UART_MCR_LOOP);
	EXPECT_EQ(UART_MSR_TERI | 0x02, uart_read(&self->u, UART_MSR));
	EXPECT_EQ(0u, uart_rx_room(&self->u));
	EXPECT_EQ(-ENOSPC, uart_receive(&self->u, 'q'));
	uart_write(&self->u, UART_RBR, 'x');
	EXPECT_EQ(0, self->rec.nr_tx);
	EXPECT_TRUE(uart_read(&self->u, UART_LSR) & UART_LSR_DR);
	EXPECT_EQ(UART_IIR_RDI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ('x', uart_read(&self->u, UART_RBR));
	EXPECT_EQ(0, self->rec.nr_levels);
	/* Leaving loopback with THRI owed connects the line: it rises. */
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2);
	EXPECT_STREQ("1", rec_levels(&self->rec));
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_STREQ("10", rec_levels(&self->rec));
}

/*
 * FIFO: below the trigger level the data reports as a timeout (CTI),
 * at it as RDI; 16 bytes fit, the 17th overruns; FCR bit 1 empties it.
 */
TEST_F(uart, fifo_trigger_and_overrun)
{
	uart_write(&self->u, UART_IIR, UART_FCR_ENABLE | 0x80);	/* trigger 8 */
	uart_write(&self->u, UART_IER, UART_IER_RDI);
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2);
	EXPECT_EQ((unsigned int)UART_FIFO, uart_rx_room(&self->u));
	for (int i = 0; i < 7; i++)
		ASSERT_EQ(0, uart_receive(&self->u, 'a' + i));
	EXPECT_EQ(UART_IIR_FIFO | UART_IIR_CTI, uart_read(&self->u, UART_IIR));
	ASSERT_EQ(0, uart_receive(&self->u, 'h'));
	EXPECT_EQ(UART_IIR_FIFO | UART_IIR_RDI, uart_read(&self->u, UART_IIR));
	for (int i = 8; i < UART_FIFO; i++)
		ASSERT_EQ(0, uart_receive(&self->u, 'a' + i));
	EXPECT_EQ(0u, uart_rx_room(&self->u));
	EXPECT_EQ(-ENOSPC, uart_receive(&self->u, '!'));
	EXPECT_STREQ("1", rec_levels(&self->rec));
	EXPECT_EQ(UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT | 0,
		  uart_read(&self->u, UART_LSR));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ('a' + i, uart_read(&self->u, UART_RBR));
	EXPECT_EQ(4u, uart_rx_room(&self->u));
	uart_write(&self->u, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | 0x80);
	EXPECT_EQ(0, uart_read(&self->u, UART_LSR) & UART_LSR_DR);
	EXPECT_EQ(UART_IIR_FIFO | UART_IIR_NONE, uart_read(&self->u, UART_IIR));
	EXPECT_STREQ("10", rec_levels(&self->rec));
	/* Turning the FIFO off empties it too, and one byte fills the holding register. */
	ASSERT_EQ(0, uart_receive(&self->u, 'x'));
	uart_write(&self->u, UART_IIR, 0);
	EXPECT_EQ(1u, uart_rx_room(&self->u));
	EXPECT_EQ(0, uart_read(&self->u, UART_LSR) & UART_LSR_DR);
}

/* The registers saved and loaded into a fresh UART: same state, the line follows. */
TEST_F(uart, save_load_round_trip)
{
	struct uart_regs r, again;
	struct rec rec2 = { 0 };
	struct uart u2;
	char why[128];

	uart_write(&self->u, UART_LCR, UART_LCR_DLAB);
	uart_write(&self->u, UART_RBR, 0x01);
	uart_write(&self->u, UART_LCR, 0x03);
	uart_write(&self->u, UART_IIR, UART_FCR_ENABLE | 0xc0);
	uart_write(&self->u, UART_IER, UART_IER_RDI);
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	uart_write(&self->u, UART_SCR, 0x5a);
	for (const char *p = "ls -l\n"; *p; p++)
		ASSERT_EQ(0, uart_receive(&self->u, (u8)*p));
	EXPECT_EQ('l', uart_read(&self->u, UART_RBR));
	uart_save(&self->u, &r);
	ASSERT_EQ(0, uart_regs_check(&r, why, sizeof(why)));
	EXPECT_EQ(5, r.rx_count);

	uart_init(&u2, rec_irq, rec_tx, &rec2);
	uart_load(&u2, &r);
	EXPECT_STREQ("1", rec_levels(&rec2));
	uart_save(&u2, &again);
	EXPECT_EQ(0, memcmp(&r, &again, sizeof(r)));
	EXPECT_EQ(UART_IIR_FIFO | UART_IIR_CTI, uart_read(&u2, UART_IIR));
	for (const char *p = "s -l\n"; *p; p++)
		EXPECT_EQ((u8)*p, uart_read(&u2, UART_RBR));
	EXPECT_STREQ("10", rec_levels(&rec2));
	EXPECT_EQ(0x5a, uart_read(&u2, UART_SCR));
}

/* A record no 16550A could have: each named, the valid one taken. */
FIXTURE(regs) { struct uart_regs r; };
FIXTURE_VARIANT(regs) { size_t off; u8 val; const char *why; };
#define REG(f)	offsetof(struct uart_regs, f)
FIXTURE_VARIANT_ADD(regs, valid) { REG(scr), 0xff, NULL };
FIXTURE_VARIANT_ADD(regs, ier_high_bits) { REG(ier), 0x10, "ier 0x10" };
FIXTURE_VARIANT_ADD(regs, fcr_64_byte) { REG(fcr), 0x21, "fcr 0x21" };
FIXTURE_VARIANT_ADD(regs, mcr_high_bits) { REG(mcr), 0x40, "mcr 0x40" };
FIXTURE_VARIANT_ADD(regs, lsr_dr_kept) { REG(lsr), UART_LSR_DR, "lsr 0x1" };
FIXTURE_VARIANT_ADD(regs, msr_line_bits) { REG(msr), UART_MSR_CTS, "msr 0x10" };
FIXTURE_VARIANT_ADD(regs, thri_2) { REG(thri), 2, "thri 2" };
FIXTURE_VARIANT_ADD(regs, rx_count_17) { REG(rx_count), 17, "rx_count 17" };
FIXTURE_VARIANT_ADD(regs, rx_past_count) { REG(rx[5]), 'x', "rx[5] past rx_count 4" };
FIXTURE_VARIANT_ADD(regs, reserved) { REG(reserved[3]), 1, "reserved[3]" };

FIXTURE_SETUP(regs)
{
	memset(&self->r, 0, sizeof(self->r));
	self->r.fcr = UART_FCR_ENABLE;
	self->r.rx_count = 4;
	memcpy(self->r.rx, "abcd", 4);
}
FIXTURE_TEARDOWN(regs) {}

TEST_F(regs, check)
{
	char why[160] = "";

	((u8 *)&self->r)[variant->off] = variant->val;
	if (!variant->why) {
		EXPECT_EQ(0, uart_regs_check(&self->r, why, sizeof(why)));
		return;
	}
	EXPECT_EQ(-EINVAL, uart_regs_check(&self->r, why, sizeof(why)));
	EXPECT_NONNULL(strstr(why, variant->why));
}

/* Without the FIFO, the receive buffer is one byte. */
TEST(regs, two_bytes_without_fifo)
{
	struct uart_regs r = { .rx_count = 2, .rx = { 'a', 'b' } };
	char why[160] = "";

	EXPECT_EQ(-EINVAL, uart_regs_check(&r, why, sizeof(why)));
	EXPECT_NONNULL(strstr(why, "rx_count 2, more than the 1 bytes"));
}
