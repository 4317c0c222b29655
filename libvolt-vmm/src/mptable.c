/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>

#include "bytes.h"
#include "layout.h"
#include "mptable.h"

#define FLOATING_SIZE  16
#define HEADER_SIZE    44
#define CPU_ENTRY      20
#define SHORT_ENTRY    8
#define ISA_IRQS       16

enum { MP_CPU = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

#define APIC_VERSION   0x14
#define IOAPIC_VERSION 0x11
#define CPU_EN         0x01
#define CPU_BP         0x02
/* Family 6 signature with FPU and APIC feature bits; Linux only looks at APIC ids. */
#define CPU_SIGNATURE  0x600
#define CPU_FEATURES   0x201

size_t mptable_size(unsigned int cpus)
{
	return FLOATING_SIZE + HEADER_SIZE + (size_t)cpus * CPU_ENTRY +
	       SHORT_ENTRY * (1 + 1 + ISA_IRQS + 2);
}

uint8_t mptable_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

static uint8_t *short_entry(uint8_t *p, uint8_t type, uint8_t a, uint16_t flags, uint8_t bus,
			    uint8_t bus_irq, uint8_t dst, uint8_t dst_pin)
{
	p[0] = type;
	p[1] = a;
	put_le16(p + 2, flags);
	p[4] = bus;
	p[5] = bus_irq;
	p[6] = dst;
	p[7] = dst_pin;
	return p + SHORT_ENTRY;
}

int mptable_write(const struct guest_mem *mem, uint64_t gpa, unsigned int cpus)
{
	size_t size = mptable_size(cpus);
	uint8_t *base, *table, *p;
	uint8_t ioapic_id = (uint8_t)cpus;
	uint16_t entries = 0;

	if (cpus == 0 || cpus > MPTABLE_MAX_CPUS)
		return volt_error_set(EINVAL, "%u vCPUs: between 1 and %d are supported", cpus,
				      MPTABLE_MAX_CPUS);
	base = guest_mem_ptr(mem, gpa, size);
	if (!base)
		return volt_error_set(EFAULT, "MP table at 0x%llx does not fit in guest memory",
				      (unsigned long long)gpa);
	memset(base, 0, size);
	table = base + FLOATING_SIZE;

	/* Entries first; the header needs their count and length. */
	p = table + HEADER_SIZE;
	for (unsigned int i = 0; i < cpus; i++, entries++) {
		p[0] = MP_CPU;
		p[1] = (uint8_t)i;
		p[2] = APIC_VERSION;
		p[3] = CPU_EN | (i == 0 ? CPU_BP : 0);
		put_le32(p + 4, CPU_SIGNATURE);
		put_le32(p + 8, CPU_FEATURES);
		p += CPU_ENTRY;
	}
	p[0] = MP_BUS;
	p[1] = 0;
	memcpy(p + 2, "ISA   ", 6);
	p += SHORT_ENTRY;
	entries++;

	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = IOAPIC_VERSION;
	p[3] = 1; /* enabled */
	put_le32(p + 4, (uint32_t)GUEST_IOAPIC_ADDR);
	p += SHORT_ENTRY;
	entries++;

	/* ISA IRQ n arrives on I/O APIC pin n (KVM's default GSI routing). */
	for (uint8_t irq = 0; irq < ISA_IRQS; irq++, entries++)
		p = short_entry(p, MP_IOINT, MP_INT, 0, 0, irq, ioapic_id, irq);
	/* The 8259 behind LINT0 of every CPU, NMI on LINT1. */
	p = short_entry(p, MP_LINT, MP_EXTINT, 0, 0, 0, 0xff, 0);
	p = short_entry(p, MP_LINT, MP_NMI, 0, 0, 0, 0xff, 1);
	entries += 2;

	memcpy(table, "PCMP", 4);
	put_le16(table + 4, (uint16_t)(p - table));
	table[6] = 4; /* spec revision 1.4 */
	memcpy(table + 8, "VOLT    ", 8);
	memcpy(table + 16, "STARDUST    ", 12);
	put_le16(table + 34, entries);
	put_le32(table + 36, (uint32_t)GUEST_LAPIC_ADDR);
	table[7] = (uint8_t)-mptable_checksum(table, (size_t)(p - table));

	memcpy(base, "_MP_", 4);
	put_le32(base + 4, (uint32_t)(gpa + FLOATING_SIZE));
	base[8] = 1; /* length in 16-byte units */
	base[9] = 4;
	base[10] = (uint8_t)-mptable_checksum(base, FLOATING_SIZE);
	return 0;
}
