/*
 * Split virtqueues (virtio 1.x, "Split Virtqueues"), device side.
 *
 * Everything in the rings comes from the guest and is hostile: every
 * guest address goes through guest_mem_ptr() (the one checked
 * translation), each descriptor is copied once before it is looked at,
 * chains are bounded, loops and bad indices are refused, device-readable
 * buffers must precede device-writable ones, buffers of one chain must
 * not overlap, and indirect tables get the same checks.
 *
 * Pure code over a struct guest_mem: tested and fuzzed without KVM.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_VIRTQUEUE_H
#define VOLT_VMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest-memory.h"

#define VQ_SIZE_MAX   256u  /* largest queue the devices offer (QueueNumMax) */
#define VQ_CHAIN_MAX  256u  /* most buffers in one chain, indirect ones included */

#define VIRTQ_DESC_F_NEXT      1
#define VIRTQ_DESC_F_WRITE     2
#define VIRTQ_DESC_F_INDIRECT  4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtqueue {
	uint16_t size;        /* QueueNum, a power of 2 up to VQ_SIZE_MAX */
	bool ready;
	uint64_t desc_gpa;    /* descriptor table */
	uint64_t avail_gpa;   /* driver area */
	uint64_t used_gpa;    /* device area */
	uint16_t last_avail;  /* next avail ring entry to take */
	uint16_t used_idx;    /* our copy of used->idx */
	bool indirect_ok;     /* VIRTIO_F_INDIRECT_DESC was negotiated */
};

/* One buffer of a chain, already translated. */
struct vq_seg {
	uint8_t *host;
	uint32_t len;
	bool writable;
};

struct vq_chain {
	uint16_t head;
	unsigned int n;           /* segments */
	unsigned int n_readable;  /* the first n_readable are device-readable */
	uint64_t readable_bytes;
	uint64_t writable_bytes;
	struct vq_seg seg[VQ_CHAIN_MAX];
};

enum vq_pop_result {
	VQ_EMPTY = 0,      /* nothing available */
	VQ_CHAIN = 1,      /* @chain is a good request */
	VQ_BAD_CHAIN = 2,  /* @chain->head is valid but its chain is not: complete it with an error */
};

/*
 * Check the ring addresses set by the driver: sizes, alignment, every
 * ring inside guest RAM. 0 or -EINVAL (with a message).
 */
int vq_check_layout(const struct guest_mem *mem, const struct virtqueue *vq);

/*
 * Take the next available chain. Returns an enum vq_pop_result, or
 * -EPROTO when the ring itself is broken (the avail index ran more than
 * a queue ahead, a head index out of range, ...): the device needs a reset.
 */
int vq_pop(const struct guest_mem *mem, struct virtqueue *vq, struct vq_chain *chain);

/* Give the last popped chain back (the device could not use it yet). */
void vq_unpop(struct virtqueue *vq);

/* Put @head on the used ring with @written bytes written by the device. */
int vq_push(const struct guest_mem *mem, struct virtqueue *vq, uint16_t head, uint32_t written);

/* True unless the driver asked for no interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT). */
bool vq_wants_interrupt(const struct guest_mem *mem, const struct virtqueue *vq);

/*
 * Copy @len bytes at byte offset @off of the chain's readable (or
 * writable) part out of (or into) guest memory. 0, or -EFAULT when the
 * part is shorter.
 */
int vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf, size_t len);
int vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf, size_t len);

/*
 * Describe @len bytes at offset @off of the readable (or writable) part
 * as at most @max iovecs. Returns the count, or -EFAULT when the part
 * is shorter, -E2BIG when more than @max iovecs would be needed.
 */
int vq_chain_iov(const struct vq_chain *c, bool writable, uint64_t off, uint64_t len,
		 struct iovec *iov, unsigned int max);

#endif
