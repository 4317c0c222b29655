/*
 * libvolt-workload's internals: rm -rf and string vectors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "rmrf.h"
#include "strv.h"
#include "volt-test.h"

static void touch(const char *dir, const char *leaf)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, leaf);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

START_TEST(rm_rf_leaves_symlink_targets)
{
	char top[] = "/tmp/volt-rmrf-XXXXXX", out[] = "/tmp/volt-rmrf-out-XXXXXX", p[512], q[512];

	ck_assert_ptr_nonnull(mkdtemp(top));
	ck_assert_ptr_nonnull(mkdtemp(out));
	touch(out, "precious");
	snprintf(p, sizeof(p), "%s/a/b", top);
	ck_assert_int_eq(volt_mkdir_p(p, 0700), 0);
	touch(p, "f");
	snprintf(q, sizeof(q), "%s/a/b/link", top);
	ck_assert_int_eq(symlink(out, q), 0);
	ck_assert_int_eq(common_rm_rf(top), 0);
	ck_assert_int_eq(access(top, F_OK), -1);
	snprintf(p, sizeof(p), "%s/precious", out);
	ck_assert_int_eq(access(p, F_OK), 0);
	/* The top itself a symlink: only the link goes. */
	ck_assert_int_eq(symlink(out, top), 0);
	ck_assert_int_eq(common_rm_rf(top), 0);
	ck_assert_int_eq(access(p, F_OK), 0);
	ck_assert_int_eq(common_rm_rf(top), 0); /* gone: no error */
	ck_assert_int_eq(common_rm_rf(out), 0);
}
END_TEST

START_TEST(rm_rf_refuses_a_mount_inside)
{
	char top[] = "/tmp/volt-rmrf-XXXXXX", src[] = "/tmp/volt-rmrf-src-XXXXXX", mnt[512], p[512];

	if (geteuid() != 0)
		return;
	ck_assert_ptr_nonnull(mkdtemp(top));
	ck_assert_ptr_nonnull(mkdtemp(src));
	touch(src, "precious");
	touch(top, "f");
	snprintf(mnt, sizeof(mnt), "%s/m", top);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	if (mount(src, mnt, NULL, MS_BIND, NULL) < 0)
		return;
	ck_assert_fails_with(common_rm_rf(top), EBUSY, "is a mount point");
	snprintf(p, sizeof(p), "%s/f", top);
	ck_assert_int_eq(access(p, F_OK), 0); /* refused before anything went */
	snprintf(p, sizeof(p), "%s/precious", src);
	ck_assert_int_eq(access(p, F_OK), 0);
	ck_assert_int_eq(umount(mnt), 0);
	ck_assert_int_eq(common_rm_rf(top), 0);
	ck_assert_int_eq(common_rm_rf(src), 0);
}
END_TEST

START_TEST(strv_round_trip_and_checks)
{
	json_t *o = json_object();
	char **v;

	ck_assert_int_eq(common_strv_to_json(o, "env", (const char *const[]){ "A=1", "B=", NULL }, COMMON_STRV_ENV), 0);
	v = common_strv_from_json(json_object_get(o, "env"));
	ck_assert_uint_eq(volt_strv_length(v), 2);
	ck_assert_str_eq(v[0], "A=1");
	ck_assert_str_eq(v[1], "B=");
	volt_strv_free(v);
	ck_assert_fails_with(common_strv_to_json(o, "env", (const char *const[]){ "NOEQ", NULL }, COMMON_STRV_ENV),
			     EINVAL, "'NOEQ'");
	ck_assert_fails_with(common_strv_to_json(o, "argv", (const char *const[]){ "", NULL }, COMMON_STRV_ARGV),
			     EINVAL, "program name");
	ck_assert_fails_with(common_strv_to_json(o, "argv", (const char *const[]){ "\xff", NULL }, 0), EINVAL,
			     "UTF-8");
	json_decref(o);
}
END_TEST

VOLT_TEST_MAIN("common-workload", rm_rf_leaves_symlink_targets, rm_rf_refuses_a_mount_inside,
	       strv_round_trip_and_checks)
