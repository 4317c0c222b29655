/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
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
		int64_t rsdp_gpa = acpi_write_tables(&mem, cpus, NULL, 0);
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

	ck_assert_int_eq(acpi_write_tables(&mem, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(acpi_write_tables(&mem, 256, NULL, 0), -EINVAL);
	ck_assert_int_eq(acpi_write_tables(&tiny, 1, NULL, 0), -EFAULT);
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

/* Decode an AML PkgLength at @p: the package's length (itself included) and its size in bytes. */
static size_t pkg_length(const uint8_t *p, size_t *bytes)
{
	size_t n = (size_t)(p[0] >> 6) + 1, len;

	*bytes = n;
	if (n == 1)
		return p[0] & 0x3f;
	len = p[0] & 0x0f;
	for (size_t i = 1; i < n; i++)
		len |= (size_t)p[i] << (4 + 8 * (i - 1));
	return len;
}

/*
 * The DSDT with devices: \_S5, then Scope (\_SB) holding one Device per
 * window with _HID "LNRO0005", _UID n and a _CRS of Memory32Fixed(base,
 * 4 KiB) and Interrupt(edge, high, exclusive) {irq}. Every PkgLength
 * must end exactly where the next object starts.
 */
START_TEST(acpi_dsdt_describes_virtio_mmio_devices)
{
	struct guest_mem mem = test_mem();
	struct acpi_mmio_device devs[ACPI_MMIO_DEVICES_MAX];
	static const unsigned int counts[] = { 1, 2, 12, ACPI_MMIO_DEVICES_MAX };

	for (unsigned int i = 0; i < ACPI_MMIO_DEVICES_MAX; i++)
		devs[i] = (struct acpi_mmio_device){ 0xd0000000 + i * 0x1000ULL, 0x1000, 5 + i };
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int n = counts[c];
		int64_t rsdp = acpi_write_tables(&mem, 32, devs, n);
		const uint8_t *xsdt, *fadt, *dsdt, *p, *scope_end;
		size_t lb, len;

		ck_assert_int_ge(rsdp, 0);
		xsdt = table_at(&mem, get_le64(mem.host + rsdp + 24), "XSDT");
		fadt = table_at(&mem, get_le64(xsdt + 36), "FACP");
		table_at(&mem, get_le64(xsdt + 44), "APIC");
		dsdt = table_at(&mem, get_le64(fadt + 140), "DSDT");
		p = dsdt + 36 + 14;
		ck_assert_uint_eq(p[0], 0x10); /* ScopeOp */
		len = pkg_length(p + 1, &lb);
		scope_end = p + 1 + len;
		ck_assert_ptr_eq(scope_end, dsdt + get_le32(dsdt + 4));
		ck_assert_int_eq(memcmp(p + 1 + lb, "_SB_", 4), 0);
		p += 1 + lb + 4;
		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *dev_end, *crs;
			char name[5];

			ck_assert_uint_eq(p[0], 0x5b);
			ck_assert_uint_eq(p[1], 0x82);
			len = pkg_length(p + 2, &lb);
			dev_end = p + 2 + len;
			ck_assert(dev_end <= scope_end);
			snprintf(name, sizeof(name), "VR%02X", i & 0xff);
			ck_assert_int_eq(memcmp(p + 2 + lb, name, 4), 0);
			p += 2 + lb + 4;
			ck_assert_int_eq(memcmp(p, "\x08_HID\x0dLNRO0005\0", 15), 0);
			p += 15;
			ck_assert_int_eq(memcmp(p, "\x08_UID\x0a", 6), 0);
			ck_assert_uint_eq(p[6], i);
			p += 7;
			ck_assert_int_eq(memcmp(p, "\x08_CRS\x11", 6), 0);
			len = pkg_length(p + 6, &lb);
			ck_assert_ptr_eq(p + 6 + len, dev_end);
			crs = p + 6 + lb;
			ck_assert_uint_eq(crs[0], 0x0a);            /* BytePrefix: the buffer size */
			ck_assert_ptr_eq(crs + 2 + crs[1], dev_end);
			crs += 2;
			ck_assert_uint_eq(crs[0], 0x86);            /* Memory32Fixed */
			ck_assert_uint_eq(get_le16(crs + 1), 9);
			ck_assert_uint_eq(crs[3], 1);               /* read-write */
			ck_assert_uint_eq(get_le32(crs + 4), devs[i].base);
			ck_assert_uint_eq(get_le32(crs + 8), 0x1000);
			crs += 12;
			ck_assert_uint_eq(crs[0], 0x89);            /* Extended Interrupt */
			ck_assert_uint_eq(get_le16(crs + 1), 6);
			ck_assert_uint_eq(crs[3], 0x03);            /* consumer, edge, active high, exclusive */
			ck_assert_uint_eq(crs[4], 1);
			ck_assert_uint_eq(get_le32(crs + 5), devs[i].irq);
			crs += 9;
			ck_assert_uint_eq(crs[0], 0x79);            /* end tag */
			ck_assert_ptr_eq(crs + 2, dev_end);
			p = dev_end;
		}
		ck_assert_ptr_eq(p, scope_end);
	}
	/* Without devices the DSDT is the \_S5 package alone, as before. */
	{
		int64_t rsdp = acpi_write_tables(&mem, 1, NULL, 0);
		const uint8_t *xsdt = mem.host + get_le64(mem.host + rsdp + 24);
		const uint8_t *fadt = mem.host + get_le64(xsdt + 36);

		ck_assert_uint_eq(get_le32(mem.host + get_le64(fadt + 140) + 4), 36 + 14);
	}
	ck_assert_int_eq(acpi_write_tables(&mem, 1, devs, ACPI_MMIO_DEVICES_MAX + 1), -EINVAL);
	ck_assert_int_eq(acpi_write_tables(&mem, 1, NULL, 1), -EINVAL);
	devs[0].base = 0xfffff800;
	ck_assert_int_eq(acpi_write_tables(&mem, 1, devs, 1), -EINVAL);
	test_mem_free(&mem);
}
END_TEST

CHECK_MAIN("acpi", acpi_tables_chain_from_the_rsdp, acpi_dsdt_describes_virtio_mmio_devices, acpi_tables_refuse_what_does_not_fit,
	   acpi_pm_soft_off_is_s5_with_slp_en, acpi_pm_event_registers)
