/*
 * virtio-blk backend: a Stellarium disk image read block by block on
 * demand (volt_cas_image_read verifies every block), with the guest's
 * writes in a per-VM copy-on-write overlay file. Many VMs of one image
 * share its blocks in the store; each VM's changes stay in its overlay.
 *
 * The overlay is one sparse file (format in docs/vmm-devices.md):
 *   [0, 4096)         header: magic, version, block size, disk size, image hash
 *   [4096, data_off)  map: bit i set = block i lives in the overlay
 *   [data_off, ...)   data: block i at data_off + i * block_size
 * Granularity is the image's block size; a partial write of a block not
 * yet in the overlay reads the base block first.
 *
 * Crash safety: the map changes only in memory until a flush; a flush
 * (and close) makes the data durable first (fdatasync), then writes the
 * changed map bytes and syncs again. A map bit on disk therefore always
 * names data that reached the disk; a VMM killed mid-write loses at most
 * the writes since the guest's last flush, which a disk with a volatile
 * write cache (VIRTIO_BLK_F_FLUSH) may lose.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core/error.h>
#include <volt/core/log.h>

#include "blk-backend.h"
#include "bytes.h"
#include "shared/macro.h"

#define OVERLAY_MAGIC       "VOLTOVL1"
#define OVERLAY_VERSION     1u
#define OVERLAY_HEADER_SIZE 4096u

struct blk_overlay {
	struct blk_backend base;
	volt_cas *cas;
	volt_cas_image *img;
	volt_cas_hash root;
	uint32_t block_size;
	uint64_t blocks;
	int fd;                  /* overlay, or -1 for a read-only disk */
	uint64_t data_off;
	uint8_t *map;
	uint64_t map_bytes;
	uint64_t dirty_lo, dirty_hi;  /* map bytes changed since the last flush */
	uint8_t *bounce;         /* one block, for partial writes */
};

static bool in_overlay(const struct blk_overlay *o, uint64_t block)
{
	return o->map && (o->map[block / 8] & (1u << (block % 8)));
}

static void mark(struct blk_overlay *o, uint64_t block)
{
	uint64_t byte = block / 8;

	if (in_overlay(o, block))
		return;
	o->map[byte] |= (uint8_t)(1u << (block % 8));
	if (o->dirty_lo >= o->dirty_hi) {
		o->dirty_lo = byte;
		o->dirty_hi = byte + 1;
	} else {
		if (byte < o->dirty_lo)
			o->dirty_lo = byte;
		if (byte + 1 > o->dirty_hi)
			o->dirty_hi = byte + 1;
	}
}

static uint64_t block_len(const struct blk_overlay *o, uint64_t block)
{
	uint64_t start = block * o->block_size;

	return o->base.size - start < o->block_size ? o->base.size - start : o->block_size;
}

static int pio(int fd, void *buf, size_t len, uint64_t off, bool write)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t k = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0) {
			if (write)
				return -EIO;
			memset(p, 0, len);  /* past the end of a sparse file: zeros */
			return 0;
		}
		p += k;
		len -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int base_read(struct blk_overlay *o, void *buf, size_t len, uint64_t off)
{
	ssize_t k = volt_cas_image_read(o->img, buf, len, off);

	if (k < 0)
		return (int)k;
	return (size_t)k == len ? 0 : -EIO;
}

/* One piece inside one block. */
static int read_piece(struct blk_overlay *o, uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t block = off / o->block_size;

	if (in_overlay(o, block))
		return pio(o->fd, buf, len, o->data_off + off, false);
	return base_read(o, buf, len, off);
}

static int write_piece(struct blk_overlay *o, const uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t block = off / o->block_size, start = block * o->block_size;
	uint64_t blen = block_len(o, block);
	int r;

	if (in_overlay(o, block) || (off == start && len == blen)) {
		r = pio(o->fd, (void *)buf, len, o->data_off + off, true);
	} else {
		/* First write to this block, and only part of it: start from the base. */
		r = base_read(o, o->bounce, (size_t)blen, start);
		if (r < 0)
			return r;
		memcpy(o->bounce + (off - start), buf, len);
		r = pio(o->fd, o->bounce, (size_t)blen, o->data_off + start, true);
	}
	if (r < 0)
		return r;
	mark(o, block);
	return 0;
}

