/*
 * The virtio-mmio transport, version 2 (virtio 1.x, "Virtio Over MMIO"):
 * the register file of one device, feature negotiation, the status
 * state machine, queue set-up, config space, interrupt status and reset.
 *
 * A state machine with no I/O of its own: the device (blk, net) gives
 * its ID, features, queues and config bytes and is called back on
 * queue notifications and resets; interrupts and notifications leave
 * through callbacks, so it is tested without KVM.
 *
 * Locking: register accesses take @lock; the I/O thread takes it too
 * while it serves a queue, so a reset never races with a request.
 * InterruptStatus and InterruptACK use an atomic and skip the lock, so
 * the guest's interrupt handler never waits for a disk write.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_VIRTIO_MMIO_H
#define VOLT_VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest-memory.h"
#include "virtqueue.h"

#define VIRTIO_MMIO_WINDOW       0x1000u   /* bytes of guest-physical space per device */
#define VIRTIO_MMIO_MAX_QUEUES   2u
#define VIRTIO_MMIO_CONFIG_MAX   64u

/* Register offsets. */
#define VIRTIO_MMIO_MAGIC_VALUE        0x000
#define VIRTIO_MMIO_VERSION            0x004
#define VIRTIO_MMIO_DEVICE_ID          0x008
#define VIRTIO_MMIO_VENDOR_ID          0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES    0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES    0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL          0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX      0x034
#define VIRTIO_MMIO_QUEUE_NUM          0x038
#define VIRTIO_MMIO_QUEUE_READY        0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY       0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS   0x060
#define VIRTIO_MMIO_INTERRUPT_ACK      0x064
#define VIRTIO_MMIO_STATUS             0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW     0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH    0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW   0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH  0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW   0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH  0x0a4
#define VIRTIO_MMIO_SHM_LEN_LOW        0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH       0x0b4
#define VIRTIO_MMIO_CONFIG_GENERATION  0x0fc
#define VIRTIO_MMIO_CONFIG             0x100

#define VIRTIO_MMIO_MAGIC   0x74726976u /* "virt" */
#define VIRTIO_VENDOR_VOLT  0x544c4f56u /* "VOLT" */

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE  1u
#define VIRTIO_STATUS_DRIVER       2u
#define VIRTIO_STATUS_DRIVER_OK    4u
#define VIRTIO_STATUS_FEATURES_OK  8u
#define VIRTIO_STATUS_NEEDS_RESET  64u
#define VIRTIO_STATUS_FAILED       128u

/* InterruptStatus bits. */
#define VIRTIO_INT_USED_BUFFER     1u
#define VIRTIO_INT_CONFIG_CHANGE   2u

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC     28
#define VIRTIO_F_VERSION_1         32

struct virtio_mmio;

struct virtio_mmio_ops {
	/* A queue was notified (from the I/O thread, with the lock held). */
	void (*queue_notify)(struct virtio_mmio *m, unsigned int queue);
	/* The driver reset the device (lock held). Optional. */
	void (*reset)(struct virtio_mmio *m);
	/* Raise the device's interrupt line (edge). */
	void (*raise_irq)(struct virtio_mmio *m);
	/* The driver wrote QueueNotify and KVM did not take it (no ioeventfd). */
	void (*kick)(struct virtio_mmio *m, unsigned int queue);
};

struct virtio_mmio {
	pthread_mutex_t lock;
	const struct guest_mem *mem;
	const struct virtio_mmio_ops *ops;
	void *ctx;                      /* the device's own state */
	void *owner;                    /* the VM's record of the device, for the callbacks */

	uint32_t device_id;
	uint64_t device_features;
	uint64_t driver_features;
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t status;
	atomic_uint interrupt_status;

	unsigned int num_queues;
	struct virtqueue queues[VIRTIO_MMIO_MAX_QUEUES];

	uint8_t config[VIRTIO_MMIO_CONFIG_MAX];
	unsigned int config_len;
};

void virtio_mmio_init(struct virtio_mmio *m, const struct guest_mem *mem,
		      const struct virtio_mmio_ops *ops, void *ctx, uint32_t device_id,
		      uint64_t features, unsigned int num_queues);
void virtio_mmio_destroy(struct virtio_mmio *m);

/* A guest access of @size bytes at @offset inside the device's window. */
void virtio_mmio_access(struct virtio_mmio *m, uint64_t offset, bool is_write, uint8_t *data,
			unsigned int size);

/* True when the driver finished set-up (DRIVER_OK) and no reset is needed. */
bool virtio_mmio_live(const struct virtio_mmio *m);

/* Record @bits in InterruptStatus and raise the interrupt. */
void virtio_mmio_interrupt(struct virtio_mmio *m, unsigned int bits);

/* The device broke (a ring it cannot trust): DEVICE_NEEDS_RESET and a config interrupt. */
void virtio_mmio_needs_reset(struct virtio_mmio *m);

/* The device stopped serving @queue with work left: notify it again later (if the transport can). */
void virtio_mmio_requeue(struct virtio_mmio *m, unsigned int queue);

/* Called from the I/O thread when queue @queue was notified. */
void virtio_mmio_notify(struct virtio_mmio *m, unsigned int queue);

#endif
