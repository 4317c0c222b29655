/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <volt/core/error.h>

#include "acpi.h"
#include "bytes.h"
#include "layout.h"

/* Offsets of each table inside the ACPI_TABLES_SIZE window. */
#define OFF_RSDP 0x000
#define OFF_XSDT 0x040
#define OFF_FADT 0x080
#define OFF_FACS 0x1c0 /* the FACS must be 64-byte aligned */
#define OFF_MADT 0x200 /* up to 0x3c8 for 32 vCPUs */
#define OFF_DSDT 0x400 /* last: it grows with the devices */

#define HEADER_SIZE 36
#define RSDP_SIZE   36
#define FADT_SIZE   276 /* revision 6 */
#define FACS_SIZE   64

/* FADT fields (ACPI 6.x, table 5.9). */
#define FADT_FACS          36
#define FADT_DSDT          40
#define FADT_SCI_INT       46
#define FADT_PM1A_EVT_BLK  56
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM1_EVT_LEN   88
#define FADT_PM1_CNT_LEN   89
#define FADT_BOOT_ARCH     109
#define FADT_FLAGS         112
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT        140
#define FADT_HYPERVISOR_ID 268

/* IA-PC boot architecture flags: no VGA, no CMOS RTC. Leaving "8042"
 * clear keeps Linux's keyboard driver away; `reboot=k` still works. */
#define BOOT_ARCH_VGA_NOT_PRESENT 0x0004
#define BOOT_ARCH_NO_CMOS_RTC     0x0020
/* WBINVD works; power and sleep buttons, if any, are control methods. */
#define FADT_F_WBINVD     (1u << 0)
#define FADT_F_PWR_BUTTON (1u << 4)
#define FADT_F_SLP_BUTTON (1u << 5)

/* MADT structures (table 5.21 and on). */
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_NMI = 4 };
#define MADT_PCAT_COMPAT 1u   /* the 8259 pair is there too */
#define MADT_LEVEL_HIGH  0x0d /* MPS INTI flags: active high, level triggered */

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

static size_t madt_size(unsigned int cpus)
{
	return HEADER_SIZE + 8 + (size_t)cpus * 8 + 12 + 10 + 6;
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, "VOLT  ", 6);
	memcpy(t + 16, "STARDUST", 8);
	put_le32(t + 24, 1);
	memcpy(t + 28, "VOLT", 4);
	put_le32(t + 32, 1);
}

static void seal(uint8_t *t, size_t len)
{
	t[9] = (uint8_t)-acpi_checksum(t, len);
}

static void write_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put_le32(t + 4, FACS_SIZE);
	t[32] = 2; /* version */
}

/* Name (_S5_, Package () { 5, 5, 0, 0 }): soft-off is sleep type 5. */
static const uint8_t dsdt_s5[] = {
	0x08, '_', 'S', '5', '_',   /* NameOp "_S5_" */
	0x12, 0x08, 0x04,           /* PackageOp, PkgLength 8, 4 elements */
	0x0a, ACPI_S5_SLP_TYP,      /* BytePrefix SLP_TYPa */
	0x0a, ACPI_S5_SLP_TYP,      /* BytePrefix SLP_TYPb */
	0x00, 0x00,                 /* ZeroOp x2: reserved */
};

/* AML opcodes and resource descriptors used below (ACPI 6.x, 20.2 and 6.4). */
#define AML_NAME_OP      0x08
#define AML_BYTE_PREFIX  0x0a
#define AML_STRING       0x0d
#define AML_SCOPE_OP     0x10
#define AML_BUFFER_OP    0x11
#define AML_EXT_OP       0x5b
#define AML_DEVICE_OP    0x82 /* after AML_EXT_OP */
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_INTERRUPT  0x89
#define RES_END_TAG        0x79
/* Extended interrupt flags: consumer, edge triggered, active high, exclusive. */
#define RES_INT_CONSUMER_EDGE_HIGH 0x03

/* A resource template: Memory32Fixed (12 bytes), one Interrupt (9), the end tag (2). */
#define CRS_SIZE (12 + 9 + 2)

/* Bytes a PkgLength takes for a package of @body bytes after it (at most 3 here). */
static size_t pkg_length_size(size_t body)
{
	if (body + 1 < 0x40)
		return 1;
	if (body + 2 < 0x1000)
		return 2;
	return 3;
}

/* Write the PkgLength of a package whose @body follows it; returns the bytes written. */
static size_t put_pkg_length(uint8_t *p, size_t body)
{
	size_t n = pkg_length_size(body), len = body + n;

	if (n == 1) {
		p[0] = (uint8_t)len;
		return 1;
	}
	/* Lead byte: count of following bytes in bits 7-6, the low nibble in 3-0. */
	p[0] = (uint8_t)(((n - 1) << 6) | (len & 0x0f));
	p[1] = (uint8_t)(len >> 4);
	if (n == 3)
		p[2] = (uint8_t)(len >> 12);
	return n;
}

