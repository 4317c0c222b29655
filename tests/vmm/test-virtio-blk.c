/*
 * virtio-mmio, the split virtqueue and virtio-blk on heap guest memory:
 * a driver's set-up through the registers, good requests against a raw
 * file, and every hostile chain we know of ending in an error status
 * (or a device that needs a reset), never outside guest memory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include "check-main.h"
#include "virtio-rig.h"

START_TEST(mmio_identifies_a_modern_block_device)
{
	struct rig r;

	rig_init(&r, 8, false);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_QUEUE_NUM_MAX), VQ_SIZE_MAX);
	rig_write(&r, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_DEVICE_FEATURES) & 1, 1);  /* VERSION_1 */
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK,
			  VIRTIO_STATUS_DRIVER_OK);
	/* capacity in config space, byte by byte */
	uint8_t cap[8];
	for (int i = 0; i < 8; i++)
		virtio_mmio_access(&r.blk.mmio, VIRTIO_MMIO_CONFIG + i, false, &cap[i], 1);
	ck_assert_uint_eq(get_le64(cap), 8);
	/* a 16-bit register access is ignored and reads 0 */
	uint8_t half[2] = { 0xff, 0xff };
	virtio_mmio_access(&r.blk.mmio, VIRTIO_MMIO_MAGIC_VALUE, false, half, 2);
	ck_assert_uint_eq(half[0] | half[1], 0);
	rig_free(&r);
}
END_TEST

START_TEST(mmio_refuses_features_without_version_1_or_not_offered)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_driver_setup(&r, 1ULL << VIRTIO_BLK_F_FLUSH);  /* legacy driver */
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK, 0);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK, 0);
	rig_driver_setup(&r, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 7) /* not offered */);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK, 0);
	/* a queue does not run on a device the driver never finished */
	rig_request(&r, VIRTIO_BLK_T_IN, 0, 512);
	ck_assert_uint_eq(rig_used_idx(&r), 0);
	rig_free(&r);
}
END_TEST

START_TEST(mmio_reset_clears_the_device)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_request(&r, VIRTIO_BLK_T_IN, 0, 512);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED_BUFFER);
	rig_write(&r, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED_BUFFER);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	rig_write(&r, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!r.blk.mmio.queues[0].ready);
	rig_free(&r);
}
END_TEST

START_TEST(mmio_queue_outside_memory_needs_reset)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_write(&r, VIRTIO_MMIO_STATUS, 0);
	rig_write(&r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	rig_write(&r, VIRTIO_MMIO_QUEUE_NUM, RIG_QSIZE);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DESC_LOW, 0xfffff000u);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0xffffffffu);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RIG_AVAIL);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RIG_USED);
	rig_write(&r, VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_ne(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* a size that is not a power of two is refused too */
	rig_write(&r, VIRTIO_MMIO_STATUS, 0);
	rig_write(&r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	rig_write(&r, VIRTIO_MMIO_QUEUE_NUM, 3);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RIG_DESC);
	rig_write(&r, VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_QUEUE_READY), 0);
	rig_free(&r);
}
END_TEST

START_TEST(blk_reads_and_writes_the_file)
{
	struct rig r;
	uint8_t *data;

	rig_init(&r, 8, false);
	data = r.mem.host + RIG_DATA;
	rig_request(&r, VIRTIO_BLK_T_IN, 1, 1024);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(rig_used_len(&r, 0), 1025);
	ck_assert_uint_eq(rig_used_id(&r, 0), 0);
	ck_assert_uint_eq(data[0], (uint8_t)(512 * 7));
	ck_assert_uint_eq(data[1000], (uint8_t)((512 + 1000) * 7));
	ck_assert_int_eq(r.irqs, 1);

	memset(data, 0xab, 512);
	rig_request(&r, VIRTIO_BLK_T_OUT, 7, 512);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(rig_used_len(&r, 1), 1);
	memset(data, 0, 512);
	rig_request(&r, VIRTIO_BLK_T_IN, 7, 512);
	ck_assert_uint_eq(data[0], 0xab);
	ck_assert_uint_eq(data[511], 0xab);

	rig_request(&r, VIRTIO_BLK_T_FLUSH, 0, 0);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	rig_request(&r, VIRTIO_BLK_T_GET_ID, 0, 20);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	ck_assert(memcmp(data, "volt-virtio-test", 16) == 0);
	rig_free(&r);
}
END_TEST

