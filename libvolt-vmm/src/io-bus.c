/*
 * Port I/O from the guest, dispatched by port number. The in-kernel
 * irqchip and PIT handle their own ports; what reaches user space is the
 * UART, the i8042 reset line, the ACPI PM1a registers (soft-off), and
 * everything a PC has but Stardust does
 * not, which reads as a floating bus (all ones) and ignores writes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <volt/core/log.h>

#include "i8042.h"
#include "vm-internal.h"

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

void io_bus_init(struct volt_vmm *vm)
{
	uart8250_init(&vm->uart, console_tx, console_irq, vm);
}

enum io_event io_bus_access(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
			    unsigned int size)
{
	enum io_event event = IO_EVENT_NONE;

	pthread_mutex_lock(&vm->bus_lock);
	if (port >= UART_COM1_BASE && port < UART_COM1_BASE + UART_PORTS && size == 1) {
		if (is_write)
			uart8250_write(&vm->uart, port - UART_COM1_BASE, data[0]);
		else
			data[0] = uart8250_read(&vm->uart, port - UART_COM1_BASE);
	} else if ((port == I8042_DATA_PORT || port == I8042_COMMAND_PORT) && size == 1) {
		if (is_write && i8042_write(port, data[0]))
			event = IO_EVENT_RESET;
		else if (!is_write)
			data[0] = i8042_read(port);
	} else if (acpi_pm_claims(port)) {
		if (is_write && acpi_pm_write(&vm->pm, port, data, size))
			event = IO_EVENT_POWEROFF;
		else if (!is_write)
			acpi_pm_read(&vm->pm, port, data, size);
	} else if (!is_write) {
		for (unsigned int i = 0; i < size; i++)
			data[i] = 0xff;
	}
	pthread_mutex_unlock(&vm->bus_lock);
	return event;
}
