/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "check-main.h"
#include "cpuid.h"

static void add(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t a, uint32_t b,
		uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &t->entries[t->head.nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

START_TEST(sets_apic_ids_and_hypervisor_bit)
{
	static struct cpuid_table t;

	memset(&t, 0, sizeof(t));
	add(&t, 0, 0, 0x1f, 0x68747541, 0x444d4163, 0x69746e65);
	add(&t, 1, 0, 0x830f10, 0xff00beef, 0x1, 0x2);
	add(&t, 0xa, 0, 0x7300403, 1, 2, 3);
	add(&t, 0xb, 0, 1, 1, 0x100, 77);
	add(&t, 0xb, 1, 2, 2, 0x201, 77);
	add(&t, 0x1f, 0, 1, 1, 0x100, 77);

	cpuid_filter(&t, 3, 4);
	struct kvm_cpuid_entry2 *e = cpuid_find(&t, 1, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->ebx >> 24, 3);
	ck_assert_uint_eq((e->ebx >> 16) & 0xff, 4);
	ck_assert_uint_eq(e->ebx & 0xffff, 0xbeef);
	ck_assert_uint_eq(e->ecx & (1u << 31), 1u << 31);
	ck_assert_uint_eq(e->ecx & 1, 1);
	ck_assert_uint_eq(e->edx & (1u << 28), 1u << 28);
	e = cpuid_find(&t, 0xa, 0);
	ck_assert_uint_eq(e->eax | e->ebx | e->ecx | e->edx, 0);
	ck_assert_uint_eq(cpuid_find(&t, 0xb, 0)->edx, 3);
	ck_assert_uint_eq(cpuid_find(&t, 0xb, 1)->edx, 3);
	ck_assert_uint_eq(cpuid_find(&t, 0x1f, 0)->edx, 3);
	ck_assert_uint_eq(cpuid_find(&t, 0, 0)->ebx, 0x68747541); /* vendor untouched */
	ck_assert_ptr_null(cpuid_find(&t, 0x12345, 0));
}
END_TEST

START_TEST(single_cpu_has_no_htt)
{
	static struct cpuid_table t;

	memset(&t, 0, sizeof(t));
	add(&t, 1, 0, 0, 0, 0, 0);
	cpuid_filter(&t, 0, 1);
	ck_assert_uint_eq(cpuid_find(&t, 1, 0)->edx & (1u << 28), 0);
	ck_assert_uint_eq(cpuid_find(&t, 1, 0)->ebx >> 24, 0);
}
END_TEST

CHECK_MAIN("cpuid", sets_apic_ids_and_hypervisor_bit, single_cpu_has_no_htt)
