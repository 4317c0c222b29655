/*
 * Where a virtio-blk disk's bytes live: a raw file (blk-file.c) or a
 * Stellarium image with a per-VM copy-on-write overlay (blk-overlay.c).
 * All calls come from the I/O thread, one at a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_BLK_BACKEND_H
#define VOLT_VMM_BLK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct blk_backend;

struct blk_backend_ops {
	/* Fill (or write out) all of @iov at byte @offset; 0 or a negative errno. */
	int (*read)(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
	int (*write)(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
	/* Make every completed write durable. */
	int (*flush)(struct blk_backend *b);
	/* Flush what must survive and release everything. */
	void (*close)(struct blk_backend *b);
};

struct blk_backend {
	const struct blk_backend_ops *ops;
	uint64_t size;        /* bytes */
	bool read_only;
	char id[21];          /* VIRTIO_BLK_T_GET_ID: up to 20 bytes, NUL-padded */
	char describe[160];   /* for --dry-run and logs */
};

/* A raw image file (or block device), opened read-write unless @read_only. */
int blk_file_open(struct blk_backend **out, const char *path, bool read_only);

/*
 * Stellarium image @ref in the store at @store, read on demand. With an
 * @overlay path, writes go there (created if missing, reused if it
 * belongs to the same image); without, the disk is read-only.
 */
int blk_overlay_open(struct blk_backend **out, const char *store, const char *ref,
		     const char *overlay, bool read_only);

static inline void blk_backend_close(struct blk_backend *b)
{
	if (b)
		b->ops->close(b);
}

#endif
