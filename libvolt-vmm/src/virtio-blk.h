/*
 * virtio-blk (virtio 1.x, "Block Device"): IN, OUT, FLUSH, GET_ID over a
 * struct blk_backend, on the virtio-mmio transport.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_VIRTIO_BLK_H
#define VOLT_VMM_VIRTIO_BLK_H

#include "blk-backend.h"
#include "virtio-mmio.h"

#define VIRTIO_ID_BLOCK 2

#define VIRTIO_BLK_F_SIZE_MAX  1
#define VIRTIO_BLK_F_SEG_MAX   2
#define VIRTIO_BLK_F_RO        5
#define VIRTIO_BLK_F_BLK_SIZE  6
#define VIRTIO_BLK_F_FLUSH     9

#define VIRTIO_BLK_T_IN      0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_GET_ID  8

#define VIRTIO_BLK_S_OK      0
#define VIRTIO_BLK_S_IOERR   1
#define VIRTIO_BLK_S_UNSUPP  2

#define VIRTIO_BLK_SECTOR    512u
#define VIRTIO_BLK_SIZE_MAX  (1u << 20)       /* largest single buffer we advertise */
#define VIRTIO_BLK_SEG_MAX   (VQ_CHAIN_MAX - 2) /* data buffers besides header and status */

struct virtio_blk {
	struct virtio_mmio mmio;
	struct blk_backend *backend;   /* owned */
	struct vq_chain chain;         /* the request being served */
};

/* Set up @blk around @backend (taking it), with its ops table for the transport. */
void virtio_blk_init(struct virtio_blk *blk, const struct guest_mem *mem,
		     struct blk_backend *backend, const struct virtio_mmio_ops *transport_ops);
void virtio_blk_destroy(struct virtio_blk *blk);

/*
 * Serve one request chain; returns the bytes written into the chain
 * (the used length). Exposed for the unit tests and the fuzz target.
 */
uint32_t virtio_blk_request(struct virtio_blk *blk, const struct vq_chain *c);

/* Serve every available request of the queue (the transport's queue_notify). */
void virtio_blk_queue_notify(struct virtio_mmio *m, unsigned int queue);

#endif
