/*
 * libvolt-vm: Volt's VM manager, VMs managed like containers.
 *
 * A peer of libvolt-ctr: each VM is a record in the state root and, while
 * it runs, one voltvm process (the Neutron Stardust micro-VMM), as a
 * transient systemd unit or a child of the caller. The manager drives
 * voltvm through its command line only: it does not link libvolt-vmm.
 *
 * Link with `pkg-config --cflags --libs libvolt-vm`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_VM_H
#define VOLT_VM_H

#include <volt/core/common.h>
#include <volt/vm/machine.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-vm that is running, such as "0.4.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_vm_version(void);

VOLT_END_DECLS

#endif
