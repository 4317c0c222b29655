/*
 * The VM manager: records, create, remove, list, inspect.
 * Starting and stopping are machine-unit.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <volt/core.h>

#include "machine-internal.h"
#include "machine-state.h"
#include "path.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

#define MIB (1ULL << 20)

VOLT_API int volt_vm_open(volt_vm **out, const char *root)
{
	volt_vm *vm;

	assert_return(out, EINVAL);
	assert_return(root, EINVAL);
	if (root[0] != '/')
		return volt_error_set(EINVAL, "state root '%s' is not absolute", root);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return volt_error_set(ENOMEM, NULL);
	vm->root = strdup(root);
	if (!vm->root || asprintf(&vm->vms, "%s/vms", root) < 0 || asprintf(&vm->store, "%s/cas", root) < 0) {
		volt_vm_close(vm);
		return volt_error_set(ENOMEM, NULL);
	}
	*out = vm;
	return 0;
}

VOLT_API volt_vm *volt_vm_close(volt_vm *vm)
{
	if (!vm)
		return NULL;
	free(vm->root);
	free(vm->vms);
	free(vm->store);
	free(vm);
	return NULL;
}

VOLT_API bool volt_vm_have_systemd(void)
{
	return common_have_systemd();
}

VOLT_API const char *volt_vm_state_to_string(volt_vm_state state)
{
	switch (state) {
	case VOLT_VM_CREATED:
		return "created";
	case VOLT_VM_RUNNING:
		return "running";
	case VOLT_VM_EXITED:
		return "exited";
	case VOLT_VM_FAILED:
		return "failed";
	}
	return "unknown";
}

/* What goes on the guest kernel's command line must survive its splitting. */
static int check_word(const char *what, const char *s, bool spaces_ok)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || (!spaces_ok && *p == ' '))
			return volt_error_set(EINVAL, "%s '%s': no quotes, control characters%s", what, s,
					      spaces_ok ? "" : " or spaces");
	return 0;
}

static int file_size(const char *what, const char *path, uint64_t *out)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return volt_error_set_errno(errno, "%s %s", what, path);
	if (!S_ISREG(st.st_mode))
		return volt_error_set(EINVAL, "%s %s is not a file", what, path);
	if (access(path, R_OK) < 0)
		return volt_error_set_errno(errno, "%s %s", what, path);
	*out = (uint64_t)st.st_size;
	return 0;
}

/*
 * The guest needs its kernel in RAM (the file's size for a vmlinux; a
 * bzImage unpacks to a few times its size, covered by the runtime
 * allowance), the initrd and what it unpacks to (at most four times a
 * gzip'd cpio), and VM_GUEST_MIN_RUNTIME to run.
 */
static int check_memory(uint64_t memory, const char *kernel, const char *initrd)
{
	uint64_t ksize, isize, need;
	int r;

	if ((r = file_size("guest kernel", kernel, &ksize)) < 0 || (r = file_size("guest initrd", initrd, &isize)) < 0)
		return r;
	need = ksize + 5 * isize + VM_GUEST_MIN_RUNTIME;
	need = (need + 2 * MIB - 1) / (2 * MIB) * (2 * MIB);
	if (memory < need)
		return volt_error_set(EINVAL,
				      "memory %llu MiB is too small for this VM: it needs at least %llu MiB (kernel %llu KiB, initrd %llu KiB unpacked in memory, %llu MiB for the guest to run)",
				      (unsigned long long)(memory / MIB), (unsigned long long)(need / MIB),
				      (unsigned long long)(ksize >> 10), (unsigned long long)(isize >> 10),
				      (unsigned long long)(VM_GUEST_MIN_RUNTIME / MIB));
	return 0;
}

