/*
 * virtio-net against a real TAP in a private network namespace: the
 * device sends an ARP request from a tx chain and the host kernel's reply
 * comes back in an rx buffer, vnet header and all; bad TAP names and bad
 * chains are refused. SKIP without CAP_NET_ADMIN or /dev/net/tun.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core/error.h>

#include "bytes.h"
#include <check.h>
#include "test-helpers.h"
#include "virtio-net.h"

#define QSIZE  8u
#define RX_DESC 0x10000ULL
#define RX_AVAIL 0x11000ULL
#define RX_USED 0x12000ULL
#define TX_DESC 0x13000ULL
#define TX_AVAIL 0x14000ULL
#define TX_USED 0x15000ULL
#define RX_BUF  0x20000ULL   /* QSIZE buffers of 2048 */
#define TX_BUF  0x30000ULL

static int irqs;

static void count_irq(struct virtio_mmio *m)
{
	(void)m;
	irqs++;
}

static const struct virtio_mmio_ops ops = {
	.queue_notify = virtio_net_queue_notify,
	.raise_irq = count_irq,
};

static void desc(struct guest_mem *mem, uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *p = mem->host + table + 16 * i;

	put_le64(p, addr);
	put_le32(p + 8, len);
	put_le16(p + 12, flags);
	put_le16(p + 14, next);
}

static void offer(struct guest_mem *mem, uint64_t avail, uint16_t *idx, uint16_t head)
{
	put_le16(mem->host + avail + 4 + 2 * (*idx % QSIZE), head);
	(*idx)++;
	put_le16(mem->host + avail + 2, *idx);
}


START_TEST(tap_names_are_checked)
{
	ck_assert_int_eq(tap_name_check("vm0"), 0);
	ck_assert_int_eq(tap_name_check("a.b-c_d"), 0);
	ck_assert_int_eq(tap_name_check(""), -EINVAL);
	ck_assert_int_eq(tap_name_check("sixteen-chars-xx"), -EINVAL);
	ck_assert_int_eq(tap_name_check("a/b"), -EINVAL);
	ck_assert_int_eq(tap_name_check("a b"), -EINVAL);
	ck_assert_int_eq(tap_name_check(".."), -EINVAL);
	ck_assert_int_eq(tap_open("bad:name"), -EINVAL);
	uint8_t a[6], b[6];
	tap_default_mac("vm0", a);
	tap_default_mac("vm0", b);
	ck_assert(memcmp(a, b, 6) == 0);
	ck_assert_uint_eq(a[0] & 3, 2);  /* locally administered, unicast */
	tap_default_mac("vm1", b);
	ck_assert(memcmp(a, b, 6) != 0);
}
END_TEST

START_TEST(arp_goes_out_and_the_reply_comes_back)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct guest_mem mem = test_mem();
	struct virtio_net net;
	uint16_t rx_idx = 0, tx_idx = 0;
	struct pollfd pfd;
	uint8_t *frame;
	int fd;

	fd = tap_open("vtest0");
	ck_assert_msg(fd >= 0, "%s", volt_error_message());
	ck_assert_int_eq(system("ip link set lo up && ip link set vtest0 up && ip addr add 10.9.0.1/24 dev vtest0"), 0);

	virtio_net_init(&net, &mem, fd, "vtest0", mac, &ops);
	net.mmio.status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	net.mmio.queues[0] = (struct virtqueue){ .size = QSIZE, .ready = true, .desc_gpa = RX_DESC,
						 .avail_gpa = RX_AVAIL, .used_gpa = RX_USED };
	net.mmio.queues[1] = (struct virtqueue){ .size = QSIZE, .ready = true, .desc_gpa = TX_DESC,
						 .avail_gpa = TX_AVAIL, .used_gpa = TX_USED };
	for (unsigned int i = 0; i < QSIZE; i++) {
		desc(&mem, RX_DESC, i, RX_BUF + 2048 * i, 2048, VIRTQ_DESC_F_WRITE, 0);
		offer(&mem, RX_AVAIL, &rx_idx, (uint16_t)i);
	}
	virtio_mmio_notify(&net.mmio, VIRTIO_NET_RX_QUEUE);

	/* vnet header (12 zero bytes), then an ARP request 10.9.0.2 -> who has 10.9.0.1 */
	frame = mem.host + TX_BUF;
	memset(frame, 0, 12 + 42);
	memset(frame + 12, 0xff, 6);
	memcpy(frame + 12 + 6, mac, 6);
	frame[12 + 12] = 0x08; frame[12 + 13] = 0x06;
	static const uint8_t arp[] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	memcpy(frame + 12 + 14, arp, sizeof(arp));
	memcpy(frame + 12 + 22, mac, 6);
	memcpy(frame + 12 + 28, (uint8_t[]){ 10, 9, 0, 2 }, 4);
	memcpy(frame + 12 + 38, (uint8_t[]){ 10, 9, 0, 1 }, 4);
	/* header and frame in two buffers, as Linux may send them */
	desc(&mem, TX_DESC, 0, TX_BUF, 12, VIRTQ_DESC_F_NEXT, 1);
	desc(&mem, TX_DESC, 1, TX_BUF + 12, 42, 0, 0);
	offer(&mem, TX_AVAIL, &tx_idx, 0);
	virtio_mmio_notify(&net.mmio, VIRTIO_NET_TX_QUEUE);
	ck_assert_uint_eq(get_le16(mem.host + TX_USED + 2), 1);

	/* The host answers: the TAP becomes readable, the frame lands in an rx buffer. */
	bool got = false;
	for (int tries = 0; tries < 50 && !got; tries++) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		virtio_net_receive(&net);
		for (unsigned int k = 0; k < get_le16(mem.host + RX_USED + 2); k++) {
			uint32_t id = get_le32(mem.host + RX_USED + 4 + 8 * k);
			uint32_t len = get_le32(mem.host + RX_USED + 8 + 8 * k);
			uint8_t *b = mem.host + RX_BUF + 2048 * id;

			if (len >= 12 + 42 && b[12 + 12] == 0x08 && b[12 + 13] == 0x06 && b[12 + 21] == 2 &&
			    memcmp(b + 12, mac, 6) == 0)
				got = true;
		}
	}
	ck_assert_msg(got, "no ARP reply in the rx queue");
	ck_assert_int_ge(irqs, 2);
	virtio_net_destroy(&net);
	test_mem_free(&mem);
}
END_TEST

/*
 * The TAP test runs in a network namespace of its own; where none can be
 * made, or no TAP can be created in it (no CAP_NET_ADMIN), SKIP (77).
 */
int main(void)
{
	Suite *s = suite_create("virtio-net");
	TCase *tc = tcase_create("core");
	const char *skip = NULL;
	SRunner *sr;
	int failed, probe;

	tcase_add_test(tc, tap_names_are_checked);
	if (unshare(CLONE_NEWNET) < 0)
		skip = "cannot make a network namespace (needs CAP_SYS_ADMIN)";
	else if (access("/dev/net/tun", R_OK | W_OK) < 0)
		skip = "no usable /dev/net/tun";
	else if (system("command -v ip >/dev/null") != 0)
		skip = "no ip command (iproute2) to configure the host end";
	else if ((probe = tap_open("vtest0")) == -EPERM)
		skip = "cannot create a TAP here (needs CAP_NET_ADMIN)";
	else {
		/* Any other failure is Volt's, and the test reports it. */
		if (probe >= 0)
			close(probe);
		tcase_add_test(tc, arp_goes_out_and_the_reply_comes_back);
	}
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return 1;
	if (skip) {
		printf("SKIP: %s\n", skip);
		return 77;
	}
	return 0;
}
