/*
 * virtio-blk backend: a raw image file or block device, preadv/pwritev
 * straight between the file and guest memory, fdatasync on flush.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core/error.h>

#include "blk-backend.h"
#include "shared/macro.h"

struct blk_file {
	struct blk_backend base;
	int fd;
};

/* All of @iov, through short transfers and EINTR. */
static int transfer(int fd, const struct iovec *iov_in, int n, uint64_t offset, bool write)
{
	struct iovec iov[256];
	int first = 0;

	if (n > (int)ELEMENTSOF(iov))
		return -E2BIG;
	memcpy(iov, iov_in, sizeof(*iov) * (size_t)n);
	while (first < n) {
		ssize_t k = write ? pwritev(fd, iov + first, n - first, (off_t)offset)
				  : preadv(fd, iov + first, n - first, (off_t)offset);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;  /* the file shrank under us */
		offset += (uint64_t)k;
		while (first < n && (size_t)k >= iov[first].iov_len) {
			k -= (ssize_t)iov[first].iov_len;
			first++;
		}
		if (first < n) {
			iov[first].iov_base = (uint8_t *)iov[first].iov_base + k;
			iov[first].iov_len -= (size_t)k;
		}
	}
	return 0;
}

static int file_read(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset)
{
	return transfer(((struct blk_file *)b)->fd, iov, n, offset, false);
}

static int file_write(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset)
{
	return transfer(((struct blk_file *)b)->fd, iov, n, offset, true);
}

static int file_flush(struct blk_backend *b)
{
	return fdatasync(((struct blk_file *)b)->fd) < 0 ? -errno : 0;
}

static void file_close(struct blk_backend *b)
{
	struct blk_file *f = (struct blk_file *)b;

	if (!b->read_only)
		(void)fdatasync(f->fd);
	close(f->fd);
	free(f);
}

static const struct blk_backend_ops file_ops = {
	.read = file_read,
	.write = file_write,
	.flush = file_flush,
	.close = file_close,
};

int blk_file_open(struct blk_backend **out, const char *path, bool read_only)
{
	_cleanup_close_ int fd = -1;
	struct blk_file *f;
	const char *name;
	struct stat st;
	uint64_t size;
	int flags;

	/* Not blocking: a FIFO named as a disk is refused below instead of hanging the open. */
	fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "disk %s", path);
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "disk %s", path);
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			return volt_error_set_errno(errno, "disk %s: size", path);
	} else {
		return volt_error_set(EINVAL, "disk %s is not a regular file or block device", path);
	}
	if (size < 512)
		return volt_error_set(EINVAL, "disk %s is smaller than one 512-byte sector", path);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return volt_error_set_errno(errno, "disk %s", path);
	f = calloc(1, sizeof(*f));
	if (!f)
		return volt_error_set(ENOMEM, "disk %s", path);
	f->base.ops = &file_ops;
	f->base.size = size;
	f->base.read_only = read_only;
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	strncpy(f->base.id, name, 20);
	snprintf(f->base.describe, sizeof(f->base.describe), "raw file %s", path);
	f->fd = TAKE_FD(fd);
	*out = &f->base;
	return 0;
}
