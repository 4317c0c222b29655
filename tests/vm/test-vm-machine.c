/*
 * The VM manager's public API (libvolt-vm) without KVM: names and paths,
 * records read back (list, inspect, remove), every bad spec volt_vm_create
 * refuses (and that it leaves nothing behind), a real create of the
 * built-in image when the test environment provides it, and a foreground
 * run through a stand-in voltvm (tests/vm/fake-voltvm.sh).
 *
 * usage: test-vm-machine FAKE_VOLTVM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/vm.h>

#include "machine-internal.h"
#include "volt-test.h"

#define MIB (1ULL << 20)

static const char *fake_voltvm;
static char root[256];
static char kernel[300], initrd[300];

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void sized_file(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
}

/* A fresh state root with a fake kernel (1 MiB) and initrd (1 KiB) beside it. */
static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/volt-test-vm-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", root);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", root);
	sized_file(kernel, 1 << 20);
	sized_file(initrd, 1 << 10);
	setenv("VOLT_GUEST_INITRD", initrd, 1);
	unsetenv("VOLT_GUEST_KERNEL");
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

/* A record as volt_vm_create() writes it, by hand. */
static void plant_record(const char *name, const char *image, unsigned cpus, const char *address)
{
	char dir[400], path[450], cmdline[200];
	json_t *c;

	snprintf(dir, sizeof(dir), "%s/vms", root);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/vms/%s", root, name);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/vm.json", dir);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 volt.root=/dev/vda volt.hostname=%s", name);
	c = json_pack("{s:i, s:s, s:s, s:I, s:i, s:s, s:s, s:s, s:s, s:s, s:I}", "version", 1, "name", name, "image",
		      image, "memory_bytes", (json_int_t)(128 * MIB), "cpus", (int)cpus, "network", "none", "kernel",
		      kernel, "initrd", initrd, "cmdline", cmdline, "disk_ref", "volt-vm-disk-00", "created_ns",
		      (json_int_t)1700000000000000000LL);
	ck_assert_ptr_nonnull(c);
	if (address)
		json_object_set_new(c, "guest_address", json_string(address));
	ck_assert_int_eq(volt_json_write_file(path, c, VOLT_JSON_PRETTY, 0600), 0);
	json_decref(c);
}

static bool vm_dir_exists(const char *name)
{
	char dir[400];

	snprintf(dir, sizeof(dir), "%s/vms/%s", root, name);
	return access(dir, F_OK) == 0;
}

START_TEST(open_wants_an_absolute_root)
{
	volt_vm *vm = NULL;

	ck_assert_fails_with(volt_vm_open(&vm, "relative/root"), EINVAL, "is not absolute");
	ck_assert_ptr_null(vm);
	ck_assert_int_eq(volt_vm_open(NULL, "/r"), -EINVAL);
	ck_assert_int_eq(volt_vm_open(&vm, NULL), -EINVAL);
	ck_assert_int_eq(volt_vm_open(&vm, "/r"), 0);
	ck_assert_ptr_null(volt_vm_close(vm));
	ck_assert_ptr_null(volt_vm_close(NULL));
	ck_assert_str_eq(volt_vm_version(), VOLT_VERSION_STRING);
}
END_TEST

