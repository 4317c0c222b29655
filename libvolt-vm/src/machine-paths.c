/*
 * Where the VM manager finds what Volt installs: voltvm, the guest
 * initrd, the guest kernel, the built-in image. Each can be overridden
 * from the environment (tests run from the build tree).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>

#include "machine-internal.h"

static const char *env_or(const char *name, const char *fallback)
{
	const char *p = secure_getenv(name);

	return p && *p ? p : fallback;
}

const char *vm_voltvm_path(void)
{
	return env_or("VOLT_VOLTVM", VOLT_VM_VOLTVM_DEFAULT);
}

const char *vm_initrd_path(void)
{
	return env_or("VOLT_GUEST_INITRD", VOLT_VM_INITRD_DEFAULT);
}

/* The installed minimal kernel; $VOLT_MINIMAL_KERNEL lets tests move it. */
const char *vm_minimal_kernel_path(void)
{
	return env_or("VOLT_MINIMAL_KERNEL", VOLT_VM_KERNEL_DEFAULT);
}

const char *vm_images_dir(void)
{
	return env_or("VOLT_IMAGES_DIR", VOLT_VM_IMAGES_DIR_DEFAULT);
}

/* volt(1), whose "vm console-relay" a unit runs in front of voltvm. */
const char *vm_cli_path(void)
{
	return env_or("VOLT_CLI", VOLT_VM_CLI_DEFAULT);
}