static int for_each_piece(struct blk_overlay *o, const struct iovec *iov, int n, uint64_t off,
			  bool write)
{
	for (int i = 0; i < n; i++) {
		uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		if (off > o->base.size || left > o->base.size - off)
			return -EIO;
		while (left) {
			uint64_t in_block = o->block_size - off % o->block_size;
			size_t k = left < in_block ? left : (size_t)in_block;
			int r = write ? write_piece(o, p, k, off) : read_piece(o, p, k, off);

			if (r < 0)
				return r;
			p += k;
			left -= k;
			off += k;
		}
	}
	return 0;
}

static int overlay_read(struct blk_backend *b, const struct iovec *iov, int n, uint64_t off)
{
	return for_each_piece((struct blk_overlay *)b, iov, n, off, false);
}

static int overlay_write(struct blk_backend *b, const struct iovec *iov, int n, uint64_t off)
{
	struct blk_overlay *o = (struct blk_overlay *)b;

	if (o->fd < 0 || b->read_only)
		return -EROFS;
	return for_each_piece(o, iov, n, off, true);
}

/* Data first, then the map bytes that name it. */
static int overlay_flush(struct blk_backend *b)
{
	struct blk_overlay *o = (struct blk_overlay *)b;
	int r;

	if (o->fd < 0 || o->base.read_only)
		return 0;
	if (fdatasync(o->fd) < 0)
		return -errno;
	if (o->dirty_lo >= o->dirty_hi)
		return 0;
	r = pio(o->fd, o->map + o->dirty_lo, (size_t)(o->dirty_hi - o->dirty_lo),
		OVERLAY_HEADER_SIZE + o->dirty_lo, true);
	if (r < 0)
		return r;
	if (fdatasync(o->fd) < 0)
		return -errno;
	o->dirty_lo = o->dirty_hi = 0;
	return 0;
}

static void overlay_close(struct blk_backend *b)
{
	struct blk_overlay *o = (struct blk_overlay *)b;

	if (overlay_flush(b) < 0)
		volt_log(VOLT_LOG_WARNING, "vmm: could not save the overlay map: %s", strerror(errno));
	if (o->fd >= 0)
		close(o->fd);
	volt_cas_image_close(o->img);
	volt_cas_close(o->cas);
	free(o->map);
	free(o->bounce);
	free(o);
}

static const struct blk_backend_ops overlay_ops = {
	.read = overlay_read,
	.write = overlay_write,
	.flush = overlay_flush,
	.close = overlay_close,
};

static uint64_t data_offset(uint64_t map_bytes, uint32_t block_size)
{
	uint64_t end = OVERLAY_HEADER_SIZE + map_bytes;

	return (end + block_size - 1) / block_size * block_size;
}

/* A new overlay: written under a temporary name, synced, then renamed into place. */
static int overlay_create(struct blk_overlay *o, const char *path)
{
	uint8_t header[OVERLAY_HEADER_SIZE] = { 0 };
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tmp, "%s.tmp-%d", path, (int)getpid()) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return volt_error_set_errno(errno, "create overlay %s", tmp);
	memcpy(header, OVERLAY_MAGIC, 8);
	put_le32(header + 8, OVERLAY_VERSION);
	put_le32(header + 12, o->block_size);
	put_le64(header + 16, o->base.size);
	memcpy(header + 24, o->root.bytes, sizeof(o->root.bytes));
	put_le64(header + 56, OVERLAY_HEADER_SIZE);
	put_le64(header + 64, o->data_off);
	r = pio(fd, header, sizeof(header), 0, true);
	/* The map starts all zero: the sparse tail of the file. */
	if (r >= 0 && ftruncate(fd, (off_t)(o->data_off + o->base.size)) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return volt_error_set_errno(-r, "create overlay %s", path);
	}
	o->fd = TAKE_FD(fd);
	return 0;
}

static int overlay_load(struct blk_overlay *o, const char *path, int fd)
{
	uint8_t header[OVERLAY_HEADER_SIZE];
	char want[VOLT_CAS_HASH_HEX_SIZE], have[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash root;
	struct stat st;
	int r;

	r = pio(fd, header, sizeof(header), 0, false);
	if (r < 0)
		return volt_error_set_errno(-r, "read overlay %s", path);
	if (memcmp(header, OVERLAY_MAGIC, 8) != 0 || get_le32(header + 8) != OVERLAY_VERSION)
		return volt_error_set(EINVAL, "%s is not a Volt disk overlay (version %u)", path,
				      OVERLAY_VERSION);
	memcpy(root.bytes, header + 24, sizeof(root.bytes));
	if (memcmp(root.bytes, o->root.bytes, sizeof(root.bytes)) != 0)
		return volt_error_set(EINVAL, "overlay %s belongs to image %s, not %s", path,
				      volt_cas_hash_to_hex(have, &root),
				      volt_cas_hash_to_hex(want, &o->root));
	if (get_le32(header + 12) != o->block_size || get_le64(header + 16) != o->base.size ||
	    get_le64(header + 56) != OVERLAY_HEADER_SIZE || get_le64(header + 64) != o->data_off)
		return volt_error_set(EINVAL, "overlay %s: layout does not match its image", path);
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < o->data_off)
		return volt_error_set(EINVAL, "overlay %s is truncated", path);
	r = pio(fd, o->map, (size_t)o->map_bytes, OVERLAY_HEADER_SIZE, false);
	if (r < 0)
		return volt_error_set_errno(-r, "read overlay map %s", path);
	/* Bits past the last block would point outside the disk. */
	if (o->blocks % 8)
		o->map[o->map_bytes - 1] &= (uint8_t)((1u << (o->blocks % 8)) - 1);
	return 0;
}

