/*
 * The VM's virtio-mmio devices (see devices.h): adding them, their
 * command-line announcements, MMIO dispatch, KVM wiring and the I/O
 * thread. Every device goes through its kind's ops (virtio-device.h);
 * the kinds are the table below.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "devices.h"
#include "layout.h"
#include "shared/macro.h"
#include "vm-internal.h"

#define EV_STOP   UINT64_MAX
#define EV_HOST   VIRTIO_DEVICE_HOST  /* source byte of an event tag; queues are 0..n-1 */

/* Every kind of device the VMM has: a new one is a file and a line here. */
static const struct virtio_device_ops *const device_kinds[] = {
	&vdev_blk,
	&vdev_net,
};

static const uint8_t device_irqs[] = GUEST_VIRTIO_IRQS;

_Static_assert(sizeof(device_irqs) >= VM_DEVICES_MAX, "an IRQ for every device");
_Static_assert(sizeof(device_kinds) / sizeof(device_kinds[0]) <= VM_DEVICE_KINDS_MAX, "a counter per kind");
_Static_assert(EV_HOST >= VIRTIO_MMIO_MAX_QUEUES, "the host descriptor's tag is no queue's");
_Static_assert(GUEST_VIRTIO_MMIO_SLOTS >= VM_DEVICES_MAX, "a window for every device");

static uint64_t ev_tag(unsigned int device, unsigned int source)
{
	return ((uint64_t)device << 8) | source;
}

/* ---- Transport callbacks (vCPU and I/O threads) ----------------------------- */

