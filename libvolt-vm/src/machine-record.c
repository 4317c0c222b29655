/*
 * A VM's directory and its record, vm.json (docs/vmm-machines.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "machine-internal.h"
#include "path.h"
#include "shared/macro.h"

int vm_unit_name(char *buf, size_t size, const char *name)
{
	return common_unit_name(buf, size, "vm", name);
}

int vm_record_paths(vm_record *rec, const volt_vm *vm, const char *name)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	if (!name)
		return volt_error_set(EINVAL, "VM name: missing");
	r = volt_name_validate(name);
	if (r < 0)
		return volt_error_prefix(r, "VM name");
	rec->name = strdup(name);
	if (!rec->name)
		return volt_error_set(ENOMEM, NULL);
	if ((r = common_path_join(&rec->dir, vm->vms, name)) < 0 ||
	    (r = common_path_join(&rec->config_path, rec->dir, "vm.json")) < 0 ||
	    (r = common_path_join(&rec->overlay, rec->dir, "overlay")) < 0 ||
	    (r = common_path_join(&rec->run_file, rec->dir, "run.pid")) < 0)
		return r;
	return 0;
}

int vm_record_load(vm_record *rec, const volt_vm *vm, const char *name)
{
	int r = vm_record_paths(rec, vm, name);

	if (r < 0)
		return r;
	r = volt_json_load_file(&rec->config, rec->config_path);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no VM named '%s'", name);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", name);
	if (!json_is_object(rec->config))
		return volt_error_set(EBADMSG, "VM '%s': vm.json is not an object", name);
	return 0;
}

void vm_record_done(vm_record *rec)
{
	free(rec->name);
	json_decref(rec->config);
	free(rec->dir);
	free(rec->config_path);
	free(rec->overlay);
	free(rec->run_file);
	memset(rec, 0, sizeof(*rec));
}
