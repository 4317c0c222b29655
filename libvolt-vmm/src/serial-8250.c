/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <volt/core/log.h>

#include "pio-device.h"
#include "serial-8250.h"
#include "vm-internal.h"

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

/* ---- COM1 of the VM: the console (pio-device.h) ---------------------------- */

static void console_tx(void *ctx, uint8_t byte)
{
	struct volt_vmm *vm = ctx;

	if (vm->console_fd < 0)
		return;
	/* A console that stopped reading must not stop the guest: drop on error. */
	while (write(vm->console_fd, &byte, 1) < 0 && errno == EINTR)
		;
}

static void console_irq(void *ctx, bool level)
{
	struct volt_vmm *vm = ctx;
	struct kvm_irq_level irq = { .irq = UART_COM1_IRQ, .level = level };

	if (vm->vm_fd >= 0 && ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		volt_log(VOLT_LOG_DEBUG, "vmm: KVM_IRQ_LINE %u: %m", irq.irq);
}

static void com1_init(struct volt_vmm *vm)
{
	uart8250_init(&vm->uart, console_tx, console_irq, vm);
}

static enum io_event com1_access(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
				 unsigned int size)
{
	if (size != 1) {  /* byte registers only */
		if (!is_write)
			pio_floating(data, size);
	} else if (is_write) {
		uart8250_write(&vm->uart, port - UART_COM1_BASE, data[0]);
	} else {
		data[0] = uart8250_read(&vm->uart, port - UART_COM1_BASE);
	}
	return IO_EVENT_NONE;
}

const struct pio_device pio_uart_com1 = {
	.name = "uart-com1",
	.base = UART_COM1_BASE,
	.len = UART_PORTS,
	.init = com1_init,
	.access = com1_access,
};
