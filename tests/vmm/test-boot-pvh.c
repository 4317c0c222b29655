/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include <volt/core/error.h>

#include "boot-pvh.h"
#include "check-main.h"
#include "layout.h"
#include "test-helpers.h"

START_TEST(finds_entry_and_segments)
{
	size_t size;
	uint8_t *img = test_elf(512, &size);
	struct pvh_image p;

	ck_assert(pvh_is_elf(img, size));
	ck_assert_int_eq(pvh_parse(&p, img, size), 0);
	ck_assert_uint_eq(p.entry, TEST_ELF_ENTRY);
	ck_assert_uint_eq(p.nloads, 1);
	ck_assert_uint_eq(p.loads[0].paddr, TEST_ELF_PADDR);
	ck_assert_uint_eq(p.loads[0].filesz, 512);
	ck_assert_uint_eq(p.loads[0].memsz, 512 + 0x1000);
	ck_assert_uint_eq(p.end, TEST_ELF_PADDR + 512 + 0x1000);
	free(img);
}
END_TEST

START_TEST(accepts_a_four_byte_entry_note)
{
	size_t size;
	uint8_t *img = test_elf(64, &size);
	uint8_t *note = img + TEST_ELF_NOTE_OFF;
	struct pvh_image p;

	put_le32(note + 4, 4);
	ck_assert_int_eq(pvh_parse(&p, img, size), 0);
	ck_assert_uint_eq(p.entry, TEST_ELF_ENTRY);
	free(img);
}
END_TEST

START_TEST(refuses_other_files)
{
	size_t size;
	uint8_t *img = test_elf(64, &size);
	struct pvh_image p;

	ck_assert_int_eq(pvh_parse(&p, img, 10), -ENOEXEC);
	img[4] = 1; /* 32-bit */
	ck_assert_int_eq(pvh_parse(&p, img, size), -ENOEXEC);
	img[4] = 2;
	put_le16(img + 18, 40); /* ARM */
	ck_assert_int_eq(pvh_parse(&p, img, size), -ENOEXEC);
	put_le16(img + 18, 62);
	put_le16(img + 16, 3); /* ET_DYN */
	ck_assert_int_eq(pvh_parse(&p, img, size), -ENOEXEC);
	img[0] = 'M';
	ck_assert(!pvh_is_elf(img, size));
	ck_assert_int_eq(pvh_parse(&p, img, size), -ENOEXEC);
	free(img);
}
END_TEST

START_TEST(refuses_hostile_headers)
{
	size_t size;
	uint8_t *img = test_elf(64, &size);
	uint8_t *ph = img + TEST_ELF_PHOFF;
	uint8_t *note = img + TEST_ELF_NOTE_OFF;
	struct pvh_image p;

#define EXPECT_EINVAL(what) do { \
		ck_assert_int_eq(pvh_parse(&p, img, size), -EINVAL); \
		ck_assert_ptr_nonnull(strstr(volt_error_message(), what)); \
	} while (0)

	put_le16(img + 56, 0xffff); /* phnum far past the file */
	EXPECT_EINVAL("program headers lie outside");
	put_le16(img + 56, 2);
	put_le64(img + 32, UINT64_MAX - 8); /* phoff that wraps */
	EXPECT_EINVAL("program headers lie outside");
	put_le64(img + 32, TEST_ELF_PHOFF);
	put_le16(img + 54, 32);
	EXPECT_EINVAL("program headers are 32 bytes");
	put_le16(img + 54, 56);

	put_le64(ph + 32, 1ULL << 40); /* filesz beyond the file */
	EXPECT_EINVAL("segment 0 lies outside");
	put_le64(ph + 32, 64);
	put_le64(ph + 40, 10); /* memsz < filesz */
	EXPECT_EINVAL("more file bytes than memory");
	put_le64(ph + 40, UINT64_MAX); /* wraps */
	EXPECT_EINVAL("wraps");
	put_le64(ph + 40, 64 + 0x1000);

	put_le32(note, 0xfffffff0); /* namesz past the segment */
	EXPECT_EINVAL("runs past its segment");
	put_le32(note, 4);
	put_le32(note + 4, 0xffffffff);
	EXPECT_EINVAL("runs past its segment");
	put_le32(note + 4, 2);
	EXPECT_EINVAL("PVH entry note has 2 bytes");
	put_le32(note + 4, 8);
	put_le64(note + 16, 1ULL << 33);
	EXPECT_EINVAL("above 4 GiB");
	put_le64(note + 16, TEST_ELF_ENTRY);
	note[12] = 'Y'; /* not a Xen note */
	EXPECT_EINVAL("no PVH entry note");
	free(img);
}
END_TEST