static size_t put_name(uint8_t *p, const char seg[4])
{
	p[0] = AML_NAME_OP;
	memcpy(p + 1, seg, 4);
	return 5;
}

/* The ResourceTemplate of one virtio-mmio window and its interrupt. */
static size_t put_crs(uint8_t *p, const struct acpi_mmio_device *d)
{
	uint8_t *start = p;

	p[0] = RES_MEMORY32_FIXED;
	put_le16(p + 1, 9);
	p[3] = 1; /* read-write */
	put_le32(p + 4, (uint32_t)d->base);
	put_le32(p + 8, (uint32_t)d->size);
	p += 12;
	p[0] = RES_EXT_INTERRUPT;
	put_le16(p + 1, 6);
	p[3] = RES_INT_CONSUMER_EDGE_HIGH;
	p[4] = 1; /* one interrupt */
	put_le32(p + 5, d->irq);
	p += 9;
	p[0] = RES_END_TAG;
	p[1] = 0; /* checksum: zero means "not checked" */
	p += 2;
	return (size_t)(p - start);
}

/* Device bodies before their PkgLength: name, _HID, _UID, _CRS. */
static size_t device_body_size(void)
{
	return 4 + (5 + 1 + 9) + (5 + 2) + (5 + 1 + 1 + 2 + CRS_SIZE);
}

/*
 * Device (VRnn) { Name (_HID, "LNRO0005") Name (_UID, n) Name (_CRS, ...) }:
 * Linux's virtio_mmio driver binds to the platform device ACPI makes of it.
 */
static size_t put_device(uint8_t *p, unsigned int n, const struct acpi_mmio_device *d)
{
	size_t body = device_body_size();
	uint8_t *start = p;
	char seg[5];

	p[0] = AML_EXT_OP;
	p[1] = AML_DEVICE_OP;
	p += 2;
	p += put_pkg_length(p, body);
	snprintf(seg, sizeof(seg), "VR%02X", n & 0xff);
	memcpy(p, seg, 4);
	p += 4;
	p += put_name(p, "_HID");
	*p++ = AML_STRING;
	memcpy(p, "LNRO0005", 9);
	p += 9;
	p += put_name(p, "_UID");
	*p++ = AML_BYTE_PREFIX;
	*p++ = (uint8_t)n;
	p += put_name(p, "_CRS");
	*p++ = AML_BUFFER_OP;
	*p++ = (uint8_t)(1 + 2 + CRS_SIZE); /* PkgLength: itself, the size, the bytes */
	*p++ = AML_BYTE_PREFIX;
	*p++ = CRS_SIZE;
	p += put_crs(p, d);
	return (size_t)(p - start);
}

static size_t device_size(void)
{
	size_t body = device_body_size();

	return 2 + pkg_length_size(body) + body;
}

/* Bytes of the DSDT for @n devices. */
static size_t dsdt_size(unsigned int n)
{
	size_t len = HEADER_SIZE + sizeof(dsdt_s5);

	if (n) {
		size_t body = 4 + n * device_size();

		len += 1 + pkg_length_size(body) + body;
	}
	return len;
}

/* The \_S5 package, then Scope (\_SB) { one Device per virtio-mmio window }. */
static void write_dsdt(uint8_t *t, const struct acpi_mmio_device *devs, unsigned int n)
{
	size_t len = dsdt_size(n);
	uint8_t *p = t + HEADER_SIZE;

	header(t, "DSDT", (uint32_t)len, 2);
	memcpy(p, dsdt_s5, sizeof(dsdt_s5));
	p += sizeof(dsdt_s5);
	if (n) {
		*p++ = AML_SCOPE_OP;
		p += put_pkg_length(p, 4 + n * device_size());
		memcpy(p, "_SB_", 4);
		p += 4;
		for (unsigned int i = 0; i < n; i++)
			p += put_device(p, i, &devs[i]);
	}
	seal(t, len);
}

static void write_fadt(uint8_t *t, uint64_t base)
{
	header(t, "FACP", FADT_SIZE, 6);
	put_le32(t + FADT_FACS, (uint32_t)(base + OFF_FACS));
	put_le32(t + FADT_DSDT, (uint32_t)(base + OFF_DSDT));
	put_le16(t + FADT_SCI_INT, ACPI_SCI_IRQ);
	/* SMI_CMD stays 0: the machine is always in ACPI mode. */
	put_le32(t + FADT_PM1A_EVT_BLK, ACPI_PM1A_EVT_PORT);
	put_le32(t + FADT_PM1A_CNT_BLK, ACPI_PM1A_CNT_PORT);
	t[FADT_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
	put_le16(t + FADT_BOOT_ARCH, BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_NO_CMOS_RTC);
	put_le32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON);
	t[FADT_MINOR_VERSION] = 0;
	/* The 64-bit register blocks stay zero: the guest derives them from
	 * the 32-bit ports above. X_DSDT is the one 64-bit field it prefers. */
	put_le64(t + FADT_X_DSDT, base + OFF_DSDT);
	memcpy(t + FADT_HYPERVISOR_ID, "VOLTVMM ", 8);
	seal(t, FADT_SIZE);
}

