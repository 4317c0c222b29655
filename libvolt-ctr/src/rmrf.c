/*
 * Removing a tree: never follows symlinks, never crosses mount points
 * (a container's bind mounts or a live overlay must not be emptied).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "ctr-internal.h"

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path)) {
		if (errno == ENOENT)
			return 0;
		return volt_error_set_errno(errno, "remove %s", path);
	}
	return 0;
}

/*
 * FTW_MOUNT compares st_dev, which a bind mount of the same file system
 * shares: a mount root anywhere in the tree (the kernel marks it) is
 * refused before anything is removed.
 */
static int find_mount(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct statx stx;

	(void)st;
	if (type != FTW_D || ftw->level == 0)
		return 0;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return volt_error_set(EBUSY, "%s is a mount point: not removed", path);
	return 0;
}

int ctr_rm_rf(const char *path)
{
	int r;

	errno = 0;
	r = nftw(path, find_mount, 32, FTW_PHYS | FTW_MOUNT);
	if (r < -1)
		return r;
	errno = 0;
	r = nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (r < 0 && errno == ENOENT)
		return 0;
	if (r == -1)
		return volt_error_set_errno(errno, "remove %s", path);
	return r;
}
