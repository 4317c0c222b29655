/*
 * Test helpers (see cas-test.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
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

char *t_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/volt-cas-test-XXXXXX", tmp && *tmp ? tmp : "/tmp"), 0);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

void t_rmrf(const char *path)
{
	char *cmd = NULL;

	ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", path), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

void t_write(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = NULL;
	FILE *f;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	f = fopen(p, "we");
	ck_assert_msg(f, "fopen %s: %m", p);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(p);
}

void t_random(void *buf, size_t len, unsigned seed)
{
	unsigned char *b = buf;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (unsigned char)(x >> 24);
	}
}

volt_cas *t_store(const char *dir)
{
	volt_cas_open_options o = VOLT_CAS_OPEN_OPTIONS_INIT;
	volt_cas *cas = NULL;
	char *p = NULL;

	o.flags = VOLT_CAS_OPEN_CREATE;
	ck_assert_int_ge(asprintf(&p, "%s/store", dir), 0);
	ck_assert_msg(volt_cas_open(&cas, p, &o) == 0, "open store: %s", volt_error_message());
	free(p);
	return cas;
}

static void compare_xattrs(const char *a, const char *b)
{
	char la[4096], lb[4096];
	ssize_t na = llistxattr(a, la, sizeof(la)), nb = llistxattr(b, lb, sizeof(lb));

	ck_assert_msg(na == nb, "xattr lists differ: %s", a);
	for (char *p = la; na > 0 && p < la + na; p += strlen(p) + 1) {
		char va[4096], vb[4096];
		ssize_t sa = lgetxattr(a, p, va, sizeof(va)), sb = lgetxattr(b, p, vb, sizeof(vb));

		ck_assert_msg(sa == sb && sa >= 0 && memcmp(va, vb, (size_t)sa) == 0, "xattr %s differs: %s", p, a);
	}
}

static void compare_files(const char *a, const char *b, off_t size)
{
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	char ba[65536], bb[65536];
	off_t total = 0;

	ck_assert_msg(fa >= 0 && fb >= 0, "open %s: %m", a);
	for (;;) {
		ssize_t na = read(fa, ba, sizeof(ba)), nb = read(fb, bb, sizeof(bb));

		ck_assert_msg(na == nb && na >= 0, "read lengths differ: %s", a);
		if (na == 0)
			break;
		ck_assert_msg(memcmp(ba, bb, (size_t)na) == 0, "contents differ: %s", a);
		total += na;
	}
	ck_assert_int_eq(total, size);
	close(fa);
	close(fb);
}

/* Hard links: inode numbers of tree a map one-to-one onto those of tree b. */
struct inomap {
	ino_t a[256], b[256];
	size_t n;
};

static void compare_rec(const char *a, const char *b, struct inomap *m)
{
	struct dirent **names = NULL;
	int n = scandir(a, &names, NULL, alphasort);

	ck_assert_msg(n >= 0, "scandir %s: %m", a);
	for (int i = 0; i < n; i++) {
		char *pa = NULL, *pb = NULL;
		struct stat sa, sb;

		if (strcmp(names[i]->d_name, ".") == 0 || strcmp(names[i]->d_name, "..") == 0) {
			free(names[i]);
			continue;
		}
		ck_assert_int_ge(asprintf(&pa, "%s/%s", a, names[i]->d_name), 0);
		ck_assert_int_ge(asprintf(&pb, "%s/%s", b, names[i]->d_name), 0);
		ck_assert_msg(lstat(pa, &sa) == 0, "lstat %s: %m", pa);
		ck_assert_msg(lstat(pb, &sb) == 0, "missing in checkout: %s", pb);
		ck_assert_msg(sa.st_mode == sb.st_mode, "mode of %s: %o vs %o", pa, sa.st_mode, sb.st_mode);
		ck_assert_msg(sa.st_uid == sb.st_uid && sa.st_gid == sb.st_gid, "owner of %s", pa);
		ck_assert_msg(sa.st_nlink == sb.st_nlink || S_ISDIR(sa.st_mode), "link count of %s", pa);
		if (!S_ISLNK(sa.st_mode))
			ck_assert_msg(sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec,
				      "mtime of %s", pa);
		if (S_ISREG(sa.st_mode)) {
			compare_files(pa, pb, sa.st_size);
			if (sa.st_nlink > 1) {
				size_t k;

				for (k = 0; k < m->n && m->a[k] != sa.st_ino; k++)
					;
				if (k == m->n) {
					ck_assert_uint_lt(m->n, 256);
					m->a[m->n] = sa.st_ino;
					m->b[m->n++] = sb.st_ino;
				} else {
					ck_assert_msg(m->b[k] == sb.st_ino, "hard link not kept: %s", pb);
				}
			}
		} else if (S_ISLNK(sa.st_mode)) {
			char ta[4096] = "", tb[4096] = "";

			ck_assert_int_ge(readlink(pa, ta, sizeof(ta) - 1), 0);
			ck_assert_int_ge(readlink(pb, tb, sizeof(tb) - 1), 0);
			ck_assert_str_eq(ta, tb);
		} else if (S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode)) {
			ck_assert_msg(sa.st_rdev == sb.st_rdev, "device number of %s", pa);
		} else if (S_ISDIR(sa.st_mode)) {
			compare_rec(pa, pb, m);
		}
		compare_xattrs(pa, pb);
		free(pa);
		free(pb);
		free(names[i]);
	}
	free(names);
	/* Nothing extra in b. */
	n = scandir(b, &names, NULL, NULL);
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		char *pa = NULL;
		struct stat st;

		ck_assert_int_ge(asprintf(&pa, "%s/%s", a, names[i]->d_name), 0);
		ck_assert_msg(lstat(pa, &st) == 0, "extra entry in checkout: %s", names[i]->d_name);
		free(pa);
		free(names[i]);
	}
	free(names);
}

void t_compare_trees(const char *a, const char *b)
{
	struct inomap m = { .n = 0 };

	compare_rec(a, b, &m);
}
