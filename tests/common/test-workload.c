/*
 * libvolt-workload's internals: rm -rf, string vectors, the private
 * networks' names and addresses, records under directory fds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <check.h>
#include <dirent.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "netalloc.h"
#include "record.h"
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

START_TEST(net_lease_names_both_kinds_from_one_index)
{
	common_net_lease v, t;
	char mac[COMMON_MAC_BUF];

	common_net_lease_for(&v, COMMON_NET_VETH, 3);
	ck_assert_uint_eq(v.index, 3);
	ck_assert_str_eq(v.ifname, "volt3");
	ck_assert_str_eq(v.host, "10.213.0.13");
	ck_assert_str_eq(v.guest, "10.213.0.14");
	ck_assert_str_eq(v.mac, "52:54:00:d5:00:03");
	common_net_lease_for(&t, COMMON_NET_TAP, 3);
	ck_assert_str_eq(t.ifname, "vtap3");
	ck_assert_str_eq(t.host, v.host); /* one allocator: an index is one workload's, of either kind */
	ck_assert_str_eq(t.guest, v.guest);
	ck_assert_str_eq(t.mac, v.mac);
	/* The largest index: addresses at the top of the /16, names within IFNAMSIZ. */
	common_net_lease_for(&t, COMMON_NET_TAP, COMMON_NET_MAX);
	ck_assert_str_eq(t.ifname, "vtap16383");
	ck_assert_str_eq(t.host, "10.213.255.253");
	ck_assert_str_eq(t.guest, "10.213.255.254");
	ck_assert_str_eq(t.mac, "52:54:00:d5:3f:ff");
	common_net_lease_for(&v, COMMON_NET_VETH, 4000000000u);
	ck_assert_uint_lt(strlen(v.ifname), IFNAMSIZ);
	common_net_mac(mac, 0x1234);
	ck_assert_str_eq(mac, "52:54:00:d5:12:34");
}
END_TEST

static void write_file(const char *dir, const char *leaf, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, leaf);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(record_refuses_links_and_fifos)
{
	char root[] = "/tmp/volt-record-XXXXXX", out[] = "/tmp/volt-record-out-XXXXXX", p[256], q[512];
	int kind = -1, dir = -1, fd;
	json_t *v = NULL;
	char *text = NULL;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_ptr_nonnull(mkdtemp(out));
	write_file(out, "vm.json", "{\"image\": \"OUTSIDE\"}\n");
	ck_assert_fails_with(common_record_kind_open(&kind, root, "vms"), ENOENT, "no such directory");
	snprintf(p, sizeof(p), "%s/vms", root);
	ck_assert_int_eq(symlink(out, p), 0);
	ck_assert_fails_with(common_record_kind_open(&kind, root, "vms"), ELOOP, "vms is a symlink");
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(common_record_kind_open(&kind, root, "vms"), 0);

	/* The workload's directory a link, or a file, or a way out. */
	snprintf(q, sizeof(q), "%s/evil", p);
	ck_assert_int_eq(symlink(out, q), 0);
	ck_assert_fails_with(common_record_dir_open(&dir, kind, p, "evil"), ELOOP, "evil is a symlink");
	write_file(p, "file", "x");
	ck_assert_fails_with(common_record_dir_open(&dir, kind, p, "file"), ENOTDIR, "file is not a directory");
	ck_assert_fails_with(common_record_dir_open(&dir, kind, p, ".."), EINVAL, "is not a name");
	ck_assert_fails_with(common_record_dir_open(&dir, kind, p, "a/b"), EINVAL, "is not a name");
	ck_assert_fails_with(common_record_dir_open(&dir, kind, p, "none"), ENOENT, "none: no such directory");

	/* Its files: links and FIFOs refused (without blocking), a bound on the size, atomic writes. */
	snprintf(q, sizeof(q), "%s/ok", p);
	ck_assert_int_eq(mkdir(q, 0700), 0);
	ck_assert_int_eq(common_record_dir_open(&dir, kind, p, "ok"), 0);
	snprintf(p, sizeof(p), "%s/vm.json", out);
	snprintf(q, sizeof(q), "%s/vms/ok/vm.json", root);
	ck_assert_int_eq(symlink(p, q), 0);
	ck_assert_fails_with(common_record_load_json(&v, dir, "D", "vm.json"), ELOOP, "D/vm.json is a symlink");
	snprintf(q, sizeof(q), "%s/vms/ok/fifo", root);
	ck_assert_int_eq(mkfifo(q, 0600), 0);
	ck_assert_fails_with(common_record_read(&text, NULL, dir, "D", "fifo", 64), EINVAL, "not a regular file");
	ck_assert_fails_with(common_record_read(&text, NULL, dir, "D", "missing", 64), ENOENT, "D/missing");
	/* A write replaces the link itself, never what it points at. */
	v = json_pack("{s:s}", "image", "busybox");
	ck_assert_int_eq(common_record_write_json(dir, "D", "vm.json", v, 0, 0600), 0);
	json_decref(v);
	v = NULL;
	ck_assert_int_eq(volt_file_read(&text, NULL, p, 1024), 0);
	ck_assert_str_eq(text, "{\"image\": \"OUTSIDE\"}\n");
	free(text);
	ck_assert_int_eq(common_record_load_json(&v, dir, "D", "vm.json"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "image")), "busybox");
	json_decref(v);
	ck_assert_int_eq(common_record_write(dir, "D", "big", "0123456789", 10, 0600, true), 0);
	ck_assert_int_eq(common_record_read(&text, &len, dir, "D", "big", 10), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq(text, "0123456789");
	free(text);
	ck_assert_fails_with(common_record_read(&text, NULL, dir, "D", "big", 9), EFBIG, "more than the limit");
	/* No temporary file left beside them. */
	fd = openat(dir, ".", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	{
		DIR *d = fdopendir(fd);
		struct dirent *e;
		int n = 0;

		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d)))
			n += e->d_name[0] != '.';
		ck_assert_int_eq(n, 3); /* vm.json, fifo, big */
		closedir(d);
	}
	close(dir);
	ck_assert_int_eq(common_rm_rf_at(kind, "ok", "ROOT/vms/ok"), 0);
	ck_assert_int_eq(faccessat(kind, "ok", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(common_rm_rf_at(kind, "evil", "ROOT/vms/evil"), 0);
	ck_assert_int_eq(access(p, F_OK), 0); /* the link went, its target stays */
	close(kind);
	ck_assert_int_eq(common_rm_rf(root), 0);
	ck_assert_int_eq(common_rm_rf(out), 0);
}
END_TEST

VOLT_TEST_MAIN("common-workload", rm_rf_leaves_symlink_targets, rm_rf_refuses_a_mount_inside,
	       strv_round_trip_and_checks, net_lease_names_both_kinds_from_one_index, record_refuses_links_and_fifos)
