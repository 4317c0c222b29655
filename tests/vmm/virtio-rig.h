/*
 * A virtio-blk device on heap "guest memory", driven through its MMIO
 * registers the way a driver would, for the unit tests: descriptors,
 * avail and used rings at fixed addresses, requests submitted by hand.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TEST_VMM_VIRTIO_RIG_H
#define VOLT_TEST_VMM_VIRTIO_RIG_H

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-helpers.h"
#include "bytes.h"
#include "virtio-blk.h"

#define RIG_QSIZE   16u
#define RIG_DESC    0x10000ULL
#define RIG_AVAIL   0x11000ULL
#define RIG_USED    0x12000ULL
#define RIG_HDR     0x20000ULL   /* request header */
#define RIG_DATA    0x30000ULL   /* data buffers */
#define RIG_STATUS  0x40000ULL   /* status byte */
#define RIG_INDIRECT 0x50000ULL  /* an indirect table */

struct rig {
	struct guest_mem mem;
	struct virtio_blk blk;
	char path[64];
	uint16_t avail_idx;
	int irqs;
};

static void rig_raise_irq(struct virtio_mmio *m)
{
	((struct rig *)m->owner)->irqs++;
}

static const struct virtio_mmio_ops rig_ops = {
	.queue_notify = virtio_blk_queue_notify,
	.raise_irq = rig_raise_irq,
};

static inline uint32_t rig_read(struct rig *r, uint64_t off)
{
	uint8_t b[4];

	virtio_mmio_access(&r->blk.mmio, off, false, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline void rig_write(struct rig *r, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	virtio_mmio_access(&r->blk.mmio, off, true, b, 4);
}

/* Negotiate @features (high word in bit 32+) and set up queue 0 as a driver would. */
static inline void rig_driver_setup(struct rig *r, uint64_t features)
{
	/* fresh rings, as a driver allocates them */
	memset(r->mem.host + RIG_AVAIL, 0, 0x1000);
	memset(r->mem.host + RIG_USED, 0, 0x1000);
	rig_write(r, VIRTIO_MMIO_STATUS, 0);
	rig_write(r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	rig_write(r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	rig_write(r, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	rig_write(r, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	rig_write(r, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	rig_write(r, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	rig_write(r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					 VIRTIO_STATUS_FEATURES_OK);
	rig_write(r, VIRTIO_MMIO_QUEUE_SEL, 0);
	rig_write(r, VIRTIO_MMIO_QUEUE_NUM, RIG_QSIZE);
	rig_write(r, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RIG_DESC);
	rig_write(r, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	rig_write(r, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RIG_AVAIL);
	rig_write(r, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RIG_USED);
	rig_write(r, VIRTIO_MMIO_QUEUE_READY, 1);
	rig_write(r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	r->avail_idx = 0;
}

#define RIG_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC) | \
		      (1ULL << VIRTIO_BLK_F_FLUSH))

/* A disk of @sectors sectors, byte i of it (i * 7) & 0xff, as a raw file. */
static inline void rig_init(struct rig *r, unsigned int sectors, bool read_only)
{
	struct blk_backend *b = NULL;
	uint8_t *buf = malloc((size_t)sectors * 512);
	int fd;

	memset(r, 0, sizeof(*r));
	r->mem = test_mem();
	strcpy(r->path, "/tmp/volt-virtio-test.XXXXXX");
	fd = mkstemp(r->path);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < (size_t)sectors * 512; i++)
		buf[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(write(fd, buf, (size_t)sectors * 512), (ssize_t)sectors * 512);
	close(fd);
	free(buf);
	ck_assert_int_eq(blk_file_open(&b, r->path, read_only), 0);
	virtio_blk_init(&r->blk, &r->mem, b, &rig_ops);
	r->blk.mmio.owner = r;
	rig_driver_setup(r, RIG_FEATURES);
}

static inline void rig_free(struct rig *r)
{
	virtio_blk_destroy(&r->blk);
	unlink(r->path);
	test_mem_free(&r->mem);
}

static inline void rig_desc(struct rig *r, unsigned int i, uint64_t addr, uint32_t len,
			    uint16_t flags, uint16_t next)
{
	uint8_t *p = r->mem.host + RIG_DESC + 16 * i;

	put_le64(p, addr);
	put_le32(p + 8, len);
	put_le16(p + 12, flags);
	put_le16(p + 14, next);
}

/* A descriptor in the indirect table at RIG_INDIRECT. */
static inline void rig_indirect(struct rig *r, unsigned int i, uint64_t addr, uint32_t len,
				uint16_t flags, uint16_t next)
{
	uint8_t *p = r->mem.host + RIG_INDIRECT + 16 * i;

	put_le64(p, addr);
	put_le32(p + 8, len);
	put_le16(p + 12, flags);
	put_le16(p + 14, next);
}

static inline void rig_header(struct rig *r, uint32_t type, uint64_t sector)
{
	put_le32(r->mem.host + RIG_HDR, type);
	put_le32(r->mem.host + RIG_HDR + 4, 0);
	put_le64(r->mem.host + RIG_HDR + 8, sector);
	r->mem.host[RIG_STATUS] = 0xee;  /* so that "not written" shows */
}

/* Offer chain @head and let the device serve the queue. */
static inline void rig_submit(struct rig *r, uint16_t head)
{
	put_le16(r->mem.host + RIG_AVAIL + 4 + 2 * (r->avail_idx % RIG_QSIZE), head);
	r->avail_idx++;
	put_le16(r->mem.host + RIG_AVAIL + 2, r->avail_idx);
	virtio_mmio_notify(&r->blk.mmio, 0);
}

static inline uint16_t rig_used_idx(struct rig *r)
{
	return get_le16(r->mem.host + RIG_USED + 2);
}

/* Used element @k: its id and length. */
static inline uint32_t rig_used_id(struct rig *r, unsigned int k)
{
	return get_le32(r->mem.host + RIG_USED + 4 + 8 * (k % RIG_QSIZE));
}

static inline uint32_t rig_used_len(struct rig *r, unsigned int k)
{
	return get_le32(r->mem.host + RIG_USED + 8 + 8 * (k % RIG_QSIZE));
}

static inline uint8_t rig_status(struct rig *r)
{
	return r->mem.host[RIG_STATUS];
}

/* The usual request: header, one data buffer of @len at RIG_DATA, status. */
static inline void rig_request(struct rig *r, uint32_t type, uint64_t sector, uint32_t len)
{
	bool in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;

	rig_header(r, type, sector);
	rig_desc(r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_desc(r, 1, RIG_DATA, len, VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0), 2);
	rig_desc(r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	rig_submit(r, 0);
}

#endif
