/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "check-main.h"
#include "layout.h"
#include "test-helpers.h"
#include "x86-cpu-state.h"

START_TEST(encodes_flat_descriptors)
{
	/* The flat 4 GiB descriptors every x86 manual lists. */
	ck_assert_uint_eq(gdt_entry(GDT_FLAGS_CODE64, 0, 0xfffff), 0x00af9b000000ffffULL);
	ck_assert_uint_eq(gdt_entry(GDT_FLAGS_DATA, 0, 0xfffff), 0x00cf93000000ffffULL);
	ck_assert_uint_eq(gdt_entry(GDT_FLAGS_CODE32, 0, 0xfffff), 0x00cf9b000000ffffULL);
	ck_assert_uint_eq(gdt_entry(GDT_FLAGS_TSS, 0x12345678, 0x67), 0x12008b3456780067ULL);
}
END_TEST

START_TEST(decodes_descriptors_as_the_cpu_does)
{
	struct kvm_segment s;

	gdt_entry_to_segment(0x00af9b000000ffffULL, GDT_SEL_CODE64, &s);
	ck_assert_uint_eq(s.base, 0);
	ck_assert_uint_eq(s.limit, 0xffffffff);
	ck_assert_uint_eq(s.selector, 0x10);
	ck_assert_uint_eq(s.type, 0xb);
	ck_assert_uint_eq(s.present, 1);
	ck_assert_uint_eq(s.s, 1);
	ck_assert_uint_eq(s.l, 1);
	ck_assert_uint_eq(s.db, 0);
	ck_assert_uint_eq(s.g, 1);
	ck_assert_uint_eq(s.unusable, 0);

	gdt_entry_to_segment(gdt_entry(GDT_FLAGS_TSS, 0x12345678, 0x67), GDT_SEL_TSS, &s);
	ck_assert_uint_eq(s.base, 0x12345678);
	ck_assert_uint_eq(s.limit, 0x67);
	ck_assert_uint_eq(s.g, 0);
	ck_assert_uint_eq(s.s, 0);
	ck_assert_uint_eq(s.type, 0xb);

	gdt_entry_to_segment(0, 0, &s);
	ck_assert_uint_eq(s.unusable, 1);
}
END_TEST

START_TEST(identity_maps_four_gib)
{
	struct guest_mem mem = test_mem();
	uint64_t *pml4, *pdpt, *pd;

	ck_assert_int_eq(x86_write_identity_map(&mem, GUEST_PML4_ADDR), 0);
	pml4 = (uint64_t *)(mem.host + GUEST_PML4_ADDR);
	pdpt = (uint64_t *)(mem.host + GUEST_PML4_ADDR + 0x1000);
	pd = (uint64_t *)(mem.host + GUEST_PML4_ADDR + 0x2000);
	ck_assert_uint_eq(pml4[0], (GUEST_PML4_ADDR + 0x1000) | 3);
	ck_assert_uint_eq(pml4[1], 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(pdpt[i], (GUEST_PML4_ADDR + 0x2000 + i * 0x1000ULL) | 3);
	ck_assert_uint_eq(pdpt[4], 0);
	/* Walk a few addresses through the tables: each maps to itself. */
	uint64_t addrs[] = { 0, 0x1000200, 0x7fe00000, 0xfee00000, 0xffffffff };
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		uint64_t a = addrs[i];
		uint64_t pdpte = pdpt[(a >> 30) & 511];
		uint64_t *dir = (uint64_t *)(mem.host + (pdpte & ~0xfffULL));
		uint64_t pde = dir[(a >> 21) & 511];
		ck_assert_uint_eq(pde & 0x83, 0x83);
		ck_assert_uint_eq((pde & ~0x1fffffULL & ~0x8000000000000fffULL) | (a & 0x1fffff), a);
	}
	(void)pd;
	ck_assert_int_eq(x86_write_identity_map(&mem, mem.size - 0x2000), -EFAULT);
	ck_assert_int_eq(x86_write_identity_map(&mem, GUEST_PML4_ADDR + 8), -EFAULT);
	test_mem_free(&mem);
}
END_TEST

START_TEST(writes_gdt)
{
	struct guest_mem mem = test_mem();
	uint64_t *gdt;

	ck_assert_int_eq(x86_write_gdt(&mem, GUEST_GDT_ADDR), 0);
	gdt = (uint64_t *)(mem.host + GUEST_GDT_ADDR);
	ck_assert_uint_eq(gdt[0], 0);
	ck_assert_uint_eq(gdt[GDT_SEL_CODE64 >> 3], 0x00af9b000000ffffULL);
	ck_assert_uint_eq(gdt[GDT_SEL_DATA >> 3], 0x00cf93000000ffffULL);
	ck_assert_uint_eq(gdt[GDT_SEL_CODE32 >> 3], 0x00cf9b000000ffffULL);
	test_mem_free(&mem);
}
END_TEST

START_TEST(long_mode_registers)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	x86_sregs_long_mode(&s, GUEST_GDT_ADDR, GUEST_PML4_ADDR);
	ck_assert_uint_eq(s.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE | X86_CR0_PG);
	ck_assert_uint_eq(s.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	ck_assert_uint_eq(s.efer, X86_EFER_LME | X86_EFER_LMA);
	ck_assert_uint_eq(s.cr3, GUEST_PML4_ADDR);
	ck_assert_uint_eq(s.cs.selector, 0x10);
	ck_assert_uint_eq(s.cs.l, 1);
	ck_assert_uint_eq(s.ds.selector, 0x18);
	ck_assert_uint_eq(s.ss.selector, 0x18);
	ck_assert_uint_eq(s.tr.type, 0xb);
	ck_assert_uint_eq(s.gdt.base, GUEST_GDT_ADDR);
	ck_assert_uint_eq(s.gdt.limit, GDT_ENTRIES * 8 - 1);
}
END_TEST

START_TEST(pvh_protected_mode_registers)
{
	struct kvm_sregs s;

	memset(&s, 0xff, sizeof(s));
	x86_sregs_protected_mode(&s, GUEST_GDT_ADDR);
	ck_assert_uint_eq(s.cr0 & X86_CR0_PE, X86_CR0_PE);
	ck_assert_uint_eq(s.cr0 & X86_CR0_PG, 0);
	ck_assert_uint_eq(s.cr4, 0);
	ck_assert_uint_eq(s.efer, 0);
	ck_assert_uint_eq(s.cs.selector, GDT_SEL_CODE32);
	ck_assert_uint_eq(s.cs.db, 1);
	ck_assert_uint_eq(s.cs.l, 0);
	ck_assert_uint_eq(s.cs.base, 0);
	ck_assert_uint_eq(s.cs.limit, 0xffffffff);
	ck_assert_uint_eq(s.ds.base, 0);
	ck_assert_uint_eq(s.ds.limit, 0xffffffff);
}
END_TEST

CHECK_MAIN("x86-cpu-state", encodes_flat_descriptors, decodes_descriptors_as_the_cpu_does,
	   identity_maps_four_gib, writes_gdt, long_mode_registers, pvh_protected_mode_registers)