START_TEST(names_states_and_paths)
{
	volt_vm *vm = NULL;
	vm_record rec;
	char unit[32], mac[18];

	ck_assert_str_eq(volt_vm_state_to_string(VOLT_VM_CREATED), "created");
	ck_assert_str_eq(volt_vm_state_to_string(VOLT_VM_RUNNING), "running");
	ck_assert_str_eq(volt_vm_state_to_string(VOLT_VM_EXITED), "exited");
	ck_assert_str_eq(volt_vm_state_to_string(VOLT_VM_FAILED), "failed");
	ck_assert_str_eq(volt_vm_state_to_string((volt_vm_state)42), "unknown");

	ck_assert_int_eq(vm_unit_name(unit, sizeof(unit), "web"), 0);
	ck_assert_str_eq(unit, "volt-vm-web.service");
	ck_assert_fails_with(vm_unit_name(unit, sizeof(unit), "a-name-that-is-too-long-for-32"), ENAMETOOLONG,
			     "too long");

	ck_assert_int_eq(volt_vm_open(&vm, "/var/lib/volt"), 0);
	ck_assert_int_eq(vm_record_paths(&rec, vm, "web"), 0);
	ck_assert_str_eq(rec.dir, "/var/lib/volt/vms/web");
	ck_assert_str_eq(rec.config_path, "/var/lib/volt/vms/web/vm.json");
	ck_assert_str_eq(rec.overlay, "/var/lib/volt/vms/web/overlay");
	ck_assert_str_eq(rec.run_file, "/var/lib/volt/vms/web/run.pid");
	vm_record_done(&rec);
	/* A name is one path component of the state root, never a way out of it. */
	ck_assert_fails_with(vm_record_paths(&rec, vm, "../etc"), EINVAL, "VM name");
	ck_assert_fails_with(vm_record_paths(&rec, vm, "a/b"), EINVAL, "VM name");
	ck_assert_fails_with(vm_record_paths(&rec, vm, ""), EINVAL, "VM name");
	ck_assert_fails_with(vm_record_paths(&rec, vm, NULL), EINVAL, "VM name: missing");
	vm_record_done(&rec);
	volt_vm_close(vm);

	vm_mac_for(mac, 0x1234);
	ck_assert_str_eq(mac, "52:54:00:d5:12:34");
	ck_assert_int_eq(vm_tap_name_check("vtap7"), 0);
	ck_assert_int_eq(vm_tap_name_check("a.b-c_d"), 0);
	ck_assert_fails_with(vm_tap_name_check(""), EINVAL, "1 to 15 characters");
	ck_assert_fails_with(vm_tap_name_check(NULL), EINVAL, "1 to 15 characters");
	ck_assert_fails_with(vm_tap_name_check("sixteen-chars-xx"), EINVAL, "1 to 15 characters");
	ck_assert_fails_with(vm_tap_name_check(".."), EINVAL, "is not a name");
	ck_assert_fails_with(vm_tap_name_check("tap/0"), EINVAL, "only letters");
	ck_assert_fails_with(vm_tap_name_check("tap 0"), EINVAL, "only letters");

	/* Installed paths give way to the environment (tests run from the build tree). */
	setenv("VOLT_VOLTVM", "/opt/voltvm", 1);
	ck_assert_str_eq(vm_voltvm_path(), "/opt/voltvm");
	setenv("VOLT_VOLTVM", "", 1);
	ck_assert_str_ne(vm_voltvm_path(), "");
	ck_assert_int_eq(vm_voltvm_path()[0], '/');
	ck_assert_str_eq(strrchr(vm_voltvm_path(), '/'), "/voltvm");
	unsetenv("VOLT_VOLTVM");
}
END_TEST