static void raise_irq(struct virtio_mmio *m)
{
	struct vm_device *d = m->owner;
	uint64_t one = 1;

	if (d->irq_fd >= 0) {
		while (write(d->irq_fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
		return;
	}
	/* No irqfd: an edge by hand on the in-kernel irqchip. */
	if (d->vm->vm_fd >= 0) {
		struct kvm_irq_level irq = { .irq = d->irq, .level = 1 };

		(void)ioctl(d->vm->vm_fd, KVM_IRQ_LINE, &irq);
		irq.level = 0;
		(void)ioctl(d->vm->vm_fd, KVM_IRQ_LINE, &irq);
	}
}

/* QueueNotify reached user space (no ioeventfd): hand it to the I/O thread. */
static void kick(struct virtio_mmio *m, unsigned int queue)
{
	struct vm_device *d = m->owner;
	uint64_t one = 1;

	while (write(d->kick_fd[queue], &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* ---- The set of devices ------------------------------------------------------ */

static int devices_get(struct volt_vmm *vm, struct vm_devices **out)
{
	struct vm_devices *ds = vm->devices;

	if (!ds) {
		ds = calloc(1, sizeof(*ds));
		if (!ds)
			return volt_error_set(ENOMEM, NULL);
		ds->epoll_fd = ds->stop_fd = -1;
		vm->devices = ds;
	}
	if (ds->epoll_fd < 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_STOP };

		ds->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		if (ds->epoll_fd < 0)
			return volt_error_set_errno(errno, "epoll_create1");
		ds->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (ds->stop_fd < 0)
			return volt_error_set_errno(errno, "eventfd");
		if (epoll_ctl(ds->epoll_fd, EPOLL_CTL_ADD, ds->stop_fd, &ev) < 0)
			return volt_error_set_errno(errno, "epoll_ctl");
	}
	*out = ds;
	return 0;
}

/* Rewrite the guest's command line: the caller's, then one announcement per device. */
static int update_cmdline(struct volt_vmm *vm)
{
	struct vm_devices *ds = vm->devices;
	size_t len = strlen(vm->cmdline_base), cap = len + 1 + VM_DEVICES_MAX * 48;
	_cleanup_free_ char *line = malloc(cap);
	size_t used;

	if (!line)
		return volt_error_set(ENOMEM, NULL);
	memcpy(line, vm->cmdline_base, len + 1);
	used = len;
	for (unsigned int i = 0; ds && i < ds->n; i++) {
		int k = snprintf(line + used, cap - used, "%svirtio_mmio.device=4K@0x%llx:%u",
				 used ? " " : "", (unsigned long long)ds->dev[i].base, ds->dev[i].irq);

		if (k < 0 || (size_t)k >= cap - used)
			return volt_error_set(E2BIG, "command line too long");
		used += (size_t)k;
	}
	if (used > vm->cmdline_max)
		return volt_error_set(E2BIG,
				      "the kernel command line with the device announcements has %zu bytes; this kernel takes %zu",
				      used, vm->cmdline_max);
	if (guest_mem_write(&vm->mem, GUEST_CMDLINE_ADDR, line, used + 1, "command line") < 0)
		return -EFAULT;
	free(vm->cmdline);
	vm->cmdline = TAKE_PTR(line);
	return 0;
}

/* ioeventfd per queue and irqfd where KVM has them; otherwise the MMIO-exit and KVM_IRQ_LINE paths. */
static int wire_device(struct volt_vmm *vm, struct vm_devices *ds, struct vm_device *d)
{
	struct epoll_event ev = { .events = EPOLLIN };

	for (unsigned int q = 0; q < d->mmio->num_queues; q++) {
		d->kick_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->kick_fd[q] < 0)
			return volt_error_set_errno(errno, "eventfd");
		ev.data.u64 = ev_tag(d->index, q);
		if (epoll_ctl(ds->epoll_fd, EPOLL_CTL_ADD, d->kick_fd[q], &ev) < 0)
			return volt_error_set_errno(errno, "epoll_ctl");
	}
	if (d->host_fd >= 0) {
		/* Polled once the device wants it (a NIC: when the guest gave receive buffers). */
		ev.events = 0;
		ev.data.u64 = ev_tag(d->index, EV_HOST);
		if (epoll_ctl(ds->epoll_fd, EPOLL_CTL_ADD, d->host_fd, &ev) < 0)
			return volt_error_set_errno(errno, "epoll_ctl");
	}
	if (vm->vm_fd < 0)
		return 0;  /* VOLT_VMM_FLAG_NO_KVM */

	for (unsigned int q = 0; q < d->mmio->num_queues; q++) {
		struct kvm_ioeventfd io = {
			.datamatch = q,
			.addr = d->base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4,
			.fd = d->kick_fd[q],
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};

		if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0) {
			volt_log(VOLT_LOG_DEBUG, "vmm: no ioeventfd (%m): queue notifications exit to the VMM");
			break;
		}
		d->ioeventfd_on[q] = true;
	}
	d->irq_fd = eventfd(0, EFD_CLOEXEC);
	if (d->irq_fd >= 0) {
		struct kvm_irqfd irqfd = { .fd = (uint32_t)d->irq_fd, .gsi = d->irq };

		if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
			volt_log(VOLT_LOG_DEBUG, "vmm: no irqfd (%m): interrupts through KVM_IRQ_LINE");
			close(d->irq_fd);
			d->irq_fd = -1;
		}
	}
	return 0;
}

static void device_release(struct vm_device *d)
{
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		if (d->kick_fd[q] >= 0)
			close(d->kick_fd[q]);
	if (d->irq_fd >= 0)
		close(d->irq_fd);
	if (d->mmio)
		d->ops->destroy(d->mmio);
	memset(d, 0, sizeof(*d));
}

/* Undo wire_device() with KVM, so that a failed add leaves no ioeventfd on the window. */
static void unwire_device(struct volt_vmm *vm, struct vm_device *d)
{
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		struct kvm_ioeventfd io = {
			.datamatch = q,
			.addr = d->base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4,
			.fd = d->kick_fd[q],
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_DEASSIGN,
		};

		if (d->ioeventfd_on[q])
			(void)ioctl(vm->vm_fd, KVM_IOEVENTFD, &io);
		d->ioeventfd_on[q] = false;
	}
	if (d->irq_fd >= 0 && vm->vm_fd >= 0) {
		struct kvm_irqfd irqfd = { .fd = (uint32_t)d->irq_fd, .gsi = d->irq,
					   .flags = KVM_IRQFD_FLAG_DEASSIGN };

		(void)ioctl(vm->vm_fd, KVM_IRQFD, &irqfd);
	}
}

