/*
 * Helpers for the libvolt-cas tests: temporary directories, files,
 * a store, and a faithful recursive comparison of two trees.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef CAS_TEST_H
#define CAS_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include <volt/cas.h>

/* A new empty directory under $TMPDIR (or /tmp); free() the result. */
char *t_mkdtemp(void);
/* rm -rf @path. */
void t_rmrf(const char *path);
/* Write @len bytes to @dir/@name. */
void t_write(const char *dir, const char *name, const void *data, size_t len);
/* Deterministic pseudo-random bytes. */
void t_random(void *buf, size_t len, unsigned seed);
/* Open (creating) a store in @dir/store. */
volt_cas *t_store(const char *dir);
/* Compare two trees: types, modes, owners, mtimes (not of symlinks), sizes,
 * contents, symlink targets, device numbers, xattrs and hard-link structure.
 * Fails the test with the first difference. */
void t_compare_trees(const char *a, const char *b);

#endif