static void write_madt(uint8_t *t, unsigned int cpus)
{
	size_t len = madt_size(cpus);
	uint8_t *p = t + HEADER_SIZE;

	header(t, "APIC", (uint32_t)len, 5);
	put_le32(p, (uint32_t)GUEST_LAPIC_ADDR);
	put_le32(p + 4, MADT_PCAT_COMPAT);
	p += 8;
	for (unsigned int i = 0; i < cpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i; /* processor UID */
		p[3] = (uint8_t)i; /* local APIC id */
		put_le32(p + 4, 1); /* enabled */
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = (uint8_t)cpus;
	p[3] = 0;
	put_le32(p + 4, (uint32_t)GUEST_IOAPIC_ADDR);
	put_le32(p + 8, 0); /* GSI base */
	p += 12;
	/* ISA IRQs map 1:1 to GSIs, as in the MP table; only the SCI
	 * differs from the ISA default (edge, high). */
	p[0] = MADT_OVERRIDE;
	p[1] = 10;
	p[2] = 0; /* ISA bus */
	p[3] = ACPI_SCI_IRQ;
	put_le32(p + 4, ACPI_SCI_IRQ);
	put_le16(p + 8, MADT_LEVEL_HIGH);
	p += 10;
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff; /* every processor */
	put_le16(p + 3, 0);
	p[5] = 1; /* LINT1 */
	seal(t, len);
}

static void write_xsdt(uint8_t *t, uint64_t base)
{
	size_t len = HEADER_SIZE + 2 * 8;

	header(t, "XSDT", (uint32_t)len, 1);
	put_le64(t + HEADER_SIZE, base + OFF_FADT);
	put_le64(t + HEADER_SIZE + 8, base + OFF_MADT);
	seal(t, len);
}

static void write_rsdp(uint8_t *t, uint64_t base)
{
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, "VOLT  ", 6);
	t[15] = 2; /* ACPI 2.0+: the XSDT is used */
	put_le32(t + 16, 0); /* no RSDT */
	put_le32(t + 20, RSDP_SIZE);
	put_le64(t + 24, base + OFF_XSDT);
	t[8] = (uint8_t)-acpi_checksum(t, 20);
	t[32] = (uint8_t)-acpi_checksum(t, RSDP_SIZE);
}

int64_t acpi_write_tables(const struct guest_mem *mem, unsigned int cpus,
			  const struct acpi_mmio_device *devs, unsigned int n_devs)
{
	uint64_t base = ACPI_TABLES_ADDR;
	uint8_t *t;

	if (cpus == 0 || cpus > 255 || OFF_MADT + madt_size(cpus) > OFF_DSDT)
		return volt_error_set(EINVAL, "ACPI tables for %u vCPUs do not fit", cpus);
	if (n_devs > ACPI_MMIO_DEVICES_MAX || (n_devs && !devs))
		return volt_error_set(EINVAL, "ACPI tables for %u devices do not fit", n_devs);
	for (unsigned int i = 0; i < n_devs; i++)
		if (devs[i].base + devs[i].size > UINT32_MAX || devs[i].size == 0)
			return volt_error_set(EINVAL, "device window 0x%llx+0x%llx is not below 4 GiB",
					      (unsigned long long)devs[i].base,
					      (unsigned long long)devs[i].size);
	if (OFF_DSDT + dsdt_size(n_devs) > ACPI_TABLES_SIZE)
		return volt_error_set(EINVAL, "the DSDT for %u devices does not fit", n_devs);
	t = guest_mem_ptr(mem, base, ACPI_TABLES_SIZE);
	if (!t)
		return volt_error_set(EFAULT, "ACPI tables at 0x%llx do not fit in guest memory",
				      (unsigned long long)base);
	memset(t, 0, ACPI_TABLES_SIZE);
	write_facs(t + OFF_FACS);
	write_dsdt(t + OFF_DSDT, devs, n_devs);
	write_fadt(t + OFF_FADT, base);
	write_madt(t + OFF_MADT, cpus);
	write_xsdt(t + OFF_XSDT, base);
	write_rsdp(t + OFF_RSDP, base);
	return (int64_t)(base + OFF_RSDP);
}
