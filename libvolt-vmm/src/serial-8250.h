/*
 * A 16550A-compatible UART (the 8250 family, register set from the
 * datasheet) as the guest console on I/O port 0x3f8, IRQ 4. Bytes the
 * guest transmits go out through a callback at once, so the transmitter
 * is always empty; received bytes wait in a small FIFO. The interrupt
 * line is reported through a second callback whenever its level changes.
 *
 * A pure state machine, no I/O of its own, so it is tested without KVM;
 * its binding to the VM (COM1 as the console, pio-device.h) is
 * pio_uart_com1 at the end of serial-8250.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_SERIAL_8250_H
#define VOLT_VMM_SERIAL_8250_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_PORTS     8
#define UART_RX_FIFO   64

struct uart8250 {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_interrupt;          /* THRE interrupt pending until IIR read or THR write */
	bool irq_level;
	uint8_t rx[UART_RX_FIFO];
	unsigned int rx_head, rx_count;
	void (*tx)(void *ctx, uint8_t byte);
	void (*set_irq)(void *ctx, bool level);
	void *ctx;
};

void uart8250_init(struct uart8250 *u, void (*tx)(void *ctx, uint8_t byte),
		   void (*set_irq)(void *ctx, bool level), void *ctx);

/* Guest access to register @offset (0-7) from the base port. */
uint8_t uart8250_read(struct uart8250 *u, unsigned int offset);
void uart8250_write(struct uart8250 *u, unsigned int offset, uint8_t value);

/* Host input: queue up to @len bytes; returns how many fitted. */
size_t uart8250_receive(struct uart8250 *u, const uint8_t *data, size_t len);

#endif
