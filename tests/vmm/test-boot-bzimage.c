/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <glob.h>

#include <asm/bootparam.h>
#include <volt/core/error.h>
#include <volt/core/file.h>

#include "boot-bzimage.h"
#include "layout.h"
#include "test-helpers.h"

START_TEST(parses_a_valid_header)
{
	size_t size;
	uint8_t *img = test_bzimage(4096, &size);
	struct bzimage_info info;

	ck_assert_int_eq(bzimage_parse(&info, img, size), 0);
	ck_assert_uint_eq(info.version, 0x020f);
	ck_assert_uint_eq(info.setup_size, TEST_BZ_SETUP_SIZE);
	ck_assert_uint_eq(info.kernel_offset, TEST_BZ_SETUP_SIZE);
	ck_assert_uint_eq(info.kernel_size, 4096);
	ck_assert_uint_eq(info.load_addr, 0x1000000);
	ck_assert_uint_eq(info.init_size, 0x400000);
	ck_assert_uint_eq(info.cmdline_size, 2048);
	ck_assert(info.relocatable);
	free(img);
}
END_TEST

START_TEST(refuses_what_is_not_a_bzimage)
{
	size_t size;
	uint8_t *img = test_bzimage(4096, &size);
	struct bzimage_info info;

	ck_assert_int_eq(bzimage_parse(&info, img, 0x100), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "shorter than a setup header"));
	ck_assert_int_eq(bzimage_parse(&info, NULL, 0), -ENOEXEC);
	img[0x1fe] = 0;
	ck_assert_int_eq(bzimage_parse(&info, img, size), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "0xAA55"));
	img[0x1fe] = 0x55;
	img[0x202] = 'X';
	ck_assert_int_eq(bzimage_parse(&info, img, size), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "HdrS"));
	free(img);
}
END_TEST

START_TEST(refuses_kernels_it_cannot_boot)
{
	size_t size;
	uint8_t *img = test_bzimage(4096, &size);
	struct bzimage_info info;

	put_le16(img + 0x206, 0x020b);
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "2.11 is too old"));
	put_le16(img + 0x206, 0x020f);

	put_le16(img + 0x236, 0);
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "64-bit"));
	put_le16(img + 0x236, 1);

	img[0x211] = 0;
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	img[0x211] = 1;

	img[0x201] = 0x10; /* header claims to end before init_size */
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	img[0x201] = 0x66;

	img[0x1f1] = 200; /* setup larger than the file */
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "does not fit"));
	img[0x1f1] = TEST_BZ_SETUP_SECTS;

	img[0x234] = 0;
	put_le64(img + 0x258, 0x1000); /* not relocatable and wants low memory */
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	img[0x234] = 1;
	put_le64(img + 0x258, 0xffffffff00000000ULL);
	ck_assert_int_eq(bzimage_parse(&info, img, size), -EINVAL);
	free(img);
}
END_TEST

START_TEST(every_truncation_fails_cleanly)
{
	size_t size;
	uint8_t *img = test_bzimage(1024, &size);
	struct bzimage_info info;

	for (size_t n = 0; n <= size; n++) {
		/* A copy of exactly n bytes, so ASan sees any read past it. */
		uint8_t *cut = malloc(n ? n : 1);
		int r;

		memcpy(cut, img, n);
		r = bzimage_parse(&info, cut, n);
		if (n < TEST_BZ_SETUP_SIZE + 0x201)
			ck_assert_int_lt(r, 0);
		else
			ck_assert_int_eq(r, 0);
		free(cut);
	}
	free(img);
}
END_TEST

