/*
 * virtio-net (virtio 1.x, "Network Device") over a TAP device opened
 * with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR and a 12-byte vnet header (the
 * VERSION_1 struct virtio_net_hdr), so headers pass through untouched.
 * Features offered: VIRTIO_NET_F_MAC, VIRTIO_F_VERSION_1 and indirect
 * descriptors; no checksum or segmentation offloads (the TAP gets
 * TUNSETOFFLOAD 0, so the host hands over complete packets).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_VIRTIO_NET_H
#define VOLT_VMM_VIRTIO_NET_H

#include <stdint.h>

#include "virtio-mmio.h"

#define VIRTIO_ID_NET        1
#define VIRTIO_NET_F_MAC     5
#define VIRTIO_NET_HDR_SIZE  12u   /* struct virtio_net_hdr with num_buffers */
#define VIRTIO_NET_RX_QUEUE  0u
#define VIRTIO_NET_TX_QUEUE  1u
#define VIRTIO_NET_FRAME_MAX (VIRTIO_NET_HDR_SIZE + 65536u)

struct virtio_net {
	struct virtio_mmio mmio;
	int tap_fd;                /* owned, non-blocking */
	char ifname[16];
	uint8_t mac[6];
	bool rx_stalled;           /* the TAP has a packet, the guest no buffer */
	struct vq_chain chain;
};

/*
 * Check a TAP name (1 to 15 of [A-Za-z0-9_.-], not "." or ".."):
 * 0 or -EINVAL with a message.
 */
int tap_name_check(const char *name);

/*
 * Attach to TAP @name (creating it needs CAP_NET_ADMIN). Returns the
 * non-blocking descriptor, or a negative errno with a message.
 */
int tap_open(const char *name);

/* A stable locally administered MAC for @name: 52:54:00 and three bytes of its hash. */
void tap_default_mac(const char *name, uint8_t mac[6]);

void virtio_net_init(struct virtio_net *net, const struct guest_mem *mem, int tap_fd,
		     const char *ifname, const uint8_t mac[6],
		     const struct virtio_mmio_ops *transport_ops);
void virtio_net_destroy(struct virtio_net *net);

/* Transport queue_notify: rx buffers arrived, or packets to send. */
void virtio_net_queue_notify(struct virtio_mmio *m, unsigned int queue);

/* The TAP has packets: move them into rx buffers (I/O thread, lock held). */
void virtio_net_receive(struct virtio_net *net);

#endif
