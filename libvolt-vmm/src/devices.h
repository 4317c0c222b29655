/*
 * The VM's virtio-mmio devices, whatever their kind (virtio-device.h):
 * where they sit in guest-physical space,
 * their announcement on the kernel command line, MMIO exits routed to
 * them, KVM ioeventfd/irqfd wiring, and the one I/O thread (epoll over
 * the queue notifications and TAP descriptors) that serves them all.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_DEVICES_INTERNAL_H
#define VOLT_VMM_DEVICES_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <volt/vmm.h>

#include "virtio-device.h"

/* One IRQ each (GUEST_VIRTIO_IRQS): the capacity of the bus, whatever the kinds. */
#define VM_DEVICES_MAX 12u
/* Kinds in devices.c's table. */
#define VM_DEVICE_KINDS_MAX 8u

struct vm_device {
	struct volt_vmm *vm;
	const struct virtio_device_ops *ops; /* its kind */
	struct virtio_mmio_ops transport;   /* the kind's callbacks and the VM's irq/kick */
	unsigned int index;                 /* in vm_devices.dev */
	uint64_t base;                      /* guest-physical window */
	unsigned int irq;
	struct virtio_mmio *mmio;           /* inside the device's state */
	int host_fd;                        /* ops->host_fd(), or -1 */
	int kick_fd[VIRTIO_MMIO_MAX_QUEUES];/* eventfd per queue: ioeventfd, or written by the vCPU */
	bool ioeventfd_on[VIRTIO_MMIO_MAX_QUEUES]; /* KVM writes kick_fd itself */
	int irq_fd;                         /* irqfd eventfd, or -1: KVM_IRQ_LINE */
	bool host_polled;
};

struct vm_devices {
	unsigned int n;
	unsigned int count[VM_DEVICE_KINDS_MAX];  /* devices per kind, by table position */
	struct vm_device dev[VM_DEVICES_MAX];
	int epoll_fd;
	int stop_fd;
	pthread_t thread;
	bool started;
	/* Stellarium block directories the I/O thread reads: the sandbox lets them be read. */
	char *read_dirs[VM_DEVICES_MAX];
	unsigned int n_read_dirs;
};

/* An MMIO exit: true if a device window took it. */
bool devices_mmio_access(struct volt_vmm *vm, uint64_t addr, bool is_write, uint8_t *data,
			 unsigned int size);

/* Start (after the sandbox) and stop the I/O thread. */
int devices_start(struct volt_vmm *vm);
void devices_stop(struct volt_vmm *vm);

/* Release every device (flushing the disks). */
void devices_free(struct volt_vmm *vm);

#endif
