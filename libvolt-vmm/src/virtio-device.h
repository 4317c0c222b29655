/*
 * What the VM's device set (devices.c) needs from one kind of virtio-mmio
 * device: an ops table. Each kind lives in one file that defines one
 * instance (vdev-blk.c, vdev-net.c) and is one entry of the kind table in
 * devices.c; devices.c places, wires, serves and tears down every device
 * through these pointers and knows no kind by name. See
 * docs/vmm-devices.md, "Adding a device".
 *
 * The hot paths are unchanged by the table: an MMIO exit goes straight
 * to virtio_mmio_access(), a queue notification to the transport's
 * queue_notify (copied from here into the device's slot at add time).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_VIRTIO_DEVICE_H
#define VOLT_VMM_VIRTIO_DEVICE_H

#include <stdbool.h>

#include "virtio-mmio.h"

struct volt_vmm;

/* What create() hands back to the device set. */
struct virtio_device_new {
	struct virtio_mmio *mmio;   /* inside the device's own allocation; destroy() frees it */
	char *read_dir;             /* a directory the sandboxed I/O thread reads, or NULL; taken */
};

struct virtio_device_ops {
	const char *name;           /* "virtio-blk", for messages */
	const char *plural;         /* "disks": the limit's message says "at most 8 disks" */
	unsigned int max;           /* most devices of this kind in one VM */

	/* Validate the caller's options (cold path, before any resource): 0 or -errno with a message. */
	int (*check)(const void *opts);
	/*
	 * Build the device from checked @opts, with @transport as its
	 * virtio-mmio ops (it lives in the device's slot: pass it to
	 * virtio_mmio_init()). @nth counts earlier devices of this kind.
	 * On failure nothing is left open.
	 */
	int (*create)(struct volt_vmm *vm, const void *opts, unsigned int nth,
		      const struct virtio_mmio_ops *transport, struct virtio_device_new *out);
	/* Flush, close and free the device (the transport state is @m). */
	void (*destroy)(struct virtio_mmio *m);

	/* The transport's callbacks (struct virtio_mmio_ops): I/O thread, lock held. */
	void (*queue_notify)(struct virtio_mmio *m, unsigned int queue);
	void (*reset)(struct virtio_mmio *m);  /* optional */

	/*
	 * Optional: a host descriptor the I/O thread polls for the device
	 * (a TAP). It starts unpolled; after each event of the device
	 * (@source a queue, or VIRTIO_DEVICE_HOST for the descriptor)
	 * host_wanted() says whether to poll it, and host_ready() serves it
	 * when it is readable (lock held).
	 */
	int (*host_fd)(const struct virtio_mmio *m);
	void (*host_ready)(struct virtio_mmio *m);
	bool (*host_wanted)(struct virtio_mmio *m, unsigned int source);
};

#define VIRTIO_DEVICE_HOST 0xffu   /* host_wanted()'s source for the host descriptor */

/* The kinds (one line each in devices.c's table). */
extern const struct virtio_device_ops vdev_blk;
extern const struct virtio_device_ops vdev_net;

/*
 * Add a device of kind @ops built from @opts (the public entry points,
 * volt_vmm_add_disk() and friends, call this). On success *@out is its
 * transport state and *@nth its number among devices of its kind.
 */
int devices_add(struct volt_vmm *vm, const struct virtio_device_ops *ops, const void *opts,
		struct virtio_mmio **out, unsigned int *nth);

#endif
