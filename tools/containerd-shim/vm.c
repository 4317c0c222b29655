/*
 * io.volt.runtime=vm: the bundle's rootfs as a Stardust VM (libvolt-vm)
 * instead of a container. Create imports the rootfs into the state
 * root's Stellarium store (the image a VM's root disk is built from) and
 * creates the VM with the spec's args, env, cwd and user; the task's
 * runner runs it with volt_vm_run(), whose console (the guest's, where
 * the workload's output appears) is the runner's stdout, the stdout FIFO;
 * its exit status is the workload's as the guest init reports it. Kill
 * ends the VM (its voltvm); Delete removes it. Execs are not supported:
 * the guest has no way in.
 *
 * The kernel is libvolt-vm's choice (VOLT_GUEST_KERNEL, the installed
 * guest kernel, else the distribution's in /boot: docs/vmm-machines.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <volt/cas.h>
#include <volt/core.h>
#include <volt/vm.h>

#include "shared/macro.h"
#include "shim.h"

int shim_vm_create(shim_task *t, const char *root, const shim_bundle_spec *bs)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	volt_cas_import_options io = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_vm_spec spec = VOLT_VM_SPEC_INIT;
	_cleanup_free_ char *store = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash tree;
	volt_cas *cas = NULL;
	int r;

	if (asprintf(&store, "%s/cas", root) < 0)
		return volt_error_set(ENOMEM, NULL);
	oo.flags = VOLT_CAS_OPEN_CREATE;
	r = volt_cas_open(&cas, store, &oo);
	if (r < 0)
		return volt_error_prefix(r, "open the store %s", store);
	/* The rootfs is the image's own: imported as a tree, never run on the host. */
	r = volt_cas_import_dir(&tree, NULL, cas, t->rootfs, &io);
	volt_cas_close(cas);
	if (r < 0)
		return volt_error_prefix(r, "import %s into %s", t->rootfs, store);
	r = volt_vm_open(&t->vm, root);
	if (r < 0)
		return r;
	spec.image = volt_cas_hash_to_hex(hex, &tree);
	spec.argv = (const char *const *)bs->argv;
	spec.env = (const char *const *)bs->env;
	spec.workdir = bs->cwd;
	spec.user = bs->user;
	spec.network = VOLT_VM_NETWORK_NONE;
	return volt_vm_create(t->vm, t->name, &spec);
}

int shim_vm_run(int *out_status, shim_task *t)
{
	return volt_vm_run(out_status, t->vm, t->name);
}

int shim_vm_remove(shim_task *t)
{
	int r;

	if (!t->vm)
		return 0;
	r = volt_vm_remove(t->vm, t->name, true);
	return r == -ENOENT ? 0 : r;
}
