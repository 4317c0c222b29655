/*
 * virtio-net over TAP: each tx chain is one frame (vnet header and
 * packet) written with writev; each rx chain receives one frame read
 * with readv. With no mergeable rx buffers, Linux gives buffers of a
 * full frame each.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "shared/macro.h"
#include "virtio-net.h"

int tap_name_check(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len >= IFNAMSIZ)
		return volt_error_set(EINVAL, "TAP name '%s' must have 1 to %d characters",
				      name ? name : "", IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return volt_error_set(EINVAL, "'%s' is not a valid TAP name", name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return volt_error_set(EINVAL,
					      "TAP name '%s' may hold only letters, digits, '-', '_' and '.'",
					      name);
	return 0;
}

int tap_open(const char *name)
{
	_cleanup_close_ int fd = -1;
	struct ifreq ifr;
	int hdr = VIRTIO_NET_HDR_SIZE, r;

	r = tap_name_check(name);
	if (r < 0)
		return r;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "TAP %s: open /dev/net/tun", name);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		return volt_error_set_errno(e, "attach to TAP %s%s", name,
					    e == EPERM ? " (creating a TAP, or using one owned by another user, needs CAP_NET_ADMIN)"
						       : e == EBUSY ? " (is it in use, or not a TAP?)" : "");
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return volt_error_set_errno(errno, "TAP %s: TUNSETVNETHDRSZ", name);
	/* No offloads: the host stack sends complete, checksummed frames. */
	if (ioctl(fd, TUNSETOFFLOAD, 0UL) < 0)
		return volt_error_set_errno(errno, "TAP %s: TUNSETOFFLOAD", name);
	return TAKE_FD(fd);
}

void tap_default_mac(const char *name, uint8_t mac[6])
{
	uint32_t h = 2166136261u;  /* FNV-1a */

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x52;  /* locally administered, unicast */
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

void virtio_net_init(struct virtio_net *net, const struct guest_mem *mem, int tap_fd,
		     const char *ifname, const uint8_t mac[6],
		     const struct virtio_mmio_ops *transport_ops)
{
	virtio_mmio_init(&net->mmio, mem, transport_ops, net, VIRTIO_ID_NET,
			 (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_F_INDIRECT_DESC), 2);
	net->tap_fd = tap_fd;
	snprintf(net->ifname, sizeof(net->ifname), "%s", ifname);
	memcpy(net->mac, mac, 6);
	memcpy(net->mmio.config, mac, 6);  /* struct virtio_net_config: mac first */
	net->mmio.config_len = 6;
}

void virtio_net_destroy(struct virtio_net *net)
{
	if (net->tap_fd >= 0)
		close(net->tap_fd);
	net->tap_fd = -1;
	virtio_mmio_destroy(&net->mmio);
}

static void transmit(struct virtio_net *net)
{
	struct virtio_mmio *m = &net->mmio;
	struct virtqueue *vq = &m->queues[VIRTIO_NET_TX_QUEUE];
	bool used = false;

	for (unsigned int budget = vq->size;; budget--) {
		struct iovec iov[VQ_CHAIN_MAX];
		int r, n;

		if (budget == 0) {
			virtio_mmio_requeue(m, VIRTIO_NET_TX_QUEUE);
			break;
		}
		r = vq_pop(m->mem, vq, &net->chain);

		if (r < 0) {
			virtio_mmio_needs_reset(m);
			break;
		}
		if (r == VQ_EMPTY)
			break;
		/* A frame is device-readable only, header included, and not absurdly large. */
		if (r == VQ_CHAIN && net->chain.writable_bytes == 0 &&
		    net->chain.readable_bytes > VIRTIO_NET_HDR_SIZE &&
		    net->chain.readable_bytes <= VIRTIO_NET_FRAME_MAX) {
			n = vq_chain_iov(&net->chain, false, 0, net->chain.readable_bytes, iov,
					 VQ_CHAIN_MAX);
			/* A full TAP queue drops the frame, as a busy wire would. */
			if (n > 0 && writev(net->tap_fd, iov, n) < 0 && errno != EAGAIN)
				volt_log(VOLT_LOG_DEBUG, "virtio-net %s: send: %m", net->ifname);
		} else {
			volt_log(VOLT_LOG_DEBUG, "virtio-net %s: bad tx chain dropped", net->ifname);
		}
		if (vq_push(m->mem, vq, net->chain.head, 0) < 0) {
			virtio_mmio_needs_reset(m);
			break;
		}
		used = true;
	}
	if (used && vq_wants_interrupt(m->mem, vq))
		virtio_mmio_interrupt(m, VIRTIO_INT_USED_BUFFER);
}

void virtio_net_receive(struct virtio_net *net)
{
	struct virtio_mmio *m = &net->mmio;
	struct virtqueue *vq = &m->queues[VIRTIO_NET_RX_QUEUE];
	bool used = false;

	net->rx_stalled = false;
	if (!virtio_mmio_live(m) || !vq->ready) {
		net->rx_stalled = true;
		return;
	}
	for (unsigned int budget = vq->size;; budget--) {
		struct iovec iov[VQ_CHAIN_MAX];
		ssize_t got;
		int r, n;

		/* The TAP stays readable: epoll brings us back after the other devices had a turn. */
		if (budget == 0)
			break;
		r = vq_pop(m->mem, vq, &net->chain);

		if (r < 0) {
			virtio_mmio_needs_reset(m);
			break;
		}
		if (r == VQ_EMPTY) {
			/* Wait for buffers (an rx notify) before polling the TAP again. */
			net->rx_stalled = true;
			break;
		}
		if (r != VQ_CHAIN || net->chain.readable_bytes != 0 ||
		    net->chain.writable_bytes <= VIRTIO_NET_HDR_SIZE) {
			volt_log(VOLT_LOG_DEBUG, "virtio-net %s: bad rx chain returned empty", net->ifname);
			if (vq_push(m->mem, vq, net->chain.head, 0) < 0)
				break;
			used = true;
			continue;
		}
		n = vq_chain_iov(&net->chain, true, 0,
				 net->chain.writable_bytes > VIRTIO_NET_FRAME_MAX ? VIRTIO_NET_FRAME_MAX
										  : net->chain.writable_bytes,
				 iov, VQ_CHAIN_MAX);
		got = n > 0 ? readv(net->tap_fd, iov, n) : -1;
		if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
			vq_unpop(vq);  /* nothing more to read: keep the buffer */
			break;
		}
		if (got < 0)
			got = 0;
		if (vq_push(m->mem, vq, net->chain.head, (uint32_t)got) < 0) {
			virtio_mmio_needs_reset(m);
			break;
		}
		used = true;
	}
	if (used && vq_wants_interrupt(m->mem, vq))
		virtio_mmio_interrupt(m, VIRTIO_INT_USED_BUFFER);
}

void virtio_net_queue_notify(struct virtio_mmio *m, unsigned int queue)
{
	struct virtio_net *net = m->ctx;

	if (queue == VIRTIO_NET_TX_QUEUE)
		transmit(net);
	else
		virtio_net_receive(net);
}
