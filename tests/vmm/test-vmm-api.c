/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/vmm.h>

#include "check-main.h"
#include "test-helpers.h"

/* A PVH guest whose code (at the entry) writes "ok\n" to the UART and resets. */
static char *write_guest(char *path, size_t path_size)
{
	static const uint8_t code[] = {
		0xba, 0xf8, 0x03, 0x00, 0x00,   /* mov edx, 0x3f8 */
		0xb0, 'o', 0xee, 0xb0, 'k', 0xee, 0xb0, '\n', 0xee,
		0xb0, 0xfe, 0xe6, 0x64,         /* out 0x64, 0xfe */
		0xf4, 0xeb, 0xfd,               /* hlt; jmp hlt */
	};
	size_t size;
	uint8_t *img = test_elf(64, &size);
	int fd;

	memcpy(img + TEST_ELF_LOAD_OFF + (TEST_ELF_ENTRY - TEST_ELF_PADDR), code, sizeof(code));
	snprintf(path, path_size, "/tmp/test-vmm-api-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, size), (ssize_t)size);
	close(fd);
	free(img);
	return path;
}

START_TEST(config_is_checked)
{
	volt_vmm_config c = VOLT_VMM_CONFIG_INIT;
	volt_vmm *vm = NULL;

	ck_assert_int_eq(volt_vmm_new(&vm, &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "no kernel"));
	c.kernel_path = "/nonexistent";
	c.version = 99;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "version 99"));
	/* Versions 1 to current are accepted (libgit2's rule); 0 is no version at all. */
	c.version = 0;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "version 0 is not supported (1 to"));
	c.version = VOLT_VMM_CONFIG_VERSION;
	c.cpus = VOLT_VMM_MAX_CPUS + 1;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), -EINVAL);
	c.cpus = 1;
	c.flags = 0x80;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), -EINVAL);
	c.flags = VOLT_VMM_FLAG_NO_KVM;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), -ENOENT);
	ck_assert_int_eq(volt_vmm_new(NULL, &c), -EINVAL);
	ck_assert_int_eq(volt_vmm_new(&vm, NULL), -EINVAL);
	ck_assert_ptr_null(vm);
	ck_assert_ptr_null(volt_vmm_free(NULL));
}
END_TEST

START_TEST(no_kvm_vm_loads_and_refuses_to_run)
{
	char path[64];
	volt_vmm_config c = VOLT_VMM_CONFIG_INIT;
	volt_vmm_stats st = VOLT_VMM_STATS_INIT;
	volt_vmm *vm = NULL;

	c.kernel_path = write_guest(path, sizeof(path));
	c.flags = VOLT_VMM_FLAG_NO_KVM;
	c.memory_bytes = 32ULL << 20;
	c.cpus = 2;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), 0);
	ck_assert_int_eq(volt_vmm_run(vm), -ENODEV);
	ck_assert_int_eq(volt_vmm_exit_reason(vm), VOLT_VMM_EXIT_NONE);
	ck_assert_int_eq(volt_vmm_get_stats(&st, vm), 0);
	ck_assert_uint_eq(st.guest_memory_bytes, 32ULL << 20);
	ck_assert_uint_gt(st.guest_resident_bytes, 0);
	ck_assert_uint_ge(st.process_rss_bytes, st.guest_resident_bytes);
	ck_assert_uint_eq(st.new_to_first_run_ns, 0);
	st.version = 7;
	ck_assert_int_eq(volt_vmm_get_stats(&st, vm), -EINVAL);
	st.version = 0;
	ck_assert_int_eq(volt_vmm_get_stats(&st, vm), -EINVAL);
	ck_assert_ptr_null(volt_vmm_free(vm));
	unlink(path);
}
END_TEST

struct hook_state {
	int calls;
	int result;
};

static int hook(volt_vmm *vm, void *userdata)
{
	struct hook_state *h = userdata;

	(void)vm;
	h->calls++;
	return h->result;
}

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

START_TEST(before_run_hook_runs_once_and_can_veto)
{
	char path[64];
	int pipefd[2];
	char out[16] = { 0 };
	struct hook_state h = { 0, -EPERM };
	volt_vmm_config c = VOLT_VMM_CONFIG_INIT;
	volt_vmm_stats st = VOLT_VMM_STATS_INIT;
	volt_vmm *vm = NULL;

	if (!kvm_usable()) {
		fprintf(stderr, "no usable /dev/kvm: hook test not run here (kvm-boot covers KVM)\n");
		return;
	}
	c.kernel_path = write_guest(path, sizeof(path));
	c.memory_bytes = 16ULL << 20;
	c.before_run = hook;
	/* The sandbox would outlive the run in this process; test-vmm-sandbox covers it. */
	c.flags = VOLT_VMM_FLAG_NO_SANDBOX;
	c.userdata = &h;
	ck_assert_int_eq(pipe(pipefd), 0);
	c.console_fd = pipefd[1];

	/* A failing hook stops the run before the guest executes anything. */
	ck_assert_int_eq(volt_vmm_new(&vm, &c), 0);
	ck_assert_int_eq(volt_vmm_run(vm), -EPERM);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(volt_vmm_run(vm), -EALREADY);
	vm = volt_vmm_free(vm);

	h.result = 0;
	ck_assert_int_eq(volt_vmm_new(&vm, &c), 0);
	ck_assert_int_eq(volt_vmm_run(vm), 0);
	ck_assert_int_eq(h.calls, 2);
	ck_assert_int_eq(volt_vmm_exit_reason(vm), VOLT_VMM_EXIT_RESET);
	ck_assert_int_eq(volt_vmm_get_stats(&st, vm), 0);
	ck_assert_uint_gt(st.new_to_first_run_ns, 0);
	ck_assert_uint_gt(st.first_run_boottime_ns, 0);
	ck_assert_int_eq(read(pipefd[0], out, sizeof(out) - 1), 3);
	ck_assert_str_eq(out, "ok\n");
	volt_vmm_free(vm);
	close(pipefd[0]);
	close(pipefd[1]);
	unlink(path);
}
END_TEST

CHECK_MAIN("vmm-api", config_is_checked, no_kvm_vm_loads_and_refuses_to_run,
	   before_run_hook_runs_once_and_can_veto)
