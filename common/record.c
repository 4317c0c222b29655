/*
 * Workload records under directory fds (record.h). Every open is
 * relative to the fd of the directory above, with O_NOFOLLOW: a symlink
 * at any step below the state root fails the open itself, so there is
 * no window between a check and the use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "record.h"
#include "shared/macro.h"

/* Why opening @name under @dfd failed (errno @err), as the caller's error. */
static int open_error(int err, int dfd, const char *dir, const char *name, bool want_dir)
{
	struct stat st;

	if (err == ENOENT)
		return volt_error_set(ENOENT, "%s/%s: no such %s", dir, name, want_dir ? "directory" : "file");
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return volt_error_set(ELOOP, "%s/%s is a symlink: refused (nothing is read through it)", dir, name);
	if (err == ENOTDIR || err == ELOOP)
		return volt_error_set(ENOTDIR, "%s/%s is not a %s", dir, name,
				      want_dir ? "directory" : "regular file");
	return volt_error_set_errno(err, "open %s/%s", dir, name);
}

static int check_component(const char *dir, const char *name)
{
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return volt_error_set(EINVAL, "%s: '%s' is not a name in it", dir, name ? name : "");
	return 0;
}

int common_record_dir_open(int *out_fd, int kind_fd, const char *kind_path, const char *name)
{
	int fd, r;

	r = check_component(kind_path, name);
	if (r < 0)
		return r;
	fd = openat(kind_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return open_error(errno, kind_fd, kind_path, name, true);
	*out_fd = fd;
	return 0;
}

int common_record_kind_open(int *out_fd, const char *root, const char *kind)
{
	_cleanup_close_ int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (root_fd < 0) {
		if (errno == ENOENT)
			return volt_error_set(ENOENT, "state root %s: no such directory", root);
		return volt_error_set_errno(errno, "state root %s", root);
	}
	return common_record_dir_open(out_fd, root_fd, root, kind);
}

int common_record_read(char **out, size_t *out_len, int dfd, const char *dir, const char *file, size_t max)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;
	int r;

	r = check_component(dir, file);
	if (r < 0)
		return r;
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return open_error(errno, dfd, dir, file, false);
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "stat %s/%s", dir, file);
	if (!S_ISREG(st.st_mode))
		return volt_error_set(EINVAL, "%s/%s is not a regular file", dir, file);
	if ((uint64_t)st.st_size > max)
		return volt_error_set(EFBIG, "%s/%s is %lld bytes, more than the limit of %zu", dir, file,
				      (long long)st.st_size, max);
	/* Sized by st_size, grown if the file grows: never past @max. */
	cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t n;

		if (!buf || len == cap) {
			/* len == cap <= max here: a read past @max has failed below. */
			size_t ncap = !buf ? cap : cap > max / 2 ? max + 1 : cap * 2;
			char *grown = realloc(buf, ncap + 1);

			if (!grown)
				return volt_error_set(ENOMEM, NULL);
			buf = grown;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return volt_error_set_errno(errno, "read %s/%s", dir, file);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return volt_error_set(EFBIG, "%s/%s is more than the limit of %zu bytes", dir, file, max);
	}
	buf[len] = '\0';
	if (out_len)
		*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}

int common_record_load_json(json_t **out, int dfd, const char *dir, const char *file)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = common_record_read(&text, &len, dfd, dir, file, VOLT_JSON_FILE_MAX);
	if (r < 0)
		return r;
	r = volt_json_parse(out, text, len);
	if (r < 0)
		return volt_error_prefix(r, "%s/%s", dir, file);
	return 0;
}

int common_record_write(int dfd, const char *dir, const char *file, const void *data, size_t len, mode_t mode,
			bool durable)
{
	char tmp[NAME_MAX + 1];
	_cleanup_close_ int fd = -1;
	int r;

	r = check_component(dir, file);
	if (r < 0)
		return r;
	for (int attempt = 0; fd < 0; attempt++) {
		uint32_t rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
			rnd = (uint32_t)getpid() * 2654435761u + (uint32_t)attempt;
		if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp.%08x", file, rnd) >= sizeof(tmp))
			return volt_error_set(ENAMETOOLONG, "%s/%s: name too long", dir, file);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
		if (fd < 0 && (errno != EEXIST || attempt >= 16))
			return volt_error_set_errno(errno, "create %s/%s", dir, tmp);
	}
	if (fchmod(fd, mode & 07777) < 0) {
		r = volt_error_set_errno(errno, "chmod %s/%s", dir, tmp);
		goto fail;
	}
	r = volt_write_all(fd, data, len);
	if (r < 0) {
		r = volt_error_prefix(r, "%s/%s", dir, tmp);
		goto fail;
	}
	if (durable && fsync(fd) < 0) {
		r = volt_error_set_errno(errno, "fsync %s/%s", dir, tmp);
		goto fail;
	}
	if (close(TAKE_FD(fd)) < 0) {
		r = volt_error_set_errno(errno, "close %s/%s", dir, tmp);
		goto fail;
	}
	/* rename replaces a symlink at @file itself: it never writes through one. */
	if (renameat(dfd, tmp, dfd, file) < 0) {
		r = volt_error_set_errno(errno, "rename %s/%s to %s", dir, tmp, file);
		goto fail;
	}
	if (durable && fsync(dfd) < 0)
		return volt_error_set_errno(errno, "fsync directory %s", dir);
	return 0;

fail:
	(void)unlinkat(dfd, tmp, 0);
	return r;
}

int common_record_write_json(int dfd, const char *dir, const char *file, const json_t *value, unsigned flags,
			     mode_t mode)
{
	_cleanup_free_ char *s = NULL;
	size_t len;
	int r;

	r = volt_json_dump(&s, value, flags);
	if (r < 0)
		return r;
	len = strlen(s);
	/* A text file ends with a newline: it takes the place of the NUL. */
	s[len] = '\n';
	return common_record_write(dfd, dir, file, s, len + 1, mode, !(flags & VOLT_JSON_NO_SYNC));
}
