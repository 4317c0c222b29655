/*
 * The ACPI PM1a fixed-hardware registers (ACPI 6.x, 4.8.3): the event
 * block (status, enable) and the control block, in port space. Stardust
 * raises no events; what matters is the control register, where the
 * guest's soft-off lands: SLP_TYP = the \_S5 type with SLP_EN set. The
 * port device (pio-device.h) is pio_acpi_pm in acpi-pm.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_ACPI_PM_H
#define VOLT_VMM_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"

#define ACPI_PM_PORTS     (ACPI_PM1_EVT_LEN + ACPI_PM1_CNT_LEN)
#define ACPI_PM1_SCI_EN   0x0001    /* control: the machine is in ACPI mode */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK  0x1c00
#define ACPI_PM1_SLP_EN   0x2000    /* control, write-only: enter SLP_TYP */

struct acpi_pm {
	uint16_t status;  /* write 1 to clear; nothing ever sets a bit */
	uint16_t enable;
	uint16_t control;
};

/* True if @port is one of the PM1a registers. */
static inline bool acpi_pm_claims(uint16_t port)
{
	return port >= ACPI_PM1A_EVT_PORT && port < ACPI_PM1A_EVT_PORT + ACPI_PM_PORTS;
}

/* A guest read of @size bytes at @port (ports past the block read 0xff). */
void acpi_pm_read(const struct acpi_pm *pm, uint16_t port, uint8_t *data, unsigned int size);

/* A guest write; true if it asked for soft-off (S5). */
bool acpi_pm_write(struct acpi_pm *pm, uint16_t port, const uint8_t *data, unsigned int size);

#endif
