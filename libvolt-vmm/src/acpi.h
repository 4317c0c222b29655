/*
 * The smallest ACPI a Linux guest needs to power itself off: an RSDP
 * found in the BIOS area (and handed over by the boot protocols), an
 * XSDT, a FADT whose PM1a control block is a port of ours, a FACS, a
 * DSDT that defines the \_S5 sleep package and the virtio-mmio devices
 * (HID LNRO0005: a kernel whose virtio_mmio is a module, without
 * command-line devices, finds them there), and a MADT describing
 * the same CPUs and I/O APIC as the MP table (a guest with ACPI prefers
 * the MADT). `poweroff -f` then ends in a write of SLP_TYP|SLP_EN to the
 * PM1a control port, which acpi-pm.c turns into a clean end of the VM.
 * A kernel without ACPI ignores all of it.
 *
 * Sources: the ACPI specification 6.x, chapters 5.2 (tables) and 4.8
 * (fixed hardware registers); the \_S5 package in chapter 7.4.2.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_ACPI_H
#define VOLT_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "guest-memory.h"
#include "layout.h"

/* Where the tables go: reserved BIOS area below 1 MiB (see e820.c). */
#define ACPI_TABLES_ADDR   GUEST_ACPI_ADDR /* the RSDP, 16-byte aligned, first */
#define ACPI_TABLES_SIZE   0x1000ULL

/* The PM1a register blocks, in port space. */
#define ACPI_PM1A_EVT_PORT 0x600        /* status (2 bytes), enable (2 bytes) */
#define ACPI_PM1A_CNT_PORT 0x604        /* control (2 bytes) */
#define ACPI_PM1_EVT_LEN   4
#define ACPI_PM1_CNT_LEN   2
#define ACPI_SCI_IRQ       9

/* The sleep type the DSDT's \_S5 package gives for soft-off. */
#define ACPI_S5_SLP_TYP    5

/* A virtio-mmio window for the DSDT: below 4 GiB, one edge-triggered GSI. */
struct acpi_mmio_device {
	uint64_t base;
	uint64_t size;
	unsigned int irq;
};

/* Devices the DSDT has room for (its space ends at ACPI_TABLES_SIZE). */
#define ACPI_MMIO_DEVICES_MAX 16u

/*
 * Write all tables at ACPI_TABLES_ADDR for @cpus processors (local APIC
 * ids 0..cpus-1, I/O APIC id @cpus, as in the MP table) and @n_devs
 * virtio-mmio devices (Device VR00, VR01, ... in \_SB). Called again
 * when the devices change; the addresses stay. Returns the guest-physical
 * address of the RSDP, or -EINVAL/-EFAULT.
 */
int64_t acpi_write_tables(const struct guest_mem *mem, unsigned int cpus,
			  const struct acpi_mmio_device *devs, unsigned int n_devs);

/* Sum of @len bytes modulo 256: zero for every valid ACPI table. */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
