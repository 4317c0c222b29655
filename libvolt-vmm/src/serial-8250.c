/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "serial-8250.h"

/* Register offsets. */
enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI       0x01
#define IER_THRI      0x02
#define IIR_NO_INT    0x01
#define IIR_THRI      0x02
#define IIR_RDI       0x04
#define IIR_FIFO_ON   0xc0
#define FCR_ENABLE    0x01
#define FCR_CLEAR_RX  0x02
#define LCR_DLAB      0x80
#define MCR_DTR       0x01
#define MCR_RTS       0x02
#define MCR_OUT1      0x04
#define MCR_OUT2      0x08
#define MCR_LOOP      0x10
#define LSR_DR        0x01
#define LSR_THRE      0x20
#define LSR_TEMT      0x40
#define MSR_CTS       0x10
#define MSR_DSR       0x20
#define MSR_RI        0x40
#define MSR_DCD       0x80

static uint8_t pending_iir(const struct uart8250 *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_interrupt)
		return IIR_THRI;
	return IIR_NO_INT;
}

static void update_irq(struct uart8250 *u)
{
	bool level = pending_iir(u) != IIR_NO_INT;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->ctx, level);
	}
}

void uart8250_init(struct uart8250 *u, void (*tx)(void *ctx, uint8_t byte),
		   void (*set_irq)(void *ctx, bool level), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->set_irq = set_irq;
	u->ctx = ctx;
	u->mcr = MCR_OUT2;
	u->dll = 12; /* 9600 baud, as after reset */
}

static void rx_push(struct uart8250 *u, uint8_t byte)
{
	if (u->rx_count == UART_RX_FIFO)
		return; /* overrun: the byte is lost, as on hardware */
	u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO] = byte;
	u->rx_count++;
}

static uint8_t rx_pop(struct uart8250 *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_FIFO;
	u->rx_count--;
	return byte;
}

static uint8_t modem_status(const struct uart8250 *u)
{
	uint8_t msr = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS; /* a cable that is always ready */
	/* Loopback wires the modem outputs back to the inputs. */
	if (u->mcr & MCR_RTS)
		msr |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		msr |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		msr |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		msr |= MSR_DCD;
	return msr;
}

uint8_t uart8250_read(struct uart8250 *u, unsigned int offset)
{
	uint8_t v = 0;

	switch (offset) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		v = rx_pop(u);
		break;
	case IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case IIR_FCR:
		v = pending_iir(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (v == IIR_THRI)
			u->thr_interrupt = false;
		if (u->fcr & FCR_ENABLE)
			v |= IIR_FIFO_ON;
		break;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case MSR:
		return modem_status(u);
	case SCR:
		return u->scr;
	default:
		return 0xff;
	}
	update_irq(u);
	return v;
}

void uart8250_write(struct uart8250 *u, unsigned int offset, uint8_t value)
{
	switch (offset) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = value;
			return;
		}
		if (u->mcr & MCR_LOOP)
			rx_push(u, value);
		else if (u->tx)
			u->tx(u->ctx, value);
		/* Sent at once: the holding register is empty again. */
		u->thr_interrupt = true;
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = value;
			return;
		}
		/* Enabling THRE interrupts with an empty THR raises one at once. */
		if ((value & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_interrupt = true;
		u->ier = value & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = value & 0xc9;
		if (value & FCR_CLEAR_RX)
			u->rx_count = 0;
		break;
	case LCR:
		u->lcr = value;
		return;
	case MCR:
		u->mcr = value & 0x1f;
		break;
	case SCR:
		u->scr = value;
		return;
	default:
		return; /* LSR and MSR are read-only */
	}
	update_irq(u);
}

size_t uart8250_receive(struct uart8250 *u, const uint8_t *data, size_t len)
{
	size_t n = 0;

	while (n < len && u->rx_count < UART_RX_FIFO)
		rx_push(u, data[n++]);
	update_irq(u);
	return n;
}
