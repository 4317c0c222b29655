/*
 * Shared scaffolding of libvolt-ctr's unit tests: a throw-away state
 * root, records written by hand (as a crash, an older Volt or a hostile
 * hand would leave them), and the files the library writes, read back.
 *
 * Check runs each test in a child of its own, so a test may set the
 * environment or unshare namespaces without touching the others.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CTR_TEST_H
#define VOLT_CTR_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/ctr.h>

#include "ctr-internal.h"
#include "volt-test.h"

/* A new, empty state root in /tmp; the caller removes it with common_rm_rf(). */
static inline char *test_root(void)
{
	char tmpl[] = "/tmp/volt-ctr-test.XXXXXX";
	char *dir = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(dir);
	return strdup(dir);
}

static inline char *test_path(const char *dir, const char *leaf)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, leaf), 0);
	return p;
}

static inline void test_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/* The whole of @path as a string (small files only). */
static inline char *test_read(const char *path)
{
	char *text = NULL;
	size_t len;

	ck_assert_msg(volt_file_read(&text, &len, path, 1 << 20) == 0, "read %s: %s", path, volt_error_message());
	return text;
}

/* A sparse regular file of @size bytes: larger than any record may be. */
static inline void test_write_sparse(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "{", 1), 1);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	ck_assert_int_eq(close(fd), 0);
}

/* ROOT/containers/NAME with @config as its config.json (NULL: none). */
static inline void test_record_dir(const volt_ctr *ctr, const char *name, const char *config)
{
	char *dir = test_path(ctr->containers, name), *file = test_path(dir, "config.json");

	ck_assert_int_eq(volt_mkdir_p(dir, 0700), 0);
	if (config)
		test_write(file, config);
	free(dir);
	free(file);
}

/* A minimal valid record of container @name, as spec.c writes it. */
#define TEST_CONFIG                                                                                       \
	"{\"version\": 1, \"name\": \"web\", \"base\": \"/b\", \"network\": \"none\", \"argv\": [\"/bin/sh\"], " \
	"\"env\": [], \"workdir\": \"/\", \"hostname\": \"web\", \"user\": \"root\", \"volumes\": [], "       \
	"\"ports\": [], \"policy_strict\": false, \"restart\": \"no\", \"restart_max\": 0}"

static inline mode_t test_mode(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "lstat %s: %s", path, strerror(errno));
	return st.st_mode;
}

static inline bool test_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static inline bool test_is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Whether an entry of @dir starts with @prefix (a temporary file left behind). */
static inline bool test_dir_has_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	ck_assert_msg(d, "opendir %s: %s", dir, strerror(errno));
	while (!found && (e = readdir(d)))
		found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return found;
}

#endif