/* The kind's position in the table (its counter). */
static unsigned int kind_index(const struct virtio_device_ops *ops)
{
	unsigned int k = 0;

	while (k < ELEMENTSOF(device_kinds) && device_kinds[k] != ops)
		k++;
	assert(k < ELEMENTSOF(device_kinds));
	return k;
}

static int check_addable(struct volt_vmm *vm)
{
	if (vm->ran)
		return volt_error_set(EALREADY, "devices must be added before volt_vmm_run()");
	return 0;
}

/* Place the device ops->create() built in the next slot and wire it; on failure release it. */
static int device_place(struct volt_vmm *vm, struct vm_devices *ds, struct vm_device *slot)
{
	int r;

	slot->mmio->owner = slot;
	slot->host_fd = slot->ops->host_fd ? slot->ops->host_fd(slot->mmio) : -1;
	/* The command line first: it is what fails for ordinary reasons. */
	ds->n++;
	r = update_cmdline(vm);
	if (r >= 0) {
		r = wire_device(vm, ds, slot);
		if (r < 0)
			unwire_device(vm, slot);
	}
	if (r < 0) {
		ds->n--;
		if (slot->host_fd >= 0)
			(void)epoll_ctl(ds->epoll_fd, EPOLL_CTL_DEL, slot->host_fd, NULL);
		device_release(slot);
		(void)update_cmdline(vm);
		return r;
	}
	return 0;
}

int devices_add(struct volt_vmm *vm, const struct virtio_device_ops *ops, const void *opts,
		struct virtio_mmio **out, unsigned int *nth)
{
	struct virtio_device_new made = { 0 };
	unsigned int kind = kind_index(ops);
	struct vm_devices *ds = NULL;
	struct vm_device *slot;
	int r;

	r = check_addable(vm);
	if (r < 0)
		return r;
	r = ops->check(opts);
	if (r < 0)
		return r;
	if (vm->devices && vm->devices->count[kind] >= ops->max)
		return volt_error_set(E2BIG, "at most %u %s", ops->max, ops->plural);
	if (vm->devices && vm->devices->n >= VM_DEVICES_MAX)
		return volt_error_set(E2BIG, "at most %u devices in all", VM_DEVICES_MAX);
	r = devices_get(vm, &ds);
	if (r < 0)
		return r;

	slot = &ds->dev[ds->n];
	*slot = (struct vm_device){
		.vm = vm,
		.ops = ops,
		.transport = {
			.queue_notify = ops->queue_notify,
			.reset = ops->reset,
			.raise_irq = raise_irq,
			.kick = kick,
		},
		.index = ds->n,
		.base = GUEST_VIRTIO_MMIO_BASE + (uint64_t)ds->n * GUEST_VIRTIO_MMIO_SIZE,
		.irq = device_irqs[ds->n],
		.irq_fd = -1,
	};
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		slot->kick_fd[q] = -1;
	r = ops->create(vm, opts, ds->count[kind], &slot->transport, &made);
	if (r < 0) {
		memset(slot, 0, sizeof(*slot));
		return r;
	}
	slot->mmio = made.mmio;
	if (made.read_dir)
		ds->read_dirs[ds->n_read_dirs++] = made.read_dir;
	r = device_place(vm, ds, slot);
	if (r < 0) {
		if (made.read_dir)
			free(ds->read_dirs[--ds->n_read_dirs]);
		return r;
	}
	*out = ds->dev[ds->n - 1].mmio;
	*nth = ds->count[kind]++;
	return 0;
}

VOLT_API const char *volt_vmm_cmdline(const volt_vmm *vm)
{
	return vm ? vm->cmdline : NULL;
}

/* ---- MMIO exits ----------------------------------------------------------------- */

