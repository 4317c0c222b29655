/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "check-main.h"
#include "i8042.h"
#include "serial-8250.h"

struct sink {
	char out[256];
	size_t len;
	int irq_changes;
	bool irq;
};

static void sink_tx(void *ctx, uint8_t byte)
{
	struct sink *s = ctx;
	if (s->len < sizeof(s->out) - 1)
		s->out[s->len++] = (char)byte;
}

static void sink_irq(void *ctx, bool level)
{
	struct sink *s = ctx;
	s->irq = level;
	s->irq_changes++;
}

enum { THR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

START_TEST(transmits_bytes_and_stays_ready)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, sink_tx, sink_irq, &s);
	for (const char *p = "hello"; *p; p++) {
		ck_assert_uint_eq(uart8250_read(&u, LSR) & 0x60, 0x60); /* THRE | TEMT */
		uart8250_write(&u, THR, (uint8_t)*p);
	}
	ck_assert_str_eq(s.out, "hello");
	ck_assert_int_eq(s.irq_changes, 0); /* no interrupts enabled */
	ck_assert_uint_eq(uart8250_read(&u, IIR) & 0x0f, 0x01);
}
END_TEST

START_TEST(divisor_latch_hides_data_registers)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, sink_tx, sink_irq, &s);
	uart8250_write(&u, LCR, 0x83);
	uart8250_write(&u, THR, 0x01); /* DLL: 115200 baud */
	uart8250_write(&u, IER, 0x00); /* DLM */
	ck_assert_uint_eq(uart8250_read(&u, THR), 0x01);
	ck_assert_uint_eq(uart8250_read(&u, LCR), 0x83);
	uart8250_write(&u, LCR, 0x03);
	ck_assert_uint_eq(s.len, 0);
	uart8250_write(&u, SCR, 0x5a);
	ck_assert_uint_eq(uart8250_read(&u, SCR), 0x5a);
}
END_TEST

START_TEST(thre_interrupt_follows_the_datasheet)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, sink_tx, sink_irq, &s);
	/* Enabling ETBEI with an empty THR raises THRI at once. */
	uart8250_write(&u, IER, 0x02);
	ck_assert(s.irq);
	ck_assert_uint_eq(uart8250_read(&u, IIR) & 0x0f, 0x02);
	/* Reading IIR acknowledged it. */
	ck_assert(!s.irq);
	ck_assert_uint_eq(uart8250_read(&u, IIR) & 0x0f, 0x01);
	/* Each transmitted byte empties THR again: a new edge. */
	uart8250_write(&u, THR, 'x');
	ck_assert(s.irq);
	uart8250_write(&u, IER, 0x00);
	ck_assert(!s.irq);
}
END_TEST

START_TEST(receives_into_a_fifo)
{
	struct uart8250 u;
	struct sink s = { 0 };
	uint8_t big[UART_RX_FIFO + 10];

	uart8250_init(&u, sink_tx, sink_irq, &s);
	uart8250_write(&u, IER, 0x01);
	ck_assert(!s.irq);
	ck_assert_uint_eq(uart8250_receive(&u, (const uint8_t *)"ab", 2), 2);
	ck_assert(s.irq);
	ck_assert_uint_eq(uart8250_read(&u, IIR) & 0x0f, 0x04);
	ck_assert_uint_eq(uart8250_read(&u, LSR) & 1, 1);
	ck_assert_uint_eq(uart8250_read(&u, THR), 'a');
	ck_assert_uint_eq(uart8250_read(&u, THR), 'b');
	ck_assert_uint_eq(uart8250_read(&u, LSR) & 1, 0);
	ck_assert(!s.irq);
	memset(big, 'z', sizeof(big));
	ck_assert_uint_eq(uart8250_receive(&u, big, sizeof(big)), UART_RX_FIFO);
	uart8250_write(&u, IIR, 0x03); /* FIFO enable + clear RX */
	ck_assert_uint_eq(uart8250_read(&u, LSR) & 1, 0);
	ck_assert_uint_eq(uart8250_read(&u, IIR) & 0xc0, 0xc0); /* 16550A FIFOs */
}
END_TEST

START_TEST(loopback_passes_linux_probe)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, sink_tx, sink_irq, &s);
	/* Linux's 8250 autoconfig: loopback with RTS and OUT2 must read CTS and DCD. */
	uart8250_write(&u, MCR, 0x1a);
	ck_assert_uint_eq(uart8250_read(&u, MSR) & 0xf0, 0x90);
	uart8250_write(&u, THR, 'q');
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(uart8250_read(&u, THR), 'q');
	uart8250_write(&u, MCR, 0x0b);
	ck_assert_uint_eq(uart8250_read(&u, MSR) & 0xb0, 0xb0);
	ck_assert_uint_eq(uart8250_read(&u, 9), 0xff);
}
END_TEST

START_TEST(i8042_reset_only_on_fe_to_the_command_port)
{
	ck_assert(i8042_write(I8042_COMMAND_PORT, 0xfe));
	ck_assert(!i8042_write(I8042_COMMAND_PORT, 0xad));
	ck_assert(!i8042_write(I8042_DATA_PORT, 0xfe));
	/* Output buffer stuck full (Linux: no controller), input buffer free (reset path). */
	ck_assert_uint_eq(i8042_read(I8042_COMMAND_PORT) & (I8042_STATUS_OBF | I8042_STATUS_IBF),
			  I8042_STATUS_OBF);
}
END_TEST

CHECK_MAIN("serial-8250", transmits_bytes_and_stays_ready, divisor_latch_hides_data_registers,
	   thre_interrupt_follows_the_datasheet, receives_into_a_fifo, loopback_passes_linux_probe,
	   i8042_reset_only_on_fe_to_the_command_port)
