/*
 * virtio-blk requests: a 16-byte header (type, reserved, sector) in
 * device-readable buffers, data, and a status byte as the last byte of
 * the device-writable part (virtio 1.x, 5.2.6). Every length and sector
 * range is checked before the backend sees it; a request that fails a
 * check gets VIRTIO_BLK_S_IOERR (or UNSUPP for an unknown type).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <volt/core/log.h>

#include "bytes.h"
#include "virtio-blk.h"

#define BLK_HEADER_SIZE 16u
#define BLK_ID_BYTES    20u

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

void virtio_blk_init(struct virtio_blk *blk, const struct guest_mem *mem,
		     struct blk_backend *backend, const struct virtio_mmio_ops *transport_ops)
{
	uint64_t features = (1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |
			    (1ULL << VIRTIO_BLK_F_BLK_SIZE) | (1ULL << VIRTIO_BLK_F_FLUSH) |
			    (1ULL << VIRTIO_F_INDIRECT_DESC);
	uint64_t capacity = backend->size / VIRTIO_BLK_SECTOR;
	uint8_t *cfg;

	if (backend->read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	virtio_mmio_init(&blk->mmio, mem, transport_ops, blk, VIRTIO_ID_BLOCK, features, 1);
	blk->backend = backend;
	/* struct virtio_blk_config: capacity, size_max, seg_max, geometry, blk_size. */
	cfg = blk->mmio.config;
	capacity = htole64(capacity);
	memcpy(cfg, &capacity, 8);
	put_le32(cfg + 8, VIRTIO_BLK_SIZE_MAX);
	put_le32(cfg + 12, VIRTIO_BLK_SEG_MAX);
	put_le32(cfg + 20, VIRTIO_BLK_SECTOR);
	blk->mmio.config_len = 24;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	blk_backend_close(blk->backend);
	blk->backend = NULL;
	virtio_mmio_destroy(&blk->mmio);
}

/* Data of @len bytes at @sector inside the disk? No sum can wrap. */
static bool in_range(const struct blk_backend *b, uint64_t sector, uint64_t len)
{
	uint64_t sectors = b->size / VIRTIO_BLK_SECTOR;

	return len % VIRTIO_BLK_SECTOR == 0 && sector <= sectors &&
	       len / VIRTIO_BLK_SECTOR <= sectors - sector;
}

static uint8_t do_io(struct virtio_blk *blk, const struct vq_chain *c, bool write, uint64_t sector,
		     uint64_t len)
{
	struct iovec iov[VQ_CHAIN_MAX];
	int n, r;

	if (!in_range(blk->backend, sector, len)) {
		volt_log(VOLT_LOG_DEBUG, "virtio-blk: %s of %llu bytes at sector %llu is outside the disk",
			 write ? "write" : "read", (unsigned long long)len, (unsigned long long)sector);
		return VIRTIO_BLK_S_IOERR;
	}
	if (len == 0)
		return VIRTIO_BLK_S_OK;
	/* OUT: data follows the header in the readable part; IN: it fills the writable part. */
	n = vq_chain_iov(c, !write, write ? BLK_HEADER_SIZE : 0, len, iov, VQ_CHAIN_MAX);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	r = write ? blk->backend->ops->write(blk->backend, iov, n, sector * VIRTIO_BLK_SECTOR)
		  : blk->backend->ops->read(blk->backend, iov, n, sector * VIRTIO_BLK_SECTOR);
	if (r < 0) {
		volt_log(VOLT_LOG_DEBUG, "virtio-blk: %s at sector %llu: %s", write ? "write" : "read",
			 (unsigned long long)sector, strerror(-r));
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

uint32_t virtio_blk_request(struct virtio_blk *blk, const struct vq_chain *c)
{
	uint8_t header[BLK_HEADER_SIZE], status;
	uint64_t sector, data_in = 0;
	uint32_t type;

	/* Without a writable byte there is nowhere to put the status. */
	if (c->writable_bytes == 0)
		return 0;
	if (c->readable_bytes < BLK_HEADER_SIZE || vq_chain_read(c, 0, header, sizeof(header)) < 0) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	type = get_le32(header);
	sector = get_le64(header + 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
		/* Only the header is readable; everything writable but the status is data. */
		if (c->readable_bytes != BLK_HEADER_SIZE) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		data_in = c->writable_bytes - 1;
		if (data_in >= UINT32_MAX) {  /* the used length is 32 bits */
			data_in = 0;
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		status = do_io(blk, c, false, sector, data_in);
		if (status != VIRTIO_BLK_S_OK)
			data_in = 0;
		break;
	case VIRTIO_BLK_T_OUT:
		if (c->writable_bytes != 1) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (blk->backend->read_only) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		status = do_io(blk, c, true, sector, c->readable_bytes - BLK_HEADER_SIZE);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = blk->backend->ops->flush(blk->backend) < 0 ? VIRTIO_BLK_S_IOERR
								    : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t room = c->writable_bytes - 1;
		uint8_t id[BLK_ID_BYTES] = { 0 };

		memcpy(id, blk->backend->id, strnlen(blk->backend->id, BLK_ID_BYTES));
		data_in = room < BLK_ID_BYTES ? room : BLK_ID_BYTES;
		status = vq_chain_write(c, 0, id, (size_t)data_in) < 0 ? VIRTIO_BLK_S_IOERR
									: VIRTIO_BLK_S_OK;
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	if (vq_chain_write(c, c->writable_bytes - 1, &status, 1) < 0)
		return 0;
	return (uint32_t)(data_in + 1);
}

void virtio_blk_queue_notify(struct virtio_mmio *m, unsigned int queue)
{
	struct virtio_blk *blk = m->ctx;
	struct virtqueue *vq = &m->queues[queue];
	bool used = false;

	/* At most one queue's worth per call: a guest that keeps adding (or a
	 * request that rewrites the ring) cannot hold the I/O thread here. */
	for (unsigned int budget = vq->size;; budget--) {
		uint32_t written = 0;
		int r;

		if (budget == 0) {
			virtio_mmio_requeue(m, queue);
			break;
		}
		r = vq_pop(m->mem, vq, &blk->chain);
		if (r < 0) {
			virtio_mmio_needs_reset(m);
			break;
		}
		if (r == VQ_EMPTY)
			break;
		if (r == VQ_CHAIN)
			written = virtio_blk_request(blk, &blk->chain);
		if (vq_push(m->mem, vq, blk->chain.head, written) < 0) {
			virtio_mmio_needs_reset(m);
			break;
		}
		used = true;
	}
	if (used && vq_wants_interrupt(m->mem, vq))
		virtio_mmio_interrupt(m, VIRTIO_INT_USED_BUFFER);
}
