/*
 * Where Stardust puts things in guest-physical memory.
 *
 * Everything the VMM writes for the boot lives below 1 MiB, in RAM the
 * e820 map reports as usable-by-loader-only by leaving the kernel's own
 * region (from 1 MiB up) free. The numbers follow the x86 boot protocol's
 * advice: keep clear of the real-mode IVT/BDA (0-0x4ff) and of the EBDA
 * and BIOS area (0x9fc00-0xfffff), where the MP table goes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_LAYOUT_H
#define VOLT_VMM_LAYOUT_H

#define GUEST_GDT_ADDR          0x0500ULL   /* a handful of descriptors */
#define GUEST_TSS_ADDR          0x0600ULL   /* a zeroed TSS for TR */
#define GUEST_PVH_INFO_ADDR     0x6000ULL   /* hvm_start_info + memmap */
#define GUEST_ZERO_PAGE_ADDR    0x7000ULL   /* struct boot_params */
#define GUEST_PML4_ADDR         0x9000ULL   /* then PDPT, then 4 PDs */
#define GUEST_CMDLINE_ADDR      0x20000ULL
#define GUEST_CMDLINE_MAX       0x10000ULL  /* 64 KiB, cut to the kernel's own limit */
#define GUEST_EBDA_ADDR         0x9fc00ULL  /* MP floating pointer + table */
#define GUEST_ACPI_ADDR         0xe0000ULL  /* ACPI tables, RSDP first (acpi.h) */
#define GUEST_HIGH_MEM_START    0x100000ULL /* 1 MiB */
#define GUEST_BZIMAGE_DEFAULT   0x1000000ULL /* 16 MiB, if the kernel has no preference */

/* The hole below 4 GiB that real machines keep for MMIO (LAPIC, IOAPIC). */
#define GUEST_MMIO_HOLE_START   0xc0000000ULL
/* Guest RAM is one slot from 0; this limit keeps it below the hole. */
#define GUEST_MEMORY_MAX        GUEST_MMIO_HOLE_START
#define GUEST_MEMORY_MIN        (16ULL << 20)

/*
 * virtio-mmio devices: one 4 KiB window each from 0xd0000000, above the
 * largest guest RAM (3 GiB) and below the I/O APIC; the windows reserved
 * are [0xd0000000, 0xd0010000), 16 of them, of which 12 are used
 * (8 disks, 4 NICs). Their interrupts are ISA IRQs the PC has but
 * Stardust leaves free, edge-triggered, on the I/O APIC pin of the same
 * number (see the MP table): 5, 6, 7, 10, 11, 12, 14, 15, 3, 8, 13, 1,
 * in the order the devices are added. Not 9: that is the ACPI SCI, level
 * triggered in the MADT (acpi.c); 8, the CMOS RTC's line, is free since
 * the FADT says there is no RTC.
 */
#define GUEST_VIRTIO_MMIO_BASE  0xd0000000ULL
#define GUEST_VIRTIO_MMIO_SIZE  0x1000ULL
#define GUEST_VIRTIO_MMIO_SLOTS 16
#define GUEST_VIRTIO_IRQS       { 5, 6, 7, 10, 11, 12, 14, 15, 3, 8, 13, 1 }

#define GUEST_IOAPIC_ADDR       0xfec00000ULL
#define GUEST_LAPIC_ADDR        0xfee00000ULL
/* KVM on Intel wants three pages for its real-mode TSS, and one for the
 * identity map, inside guest-physical space but outside RAM. */
#define GUEST_KVM_TSS_ADDR      0xfffbd000ULL

#endif