START_TEST(blk_rejects_bad_requests_with_a_status)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_request(&r, VIRTIO_BLK_T_IN, 8, 512);        /* one past the end */
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	rig_request(&r, VIRTIO_BLK_T_IN, 7, 1024);       /* runs past the end */
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	rig_request(&r, VIRTIO_BLK_T_IN, UINT64_MAX, 512); /* sector arithmetic would wrap */
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	rig_request(&r, VIRTIO_BLK_T_IN, 0, 100);        /* not whole sectors */
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	rig_request(&r, 77, 0, 512);                     /* unknown type */
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_UNSUPP);
	/* a header of 8 bytes */
	rig_desc(&r, 0, RIG_HDR, 8, VIRTQ_DESC_F_NEXT, 2);
	rig_desc(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	r.mem.host[RIG_STATUS] = 0xee;
	rig_submit(&r, 0);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	/* OUT whose data the device would have to write (wrong direction) */
	rig_header(&r, VIRTIO_BLK_T_OUT, 0);
	rig_desc(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_desc(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	rig_desc(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	rig_submit(&r, 0);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	/* IN whose data buffer is device-readable (wrong direction) */
	rig_header(&r, VIRTIO_BLK_T_IN, 0);
	rig_desc(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT, 2);
	rig_submit(&r, 0);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	rig_free(&r);
}
END_TEST

START_TEST(blk_read_only_refuses_writes)
{
	struct rig r;

	rig_init(&r, 8, true);
	rig_write(&r, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_ne(rig_read(&r, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO), 0);
	rig_request(&r, VIRTIO_BLK_T_OUT, 0, 512);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_IOERR);
	rig_request(&r, VIRTIO_BLK_T_IN, 0, 512);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	rig_free(&r);
}
END_TEST

/* A chain the device cannot trust comes back with length 0 and no status written. */
static void expect_bad_chain(struct rig *r, uint16_t head)
{
	uint16_t before = rig_used_idx(r);

	r->mem.host[RIG_STATUS] = 0xee;
	rig_submit(r, head);
	ck_assert_uint_eq(rig_used_idx(r), (uint16_t)(before + 1));
	ck_assert_uint_eq(rig_used_id(r, before), head);
	ck_assert_uint_eq(rig_used_len(r, before), 0);
	ck_assert_uint_eq(rig_status(r), 0xee);
	ck_assert_uint_eq(rig_read(r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

START_TEST(chain_with_buffer_outside_memory_is_refused)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_header(&r, VIRTIO_BLK_T_IN, 0);
	rig_desc(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_desc(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	/* past the end of RAM */
	rig_desc(&r, 1, TEST_MEM_SIZE, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	expect_bad_chain(&r, 0);
	/* straddling the end */
	rig_desc(&r, 1, TEST_MEM_SIZE - 256, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	expect_bad_chain(&r, 0);
	/* address + length wraps around 2^64 */
	rig_desc(&r, 1, UINT64_MAX - 100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	expect_bad_chain(&r, 0);
	/* the largest length there is */
	rig_desc(&r, 1, RIG_DATA, UINT32_MAX, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	expect_bad_chain(&r, 0);
	rig_free(&r);
}
END_TEST

START_TEST(chain_that_loops_is_refused)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_header(&r, VIRTIO_BLK_T_IN, 0);
	rig_desc(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_desc(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	expect_bad_chain(&r, 0);
	/* to itself */
	rig_desc(&r, 3, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 3);
	expect_bad_chain(&r, 3);
	/* next beyond the table */
	rig_desc(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, RIG_QSIZE);
	expect_bad_chain(&r, 0);
	rig_free(&r);
}
END_TEST

START_TEST(chain_with_readable_after_writable_is_refused)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_header(&r, VIRTIO_BLK_T_IN, 0);
	rig_desc(&r, 0, RIG_STATUS, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	rig_desc(&r, 1, RIG_HDR, 16, 0, 0);
	expect_bad_chain(&r, 0);
	rig_free(&r);
}
END_TEST

START_TEST(chain_with_overlapping_buffers_is_refused)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_header(&r, VIRTIO_BLK_T_IN, 0);
	/* the data buffer covers the header: a read would overwrite the request */
	rig_desc(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_desc(&r, 1, RIG_HDR, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	rig_desc(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	expect_bad_chain(&r, 0);
	/* the data buffer covers the status byte */
	rig_desc(&r, 1, RIG_STATUS - 511, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	expect_bad_chain(&r, 0);
	rig_free(&r);
}
END_TEST

START_TEST(indirect_chains_work_and_get_the_same_checks)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_header(&r, VIRTIO_BLK_T_IN, 2);
	rig_indirect(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_indirect(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	rig_indirect(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	rig_desc(&r, 5, RIG_INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	rig_submit(&r, 5);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(r.mem.host[RIG_DATA + 1], (uint8_t)((1024 + 1) * 7));
	ck_assert_uint_eq(rig_used_len(&r, 0), 513);

	/* a loop inside the table */
	rig_indirect(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	expect_bad_chain(&r, 5);
	rig_indirect(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	/* next outside the table */
	rig_indirect(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	expect_bad_chain(&r, 5);
	rig_indirect(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	/* a table length that is not whole descriptors */
	rig_desc(&r, 5, RIG_INDIRECT, 3 * 16 + 5, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad_chain(&r, 5);
	/* a table outside memory */
	rig_desc(&r, 5, TEST_MEM_SIZE - 16, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad_chain(&r, 5);
	/* INDIRECT together with NEXT */
	rig_desc(&r, 5, RIG_INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 6);
	expect_bad_chain(&r, 5);
	/* an indirect descriptor inside the table */
	rig_indirect(&r, 1, RIG_INDIRECT, 32, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_INDIRECT, 2);
	rig_desc(&r, 5, RIG_INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad_chain(&r, 5);
	rig_indirect(&r, 1, RIG_DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	/* a table longer than any chain may be */
	rig_desc(&r, 5, RIG_INDIRECT, (VQ_CHAIN_MAX + 1) * 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad_chain(&r, 5);

	/* without the feature negotiated, an indirect descriptor is refused */
	rig_driver_setup(&r, (1ULL << VIRTIO_F_VERSION_1));
	rig_desc(&r, 5, RIG_INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad_chain(&r, 5);
	rig_free(&r);
}
END_TEST

START_TEST(broken_avail_ring_needs_reset)
{
	struct rig r;

	rig_init(&r, 8, false);
	/* the driver claims more new entries than the queue holds */
	put_le16(r.mem.host + RIG_AVAIL + 2, RIG_QSIZE + 1);
	virtio_mmio_notify(&r.blk.mmio, 0);
	ck_assert_uint_eq(rig_used_idx(&r), 0);
	ck_assert_uint_ne(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG_CHANGE,
			  VIRTIO_INT_CONFIG_CHANGE);
	/* a device that needs a reset serves nothing until it gets one */
	put_le16(r.mem.host + RIG_AVAIL + 2, 0);
	rig_request(&r, VIRTIO_BLK_T_IN, 0, 512);
	ck_assert_uint_eq(rig_used_idx(&r), 0);
	/* after a reset it works again */
	rig_driver_setup(&r, RIG_FEATURES);
	rig_request(&r, VIRTIO_BLK_T_IN, 0, 512);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);

	/* a head index outside the table */
	put_le16(r.mem.host + RIG_AVAIL + 4 + 2 * (r.avail_idx % RIG_QSIZE), RIG_QSIZE + 3);
	r.avail_idx++;
	put_le16(r.mem.host + RIG_AVAIL + 2, r.avail_idx);
	virtio_mmio_notify(&r.blk.mmio, 0);
	ck_assert_uint_ne(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	rig_free(&r);
}
END_TEST

START_TEST(many_requests_wrap_the_rings)
{
	struct rig r;

	rig_init(&r, 8, false);
	for (unsigned int i = 0; i < 3 * RIG_QSIZE + 1; i++) {
		rig_request(&r, VIRTIO_BLK_T_IN, i % 8, 512);
		ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	}
	ck_assert_uint_eq(rig_used_idx(&r), 3 * RIG_QSIZE + 1);
	rig_free(&r);
}
END_TEST

START_TEST(request_rewriting_the_ring_needs_reset)
{
	struct rig r;

	rig_init(&r, 8, false);
	/* Sector 0 holds an avail ring whose index runs far ahead. */
	memset(r.mem.host + RIG_DATA, 0, 512);
	put_le16(r.mem.host + RIG_DATA + 2, 0x8000);
	rig_request(&r, VIRTIO_BLK_T_OUT, 0, 512);
	ck_assert_uint_eq(rig_status(&r), VIRTIO_BLK_S_OK);
	/* Read it over the avail ring itself. */
	rig_header(&r, VIRTIO_BLK_T_IN, 0);
	rig_desc(&r, 0, RIG_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	rig_desc(&r, 1, RIG_AVAIL, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	rig_desc(&r, 2, RIG_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	rig_submit(&r, 0);
	ck_assert_uint_eq(rig_used_idx(&r), 2);
	ck_assert_uint_ne(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	rig_free(&r);
}
END_TEST

START_TEST(used_ring_over_the_avail_ring_is_refused)
{
	struct rig r;

	rig_init(&r, 8, false);
	rig_write(&r, VIRTIO_MMIO_STATUS, 0);
	rig_write(&r, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	rig_write(&r, VIRTIO_MMIO_QUEUE_NUM, RIG_QSIZE);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RIG_DESC);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RIG_AVAIL);
	rig_write(&r, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RIG_AVAIL);
	rig_write(&r, VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rig_read(&r, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_ne(rig_read(&r, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	rig_free(&r);
}
END_TEST

CHECK_MAIN("virtio-blk",
	   request_rewriting_the_ring_needs_reset,
	   used_ring_over_the_avail_ring_is_refused,
	   mmio_identifies_a_modern_block_device,
	   mmio_refuses_features_without_version_1_or_not_offered,
	   mmio_reset_clears_the_device,
	   mmio_queue_outside_memory_needs_reset,
	   blk_reads_and_writes_the_file,
	   blk_rejects_bad_requests_with_a_status,
	   blk_read_only_refuses_writes,
	   chain_with_buffer_outside_memory_is_refused,
	   chain_that_loops_is_refused,
	   chain_with_readable_after_writable_is_refused,
	   chain_with_overlapping_buffers_is_refused,
	   indirect_chains_work_and_get_the_same_checks,
	   broken_avail_ring_needs_reset,
	   many_requests_wrap_the_rings)
