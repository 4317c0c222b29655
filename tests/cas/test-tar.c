/*
 * Tar import: a real archive from GNU tar comes back faithfully, and
 * hostile archives (escaping paths, paths through symlinks, bad hard
 * links, truncation, bad checksums) are refused.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <volt/core.h>

#include "cas-test.h"

static char *tmp;
static volt_cas *cas;

static void setup(void)
{
	tmp = t_mkdtemp();
	cas = t_store(tmp);
}

static void teardown(void)
{
	volt_cas_close(cas);
	t_rmrf(tmp);
	free(tmp);
}

/* An archive being built in memory. */
struct ar {
	unsigned char buf[1 << 16];
	size_t len;
};

static void header(struct ar *a, const char *name, char type, const char *link, const void *data, size_t size)
{
	unsigned char *h = a->buf + a->len;
	unsigned sum = 0;

	ck_assert_uint_le(a->len + 512 + size + 512, sizeof(a->buf));
	memset(h, 0, 512);
	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 1000000000);
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	a->len += 512;
	if (size) {
		memcpy(a->buf + a->len, data, size);
		a->len += (size + 511) / 512 * 512;
	}
}

static void finish(struct ar *a)
{
	memset(a->buf + a->len, 0, 1024);
	a->len += 1024;
}

static int import_ar(struct ar *a, volt_cas_hash *h)
{
	char *p = NULL;
	int fd, r;

	ck_assert_int_ge(asprintf(&p, "%s/a.tar", tmp), 0);
	t_write(tmp, "a.tar", a->buf, a->len);
	fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	r = volt_cas_import_tar(h, NULL, cas, fd, NULL);
	close(fd);
	free(p);
	return r;
}

START_TEST(test_tar_roundtrip_of_gnu_tar_archive)
{
	char *src = NULL, *out = NULL, *cmd = NULL, *p = NULL;
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	unsigned char big[300000];
	volt_cas_hash h;
	int fd;

	if (system("tar --version >/dev/null 2>&1") != 0) {
		printf("SKIP: no tar\n");
		return;
	}
	ck_assert_int_ge(asprintf(&src, "%s/src", tmp), 0);
	ck_assert_int_ge(asprintf(&out, "%s/out", tmp), 0);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	t_random(big, sizeof(big), 11);
	t_write(src, "big", big, sizeof(big));
	t_write(src, "small", "x", 1);
	ck_assert_int_ge(asprintf(&p, "%s/small", src), 0);
	ck_assert_int_eq(setxattr(p, "user.k", "v", 1, 0), 0);
	ck_assert_int_eq(lchown(p, 42, 43), 0);
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/d", src), 0);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/d/hard", src), 0);
	{
		char *q = NULL;

		ck_assert_int_ge(asprintf(&q, "%s/big", src), 0);
		ck_assert_int_eq(link(q, p), 0);
		free(q);
	}
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/d/sym", src), 0);
	ck_assert_int_eq(symlink("../small", p), 0);
	free(p);
	ck_assert_int_ge(asprintf(&cmd, "tar --format=posix --xattrs --xattrs-include='*' --numeric-owner -C %s -cf %s/t.tar .", src, tmp), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	ck_assert_int_ge(asprintf(&p, "%s/t.tar", tmp), 0);
	fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	o.tag = "tar";
	ck_assert_msg(volt_cas_import_tar(&h, NULL, cas, fd, &o) == 0, "%s", volt_error_message());
	close(fd);
	free(p);
	ck_assert_msg(volt_cas_checkout(cas, "tar", out, NULL) == 0, "%s", volt_error_message());
	t_compare_trees(src, out);
	free(src);
	free(out);
}
END_TEST

START_TEST(test_tar_hostile_paths_refused)
{
	static const char *const bad[] = { "../evil", "/abs", "a/../../b", "..", "ok/../x", NULL };
	volt_cas_hash h;

	for (const char *const *n = bad; *n; n++) {
		struct ar a = { .len = 0 };

		header(&a, *n, '0', NULL, "x", 1);
		finish(&a);
		ck_assert_msg(import_ar(&a, &h) == -EINVAL, "'%s' accepted: %s", *n, volt_error_message());
	}
}
END_TEST

START_TEST(test_tar_path_through_symlink_refused)
{
	struct ar a = { .len = 0 };
	volt_cas_hash h;

	header(&a, "l", '2', "/etc", NULL, 0);
	header(&a, "l/passwd", '0', NULL, "owned", 5);
	finish(&a);
	ck_assert_int_eq(import_ar(&a, &h), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "not a directory"));
}
END_TEST