START_TEST(records_read_back)
{
	volt_vm *vm = NULL;
	vm_record rec = {};
	volt_vm_info **infos = NULL;
	size_t n = 0;
	char path[400];

	setup();
	ck_assert_int_eq(volt_vm_open(&vm, root), 0);
	/* No vms directory yet: an empty list, and nothing created by looking. */
	ck_assert_int_eq(volt_vm_list(&infos, &n, vm), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(infos);
	ck_assert_ptr_null(infos[0]);
	ck_assert_ptr_null(volt_vm_info_list_free(infos));
	ck_assert_ptr_null(volt_vm_info_list_free(NULL));
	snprintf(path, sizeof(path), "%s/vms", root);
	ck_assert_int_ne(access(path, F_OK), 0);

	plant_record("beta", "busybox", 2, NULL);
	plant_record("alpha", "debian", 1, "10.213.0.2");
	/* Debris: a create in progress, a name that is not one, a damaged record. */
	snprintf(path, sizeof(path), "%s/vms/half", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vms/.disk-0123", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vms/broken", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vms/broken/vm.json", root);
	write_file(path, "{ not json");

	ck_assert_int_eq(volt_vm_list(&infos, &n, vm), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(infos[0]->name, "alpha");
	ck_assert_str_eq(infos[0]->image, "debian");
	ck_assert_str_eq(infos[0]->address, "10.213.0.2");
	ck_assert_str_eq(infos[1]->name, "beta");
	ck_assert_ptr_null(infos[1]->address);
	ck_assert_uint_eq(infos[1]->cpus, 2);
	ck_assert_uint_eq(infos[1]->memory_bytes, 128 * MIB);
	ck_assert_uint_eq(infos[1]->created_ns, 1700000000000000000ULL);
	ck_assert_int_eq(infos[1]->state, VOLT_VM_CREATED);
	ck_assert_int_eq(infos[1]->main_pid, 0);
	ck_assert_ptr_null(infos[2]);
	volt_vm_info_list_free(infos);
	/* The length is optional: the array ends with NULL. */
	ck_assert_int_eq(volt_vm_list(&infos, NULL, vm), 0);
	ck_assert_ptr_nonnull(infos[1]);
	ck_assert_ptr_null(infos[2]);
	volt_vm_info_list_free(infos);

	/* The damaged record is an error of its own, naming the VM. */
	ck_assert_int_lt(vm_record_load(&rec, vm, "broken"), 0);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "VM 'broken'"));
	vm_record_done(&rec);
	snprintf(path, sizeof(path), "%s/vms/broken/vm.json", root);
	write_file(path, "[1, 2]");
	ck_assert_fails_with(vm_record_load(&rec, vm, "broken"), EBADMSG, "vm.json is not an object");
	vm_record_done(&rec);
	ck_assert_fails_with(vm_record_load(&rec, vm, "half"), ENOENT, "no VM named 'half'");
	vm_record_done(&rec);

	volt_vm_close(vm);
	teardown();
}
END_TEST

START_TEST(inspect_and_remove)
{
	volt_vm *vm = NULL;
	json_t *o = NULL;
	pid_t child;
	char path[400], pid[32];

	setup();
	setenv("VOLT_VOLTVM", "/usr/bin/voltvm-for-the-test", 1);
	ck_assert_int_eq(volt_vm_open(&vm, root), 0);
	plant_record("web", "busybox", 1, NULL);

	ck_assert_int_eq(volt_vm_inspect(&o, vm, "web"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "web");
	ck_assert_str_eq(json_string_value(json_object_get(o, "state")), "created");
	ck_assert_str_eq(json_string_value(json_object_get(o, "unit")), "volt-vm-web.service");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o, "voltvm"), 0)),
			 "/usr/bin/voltvm-for-the-test");
	ck_assert_ptr_null(json_object_get(o, "main_pid"));
	json_decref(o);
	o = NULL;
	ck_assert_fails_with(volt_vm_inspect(&o, vm, "nosuch"), ENOENT, "no VM named 'nosuch'");
	ck_assert_fails_with(volt_vm_inspect(&o, vm, "../web"), EINVAL, "VM name");
	ck_assert_ptr_null(o);

	/* A foreground voltvm (run.pid of a live process) makes the VM running: remove refuses. */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "%s/vms/web/run.pid", root);
	snprintf(pid, sizeof(pid), "%d\n", (int)child);
	write_file(path, pid);
	ck_assert_int_eq(volt_vm_inspect(&o, vm, "web"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "state")), "running");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "main_pid")), child);
	json_decref(o);
	ck_assert_fails_with(volt_vm_remove(vm, "web", false), EBUSY, "is running");
	ck_assert(vm_dir_exists("web"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* A stale pid file is no run: the VM is removed, directory and all. */
	ck_assert_int_eq(volt_vm_remove(vm, "web", false), 0);
	ck_assert(!vm_dir_exists("web"));
	ck_assert_fails_with(volt_vm_remove(vm, "web", false), ENOENT, "no VM named 'web'");

	if (!volt_vm_have_systemd()) {
		plant_record("web", "busybox", 1, NULL);
		ck_assert_fails_with(volt_vm_start(vm, "web"), EOPNOTSUPP, "needs systemd as PID 1");
		ck_assert_fails_with(volt_vm_logs(vm, "web", 1, 0, false), EOPNOTSUPP, "systemd journal");
		ck_assert_fails_with(volt_vm_stop(vm, "web", 0), ESRCH, "is not running");
	}
	volt_vm_close(vm);
	unsetenv("VOLT_VOLTVM");
	teardown();
}
END_TEST

/* Create must fail with @err and @needle, and leave no VM directory. */
static void refused(volt_vm *vm, const volt_vm_spec *spec, int err, const char *needle)
{
	ck_assert_fails_with(volt_vm_create(vm, "bad", spec), err, needle);
	ck_assert(!vm_dir_exists("bad"));
}

START_TEST(create_refuses_bad_specs)
{
	static const char *const empty_prog[] = { "", NULL };
	static const char *const no_eq[] = { "PATH", NULL };
	static const char *const eq_first[] = { "=x", NULL };
	volt_vm *vm = NULL, *comma = NULL;
	volt_vm_spec spec = VOLT_VM_SPEC_INIT, s;
	char big_kernel[400], comma_root[400];

	setup();
	ck_assert_int_eq(volt_vm_open(&vm, root), 0);
	spec.image = "nosuch";
	spec.kernel = kernel;

	s = spec, s.version = 0, refused(vm, &s, EINVAL, "unknown VM spec version 0");
	s = spec, s.version = VOLT_VM_SPEC_VERSION + 1, refused(vm, &s, EINVAL, "unknown VM spec version");
	s = spec, s.image = NULL, refused(vm, &s, EINVAL, "VM 'bad': no image");
	s = spec, s.image = "", refused(vm, &s, EINVAL, "no image");
	s = spec, s.memory_bytes = 32 * MIB, refused(vm, &s, EINVAL, "memory: 32 MiB is out of range");
	s = spec, s.memory_bytes = 4096 * MIB, refused(vm, &s, EINVAL, "out of range");
	s = spec, s.memory_bytes = 129 * MIB, refused(vm, &s, EINVAL, "in steps of 2 MiB");
	s = spec, s.cpus = VOLT_VM_MAX_CPUS + 1, refused(vm, &s, EINVAL, "cpus: 33 is out of range");
	s = spec, s.network = (volt_vm_network)9, refused(vm, &s, EINVAL, "unknown network kind 9");
	s = spec, s.network = VOLT_VM_NETWORK_TAP, refused(vm, &s, EINVAL, "TAP name ''");
	s = spec, s.network = VOLT_VM_NETWORK_TAP, s.tap = "tap;rm", refused(vm, &s, EINVAL, "only letters");
	s = spec, s.tap = "tap0", refused(vm, &s, EINVAL, "for the 'tap' network only");
	s = spec, s.workdir = "srv", refused(vm, &s, EINVAL, "working directory 'srv' is not absolute");
	s = spec, s.workdir = "/a\"b", refused(vm, &s, EINVAL, "no quotes");
	s = spec, s.workdir = "/a\nb", refused(vm, &s, EINVAL, "control characters");
	s = spec, s.user = "a b", refused(vm, &s, EINVAL, "or spaces");
	s = spec, s.user = "", refused(vm, &s, EINVAL, "user: empty");
	s = spec, s.argv = empty_prog, refused(vm, &s, EINVAL, "the program name is empty");
	s = spec, s.env = no_eq, refused(vm, &s, EINVAL, "'PATH' is not NAME=VALUE");
	s = spec, s.env = eq_first, refused(vm, &s, EINVAL, "'=x' is not NAME=VALUE");

	/* No kernel anywhere: say how to get one (unless Volt's is installed here). */
	s = spec, s.kernel = NULL;
	unsetenv("VOLT_GUEST_KERNEL");
	setenv("VOLT_MINIMAL_KERNEL", "/nonexistent/minimal-vmlinux", 1);
	refused(vm, &s, EBADMSG, "is not a gzip'd initramfs");
	unsetenv("VOLT_MINIMAL_KERNEL");
	s.kernel = "/nonexistent/vmlinux";
	refused(vm, &s, ENOENT, "guest kernel /nonexistent/vmlinux");
	s.kernel = root;
	refused(vm, &s, EINVAL, "is not a file");
	unsetenv("VOLT_GUEST_KERNEL");

	/* The kernel must fit in the memory, with room for the guest. */
	snprintf(big_kernel, sizeof(big_kernel), "%s/big-vmlinux", root);
	sized_file(big_kernel, 60 << 20);
	s = spec, s.kernel = big_kernel, s.memory_bytes = 64 * MIB;
	refused(vm, &s, EINVAL, "it needs at least 94 MiB");

	/* A state root the --disk grammar cannot carry. */
	snprintf(comma_root, sizeof(comma_root), "%s/a,b", root);
	ck_assert_int_eq(volt_vm_open(&comma, comma_root), 0);
	ck_assert_fails_with(volt_vm_create(comma, "bad", &spec), EINVAL, "VMs need a path without commas");
	volt_vm_close(comma);

	/* Names. */
	ck_assert_fails_with(volt_vm_create(vm, "../up", &spec), EINVAL, "VM name");
	ck_assert_fails_with(volt_vm_create(vm, NULL, &spec), EINVAL, "VM name");
	ck_assert_int_eq(volt_vm_create(vm, "x", NULL), -EINVAL);

	/* Everything checks out but the image: nothing is left behind, not even ROOT/vms. */
	ck_assert_fails_with(volt_vm_create(vm, "bad", &spec), ENOENT, "no image 'nosuch'");
	ck_assert(!vm_dir_exists(""));

	/* An existing VM's name is taken. */
	plant_record("taken", "busybox", 1, NULL);
	ck_assert_fails_with(volt_vm_create(vm, "taken", &spec), EEXIST, "a VM named 'taken' already exists");
	volt_vm_close(vm);
	teardown();
}
END_TEST

/* A gzip header naming @name (or none), as mkinitrd.py writes it. */
static void gzip_named(const char *path, const char *name)
{
	static const unsigned char plain[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };
	static const unsigned char named[10] = { 0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 2, 3 };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, name ? named : plain, 10), 10);
	if (name)
		ck_assert_int_eq(write(fd, name, strlen(name) + 1), (ssize_t)strlen(name) + 1);
	ck_assert_int_eq(write(fd, "\3\0", 2), 2);
	close(fd);
}

