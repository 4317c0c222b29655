/*
 * The VM's virtio-mmio devices (see devices.h): adding them, their
 * command-line announcements, MMIO dispatch, KVM wiring and the I/O
 * thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
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
#define EV_TAP    0xffu  /* source byte of an event tag; queues are 0..n-1 */

static const uint8_t device_irqs[] = GUEST_VIRTIO_IRQS;

_Static_assert(sizeof(device_irqs) >= VM_DEVICES_MAX, "an IRQ for every device");
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

static const struct virtio_mmio_ops blk_transport = {
	.queue_notify = virtio_blk_queue_notify,
	.raise_irq = raise_irq,
	.kick = kick,
};

static const struct virtio_mmio_ops net_transport = {
	.queue_notify = virtio_net_queue_notify,
	.raise_irq = raise_irq,
	.kick = kick,
};

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
	if (d->net) {
		/* Polled once the guest has given receive buffers. */
		ev.events = 0;
		ev.data.u64 = ev_tag(d->index, EV_TAP);
		if (epoll_ctl(ds->epoll_fd, EPOLL_CTL_ADD, d->net->tap_fd, &ev) < 0)
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
	if (d->blk) {
		virtio_blk_destroy(d->blk);
		free(d->blk);
	}
	if (d->net) {
		virtio_net_destroy(d->net);
		free(d->net);
	}
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

/* Put a device whose blk or net is set up into the next slot; on failure release it. */
static int device_add(struct volt_vmm *vm, struct vm_devices *ds, struct vm_device *d)
{
	struct vm_device *slot = &ds->dev[ds->n];
	int r;

	*slot = *d;
	slot->vm = vm;
	slot->index = ds->n;
	slot->base = GUEST_VIRTIO_MMIO_BASE + (uint64_t)ds->n * GUEST_VIRTIO_MMIO_SIZE;
	slot->irq = device_irqs[ds->n];
	slot->mmio = slot->blk ? &slot->blk->mmio : &slot->net->mmio;
	slot->mmio->owner = slot;
	slot->irq_fd = -1;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		slot->kick_fd[q] = -1;
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
		if (slot->net && slot->net->tap_fd >= 0)
			(void)epoll_ctl(ds->epoll_fd, EPOLL_CTL_DEL, slot->net->tap_fd, NULL);
		device_release(slot);
		(void)update_cmdline(vm);
		return r;
	}
	return 0;
}

static int check_addable(struct volt_vmm *vm)
{
	if (vm->ran)
		return volt_error_set(EALREADY, "devices must be added before volt_vmm_run()");
	return 0;
}

static int remember_read_dir(struct vm_devices *ds, const char *store)
{
	char *dir;

	if (asprintf(&dir, "%s/blocks", store) < 0)
		return volt_error_set(ENOMEM, NULL);
	ds->read_dirs[ds->n_read_dirs++] = dir;
	return 0;
}

VOLT_API int volt_vmm_add_disk(volt_vmm *vm, const volt_vmm_disk_options *opts)
{
	struct blk_backend *backend = NULL;
	struct vm_devices *ds;
	struct vm_device d = { 0 };
	bool ro;
	int r;

	assert_return(vm, -EINVAL);
	assert_return(opts, -EINVAL);
	r = check_addable(vm);
	if (r < 0)
		return r;
	if (opts->version != VOLT_VMM_DISK_OPTIONS_VERSION)
		return volt_error_set(EINVAL, "volt_vmm_disk_options version %u is not supported",
				      opts->version);
	if (opts->flags & ~(unsigned int)VOLT_VMM_DISK_READ_ONLY)
		return volt_error_set(EINVAL, "unknown disk flags 0x%x", opts->flags);
	if (!!opts->path == !!opts->image)
		return volt_error_set(EINVAL, "a disk needs either a file path or a Stellarium image");
	if (opts->image && !opts->store)
		return volt_error_set(EINVAL, "image %s: no Stellarium store given", opts->image);
	if (opts->overlay && !opts->image)
		return volt_error_set(EINVAL, "an overlay is only for a Stellarium image");
	if (vm->devices && vm->devices->disks >= VOLT_VMM_MAX_DISKS)
		return volt_error_set(E2BIG, "at most %d disks", VOLT_VMM_MAX_DISKS);
	r = devices_get(vm, &ds);
	if (r < 0)
		return r;

	ro = opts->flags & VOLT_VMM_DISK_READ_ONLY;
	if (opts->path)
		r = blk_file_open(&backend, opts->path, ro);
	else
		r = blk_overlay_open(&backend, opts->store, opts->image, opts->overlay, ro);
	if (r < 0)
		return r;
	d.kind = VM_DEVICE_BLK;
	d.blk = calloc(1, sizeof(*d.blk));
	if (!d.blk) {
		blk_backend_close(backend);
		return volt_error_set(ENOMEM, NULL);
	}
	virtio_blk_init(d.blk, &vm->mem, backend, &blk_transport);
	if (opts->image) {
		r = remember_read_dir(ds, opts->store);
		if (r < 0) {
			virtio_blk_destroy(d.blk);
			free(d.blk);
			return r;
		}
	}
	r = device_add(vm, ds, &d);
	if (r < 0) {
		if (opts->image)
			free(ds->read_dirs[--ds->n_read_dirs]);
		return r;
	}
	ds->disks++;
	volt_log(VOLT_LOG_DEBUG, "vmm: disk vd%c: %s%s", 'a' + ds->disks - 1, backend->describe,
		 backend->read_only ? " (read-only)" : "");
	return 0;
}