START_TEST(test_tar_bad_hard_links_refused)
{
	static const char *const bad[] = { "../../etc/passwd", "missing", "/etc/passwd", "dir", NULL };
	volt_cas_hash h;

	for (const char *const *t = bad; *t; t++) {
		struct ar a = { .len = 0 };

		header(&a, "dir/", '5', NULL, NULL, 0);
		header(&a, "h", '1', *t, NULL, 0);
		finish(&a);
		ck_assert_msg(import_ar(&a, &h) == -EINVAL, "hard link to '%s' accepted", *t);
	}
}
END_TEST

START_TEST(test_tar_malformed_refused)
{
	struct ar a = { .len = 0 };
	volt_cas_hash h;

	/* Truncated inside the data. */
	header(&a, "f", '0', NULL, "0123456789", 10);
	a.len -= 512;
	ck_assert_int_eq(import_ar(&a, &h), -EBADMSG);
	/* Bad checksum. */
	a.len = 0;
	header(&a, "f", '0', NULL, "x", 1);
	a.buf[0] = 'g';
	finish(&a);
	ck_assert_int_eq(import_ar(&a, &h), -EBADMSG);
	/* Unsupported type (GNU sparse would give wrong data). */
	a.len = 0;
	header(&a, "f", 'S', NULL, NULL, 0);
	finish(&a);
	ck_assert_int_eq(import_ar(&a, &h), -EINVAL);
	/* Duplicate entry. */
	a.len = 0;
	header(&a, "f", '0', NULL, "x", 1);
	header(&a, "f", '0', NULL, "y", 1);
	finish(&a);
	ck_assert_int_eq(import_ar(&a, &h), -EINVAL);
	/* A pax header with a malformed record. */
	a.len = 0;
	header(&a, "pax", 'x', NULL, "99 path=x\n", 10);
	header(&a, "f", '0', NULL, "x", 1);
	finish(&a);
	ck_assert_int_eq(import_ar(&a, &h), -EBADMSG);
	/* A pax path that escapes. */
	a.len = 0;
	header(&a, "pax", 'x', NULL, "16 path=../../x\n", 16);
	header(&a, "f", '0', NULL, "x", 1);
	finish(&a);
	ck_assert_int_eq(import_ar(&a, &h), -EINVAL);
	/* Empty input. */
	a.len = 0;
	ck_assert_int_eq(import_ar(&a, &h), -EBADMSG);
}
END_TEST

START_TEST(test_tar_small_archive_contents)
{
	struct ar a = { .len = 0 };
	volt_cas_entry *e = NULL;
	volt_cas_image *img = NULL;
	volt_cas_hash h;
	char hex[65], spec[80], buf[16] = "";

	header(&a, "./a/b/c", '0', NULL, "content", 7);
	header(&a, "a/", '5', NULL, NULL, 0);
	header(&a, "a/h", '1', "a/b/c", NULL, 0);
	finish(&a);
	ck_assert_msg(import_ar(&a, &h) == 0, "%s", volt_error_message());
	volt_cas_hash_to_hex(hex, &h);
	snprintf(spec, sizeof(spec), "%s:a/h", hex);
	ck_assert_int_eq(volt_cas_stat(&e, cas, spec), 0);
	ck_assert_uint_eq(e->size, 7);
	ck_assert_uint_ne(e->link_group, 0);
	volt_cas_entry_free(e);
	ck_assert_int_eq(volt_cas_image_open(&img, cas, spec), 0);
	ck_assert_int_eq(volt_cas_image_read(img, buf, sizeof(buf), 0), 7);
	ck_assert_str_eq(buf, "content");
	volt_cas_image_close(img);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cas-tar");
	TCase *tc = tcase_create("tar");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tar_roundtrip_of_gnu_tar_archive);
	tcase_add_test(tc, test_tar_hostile_paths_refused);
	tcase_add_test(tc, test_tar_path_through_symlink_refused);
	tcase_add_test(tc, test_tar_bad_hard_links_refused);
	tcase_add_test(tc, test_tar_malformed_refused);
	tcase_add_test(tc, test_tar_small_archive_contents);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	if (geteuid() != 0) {
		printf("SKIP: needs root to check out owners\n");
		return 77;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
