/*
 * libFuzzer target: the split virtqueue and virtio-blk request handling
 * over a guest memory image and queue state taken from the input.
 *
 * Input: a 16-byte header, then the bytes of guest memory (64 KiB, the
 * rest zero):
 *   0     queue size: 1 << (byte % 9), so 1..256 (and sometimes invalid)
 *   1     bit 0: indirect descriptors negotiated; bit 1: read-only disk
 *   2..3  descriptor table offset   4..5 avail ring offset
 *   6..7  used ring offset          8..9 last_avail  (little endian)
 *   10..15 reserved
 * The queue is served until empty through virtio_blk_queue_notify, with
 * a RAM-backed disk of 64 sectors; ASan and UBSan watch every access.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "virtio-blk.h"

#define FUZZ_MEM   (64u << 10)
#define FUZZ_DISK  (64u * 512)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t disk[FUZZ_DISK];

static int ram_io(const struct iovec *iov, int n, uint64_t off, int write)
{
	for (int i = 0; i < n; i++) {
		if (off > FUZZ_DISK || iov[i].iov_len > FUZZ_DISK - off)
			abort();  /* the device let a request outside the disk through */
		if (write)
			memcpy(disk + off, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, disk + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

static int ram_read(struct blk_backend *b, const struct iovec *iov, int n, uint64_t off)
{
	(void)b;
	return ram_io(iov, n, off, 0);
}

static int ram_write(struct blk_backend *b, const struct iovec *iov, int n, uint64_t off)
{
	if (b->read_only)
		abort();  /* the device must refuse writes to a read-only disk itself */
	return ram_io(iov, n, off, 1);
}

static int ram_flush(struct blk_backend *b)
{
	(void)b;
	return 0;
}

static void ram_close(struct blk_backend *b)
{
	(void)b;
}

static const struct blk_backend_ops ram_ops = {
	.read = ram_read, .write = ram_write, .flush = ram_flush, .close = ram_close,
};

static void no_irq(struct virtio_mmio *m)
{
	(void)m;
}

static const struct virtio_mmio_ops fuzz_transport = {
	.queue_notify = virtio_blk_queue_notify,
	.raise_irq = no_irq,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_blk blk;
	struct blk_backend backend = { .ops = &ram_ops, .size = FUZZ_DISK, .id = "fuzz" };
	struct guest_mem mem;
	struct virtqueue *vq;

	if (size < 16)
		return 0;
	/* Exactly the guest's bytes, so ASan sees any access past them. */
	mem.size = FUZZ_MEM;
	mem.host = calloc(1, FUZZ_MEM);
	mem.mapped = false;
	if (!mem.host)
		abort();
	memcpy(mem.host, data + 16, size - 16 < FUZZ_MEM ? size - 16 : FUZZ_MEM);
	backend.read_only = data[1] & 2;

	virtio_blk_init(&blk, &mem, &backend, &fuzz_transport);
	blk.mmio.status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	vq = &blk.mmio.queues[0];
	vq->size = (uint16_t)(1u << (data[0] % 9));
	vq->indirect_ok = data[1] & 1;
	vq->desc_gpa = get_le16(data + 2);
	vq->avail_gpa = get_le16(data + 4);
	vq->used_gpa = get_le16(data + 6);
	if (vq_check_layout(&mem, vq) == 0) {
		vq->ready = true;
		vq->last_avail = get_le16(data + 8);
		virtio_mmio_notify(&blk.mmio, 0);
	}
	blk.backend = NULL;  /* on the stack: not closed */
	virtio_mmio_destroy(&blk.mmio);
	free(mem.host);
	return 0;
}