/* Open (or create) the overlay; a read-only disk reads through an existing one and never creates it. */
static int overlay_attach(struct blk_overlay *o, const char *path, bool read_only)
{
	/* Not blocking: a FIFO in the overlay's place is refused, not waited on. */
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	int r, fl;

	o->map = calloc(1, (size_t)o->map_bytes);
	o->bounce = malloc(o->block_size);
	if (!o->map || !o->bounce)
		return volt_error_set(ENOMEM, NULL);
	if (fd < 0 && errno == ENOENT && read_only)
		return 0;
	if (fd < 0 && errno == ENOENT)
		return overlay_create(o, path);
	if (fd < 0)
		return volt_error_set_errno(errno, "overlay %s", path);
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return volt_error_set(EINVAL, "overlay %s is not a regular file", path);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		r = errno;
		close(fd);
		return volt_error_set_errno(r, "overlay %s", path);
	}
	r = overlay_load(o, path, fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	o->fd = fd;
	return 0;
}

int blk_overlay_open(struct blk_backend **out, const char *store, const char *ref,
		     const char *overlay, bool read_only)
{
	volt_cas_open_options copts = VOLT_CAS_OPEN_OPTIONS_INIT;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	struct blk_overlay *o;
	uint8_t probe[512];
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return volt_error_set(ENOMEM, NULL);
	o->fd = -1;
	o->base.ops = &overlay_ops;
	/* Reads happen one at a time on the I/O thread: no worker threads. */
	copts.workers = 1;
	r = volt_cas_open(&o->cas, store, &copts);
	if (r < 0) {
		r = volt_error_prefix(r, "Stellarium store %s", store);
		goto fail;
	}
	r = volt_cas_resolve(&o->root, o->cas, ref);
	if (r < 0) {
		r = volt_error_prefix(r, "image %s", ref);
		goto fail;
	}
	r = volt_cas_image_open(&o->img, o->cas, ref);
	if (r == -EISDIR) {
		r = volt_error_set(EINVAL, "%s is a directory tree, not a disk image (import one with stellarium import --image)",
				   ref);
		goto fail;
	}
	if (r < 0) {
		r = volt_error_prefix(r, "image %s", ref);
		goto fail;
	}
	o->block_size = volt_cas_image_block_size(o->img);
	o->base.size = volt_cas_image_size(o->img);
	if (o->block_size == 0) {
		r = volt_error_set(EINVAL, "%s is a stored file, not a disk image", ref);
		goto fail;
	}
	if (o->base.size < 512) {
		r = volt_error_set(EINVAL, "image %s is smaller than one 512-byte sector", ref);
		goto fail;
	}
	/* The first read sets up the hashing code while files can still be opened. */
	r = base_read(o, probe, sizeof(probe), 0);
	if (r < 0) {
		r = volt_error_set_errno(-r, "image %s: cannot read its first block", ref);
		goto fail;
	}
	o->blocks = (o->base.size + o->block_size - 1) / o->block_size;
	o->map_bytes = (o->blocks + 7) / 8;
	o->data_off = data_offset(o->map_bytes, o->block_size);
	o->base.read_only = read_only || !overlay;
	if (overlay) {
		r = overlay_attach(o, overlay, o->base.read_only);
		if (r < 0)
			goto fail;
	}
	volt_cas_hash_to_hex(hex, &o->root);
	memcpy(o->base.id, hex, 20);
	snprintf(o->base.describe, sizeof(o->base.describe), "Stellarium image %.16s... (%s)%s%s",
		 hex, ref, o->base.read_only ? ", read-only" : ", overlay ",
		 o->base.read_only ? "" : overlay);
	*out = &o->base;
	return 0;
fail:
	overlay_close(&o->base);
	return r;
}