/* No kernel named and no minimal one: the distribution kernel the initrd's modules are for. */
START_TEST(kernel_follows_the_initrd)
{
	__attribute__((cleanup(vm_kernel_choice_done))) vm_kernel_choice kc = { 0 };
	char boot[300], vmlinuz[400], minimal[300], *rel = NULL;
	json_t *c;

	setup();
	snprintf(boot, sizeof(boot), "%s/boot", root);
	snprintf(minimal, sizeof(minimal), "%s/no-minimal", root);
	snprintf(vmlinuz, sizeof(vmlinuz), "%s/vmlinuz-6.1.0-99-test", boot);
	ck_assert_int_eq(mkdir(boot, 0755), 0);
	setenv("VOLT_BOOT_DIR", boot, 1);
	setenv("VOLT_MINIMAL_KERNEL", minimal, 1);

	gzip_named(initrd, "volt-modules=6.1.0-99-test");
	ck_assert_int_eq(vm_initrd_release(&rel, initrd), 0);
	ck_assert_str_eq(rel, "6.1.0-99-test");
	free(rel);
	/* The kernel is gone (an upgrade): say which release and how to rebuild. */
	ck_assert_fails_with(vm_kernel_choose(&kc, NULL, initrd), ENOENT,
			     "carries the modules of kernel 6.1.0-99-test");
	ck_assert_fails_with(vm_kernel_choose(&kc, NULL, initrd), ENOENT, "mkinitrd.py --modules");
	sized_file(vmlinuz, 4096);
	ck_assert_int_eq(vm_kernel_choose(&kc, NULL, initrd), 0);
	ck_assert_str_eq(kc.source, "distribution");
	ck_assert_str_eq(kc.release, "6.1.0-99-test");
	ck_assert_str_eq(kc.path, vmlinuz);
	vm_kernel_choice_done(&kc);

	/* Before a boot: the record still matches the initrd. */
	c = json_pack("{s:s, s:s, s:s}", "kernel", vmlinuz, "initrd", initrd, "kernel_release", "6.1.0-99-test");
	ck_assert_int_eq(vm_kernel_check(c, "k"), 0);
	gzip_named(initrd, "volt-modules=6.2.0-1-test");
	ck_assert_fails_with(vm_kernel_check(c, "k"), ESTALE, "now carries the modules of kernel 6.2.0-1-test");
	gzip_named(initrd, NULL);
	ck_assert_fails_with(vm_kernel_check(c, "k"), ESTALE, "now carries no kernel modules");
	unlink(vmlinuz);
	ck_assert_fails_with(vm_kernel_check(c, "k"), ENOENT, "is gone");
	json_decref(c);

	/* An initrd without modules, a hostile name, and the minimal kernel first. */
	ck_assert_fails_with(vm_kernel_choose(&kc, NULL, initrd), ENOENT, "carries no kernel modules");
	gzip_named(initrd, "volt-modules=../../etc");
	ck_assert_fails_with(vm_kernel_choose(&kc, NULL, initrd), EBADMSG, "not one");
	gzip_named(initrd, "other-name");
	ck_assert_int_eq(vm_initrd_release(&rel, initrd), 0);
	ck_assert_ptr_null(rel);
	sized_file(minimal, 4096);
	ck_assert_int_eq(vm_kernel_choose(&kc, NULL, initrd), 0);
	ck_assert_str_eq(kc.source, "minimal");
	ck_assert_ptr_null(kc.release);
	vm_kernel_choice_done(&kc);
	ck_assert_int_eq(vm_kernel_choose(&kc, kernel, initrd), 0);
	ck_assert_str_eq(kc.source, "option");
	unsetenv("VOLT_BOOT_DIR");
	unsetenv("VOLT_MINIMAL_KERNEL");
	teardown();
}
END_TEST

