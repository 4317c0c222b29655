/*
 * The virtio-net device kind (virtio-device.h): volt_vmm_add_net()'s
 * options, the TAP, and the ops the device set drives; the TAP is the
 * device's host descriptor, polled while the guest has receive buffers.
 * The emulation itself is virtio-net.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "devices.h"
#include "shared/macro.h"
#include "virtio-net.h"
#include "vm-internal.h"

static void net_mac(const volt_vmm_net_options *opts, uint8_t mac[6])
{
	if (opts->flags & VOLT_VMM_NET_MAC)
		memcpy(mac, opts->mac, 6);
	else
		tap_default_mac(opts->tap, mac);
}

static int net_check(const void *o)
{
	const volt_vmm_net_options *opts = o;
	int r;

	if (!VERSION_SUPPORTED(opts->version, VOLT_VMM_NET_OPTIONS_VERSION))
		return volt_error_set(EINVAL, "volt_vmm_net_options version %u is not supported",
				      opts->version);
	if (opts->flags & ~(unsigned int)VOLT_VMM_NET_MAC)
		return volt_error_set(EINVAL, "unknown NIC flags 0x%x", opts->flags);
	r = tap_name_check(opts->tap);
	if (r < 0)
		return r;
	if ((opts->flags & VOLT_VMM_NET_MAC) && (opts->mac[0] & 1))
		return volt_error_set(EINVAL, "MAC address %02x:%02x:%02x:%02x:%02x:%02x is multicast",
				      opts->mac[0], opts->mac[1], opts->mac[2], opts->mac[3],
				      opts->mac[4], opts->mac[5]);
	return 0;
}

static int net_create(struct volt_vmm *vm, const void *o, unsigned int nth,
		      const struct virtio_mmio_ops *transport, struct virtio_device_new *out)
{
	const volt_vmm_net_options *opts = o;
	struct virtio_net *net;
	uint8_t mac[6];
	int fd;

	(void)nth;
	net_mac(opts, mac);
	fd = tap_open(opts->tap);
	if (fd < 0)
		return fd;
	net = calloc(1, sizeof(*net));
	if (!net) {
		close(fd);
		return volt_error_set(ENOMEM, NULL);
	}
	virtio_net_init(net, &vm->mem, fd, opts->tap, mac, transport);
	out->mmio = &net->mmio;
	return 0;
}

static void net_destroy(struct virtio_mmio *m)
{
	struct virtio_net *net = m->ctx;

	virtio_net_destroy(net);
	free(net);
}

static int net_host_fd(const struct virtio_mmio *m)
{
	const struct virtio_net *net = m->ctx;

	return net->tap_fd;
}

static void net_host_ready(struct virtio_mmio *m)
{
	virtio_net_receive(m->ctx);
}

static bool net_host_wanted(struct virtio_mmio *m, unsigned int source)
{
	struct virtio_net *net = m->ctx;

	/* New receive buffers: the TAP is worth polling again. */
	if (source == VIRTIO_NET_RX_QUEUE)
		net->rx_stalled = false;
	return !net->rx_stalled;
}

const struct virtio_device_ops vdev_net = {
	.name = "virtio-net",
	.plural = "NICs",
	.max = VOLT_VMM_MAX_NETS,
	.check = net_check,
	.create = net_create,
	.destroy = net_destroy,
	.queue_notify = virtio_net_queue_notify,
	.host_fd = net_host_fd,
	.host_ready = net_host_ready,
	.host_wanted = net_host_wanted,
};

VOLT_API int volt_vmm_add_net(volt_vmm *vm, const volt_vmm_net_options *opts)
{
	struct virtio_mmio *m;
	struct virtio_net *net;
	unsigned int nth;
	int r;

	assert_return(vm, -EINVAL);
	assert_return(opts, -EINVAL);
	r = devices_add(vm, &vdev_net, opts, &m, &nth);
	if (r < 0)
		return r;
	net = m->ctx;
	volt_log(VOLT_LOG_DEBUG, "vmm: NIC eth%u: TAP %s, MAC %02x:%02x:%02x:%02x:%02x:%02x", nth,
		 net->ifname, net->mac[0], net->mac[1], net->mac[2], net->mac[3], net->mac[4],
		 net->mac[5]);
	return 0;
}
