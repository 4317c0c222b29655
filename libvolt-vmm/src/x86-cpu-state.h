/*
 * What a vCPU needs before its first instruction: a GDT, an identity
 * map for long mode, and the segment and control registers of the two
 * entry modes (64-bit for the Linux boot protocol, flat 32-bit
 * protected mode for PVH). Pure functions over guest memory and
 * struct kvm_sregs, so they are tested without /dev/kvm.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_X86_CPU_STATE_H
#define VOLT_VMM_X86_CPU_STATE_H

#include <stdint.h>
#include <linux/kvm.h>

#include "guest-memory.h"

/* GDT slots: the boot protocol wants __BOOT_CS = 0x10, __BOOT_DS = 0x18. */
#define GDT_SEL_CODE64 0x10
#define GDT_SEL_DATA   0x18
#define GDT_SEL_CODE32 0x20
#define GDT_SEL_TSS    0x28
#define GDT_ENTRIES    6

/* Descriptor flags: access byte in bits 0-7, G/DB/L/AVL in bits 12-15. */
#define GDT_FLAGS_CODE64 0xa09b
#define GDT_FLAGS_DATA   0xc093
#define GDT_FLAGS_CODE32 0xc09b
#define GDT_FLAGS_TSS    0x008b

#define X86_CR0_PE   0x1ULL
#define X86_CR0_ET   0x10ULL
#define X86_CR0_PG   0x80000000ULL
#define X86_CR4_PAE  0x20ULL
#define X86_EFER_LME 0x100ULL
#define X86_EFER_LMA 0x400ULL

/* Encode one 8-byte segment descriptor. */
uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit);

/* Decode a descriptor into KVM's segment form, as the CPU would load it. */
void gdt_entry_to_segment(uint64_t entry, uint16_t selector, struct kvm_segment *out);

/* Write the GDT at @gpa (GDT_ENTRIES descriptors). */
int x86_write_gdt(const struct guest_mem *mem, uint64_t gpa);

/*
 * Identity-map the first 4 GiB with 2 MiB pages: PML4 at @pml4_gpa,
 * then a PDPT and four page directories in the next five pages.
 */
int x86_write_identity_map(const struct guest_mem *mem, uint64_t pml4_gpa);

/* Registers for the 64-bit Linux entry: long mode, paging on, flat segments. */
void x86_sregs_long_mode(struct kvm_sregs *s, uint64_t gdt_gpa, uint64_t pml4_gpa);

/* Registers for PVH: flat 32-bit protected mode, paging off. */
void x86_sregs_protected_mode(struct kvm_sregs *s, uint64_t gdt_gpa);

#endif
