/*
 * The VM's virtio-mmio devices: where they sit in guest-physical space,
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

#include "virtio-blk.h"
#include "virtio-net.h"

#define VM_DEVICES_MAX (VOLT_VMM_MAX_DISKS + VOLT_VMM_MAX_NETS)

enum vm_device_kind { VM_DEVICE_BLK, VM_DEVICE_NET };

struct vm_device {
	struct volt_vmm *vm;
	enum vm_device_kind kind;
	unsigned int index;                 /* in vm_devices.dev */
	uint64_t base;                      /* guest-physical window */
	unsigned int irq;
	struct virtio_mmio *mmio;           /* inside blk or net */
	struct virtio_blk *blk;
	struct virtio_net *net;
	int kick_fd[VIRTIO_MMIO_MAX_QUEUES];/* eventfd per queue: ioeventfd, or written by the vCPU */
	bool ioeventfd_on[VIRTIO_MMIO_MAX_QUEUES]; /* KVM writes kick_fd itself */
	int irq_fd;                         /* irqfd eventfd, or -1: KVM_IRQ_LINE */
	bool tap_polled;
};

struct vm_devices {
	unsigned int n, disks, nets;
	struct vm_device dev[VM_DEVICES_MAX];
	int epoll_fd;
	int stop_fd;
	pthread_t thread;
	bool started;
	/* Stellarium block directories the I/O thread reads: the sandbox lets them be read. */
	char *read_dirs[VOLT_VMM_MAX_DISKS];
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