START_TEST(loads_kernel_and_builds_zero_page)
{
	size_t size;
	uint8_t *img = test_bzimage(8192, &size);
	struct guest_mem mem = test_mem();
	struct bzimage_info info;
	struct boot_params *bp;
	uint64_t entry, initrd;

	ck_assert_int_eq(bzimage_parse(&info, img, size), 0);
	ck_assert_int_eq(bzimage_load(&mem, img, size, &info, &entry), 0);
	ck_assert_uint_eq(entry, 0x1000200);
	ck_assert_int_eq(memcmp(mem.host + 0x1000000, img + TEST_BZ_SETUP_SIZE, 8192), 0);

	ck_assert_int_eq(bzimage_initrd_addr(&initrd, &info, mem.size, 100000), 0);
	ck_assert_uint_eq(initrd & 0xfff, 0);
	ck_assert_uint_le(initrd + 100000, mem.size);
	ck_assert_uint_ge(initrd, info.load_addr + info.init_size);

	ck_assert_int_eq(bzimage_build_zero_page(&mem, GUEST_ZERO_PAGE_ADDR, img, &info,
						 GUEST_CMDLINE_ADDR, 20, initrd, 100000), 0);
	bp = (struct boot_params *)(mem.host + GUEST_ZERO_PAGE_ADDR);
	ck_assert_uint_eq(bp->hdr.boot_flag, 0xaa55);
	ck_assert_uint_eq(bp->hdr.header, 0x53726448);
	ck_assert_uint_eq(bp->hdr.version, 0x020f);
	ck_assert_uint_eq(bp->hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(bp->hdr.cmd_line_ptr, GUEST_CMDLINE_ADDR);
	ck_assert_uint_eq(bp->hdr.ramdisk_image, initrd);
	ck_assert_uint_eq(bp->hdr.ramdisk_size, 100000);
	ck_assert_uint_eq(bp->e820_entries, 3);
	ck_assert_uint_eq(bp->e820_table[0].addr, 0);
	ck_assert_uint_eq(bp->e820_table[0].type, 1);
	ck_assert_uint_eq(bp->e820_table[1].type, 2);
	ck_assert_uint_eq(bp->e820_table[2].addr, 0x100000);
	ck_assert_uint_eq(bp->e820_table[2].addr + bp->e820_table[2].size, mem.size);

	/* The kernel's own limit on the command line is enforced. */
	ck_assert_int_eq(bzimage_build_zero_page(&mem, GUEST_ZERO_PAGE_ADDR, img, &info,
						 GUEST_CMDLINE_ADDR, 2049, 0, 0), -EINVAL);
	test_mem_free(&mem);
	free(img);
}
END_TEST

START_TEST(says_when_memory_is_too_small)
{
	size_t size;
	uint8_t *img = test_bzimage(8192, &size);
	struct guest_mem mem = test_mem();
	struct bzimage_info info;
	uint64_t entry, initrd;

	ck_assert_int_eq(bzimage_parse(&info, img, size), 0);
	mem.size = 0x1100000; /* 17 MiB: the kernel's 4 MiB init_size does not fit at 16 MiB */
	ck_assert_int_eq(bzimage_load(&mem, img, size, &info, &entry), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "kernel needs"));
	mem.size = TEST_MEM_SIZE;
	ck_assert_int_eq(bzimage_initrd_addr(&initrd, &info, mem.size, 60ULL << 20), -ENOMEM);
	ck_assert_int_eq(bzimage_initrd_addr(&initrd, &info, mem.size, UINT64_MAX), -ENOMEM);
	/* initrd_addr_max caps the placement even with more RAM. */
	info.initrd_addr_max = 0x1ffffff;
	ck_assert_int_eq(bzimage_initrd_addr(&initrd, &info, mem.size, 4096), 0);
	ck_assert_uint_eq(initrd, 0x1fff000);
	test_mem_free(&mem);
	free(img);
}
END_TEST

START_TEST(parses_the_installed_debian_kernel)
{
	glob_t g;
	char *data = NULL;
	size_t size = 0;
	struct bzimage_info info;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0) {
		fprintf(stderr, "no /boot/vmlinuz-*: nothing to check\n");
		return;
	}
	ck_assert_int_eq(volt_file_read(&data, &size, g.gl_pathv[0], 1ULL << 30), 0);
	ck_assert_int_eq(bzimage_parse(&info, (uint8_t *)data, size), 0);
	ck_assert_uint_ge(info.version, 0x020c);
	ck_assert_uint_ge(info.load_addr, 0x100000);
	free(data);
	globfree(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boot-bzimage");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, parses_a_valid_header);
	tcase_add_test(tc, refuses_what_is_not_a_bzimage);
	tcase_add_test(tc, refuses_kernels_it_cannot_boot);
	tcase_add_test(tc, every_truncation_fails_cleanly);
	tcase_add_test(tc, loads_kernel_and_builds_zero_page);
	tcase_add_test(tc, says_when_memory_is_too_small);
	tcase_add_test(tc, parses_the_installed_debian_kernel);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