/* Everything of the spec that can be checked without touching anything. */
static int spec_to_json(json_t **out, const volt_vm *vm, const char *name, const volt_vm_spec *spec)
{
	_cleanup_json_ json_t *c = json_object();
	_cleanup_free_ char *kernel = NULL, *initrd = NULL;
	uint64_t memory = spec->memory_bytes ? spec->memory_bytes : VOLT_VM_DEFAULT_MEMORY;
	unsigned cpus = spec->cpus ? spec->cpus : 1;
	_cleanup_(vm_kernel_choice_done) vm_kernel_choice kc = { 0 };
	const char *network;
	int r;

	if (!c)
		return volt_error_set(ENOMEM, NULL);
	if (!VERSION_SUPPORTED(spec->version, VOLT_VM_SPEC_VERSION))
		return volt_error_set(EINVAL, "unknown VM spec version %u", spec->version);
	if (!spec->image || !*spec->image)
		return volt_error_set(EINVAL, "VM '%s': no image", name);
	if (memory < VOLT_VM_MIN_MEMORY || memory > VOLT_VM_MAX_MEMORY || memory % (2 * MIB))
		return volt_error_set(EINVAL, "memory: %llu MiB is out of range (%llu MiB to %llu MiB, in steps of 2 MiB)",
				      (unsigned long long)(memory / MIB), VOLT_VM_MIN_MEMORY / MIB,
				      VOLT_VM_MAX_MEMORY / MIB);
	if (cpus > VOLT_VM_MAX_CPUS)
		return volt_error_set(EINVAL, "cpus: %u is out of range (1 to %d)", cpus, VOLT_VM_MAX_CPUS);
	switch (spec->network) {
	case VOLT_VM_NETWORK_NONE:
		network = "none";
		break;
	case VOLT_VM_NETWORK_PRIVATE:
		network = "private";
		break;
	case VOLT_VM_NETWORK_TAP:
		network = "tap";
		r = vm_tap_name_check(spec->tap);
		if (r < 0)
			return r;
		json_object_set_new(c, "tap", json_string(spec->tap));
		break;
	default:
		return volt_error_set(EINVAL, "unknown network kind %d", (int)spec->network);
	}
	if (spec->tap && spec->network != VOLT_VM_NETWORK_TAP)
		return volt_error_set(EINVAL, "a TAP device is for the 'tap' network only");
	if (strchr(vm->root, ','))
		return volt_error_set(EINVAL, "state root '%s': VMs need a path without commas", vm->root);
	if (spec->workdir && spec->workdir[0] != '/')
		return volt_error_set(EINVAL, "working directory '%s' is not absolute", spec->workdir);
	if (spec->workdir && (r = check_word("working directory", spec->workdir, true)) < 0)
		return r;
	if (spec->user && (r = check_word("user", spec->user, false)) < 0)
		return r;
	if (spec->user && !*spec->user)
		return volt_error_set(EINVAL, "user: empty");
	if ((r = common_strv_to_json(c, "argv", spec->argv, COMMON_STRV_ARGV)) < 0 ||
	    (r = common_strv_to_json(c, "env", spec->env, COMMON_STRV_ENV)) < 0)
		return r;

	/* The unit runs in "/": every path it is given must be absolute. */
	initrd = realpath(vm_initrd_path(), NULL);
	if (!initrd)
		return volt_error_set_errno(errno, "guest initrd %s", vm_initrd_path());
	r = vm_kernel_choose(&kc, spec->kernel, initrd);
	if (r < 0)
		return r;
	kernel = TAKE_PTR(kc.path);
	r = check_memory(memory, kernel, initrd);
	if (r < 0)
		return r;

	json_object_set_new(c, "version", json_integer(1));
	json_object_set_new(c, "name", json_string(name));
	json_object_set_new(c, "image", json_string(spec->image));
	json_object_set_new(c, "memory_bytes", json_integer((json_int_t)memory));
	json_object_set_new(c, "cpus", json_integer(cpus));
	json_object_set_new(c, "network", json_string(network));
	json_object_set_new(c, "kernel", json_string(kernel));
	json_object_set_new(c, "kernel_source", json_string(kc.source));
	if (kc.release)
		json_object_set_new(c, "kernel_release", json_string(kc.release));
	json_object_set_new(c, "initrd", json_string(initrd));
	if (spec->workdir)
		json_object_set_new(c, "workdir", json_string(spec->workdir));
	if (spec->user)
		json_object_set_new(c, "user", json_string(spec->user));
	*out = TAKE_PTR(c);
	return 0;
}

