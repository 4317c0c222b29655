/*
 * Port I/O from the guest, dispatched by port number through the table
 * of port devices (pio-device.h). The in-kernel irqchip and PIT handle
 * their own ports; what reaches user space is the UART, the i8042 reset
 * line, the ACPI PM1a registers (soft-off), and everything a PC has but
 * Stardust does not, which reads as a floating bus (all ones) and
 * ignores writes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "pio-device.h"
#include "vm-internal.h"

/* The console first: it takes nearly every port exit. */
static const struct pio_device *const pio_devices[] = {
	&pio_uart_com1,
	&pio_i8042,
	&pio_acpi_pm,
};

void io_bus_init(struct volt_vmm *vm)
{
	for (unsigned int i = 0; i < sizeof(pio_devices) / sizeof(pio_devices[0]); i++)
		if (pio_devices[i]->init)
			pio_devices[i]->init(vm);
}

enum io_event io_bus_access(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
			    unsigned int size)
{
	enum io_event event = IO_EVENT_NONE;
	unsigned int i;

	pthread_mutex_lock(&vm->bus_lock);
	for (i = 0; i < sizeof(pio_devices) / sizeof(pio_devices[0]); i++) {
		const struct pio_device *d = pio_devices[i];

		if ((unsigned int)(port - d->base) < d->len) {
			event = d->access(vm, port, is_write, data, size);
			break;
		}
	}
	if (i == sizeof(pio_devices) / sizeof(pio_devices[0]) && !is_write)
		pio_floating(data, size);
	pthread_mutex_unlock(&vm->bus_lock);
	return event;
}
