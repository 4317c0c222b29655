/*
 * Intel MultiProcessor Specification 1.4 tables: how a guest without
 * ACPI learns its CPUs, its I/O APIC and the wiring of the ISA
 * interrupts. Linux scans the last KiB of conventional memory for the
 * floating pointer, so the tables go at GUEST_EBDA_ADDR.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_MPTABLE_H
#define VOLT_VMM_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "guest-memory.h"

/* The tables must fit the 1 KiB below 640 KiB. */
#define MPTABLE_MAX_CPUS 32

/* Bytes the tables take for @cpus processors (floating pointer included). */
size_t mptable_size(unsigned int cpus);

/*
 * Write the floating pointer and configuration table at @gpa for @cpus
 * processors (local APIC ids 0..cpus-1, the I/O APIC gets id @cpus).
 * -EINVAL for 0 or more than MPTABLE_MAX_CPUS; -EFAULT if it does not fit.
 */
int mptable_write(const struct guest_mem *mem, uint64_t gpa, unsigned int cpus);

/* Sum of @len bytes modulo 256: zero for every valid MP structure. */
uint8_t mptable_checksum(const uint8_t *p, size_t len);

#endif
