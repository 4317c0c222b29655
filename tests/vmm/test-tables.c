/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "check-main.h"
#include "e820.h"
#include "layout.h"
#include "mptable.h"
#include "test-helpers.h"

START_TEST(e820_reports_ram_and_the_bios_hole)
{
	struct e820_range map[4];

	ck_assert_int_eq(e820_build(map, 4, 256ULL << 20), 3);
	ck_assert_uint_eq(map[0].addr, 0);
	ck_assert_uint_eq(map[0].size, GUEST_EBDA_ADDR);
	ck_assert_uint_eq(map[0].type, E820_TYPE_RAM);
	ck_assert_uint_eq(map[1].addr, GUEST_EBDA_ADDR);
	ck_assert_uint_eq(map[1].addr + map[1].size, 0x100000);
	ck_assert_uint_eq(map[1].type, E820_TYPE_RESERVED);
	ck_assert_uint_eq(map[2].addr, 0x100000);
	ck_assert_uint_eq(map[2].addr + map[2].size, 256ULL << 20);
	ck_assert_int_eq(e820_build(map, 2, 256ULL << 20), -EINVAL);
	ck_assert_int_eq(e820_build(map, 4, 4096), -EINVAL);
}
END_TEST

static const uint8_t *find_mp_entry(const uint8_t *table, uint8_t type, int nth)
{
	uint16_t count = table[34] | table[35] << 8;
	const uint8_t *p = table + 44;

	for (uint16_t i = 0; i < count; i++) {
		if (p[0] == type && nth-- == 0)
			return p;
		p += p[0] == 0 ? 20 : 8;
	}
	return NULL;
}

START_TEST(mptable_is_valid_for_each_cpu_count)
{
	struct guest_mem mem = test_mem();

	for (unsigned int cpus = 1; cpus <= MPTABLE_MAX_CPUS; cpus++) {
		const uint8_t *fp, *table, *e;
		uint16_t len;

		/* Everything must fit below 640 KiB. */
		ck_assert_uint_le(GUEST_EBDA_ADDR + mptable_size(cpus), 0xa0000);
		ck_assert_int_eq(mptable_write(&mem, GUEST_EBDA_ADDR, cpus), 0);
		fp = mem.host + GUEST_EBDA_ADDR;
		ck_assert_int_eq(memcmp(fp, "_MP_", 4), 0);
		ck_assert_uint_eq(mptable_checksum(fp, 16), 0);
		table = mem.host + (fp[4] | fp[5] << 8 | fp[6] << 16 | (uint32_t)fp[7] << 24);
		ck_assert_int_eq(memcmp(table, "PCMP", 4), 0);
		len = table[4] | table[5] << 8;
		ck_assert_uint_eq(mptable_checksum(table, len), 0);
		ck_assert_uint_eq(16 + len, mptable_size(cpus));
		for (unsigned int i = 0; i < cpus; i++) {
			e = find_mp_entry(table, 0, (int)i);
			ck_assert_ptr_nonnull(e);
			ck_assert_uint_eq(e[1], i);                  /* APIC id */
			ck_assert_uint_eq(e[3] & 2, i == 0 ? 2 : 0); /* boot processor */
		}
		ck_assert_ptr_null(find_mp_entry(table, 0, (int)cpus));
		e = find_mp_entry(table, 2, 0);
		ck_assert_uint_eq(e[1], cpus); /* I/O APIC id after the CPUs */
		e = find_mp_entry(table, 3, 4);
		ck_assert_uint_eq(e[5], 4);    /* ISA IRQ 4 (the UART) */
		ck_assert_uint_eq(e[7], 4);    /* on I/O APIC pin 4 */
	}
	test_mem_free(&mem);
}
END_TEST

START_TEST(mptable_refuses_bad_counts)
{
	struct guest_mem mem = test_mem();

	ck_assert_int_eq(mptable_write(&mem, GUEST_EBDA_ADDR, 0), -EINVAL);
	ck_assert_int_eq(mptable_write(&mem, GUEST_EBDA_ADDR, MPTABLE_MAX_CPUS + 1), -EINVAL);
	ck_assert_int_eq(mptable_write(&mem, mem.size - 10, 1), -EFAULT);
	test_mem_free(&mem);
}
END_TEST

START_TEST(guest_memory_bounds_never_wrap)
{
	struct guest_mem mem = test_mem();

	ck_assert_ptr_nonnull(guest_mem_ptr(&mem, 0, mem.size));
	ck_assert_ptr_nonnull(guest_mem_ptr(&mem, mem.size, 0));
	ck_assert_ptr_null(guest_mem_ptr(&mem, mem.size, 1));
	ck_assert_ptr_null(guest_mem_ptr(&mem, 1, mem.size));
	ck_assert_ptr_null(guest_mem_ptr(&mem, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_mem_ptr(&mem, 2, UINT64_MAX));
	ck_assert_ptr_null(guest_mem_ptr(NULL, 0, 1));
	ck_assert_int_eq(guest_mem_write(&mem, mem.size - 1, "ab", 2, "thing"), -EFAULT);
	test_mem_free(&mem);
}
END_TEST

START_TEST(guest_memory_mapping_checks_sizes)
{
	struct guest_mem mem = { 0 };

	ck_assert_int_eq(guest_mem_map(&mem, 1ULL << 20, false), -EINVAL);
	ck_assert_int_eq(guest_mem_map(&mem, GUEST_MEMORY_MAX + (2ULL << 20), false), -EINVAL);
	ck_assert_int_eq(guest_mem_map(&mem, (32ULL << 20) + 4096, false), -EINVAL);
	ck_assert_int_eq(guest_mem_map(&mem, 32ULL << 20, false), 0);
	mem.host[0] = 1;
	ck_assert_int_ge(guest_mem_resident(&mem), 4096);
	guest_mem_release(&mem);
	ck_assert_ptr_null(mem.host);
	guest_mem_release(&mem);
}
END_TEST

CHECK_MAIN("tables", e820_reports_ram_and_the_bios_hole, mptable_is_valid_for_each_cpu_count,
	   mptable_refuses_bad_counts, guest_memory_bounds_never_wrap,
	   guest_memory_mapping_checks_sizes)
