/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "acpi-pm.h"
#include "acpi.h"
#include "bytes.h"
#include "check-main.h"
#include "layout.h"
#include "test-helpers.h"

/* Find the RSDP the way a guest without a boot-protocol pointer does. */
static const uint8_t *scan_rsdp(const struct guest_mem *mem)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (memcmp(mem->host + a, "RSD PTR ", 8) == 0)
			return mem->host + a;
	return NULL;
}

static const uint8_t *table_at(const struct guest_mem *mem, uint64_t gpa, const char sig[4])
{
	const uint8_t *t = guest_mem_ptr(mem, gpa, 36);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(memcmp(t, sig, 4), 0);
	ck_assert_ptr_nonnull(guest_mem_ptr(mem, gpa, get_le32(t + 4)));
	ck_assert_uint_eq(acpi_checksum(t, get_le32(t + 4)), 0);
	return t;
}

START_TEST(acpi_tables_chain_from_the_rsdp)
{
	struct guest_mem mem = test_mem();

	for (unsigned int cpus = 1; cpus <= 32; cpus++) {
		int64_t rsdp_gpa = acpi_write_tables(&mem, cpus);
		const uint8_t *rsdp = scan_rsdp(&mem), *xsdt, *fadt = NULL, *madt = NULL, *dsdt, *facs;
		const uint8_t *p, *end;
		unsigned int lapics = 0, ioapics = 0;

		ck_assert_int_ge(rsdp_gpa, 0);
		ck_assert_ptr_eq(rsdp, mem.host + rsdp_gpa);
		ck_assert_uint_eq(acpi_checksum(rsdp, 20), 0);
		ck_assert_uint_eq(acpi_checksum(rsdp, 36), 0);
		ck_assert_uint_eq(rsdp[15], 2);
		xsdt = table_at(&mem, get_le64(rsdp + 24), "XSDT");
		for (uint32_t off = 36; off < get_le32(xsdt + 4); off += 8) {
			const uint8_t *t = mem.host + get_le64(xsdt + off);

			if (memcmp(t, "FACP", 4) == 0)
				fadt = table_at(&mem, get_le64(xsdt + off), "FACP");
			else if (memcmp(t, "APIC", 4) == 0)
				madt = table_at(&mem, get_le64(xsdt + off), "APIC");
		}
		ck_assert_ptr_nonnull(fadt);
		ck_assert_ptr_nonnull(madt);

		/* The FADT: PM1a blocks on our ports, DSDT and FACS reachable. */
		ck_assert_uint_eq(get_le32(fadt + 4), 276);
		ck_assert_uint_eq(get_le32(fadt + 56), ACPI_PM1A_EVT_PORT);
		ck_assert_uint_eq(get_le32(fadt + 64), ACPI_PM1A_CNT_PORT);
		ck_assert_uint_eq(fadt[88], 4);
		ck_assert_uint_eq(fadt[89], 2);
		ck_assert_uint_eq(get_le16(fadt + 46), ACPI_SCI_IRQ);
		ck_assert_uint_eq(get_le32(fadt + 48), 0); /* no SMI: always in ACPI mode */
		ck_assert_uint_eq(get_le32(fadt + 40), get_le64(fadt + 140));
		facs = mem.host + get_le32(fadt + 36);
		ck_assert_int_eq(memcmp(facs, "FACS", 4), 0);
		ck_assert_uint_eq(get_le32(fadt + 36) % 64, 0);
		dsdt = table_at(&mem, get_le64(fadt + 140), "DSDT");
		/* Name (_S5_, Package (4) { 5, 5, 0, 0 }) */
		ck_assert_int_eq(memcmp(dsdt + 36, "\x08_S5_\x12\x08\x04\x0a\x05\x0a\x05\x00\x00", 14), 0);

		/* The MADT: one enabled local APIC per vCPU, the I/O APIC after them. */
		ck_assert_uint_eq(get_le32(madt + 36), GUEST_LAPIC_ADDR);
		end = madt + get_le32(madt + 4);
		for (p = madt + 44; p < end; p += p[1]) {
			ck_assert_uint_ge(p[1], 2);
			if (p[0] == 0) {
				ck_assert_uint_eq(p[3], lapics);
				ck_assert_uint_eq(get_le32(p + 4), 1);
				lapics++;
			} else if (p[0] == 1) {
				ck_assert_uint_eq(p[2], cpus);
				ck_assert_uint_eq(get_le32(p + 4), GUEST_IOAPIC_ADDR);
				ioapics++;
			}
		}
		ck_assert_ptr_eq(p, end);
		ck_assert_uint_eq(lapics, cpus);
		ck_assert_uint_eq(ioapics, 1);
	}
	test_mem_free(&mem);
}
END_TEST