START_TEST(create_writes_the_record)
{
	static const char *const argv[] = { "/bin/echo", "hello", NULL };
	static const char *const env[] = { "A=1", NULL };
	volt_vm *vm = NULL;
	volt_vm_spec spec = VOLT_VM_SPEC_INIT;
	vm_record rec = {};
	const json_t *c;
	const char *cmdline;

	if (!getenv("VOLT_IMAGES_DIR") || getuid() != 0 ||
	    (access("/usr/sbin/mkfs.ext4", X_OK) < 0 && access("/sbin/mkfs.ext4", X_OK) < 0)) {
		puts("create_writes_the_record: needs root, mkfs.ext4 and VOLT_IMAGES_DIR (the built-in image): not run");
		return;
	}
	setup();
	ck_assert_int_eq(volt_vm_open(&vm, root), 0);
	spec.image = "busybox";
	spec.kernel = kernel;
	spec.argv = argv;
	spec.env = env;
	spec.memory_bytes = 96 * MIB;
	spec.cpus = 2;
	spec.workdir = "/tmp";
	spec.user = "1000";
	ck_assert_int_eq(volt_vm_create(vm, "rec", &spec), 0);

	ck_assert_int_eq(vm_record_load(&rec, vm, "rec"), 0);
	c = rec.config;
	ck_assert_int_eq(json_integer_value(json_object_get(c, "version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(c, "name")), "rec");
	ck_assert_str_eq(json_string_value(json_object_get(c, "image")), "busybox");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "memory_bytes")), (json_int_t)(96 * MIB));
	ck_assert_int_eq(json_integer_value(json_object_get(c, "cpus")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(c, "network")), "none");
	ck_assert_str_eq(json_string_value(json_object_get(c, "kernel")), kernel);
	ck_assert_str_eq(json_string_value(json_object_get(c, "kernel_source")), "option");
	ck_assert_str_eq(json_string_value(json_object_get(c, "initrd")), initrd);
	ck_assert_str_eq(json_string_value(json_object_get(c, "workdir")), "/tmp");
	ck_assert_str_eq(json_string_value(json_object_get(c, "user")), "1000");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "argv"), 1)), "hello");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "env"), 0)), "A=1");
	ck_assert(strncmp(json_string_value(json_object_get(c, "disk_ref")), VM_DISK_REF_PREFIX,
			  strlen(VM_DISK_REF_PREFIX)) == 0);
	ck_assert_int_gt(json_integer_value(json_object_get(c, "disk_size")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(c, "created_ns")), 0);
	ck_assert_ptr_null(json_object_get(c, "tap"));
	cmdline = json_string_value(json_object_get(c, "cmdline"));
	ck_assert_ptr_nonnull(strstr(cmdline, "volt.hostname=rec"));
	ck_assert_ptr_nonnull(strstr(cmdline, "volt.cmd=L2Jpbi9lY2hvAGhlbGxvAA=="));
	vm_record_done(&rec);

	ck_assert_fails_with(volt_vm_create(vm, "rec", &spec), EEXIST, "already exists");
	ck_assert_int_eq(volt_vm_remove(vm, "rec", false), 0);
	ck_assert(!vm_dir_exists("rec"));
	volt_vm_close(vm);
	teardown();
}
END_TEST

