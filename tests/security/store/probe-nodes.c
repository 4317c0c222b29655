/*
 * Runs inside a container (or on a checked-out tree): walks the tree at
 * argv[1] (default "/") without leaving its file system and reports every
 * device node (and what opening it answered), set-user-ID or
 * set-group-ID file and security.capability xattr it finds.
 * Exit status: 0 none found, 1 some found, 2 error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int found;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char cap[64];

	if (type == FTW_DNR)
		printf("note: cannot read the directory %s\n", path);
	(void)ftw;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;

		printf("FOUND device node %s %c %u:%u, open: %s\n", path, S_ISCHR(st->st_mode) ? 'c' : 'b',
		       major(st->st_rdev), minor(st->st_rdev), fd >= 0 ? "succeeded" : strerror(e));
		if (fd >= 0)
			close(fd);
		found = 1;
	}
	if (!S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID))) {
		printf("FOUND set-ID file %s mode %04o uid %u\n", path, (unsigned)(st->st_mode & 07777),
		       (unsigned)st->st_uid);
		found = 1;
	}
	if (!S_ISLNK(st->st_mode) && lgetxattr(path, "security.capability", cap, sizeof(cap)) >= 0) {
		printf("FOUND security.capability on %s\n", path);
		found = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/";

	if (nftw(root, visit, 32, FTW_PHYS | FTW_MOUNT) != 0) {
		perror("probe-nodes: walk");
		return 2;
	}
	if (!found)
		printf("probe-nodes: no device node, set-ID file or file capability under %s\n", root);
	return found;
}