static uint64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Give the record its network: an index, the TAP name, the addresses and a MAC. */
static void set_network(json_t *c, unsigned index)
{
	common_net_lease l;

	common_net_lease_for(&l, COMMON_NET_TAP, index);
	json_object_set_new(c, "network_index", json_integer(index));
	json_object_set_new(c, "tap", json_string(l.ifname));
	json_object_set_new(c, "host_address", json_string(l.host));
	json_object_set_new(c, "guest_address", json_string(l.guest));
	json_object_set_new(c, "mac", json_string(l.mac));
}

VOLT_API int volt_vm_create(volt_vm *vm, const char *name, const volt_vm_spec *spec)
{
	_cleanup_vm_record_ vm_record rec = {};
	_cleanup_json_ json_t *c = NULL;
	_cleanup_free_ char *tree = NULL, *ref = NULL, *cmdline = NULL;
	_cleanup_close_ int net_lock = -1, vms_fd = -1, dir_fd = -1;
	__attribute__((cleanup(vm_image_config_clear))) vm_image_config ic = {};
	uint64_t disk_size = 0;
	struct stat st;
	int r;

	assert_return(vm, EINVAL);
	assert_return(spec, EINVAL);

	r = vm_record_paths(&rec, vm, name);
	if (r < 0)
		return r;
	/* A quick answer before the disk is built; mkdirat() below is the real test. */
	if (lstat(rec.dir, &st) == 0)
		return volt_error_set(EEXIST, "a VM named '%s' already exists", name);
	if (spec->image && *spec->image && (r = vm_image_apply(&ic, vm, spec)) < 0)
		return volt_error_prefix(r, "VM '%s': image '%s'", name, spec->image);
	r = spec_to_json(&c, vm, name, ic.img ? &ic.spec : spec);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", name);
	if (ic.img) {
		json_object_set_new(c, "image_id", json_string(ic.img->id));
		json_object_set_new(c, "image_cmd_replaced", json_boolean(ic.run.cmd_replaced));
	}
	if (spec->network == VOLT_VM_NETWORK_PRIVATE)
		set_network(c, COMMON_NET_MAX); /* the longest addresses, to check the command line's length */
	else if (spec->network == VOLT_VM_NETWORK_TAP) {
		char mac[COMMON_MAC_BUF];

		/* A TAP of the user's: a MAC outside the private networks' (index 0xffff). */
		common_net_mac(mac, 0xffff);
		json_object_set_new(c, "mac", json_string(mac));
	}
	r = vm_guest_cmdline(&cmdline, c);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", name);

	r = vm_disk_prepare(vm, spec->image, spec->disk_size, &tree, &ref, &disk_size);
	if (r < 0)
		return r;
	json_object_set_new(c, "image_tree", json_string(tree));
	json_object_set_new(c, "disk_ref", json_string(ref));
	json_object_set_new(c, "disk_size", json_integer((json_int_t)disk_size));
	json_object_set_new(c, "created_ns", json_integer((json_int_t)now_realtime_ns()));

	r = volt_mkdir_p(vm->vms, 0700);
	if (r < 0 || (r = common_record_kind_open(&vms_fd, vm->root, "vms")) < 0)
		return r;
	if (spec->network == VOLT_VM_NETWORK_PRIVATE) {
		unsigned index;

		/* Held until vm.json names the network: no two get one. */
		r = common_net_lock(vm->root, &net_lock);
		if (r < 0 || (r = common_net_allocate(vm->root, &index)) < 0)
			return r;
		set_network(c, index);
	}
	free(cmdline);
	cmdline = NULL;
	r = vm_guest_cmdline(&cmdline, c);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", name);
	json_object_set_new(c, "cmdline", json_string(cmdline));

	/* mkdir is the lock: of two creators of one name, one gets EEXIST. */
	if (mkdirat(vms_fd, name, 0700) < 0) {
		if (errno == EEXIST)
			return volt_error_set(EEXIST, "a VM named '%s' already exists", name);
		return volt_error_set_errno(errno, "mkdir %s", rec.dir);
	}
	/* vm.json last: a VM without it was never created. */
	r = common_record_dir_open(&dir_fd, vms_fd, vm->vms, name);
	if (r == 0)
		r = common_record_write_json(dir_fd, rec.dir, VM_RECORD_FILE, c, VOLT_JSON_PRETTY, 0600);
	if (r < 0)
		common_rm_rf_at(vms_fd, name, rec.dir);
	return r;
}