START_TEST(run_in_the_foreground)
{
	volt_vm *vm = NULL;
	int status = -1;
	char path[400];

	setup();
	setenv("VOLT_VOLTVM", fake_voltvm, 1);
	ck_assert_int_eq(volt_vm_open(&vm, root), 0);
	plant_record("once", "busybox", 1, NULL);
	/* The stand-in plays a guest whose init reports status 4. */
	ck_assert_int_eq(volt_vm_run(&status, vm, "once"), 0);
	ck_assert_int_eq(status, 4);
	snprintf(path, sizeof(path), "%s/vms/once/run.pid", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_fails_with(volt_vm_run(&status, vm, "nosuch"), ENOENT, "no VM named 'nosuch'");
	ck_assert_int_eq(volt_vm_run(NULL, vm, "once"), -EINVAL);

	setenv("VOLT_VOLTVM", "/nonexistent/voltvm", 1);
	ck_assert_fails_with(volt_vm_run(&status, vm, "once"), ENOENT, "voltvm /nonexistent/voltvm");
	volt_vm_close(vm);
	unsetenv("VOLT_VOLTVM");
	teardown();
}
END_TEST

int main(int argc, char **argv)
{
	const TTest *tests[] = { open_wants_an_absolute_root, names_states_and_paths, records_read_back,
				 inspect_and_remove, create_refuses_bad_specs, kernel_follows_the_initrd,
				 create_writes_the_record,
				 run_in_the_foreground };
	Suite *s = suite_create("vm-machine");
	TCase *tc = tcase_create("vm-machine");
	SRunner *sr;
	int failed;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FAKE_VOLTVM\n", argv[0]);
		return 2;
	}
	fake_voltvm = argv[1];
	tcase_set_timeout(tc, 120);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		_tcase_add_test(tc, tests[i], 0, 0, 0, 1);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
