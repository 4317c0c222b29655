/*
 * Removing a tree a workload may have written: every step is relative to
 * an open directory fd and opens with O_NOFOLLOW, so a symlink (or a
 * directory swapped for one mid-walk) is removed, never followed, and a
 * mount point is refused (a container's bind mounts, a live overlay).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <volt/core.h>

#include "rmrf.h"
#include "shared/macro.h"

/*
 * Another file system, or a mount root of the same one (a bind mount
 * shares st_dev: only the kernel's mark tells it).
 */
static bool is_mount(int dfd, const char *name, dev_t dev)
{
	struct statx stx;

	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name[0] ? 0 : AT_EMPTY_PATH),
		  STATX_TYPE, &stx) < 0)
		return false;
	if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != dev)
		return true;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* The directory @fd (taken) at @path: look for mounts, or (@remove) empty it. */
static int walk(int fd, const char *path, dev_t dev, bool remove)
{
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d) {
		int err = errno;

		close(fd);
		return volt_error_set_errno(err, "open %s", path);
	}
	for (;;) {
		_cleanup_free_ char *sub = NULL;
		struct stat st;
		int r;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno)
				return volt_error_set_errno(errno, "read %s", path);
			return 0;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0) {
			sub = NULL;
			return volt_error_set(ENOMEM, NULL);
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return volt_error_set_errno(errno, "stat %s", sub);
		}
		if (is_mount(dirfd(d), e->d_name, dev))
			return volt_error_set(EBUSY, "%s is a mount point: not removed", sub);
		if (S_ISDIR(st.st_mode)) {
			int cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd < 0) {
				if (errno == ENOENT)
					continue;
				return volt_error_set_errno(errno, "open %s", sub);
			}
			/* Checked again on what was opened: it may have been swapped since fstatat. */
			if (is_mount(cfd, "", dev)) {
				close(cfd);
				return volt_error_set(EBUSY, "%s is a mount point: not removed", sub);
			}
			r = walk(cfd, sub, dev, remove);
			if (r < 0)
				return r;
		}
		if (remove && unlinkat(dirfd(d), e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
		    errno != ENOENT)
			return volt_error_set_errno(errno, "remove %s", sub);
	}
}

int common_rm_rf_at(int dfd, const char *name, const char *path)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int scan, r;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		/* A file or a symlink: itself only. */
		if (errno == ENOTDIR || errno == ELOOP) {
			if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
				return volt_error_set_errno(errno, "remove %s", path);
			return 0;
		}
		return volt_error_set_errno(errno, "open %s", path);
	}
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "stat %s", path);
	/* A first pass refuses a mount before anything is removed; the second checks again. */
	scan = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (scan < 0)
		return volt_error_set_errno(errno, "open %s", path);
	r = walk(scan, path, st.st_dev, false);
	if (r < 0)
		return r;
	r = walk(fd, path, st.st_dev, true);
	fd = -1;
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove %s", path);
	return 0;
}

int common_rm_rf(const char *path)
{
	return common_rm_rf_at(AT_FDCWD, path, path);
}