/* What a failed vm_record_load() says of a directory entry that is no VM a record can be read of. */
static bool is_debris(int r)
{
	return r == -ELOOP || r == -ENOTDIR || r == -EINVAL || r == -EBADMSG || r == -EFBIG;
}

/*
 * rm --force of ROOT/vms/NAME whose record cannot be read (a symlink in
 * its place, a broken vm.json): the entry itself goes, a link without
 * its target; nothing in it is obeyed (no pid killed, no TAP removed).
 */
static int remove_debris(volt_vm *vm, const char *name)
{
	_cleanup_free_ char *why = strdup(volt_error_message()), *path = NULL;
	_cleanup_close_ int vms_fd = -1;
	int r;

	if (!why || common_path_join(&path, vm->vms, name) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* ROOT/vms itself a link: refused, as for every reader. */
	r = common_record_kind_open(&vms_fd, vm->root, "vms");
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", name);
	r = common_rm_rf_at(vms_fd, name, path);
	if (r < 0)
		return r;
	volt_log(VOLT_LOG_WARNING, "%s: removed %s without reading it", why, path);
	volt_error_clear();
	return 0;
}

VOLT_API int volt_vm_remove(volt_vm *vm, const char *name, bool force)
{
	_cleanup_vm_record_ vm_record rec = {};
	vm_live live;
	const char *tap;
	int r;

	assert_return(vm, EINVAL);
	r = vm_record_load(&rec, vm, name);
	if (r < 0 && is_debris(r) && volt_name_is_valid(name)) {
		_cleanup_free_ char *why = NULL;

		if (force)
			return remove_debris(vm, name);
		why = strdup(volt_error_message());
		return volt_error_set(-r, "%s; a forced removal takes the entry itself, nothing it points at",
				      why ? why : "unreadable");
	}
	if (r < 0)
		return r;
	r = vm_live_state(&rec, &live);
	if (r < 0)
		return r;
	if (live.state == VOLT_VM_RUNNING) {
		if (!force)
			return volt_error_set(EBUSY, "VM '%s' is running: stop it first, or remove it with --force", name);
		r = vm_kill(&rec, &live);
		if (r < 0)
			return r;
	}
	if (live.unit_loaded && (r = common_unit_reset(live.unit)) < 0)
		return r;
	tap = json_string_value(json_object_get(rec.config, "tap"));
	if (tap && json_object_get(rec.config, "network_index") && (r = vm_tap_remove(tap)) < 0)
		return volt_error_prefix(r, "VM '%s'", name);
	return common_rm_rf_at(rec.vms_fd, rec.name, rec.dir);
}

static int info_fill(volt_vm_info **out, const vm_record *rec)
{
	const json_t *c = rec->config;
	vm_live live;
	const char *addr = json_string_value(json_object_get(c, "guest_address"));
	volt_vm_info *info;
	int r;

	r = vm_live_state(rec, &live);
	if (r < 0)
		return r;
	info = calloc(1, sizeof(*info));
	if (!info)
		return volt_error_set(ENOMEM, NULL);
	*out = info;
	info->name = strdup(rec->name);
	info->image = strdup(json_string_value(json_object_get(c, "image")) ?: "");
	info->address = addr ? strdup(addr) : NULL;
	if (!info->name || !info->image || (addr && !info->address))
		return volt_error_set(ENOMEM, NULL);
	info->state = live.state;
	info->exit_status = live.exit_status;
	info->main_pid = live.main_pid;
	info->started_ns = live.started_ns;
	info->created_ns = (uint64_t)json_integer_value(json_object_get(c, "created_ns"));
	info->memory_bytes = (uint64_t)json_integer_value(json_object_get(c, "memory_bytes"));
	info->cpus = (unsigned)json_integer_value(json_object_get(c, "cpus"));
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(volt_vm_info *const *)a)->name, (*(volt_vm_info *const *)b)->name);
}

