/*
 * The port-I/O devices of the platform (io-bus.c): each file of one
 * (serial-8250.c, i8042.c, acpi-pm.c) defines one struct pio_device,
 * and io-bus.c's table lists them; a port no entry claims reads as the
 * floating bus. Entries do not overlap. A guest port access costs the
 * table walk (three ranges) and one call.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_PIO_DEVICE_H
#define VOLT_VMM_PIO_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

struct volt_vmm;
enum io_event;

struct pio_device {
	const char *name;
	uint16_t base;            /* ports base .. base + len - 1 come here */
	uint16_t len;
	/* Set up the device's state in @vm (volt_vmm_new()). Optional. */
	void (*init)(struct volt_vmm *vm);
	/*
	 * A guest access of @size bytes at @port, with the VM's bus lock
	 * held; a read the device does not serve must fill @data with 0xff.
	 * Returns what the access asked of the VM (enum io_event).
	 */
	enum io_event (*access)(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
				unsigned int size);
};

extern const struct pio_device pio_uart_com1;
extern const struct pio_device pio_i8042;
extern const struct pio_device pio_acpi_pm;

/* A read nobody serves: the floating bus. */
static inline void pio_floating(uint8_t *data, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		data[i] = 0xff;
}

#endif
