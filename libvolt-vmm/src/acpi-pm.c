/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/core/log.h>

#include "acpi-pm.h"
#include "pio-device.h"
#include "vm-internal.h"

static uint8_t reg_byte(const struct acpi_pm *pm, unsigned int off)
{
	uint16_t v;

	switch (off / 2) {
	case 0: v = pm->status; break;
	case 1: v = pm->enable; break;
	default: v = (uint16_t)(pm->control | ACPI_PM1_SCI_EN); break;
	}
	return (uint8_t)(off & 1 ? v >> 8 : v);
}

static void set_byte(uint16_t *reg, unsigned int off, uint8_t b)
{
	*reg = off & 1 ? (uint16_t)((*reg & 0x00ff) | b << 8) : (uint16_t)((*reg & 0xff00) | b);
}

void acpi_pm_read(const struct acpi_pm *pm, uint16_t port, uint8_t *data, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++) {
		unsigned int off = (unsigned int)port - ACPI_PM1A_EVT_PORT + i;

		data[i] = off < ACPI_PM_PORTS ? reg_byte(pm, off) : 0xff;
	}
}

bool acpi_pm_write(struct acpi_pm *pm, uint16_t port, const uint8_t *data, unsigned int size)
{
	unsigned int typ;

	for (unsigned int i = 0; i < size; i++) {
		unsigned int off = (unsigned int)port - ACPI_PM1A_EVT_PORT + i;

		if (off >= ACPI_PM_PORTS)
			break;
		if (off < 2)
			pm->status &= (uint16_t)~(off & 1 ? data[i] << 8 : data[i]);
		else if (off < 4)
			set_byte(&pm->enable, off, data[i]);
		else
			set_byte(&pm->control, off, data[i]);
	}
	if (!(pm->control & ACPI_PM1_SLP_EN))
		return false;
	/* SLP_EN is write-only: it acts once and never reads back. */
	pm->control &= (uint16_t)~ACPI_PM1_SLP_EN;
	typ = (pm->control & ACPI_PM1_SLP_TYP_MASK) >> ACPI_PM1_SLP_TYP_SHIFT;
	if (typ == ACPI_S5_SLP_TYP)
		return true;
	/* Only \_S5 is defined, so a guest has no other type to ask for. */
	volt_log(VOLT_LOG_DEBUG, "vmm: guest asked for undefined sleep type %u; ignored", typ);
	return false;
}

static enum io_event pm_access(struct volt_vmm *vm, uint16_t port, bool is_write, uint8_t *data,
			       unsigned int size)
{
	if (is_write)
		return acpi_pm_write(&vm->pm, port, data, size) ? IO_EVENT_POWEROFF : IO_EVENT_NONE;
	acpi_pm_read(&vm->pm, port, data, size);
	return IO_EVENT_NONE;
}

const struct pio_device pio_acpi_pm = {
	.name = "acpi-pm1a",
	.base = ACPI_PM1A_EVT_PORT,
	.len = ACPI_PM_PORTS,
	.access = pm_access,
};