VOLT_API int volt_vm_list(volt_vm_info ***out, size_t *out_n, volt_vm *vm)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int vms_fd = -1;
	volt_vm_info **list = NULL;
	size_t n = 0;
	struct dirent *e;
	int r;

	assert_return(vm, EINVAL);
	assert_return(out, EINVAL);
	r = common_record_kind_open(&vms_fd, vm->root, "vms");
	if (r < 0 && r != -ENOENT)
		return r;
	volt_error_clear();
	if (vms_fd >= 0) {
		int scan = fcntl(vms_fd, F_DUPFD_CLOEXEC, 3);

		d = scan < 0 ? NULL : fdopendir(scan);
		if (!d) {
			r = volt_error_set_errno(errno, "open %s", vm->vms);
			if (scan >= 0)
				close(scan);
			return r;
		}
	}
	list = calloc(1, sizeof(*list));
	if (!list)
		return volt_error_set(ENOMEM, NULL);
	while (d && (e = readdir(d))) {
		_cleanup_vm_record_ vm_record rec = {};
		volt_vm_info **grown;

		if (e->d_name[0] == '.' || !volt_name_is_valid(e->d_name))
			continue;
		/* A directory without vm.json is a create in progress; anything else unreadable is said. */
		r = vm_record_load_at(&rec, vm, vms_fd, e->d_name);
		if (r < 0) {
			if (r != -ENOENT)
				volt_log(VOLT_LOG_WARNING, "%s: not listed", volt_error_message());
			volt_error_clear();
			continue;
		}
		grown = realloc(list, (n + 2) * sizeof(*list));
		if (!grown) {
			volt_vm_info_list_free(list);
			return volt_error_set(ENOMEM, NULL);
		}
		list = grown;
		list[n] = list[n + 1] = NULL;
		r = info_fill(&list[n], &rec);
		n++;
		if (r < 0) {
			volt_vm_info_list_free(list);
			return r;
		}
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), by_name);
	*out = list;
	if (out_n)
		*out_n = n;
	return 0;
}

VOLT_API volt_vm_info **volt_vm_info_list_free(volt_vm_info **list)
{
	for (size_t i = 0; list && list[i]; i++) {
		free(list[i]->name);
		free(list[i]->image);
		free(list[i]->address);
		free(list[i]);
	}
	free(list);
	return NULL;
}

VOLT_API int volt_vm_inspect(json_t **out, volt_vm *vm, const char *name)
{
	_cleanup_vm_record_ vm_record rec = {};
	_cleanup_json_ json_t *o = NULL, *argv_json = NULL;
	_cleanup_strv_ char **argv = NULL;
	vm_live live;
	int r;

	assert_return(vm, EINVAL);
	assert_return(out, EINVAL);
	r = vm_record_load(&rec, vm, name);
	if (r < 0 || (r = vm_live_state(&rec, &live)) < 0 || (r = vm_voltvm_argv(&rec, vm, "stdio", &argv)) < 0)
		return r;
	argv_json = json_array();
	for (size_t i = 0; argv_json && argv[i]; i++)
		json_array_append_new(argv_json, json_string(argv[i]));
	o = json_pack("{s:s, s:O, s:s, s:s, s:s, s:s, s:O}", "name", rec.name, "config", rec.config, "dir", rec.dir,
		      "overlay", rec.overlay, "unit", live.unit, "state", volt_vm_state_to_string(live.state),
		      "voltvm", argv_json);
	if (!o)
		return volt_error_set(ENOMEM, NULL);
	if (live.state == VOLT_VM_EXITED || live.state == VOLT_VM_FAILED)
		json_object_set_new(o, "exit_status", json_integer(live.exit_status));
	if (live.main_pid)
		json_object_set_new(o, "main_pid", json_integer(live.main_pid));
	json_object_set_new(o, "runs_as_unit", json_boolean(live.unit_loaded));
	*out = TAKE_PTR(o);
	return 0;
}
