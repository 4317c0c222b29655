/*
 * Atomic writes, bounded reads, mkdir -p.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/file.h>
#include <volt/core/path.h>

#include "file-internal.h"
#include "shared/macro.h"

VOLT_API int volt_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	assert_return(data || len == 0, EINVAL);

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return volt_error_set_errno(errno, "write");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory part of @path, "." when there is none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

VOLT_API int volt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return file_write_atomic(path, data, len, mode, true);
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	assert_return(path, EINVAL);
	assert_return(data || len == 0, EINVAL);

	r = volt_path_check(path, strlen(path));
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return volt_error_set(ENOMEM, NULL);
	dir = dir_of(path);
	if (!dir)
		return volt_error_set(ENOMEM, NULL);

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "create temporary file for %s", path);

	if (fchmod(fd, mode & 07777) < 0) {
		r = volt_error_set_errno(errno, "chmod %s", tmp);
		goto fail;
	}
	r = volt_write_all(fd, data, len);
	if (r < 0) {
		r = volt_error_set_errno(r, "write %s", tmp);
		goto fail;
	}
	if (durable && fsync(fd) < 0) {
		r = volt_error_set_errno(errno, "fsync %s", tmp);
		goto fail;
	}
	if (close(TAKE_FD(fd)) < 0) {
		r = volt_error_set_errno(errno, "close %s", tmp);
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = volt_error_set_errno(errno, "rename %s to %s", tmp, path);
		goto fail;
	}
	/* The rename is durable only once the directory entry is on disk. */
	r = durable ? fsync_dir(dir) : 0;
	if (r < 0)
		return volt_error_set_errno(r, "fsync directory %s", dir);
	return 0;

fail:
	unlink(tmp);
	return r;
}

VOLT_API int volt_file_read(char **out, size_t *out_len, const char *path, size_t max)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	assert_return(out, EINVAL);
	assert_return(path, EINVAL);
	assert_return(max < SIZE_MAX - 1, EINVAL);

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return volt_error_set_errno(errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "stat %s", path);
	if (S_ISDIR(st.st_mode))
		return volt_error_set(EISDIR, "%s is a directory", path);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return volt_error_set(EFBIG, "%s is %lld bytes, more than the limit of %zu", path,
				      (long long)st.st_size, max);

	/* Files in /proc report size 0 and pipes have none: read until EOF. */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= len)
				return volt_error_set(EFBIG, "%s is more than the limit of %zu bytes", path,
						      max);
			nbuf = realloc(buf, ncap + 1);
			if (!nbuf)
				return volt_error_set(ENOMEM, NULL);
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return volt_error_set_errno(errno, "read %s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return volt_error_set(EFBIG, "%s is more than the limit of %zu bytes", path, max);
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return volt_error_set(ENOMEM, NULL);
	}
	buf[len] = '\0';
	if (out_len)
		*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}

VOLT_API int volt_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;
	size_t len;
	int r;

	assert_return(path, EINVAL);

	len = strlen(path);
	r = volt_path_check(path, len);
	if (r < 0)
		return r;
	p = strdup(path);
	if (!p)
		return volt_error_set(ENOMEM, NULL);

	/* Create each prefix in turn; existing directories are fine. */
	for (size_t i = 1; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		if (p[i - 1] == '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) < 0) {
			if (errno != EEXIST)
				return volt_error_set_errno(errno, "mkdir %s", p);
			if (stat(p, &st) < 0)
				return volt_error_set_errno(errno, "stat %s", p);
			if (!S_ISDIR(st.st_mode))
				return volt_error_set(ENOTDIR, "%s exists and is not a directory", p);
		}
		if (i < len)
			p[i] = '/';
	}
	return 0;
}
