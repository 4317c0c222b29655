/*
 * A VM's directory and its record, vm.json (docs/vmm-machines.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "machine-internal.h"
#include "path.h"
#include "record.h"
#include "shared/macro.h"

int vm_unit_name(char *buf, size_t size, const char *name)
{
	return common_unit_name(buf, size, "vm", name);
}

static int check_name(const char *name)
{
	int r;

	if (!name)
		return volt_error_set(EINVAL, "VM name: missing");
	r = volt_name_validate(name);
	if (r < 0)
		return volt_error_prefix(r, "VM name");
	return 0;
}

int vm_record_paths(vm_record *rec, const volt_vm *vm, const char *name)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	r = check_name(name);
	if (r < 0)
		return r;
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

static int no_vm(int r, const char *name)
{
	return r == -ENOENT ? volt_error_set(ENOENT, "no VM named '%s'", name) : volt_error_prefix(r, "VM '%s'", name);
}

int vm_record_load_at(vm_record *rec, const volt_vm *vm, int vms_fd, const char *name)
{
	int r = vm_record_paths(rec, vm, name);

	if (r < 0)
		return r;
	rec->vms_fd = fcntl(vms_fd, F_DUPFD_CLOEXEC, 3);
	if (rec->vms_fd < 0)
		return volt_error_set_errno(errno, "open %s", vm->vms);
	r = common_record_dir_open(&rec->dir_fd, rec->vms_fd, vm->vms, name);
	if (r < 0) {
		close(rec->vms_fd);
		return no_vm(r, name);
	}
	rec->fds_open = true;
	r = common_record_load_json(&rec->config, rec->dir_fd, rec->dir, VM_RECORD_FILE);
	if (r < 0)
		return no_vm(r, name);
	if (!json_is_object(rec->config))
		return volt_error_set(EBADMSG, "VM '%s': vm.json is not an object", name);
	return 0;
}

int vm_record_load(vm_record *rec, const volt_vm *vm, const char *name)
{
	_cleanup_close_ int vms_fd = -1;
	int r;

	memset(rec, 0, sizeof(*rec));
	/* The name first: an error about it, not about ROOT/vms. */
	r = check_name(name);
	if (r < 0)
		return r;
	r = common_record_kind_open(&vms_fd, vm->root, "vms");
	if (r < 0)
		return no_vm(r, name);
	return vm_record_load_at(rec, vm, vms_fd, name);
}

void vm_record_done(vm_record *rec)
{
	free(rec->name);
	json_decref(rec->config);
	free(rec->dir);
	free(rec->config_path);
	free(rec->overlay);
	free(rec->run_file);
	if (rec->fds_open) {
		close(rec->dir_fd);
		close(rec->vms_fd);
	}
	memset(rec, 0, sizeof(*rec));
}

/* run.pid is volt_vm_run()'s: a plain file in the VM's directory, or none. */
pid_t vm_record_run_pid(const vm_record *rec)
{
	_cleanup_free_ char *text = NULL;
	int pid, r;

	if (!rec->fds_open)
		return 0;
	r = common_record_read(&text, NULL, rec->dir_fd, rec->dir, VM_RUN_FILE, 64);
	if (r < 0) {
		/* Missing is the common case; anything else (a link, a FIFO) is debris, never obeyed. */
		if (r != -ENOENT)
			volt_log(VOLT_LOG_WARNING, "VM '%s': %s: ignored", rec->name, volt_error_message());
		volt_error_clear();
		return 0;
	}
	if (sscanf(text, "%d", &pid) == 1 && pid > 0 && kill(pid, 0) == 0)
		return pid;
	return 0;
}

int vm_record_run_pid_write(const vm_record *rec, pid_t pid)
{
	char text[32];

	if (!rec->fds_open)
		return volt_error_set(EBADF, "VM '%s': its directory is not open", rec->name);
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	/* Not durable: after a crash of the host no voltvm runs, whatever it says. */
	return common_record_write(rec->dir_fd, rec->dir, VM_RUN_FILE, text, strlen(text), 0600, false);
}

void vm_record_run_pid_remove(const vm_record *rec)
{
	if (rec->fds_open)
		(void)unlinkat(rec->dir_fd, VM_RUN_FILE, 0);
}