START_TEST(acpi_tables_refuse_what_does_not_fit)
{
	struct guest_mem mem = test_mem();
	struct guest_mem tiny = { .host = mem.host, .size = 0xe0800 };

	ck_assert_int_eq(acpi_write_tables(&mem, 0), -EINVAL);
	ck_assert_int_eq(acpi_write_tables(&mem, 256), -EINVAL);
	ck_assert_int_eq(acpi_write_tables(&tiny, 1), -EFAULT);
	test_mem_free(&mem);
}
END_TEST

static bool pm_write16(struct acpi_pm *pm, uint16_t port, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return acpi_pm_write(pm, port, b, 2);
}

static uint16_t pm_read16(const struct acpi_pm *pm, uint16_t port)
{
	uint8_t b[2];

	acpi_pm_read(pm, port, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

START_TEST(acpi_pm_soft_off_is_s5_with_slp_en)
{
	struct acpi_pm pm = { 0 };
	uint16_t s5 = ACPI_S5_SLP_TYP << ACPI_PM1_SLP_TYP_SHIFT;
	uint8_t lo, hi;

	/* In ACPI mode from the start. */
	ck_assert_uint_eq(pm_read16(&pm, ACPI_PM1A_CNT_PORT) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
	/* SLP_TYP alone does nothing; with SLP_EN it is soft-off, once. */
	ck_assert(!pm_write16(&pm, ACPI_PM1A_CNT_PORT, s5));
	ck_assert(pm_write16(&pm, ACPI_PM1A_CNT_PORT, s5 | ACPI_PM1_SLP_EN));
	ck_assert_uint_eq(pm_read16(&pm, ACPI_PM1A_CNT_PORT) & ACPI_PM1_SLP_EN, 0);
	/* Another sleep type is not defined: ignored. */
	ck_assert(!pm_write16(&pm, ACPI_PM1A_CNT_PORT, 3 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN));
	/* Byte writes: the high byte carries SLP_TYP and SLP_EN. */
	lo = 0;
	hi = (uint8_t)((s5 | ACPI_PM1_SLP_EN) >> 8);
	ck_assert(!acpi_pm_write(&pm, ACPI_PM1A_CNT_PORT, &lo, 1));
	ck_assert(acpi_pm_write(&pm, ACPI_PM1A_CNT_PORT + 1, &hi, 1));
}
END_TEST

START_TEST(acpi_pm_event_registers)
{
	struct acpi_pm pm = { .status = 0x8001 };
	uint8_t b[4] = { 0 };

	pm_write16(&pm, ACPI_PM1A_EVT_PORT + 2, 0x0120);
	ck_assert_uint_eq(pm_read16(&pm, ACPI_PM1A_EVT_PORT + 2), 0x0120);
	/* Status bits clear when written with 1. */
	pm_write16(&pm, ACPI_PM1A_EVT_PORT, 0x0001);
	ck_assert_uint_eq(pm_read16(&pm, ACPI_PM1A_EVT_PORT), 0x8000);
	/* A 4-byte access over the last port reads 0xff past the block. */
	acpi_pm_read(&pm, ACPI_PM1A_CNT_PORT, b, 4);
	ck_assert_uint_eq(b[2], 0xff);
	ck_assert_uint_eq(b[3], 0xff);
	ck_assert(acpi_pm_claims(ACPI_PM1A_EVT_PORT));
	ck_assert(acpi_pm_claims(ACPI_PM1A_CNT_PORT + 1));
	ck_assert(!acpi_pm_claims(ACPI_PM1A_CNT_PORT + 2));
}
END_TEST

CHECK_MAIN("acpi", acpi_tables_chain_from_the_rsdp, acpi_tables_refuse_what_does_not_fit,
	   acpi_pm_soft_off_is_s5_with_slp_en, acpi_pm_event_registers)