START_TEST(every_truncation_fails_cleanly)
{
	size_t size;
	uint8_t *img = test_elf(256, &size);
	struct pvh_image p;

	for (size_t n = 0; n <= size; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		int r;

		memcpy(cut, img, n);
		r = pvh_parse(&p, cut, n);
		if (n < size)
			ck_assert_int_lt(r, 0);
		else
			ck_assert_int_eq(r, 0);
		free(cut);
	}
	free(img);
}
END_TEST

START_TEST(loads_segments_and_zeroes_bss)
{
	size_t size;
	uint8_t *img = test_elf(300, &size);
	struct guest_mem mem = test_mem();
	struct pvh_image p;
	uint64_t initrd;

	memset(mem.host, 0xaa, 4ULL << 20);
	ck_assert_int_eq(pvh_parse(&p, img, size), 0);
	ck_assert_int_eq(pvh_load(&mem, img, size, &p), 0);
	ck_assert_int_eq(memcmp(mem.host + TEST_ELF_PADDR, img + TEST_ELF_LOAD_OFF, 300), 0);
	for (size_t i = 300; i < 300 + 0x1000; i++)
		ck_assert_uint_eq(mem.host[TEST_ELF_PADDR + i], 0);
	ck_assert_uint_eq(mem.host[TEST_ELF_PADDR + 300 + 0x1000], 0xaa);

	ck_assert_int_eq(pvh_initrd_addr(&initrd, &p, mem.size, 5000), 0);
	ck_assert_uint_eq(initrd, (mem.size - 5000) & ~0xfffULL);
	ck_assert_int_eq(pvh_initrd_addr(&initrd, &p, mem.size, mem.size), -ENOMEM);

	/* A segment beyond guest RAM is refused, not written. */
	p.loads[0].paddr = mem.size - 100;
	ck_assert_int_eq(pvh_load(&mem, img, size, &p), -ENOMEM);
	test_mem_free(&mem);
	free(img);
}
END_TEST

START_TEST(builds_start_info)
{
	struct guest_mem mem = test_mem();
	struct hvm_start_info *si;
	struct hvm_modlist_entry *mod;
	struct hvm_memmap_entry *mm;

	ck_assert_int_eq(pvh_build_start_info(&mem, GUEST_PVH_INFO_ADDR, GUEST_CMDLINE_ADDR,
					      0x3000000, 12345), 0);
	ck_assert_uint_eq(sizeof(struct hvm_start_info), 56);
	si = (struct hvm_start_info *)(mem.host + GUEST_PVH_INFO_ADDR);
	ck_assert_uint_eq(si->magic, HVM_START_MAGIC);
	ck_assert_uint_eq(si->version, 1);
	ck_assert_uint_eq(si->cmdline_paddr, GUEST_CMDLINE_ADDR);
	ck_assert_uint_eq(si->nr_modules, 1);
	mod = (struct hvm_modlist_entry *)(mem.host + si->modlist_paddr);
	ck_assert_uint_eq(mod->paddr, 0x3000000);
	ck_assert_uint_eq(mod->size, 12345);
	ck_assert_uint_eq(si->memmap_entries, 3);
	mm = (struct hvm_memmap_entry *)(mem.host + si->memmap_paddr);
	ck_assert_uint_eq(mm[2].addr + mm[2].size, mem.size);
	ck_assert_uint_eq(mm[1].type, 2);

	ck_assert_int_eq(pvh_build_start_info(&mem, GUEST_PVH_INFO_ADDR, GUEST_CMDLINE_ADDR, 0, 0), 0);
	ck_assert_uint_eq(si->nr_modules, 0);
	ck_assert_int_eq(pvh_build_start_info(&mem, mem.size - 8, 0, 0, 0), -EFAULT);
	test_mem_free(&mem);
}
END_TEST

CHECK_MAIN("boot-pvh", finds_entry_and_segments, accepts_a_four_byte_entry_note,
	   refuses_other_files, refuses_hostile_headers, every_truncation_fails_cleanly,
	   loads_segments_and_zeroes_bss, builds_start_info)
