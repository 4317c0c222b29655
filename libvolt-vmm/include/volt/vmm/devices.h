/*
 * libvolt-vmm devices: virtio-blk disks and virtio-net NICs on the
 * virtio-mmio transport (version 2). Part of <volt/vmm.h>; since 0.2.
 *
 * Add devices between volt_vmm_new() and volt_vmm_run(). Each device
 * gets a 4 KiB MMIO window and an interrupt line, and the library
 * appends its announcement ("virtio_mmio.device=4K@0xd0000000:5") to
 * the guest's kernel command line, in the order of the calls: the
 * first disk is the guest's /dev/vda, the first NIC its eth0. The guest
 * kernel needs CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES.
 *
 * Requests are served by one I/O thread of the library (with KVM's
 * ioeventfd and irqfd where the host has them), which runs under the
 * VMM's sandbox like the vCPU threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VMM_DEVICES_H
#define VOLT_VMM_DEVICES_H

#include <stdint.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* volt_vmm is declared by <volt/vmm.h>. */
struct volt_vmm;

/** Most disks a VM can have (the guest's /dev/vda .. /dev/vdh). */
#define VOLT_VMM_MAX_DISKS 8
/** Most NICs a VM can have (eth0 .. eth3). */
#define VOLT_VMM_MAX_NETS 4

/** Flags of struct volt_vmm_disk_options. */
enum {
	/** The guest sees VIRTIO_BLK_F_RO and its writes fail. */
	VOLT_VMM_DISK_READ_ONLY = 1u << 0,
};

/** The current version of struct volt_vmm_disk_options. */
#define VOLT_VMM_DISK_OPTIONS_VERSION 1

/**
 * A disk: either @path (a raw image file or block device, opened
 * read-write unless VOLT_VMM_DISK_READ_ONLY) or @image in the Stellarium
 * store at @store (read block by block on demand, every block verified).
 * A Stellarium disk writes to @overlay, the VM's copy-on-write file,
 * created if missing and reused if present (it remembers its image and
 * refuses another); without @overlay it is read-only.
 */
typedef struct volt_vmm_disk_options {
	unsigned int version;   /**< VOLT_VMM_DISK_OPTIONS_VERSION */
	const char *path;       /**< raw image; or NULL with @image */
	const char *image;      /**< Stellarium ref or 64-digit hash; or NULL with @path */
	const char *store;      /**< the store directory (the "cas" directory of a Volt root) */
	const char *overlay;    /**< optional, only with @image */
	unsigned int flags;     /**< VOLT_VMM_DISK_* */
} volt_vmm_disk_options;

#define VOLT_VMM_DISK_OPTIONS_INIT { .version = VOLT_VMM_DISK_OPTIONS_VERSION }

/** Flags of struct volt_vmm_net_options. */
enum {
	/** Use @mac; otherwise a stable locally administered MAC derived from the TAP name. */
	VOLT_VMM_NET_MAC = 1u << 0,
};

/** The current version of struct volt_vmm_net_options. */
#define VOLT_VMM_NET_OPTIONS_VERSION 1

/**
 * A NIC backed by the TAP device @tap (1 to 15 of letters, digits, '-',
 * '_', '.'). Attaching to an existing persistent TAP owned by the
 * caller's user needs no privilege; creating one needs CAP_NET_ADMIN.
 */
typedef struct volt_vmm_net_options {
	unsigned int version;   /**< VOLT_VMM_NET_OPTIONS_VERSION */
	const char *tap;        /**< required */
	uint8_t mac[6];         /**< with VOLT_VMM_NET_MAC */
	unsigned int flags;     /**< VOLT_VMM_NET_* */
} volt_vmm_net_options;

#define VOLT_VMM_NET_OPTIONS_INIT { .version = VOLT_VMM_NET_OPTIONS_VERSION }

/**
 * Add a virtio-blk disk to @vm (before volt_vmm_run()). Opens
 * everything now, so a bad disk fails here, before the guest starts.
 *
 * @return 0; -EINVAL (bad options: neither or both of path and image,
 *         an image without a store, an overlay without an image, an
 *         unknown version or flag, a file that is not a disk, an image
 *         ref naming a stored file, an overlay of another image);
 *         -E2BIG (more than VOLT_VMM_MAX_DISKS disks, or the command
 *         line grows too long); -EALREADY (the VM has run); -ENOENT /
 *         -EACCES (the file, store, ref or image is missing or
 *         unreadable); -EBADMSG (a corrupt image block); another -errno.
 */
VOLT_API int volt_vmm_add_disk(struct volt_vmm *vm, const volt_vmm_disk_options *opts);

/**
 * Add a virtio-net NIC on a TAP device to @vm (before volt_vmm_run()).
 * Attaches to the TAP now.
 *
 * @return 0; -EINVAL (a bad TAP name, options version or flag); -E2BIG
 *         (more than VOLT_VMM_MAX_NETS NICs, or the command line grows too
 *         long); -EALREADY (the VM has run); -EPERM (creating the TAP
 *         needs CAP_NET_ADMIN); -EBUSY; -ENOENT (no /dev/net/tun); another
 *         -errno.
 */
VOLT_API int volt_vmm_add_net(struct volt_vmm *vm, const volt_vmm_net_options *opts);

/**
 * The kernel command line the guest will get, device announcements
 * included. Belongs to @vm, valid until the next volt_vmm_add_*() or
 * volt_vmm_free(); NULL for a NULL @vm.
 */
VOLT_API const char *volt_vmm_cmdline(const struct volt_vmm *vm);

VOLT_END_DECLS

#endif
