/*
 * The virtio-blk device kind (virtio-device.h): volt_vmm_add_disk()'s
 * options, the backend (raw file or Stellarium image), and the ops the
 * device set drives. The emulation itself is virtio-blk.c, which the
 * unit tests and the fuzz target link alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "devices.h"
#include "shared/macro.h"
#include "virtio-blk.h"
#include "vm-internal.h"

static int blk_check(const void *o)
{
	const volt_vmm_disk_options *opts = o;

	if (!VERSION_SUPPORTED(opts->version, VOLT_VMM_DISK_OPTIONS_VERSION))
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
	return 0;
}

static int blk_create(struct volt_vmm *vm, const void *o, unsigned int nth,
		      const struct virtio_mmio_ops *transport, struct virtio_device_new *out)
{
	const volt_vmm_disk_options *opts = o;
	struct blk_backend *backend = NULL;
	_cleanup_free_ char *dir = NULL;
	struct virtio_blk *blk;
	bool ro = opts->flags & VOLT_VMM_DISK_READ_ONLY;
	int r;

	(void)nth;
	if (opts->path)
		r = blk_file_open(&backend, opts->path, ro);
	else
		r = blk_overlay_open(&backend, opts->store, opts->image, opts->overlay, ro);
	if (r < 0)
		return r;
	/* The I/O thread reads the image's blocks inside the sandbox. */
	if (opts->image && asprintf(&dir, "%s/blocks", opts->store) < 0) {
		dir = NULL;
		blk_backend_close(backend);
		return volt_error_set(ENOMEM, NULL);
	}
	blk = calloc(1, sizeof(*blk));
	if (!blk) {
		blk_backend_close(backend);
		return volt_error_set(ENOMEM, NULL);
	}
	virtio_blk_init(blk, &vm->mem, backend, transport);
	out->mmio = &blk->mmio;
	out->read_dir = TAKE_PTR(dir);
	return 0;
}

static void blk_destroy(struct virtio_mmio *m)
{
	struct virtio_blk *blk = m->ctx;

	virtio_blk_destroy(blk);
	free(blk);
}

const struct virtio_device_ops vdev_blk = {
	.name = "virtio-blk",
	.plural = "disks",
	.max = VOLT_VMM_MAX_DISKS,
	.check = blk_check,
	.create = blk_create,
	.destroy = blk_destroy,
	.queue_notify = virtio_blk_queue_notify,
};

VOLT_API int volt_vmm_add_disk(volt_vmm *vm, const volt_vmm_disk_options *opts)
{
	struct virtio_mmio *m;
	struct virtio_blk *blk;
	unsigned int nth;
	int r;

	assert_return(vm, -EINVAL);
	assert_return(opts, -EINVAL);
	r = devices_add(vm, &vdev_blk, opts, &m, &nth);
	if (r < 0)
		return r;
	blk = m->ctx;
	volt_log(VOLT_LOG_DEBUG, "vmm: disk vd%c: %s%s", 'a' + nth, blk->backend->describe,
		 blk->backend->read_only ? " (read-only)" : "");
	return 0;
}