bool devices_mmio_access(struct volt_vmm *vm, uint64_t addr, bool is_write, uint8_t *data,
			 unsigned int size)
{
	struct vm_devices *ds = vm->devices;
	uint64_t slot;

	if (!ds || addr < GUEST_VIRTIO_MMIO_BASE)
		return false;
	slot = (addr - GUEST_VIRTIO_MMIO_BASE) / GUEST_VIRTIO_MMIO_SIZE;
	if (slot >= ds->n)
		return false;
	/* An access straddling the window's end reads as the floating bus. */
	if ((addr - ds->dev[slot].base) + size > GUEST_VIRTIO_MMIO_SIZE)
		return false;
	virtio_mmio_access(ds->dev[slot].mmio, addr - ds->dev[slot].base, is_write, data, size);
	return true;
}

/* ---- The I/O thread ----------------------------------------------------------- */

static void update_host_poll(struct vm_devices *ds, struct vm_device *d, bool want)
{
	struct epoll_event ev = { .events = want ? EPOLLIN : 0, .data.u64 = ev_tag(d->index, EV_HOST) };

	if (want == d->host_polled)
		return;
	if (epoll_ctl(ds->epoll_fd, EPOLL_CTL_MOD, d->host_fd, &ev) == 0)
		d->host_polled = want;
	else  /* the device would stop receiving: say so */
		volt_log(VOLT_LOG_WARNING, "vmm: %s %u: epoll_ctl: %m", d->ops->name, d->index);
}

static void serve(struct vm_devices *ds, uint64_t tag)
{
	unsigned int index = (unsigned int)(tag >> 8), source = (unsigned int)(tag & 0xff);
	struct vm_device *d;
	uint64_t count;

	if (index >= ds->n)
		return;
	d = &ds->dev[index];
	if (source == EV_HOST) {
		if (d->host_fd < 0)
			return;
		pthread_mutex_lock(&d->mmio->lock);
		d->ops->host_ready(d->mmio);
		pthread_mutex_unlock(&d->mmio->lock);
	} else {
		if (source >= VIRTIO_MMIO_MAX_QUEUES || read(d->kick_fd[source], &count, sizeof(count)) < 0)
			return;
		virtio_mmio_notify(d->mmio, source);
	}
	if (d->host_fd >= 0)
		update_host_poll(ds, d, d->ops->host_wanted(d->mmio, source));
}

static void *io_thread(void *arg)
{
	struct vm_devices *ds = arg;

	for (;;) {
		struct epoll_event events[16];
		int n = epoll_wait(ds->epoll_fd, events, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			volt_log(VOLT_LOG_ERROR, "vmm: I/O thread: epoll_wait: %m");
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.u64 == EV_STOP)
				return NULL;
			serve(ds, events[i].data.u64);
		}
	}
}

int devices_start(struct volt_vmm *vm)
{
	struct vm_devices *ds = vm->devices;
	int e;

	if (!ds || ds->n == 0)
		return 0;
	e = pthread_create(&ds->thread, NULL, io_thread, ds);
	if (e)
		return volt_error_set_errno(e, "start the device I/O thread");
	ds->started = true;
	return 0;
}

void devices_stop(struct volt_vmm *vm)
{
	struct vm_devices *ds = vm->devices;
	uint64_t one = 1;

	if (!ds || !ds->started)
		return;
	while (write(ds->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(ds->thread, NULL);
	ds->started = false;
}

void devices_free(struct volt_vmm *vm)
{
	struct vm_devices *ds = vm->devices;

	if (!ds)
		return;
	devices_stop(vm);
	for (unsigned int i = 0; i < ds->n; i++)
		device_release(&ds->dev[i]);
	for (unsigned int i = 0; i < ds->n_read_dirs; i++)
		free(ds->read_dirs[i]);
	if (ds->epoll_fd >= 0)
		close(ds->epoll_fd);
	if (ds->stop_fd >= 0)
		close(ds->stop_fd);
	free(ds);
	vm->devices = NULL;
}