VOLT_API int volt_vmm_add_net(volt_vmm *vm, const volt_vmm_net_options *opts)
{
	struct vm_devices *ds;
	struct vm_device d = { 0 };
	uint8_t mac[6];
	int r, fd;

	assert_return(vm, -EINVAL);
	assert_return(opts, -EINVAL);
	r = check_addable(vm);
	if (r < 0)
		return r;
	if (opts->version != VOLT_VMM_NET_OPTIONS_VERSION)
		return volt_error_set(EINVAL, "volt_vmm_net_options version %u is not supported",
				      opts->version);
	if (opts->flags & ~(unsigned int)VOLT_VMM_NET_MAC)
		return volt_error_set(EINVAL, "unknown NIC flags 0x%x", opts->flags);
	r = tap_name_check(opts->tap);
	if (r < 0)
		return r;
	if (opts->flags & VOLT_VMM_NET_MAC) {
		if (opts->mac[0] & 1)
			return volt_error_set(EINVAL, "MAC address %02x:%02x:%02x:%02x:%02x:%02x is multicast",
					      opts->mac[0], opts->mac[1], opts->mac[2], opts->mac[3],
					      opts->mac[4], opts->mac[5]);
		memcpy(mac, opts->mac, 6);
	} else {
		tap_default_mac(opts->tap, mac);
	}
	if (vm->devices && vm->devices->nets >= VOLT_VMM_MAX_NETS)
		return volt_error_set(E2BIG, "at most %d NICs", VOLT_VMM_MAX_NETS);
	r = devices_get(vm, &ds);
	if (r < 0)
		return r;
	fd = tap_open(opts->tap);
	if (fd < 0)
		return fd;
	d.kind = VM_DEVICE_NET;
	d.net = calloc(1, sizeof(*d.net));
	if (!d.net) {
		close(fd);
		return volt_error_set(ENOMEM, NULL);
	}
	virtio_net_init(d.net, &vm->mem, fd, opts->tap, mac, &net_transport);
	r = device_add(vm, ds, &d);
	if (r < 0)
		return r;
	ds->nets++;
	volt_log(VOLT_LOG_DEBUG, "vmm: NIC eth%u: TAP %s, MAC %02x:%02x:%02x:%02x:%02x:%02x",
		 ds->nets - 1, opts->tap, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
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

static void update_tap_poll(struct vm_devices *ds, struct vm_device *d)
{
	bool want = !d->net->rx_stalled;
	struct epoll_event ev = { .events = want ? EPOLLIN : 0, .data.u64 = ev_tag(d->index, EV_TAP) };

	if (want == d->tap_polled)
		return;
	if (epoll_ctl(ds->epoll_fd, EPOLL_CTL_MOD, d->net->tap_fd, &ev) == 0)
		d->tap_polled = want;
	else  /* the NIC would stop receiving: say so */
		volt_log(VOLT_LOG_WARNING, "vmm: virtio-net %s: epoll_ctl: %m", d->net->ifname);
}

static void serve(struct vm_devices *ds, uint64_t tag)
{
	unsigned int index = (unsigned int)(tag >> 8), source = (unsigned int)(tag & 0xff);
	struct vm_device *d;
	uint64_t count;

	if (index >= ds->n)
		return;
	d = &ds->dev[index];
	if (source == EV_TAP) {
		pthread_mutex_lock(&d->mmio->lock);
		virtio_net_receive(d->net);
		pthread_mutex_unlock(&d->mmio->lock);
	} else {
		if (read(d->kick_fd[source], &count, sizeof(count)) < 0)
			return;
		virtio_mmio_notify(d->mmio, source);
		/* New receive buffers: the TAP is worth polling again. */
		if (d->net && source == VIRTIO_NET_RX_QUEUE)
			d->net->rx_stalled = false;
	}
	if (d->net)
		update_tap_poll(ds, d);
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
