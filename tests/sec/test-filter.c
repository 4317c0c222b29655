/*
 * Seccomp filters against the real kernel. The children here keep all
 * of root's capabilities, so an EPERM can only come from the filter.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <linux/reboot.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <termios.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "filter-internal.h"
#include "sec-test.h"

static void load_default(volt_sec_action action)
{
	volt_sec_filter *f = NULL;

	if (volt_sec_filter_new_default(&f, action) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    volt_sec_filter_load(f, 0) < 0) {
		fprintf(stderr, "load: %s\n", volt_error_message());
		_exit(CHILD_SETUP);
	}
	volt_sec_filter_free(f);
}

static void child_dangerous_calls_get_eperm(void *arg)
{
	char dir[] = "/tmp/volt-mnt-XXXXXX";

	(void)arg;
	child_check(1, mkdtemp(dir) != NULL, "mkdtemp");
	load_default(VOLT_SEC_ACTION_ERRNO);
	errno = 0;
	child_check(2, mount("none", dir, "tmpfs", 0, NULL) < 0 && errno == EPERM, "mount: %m");
	child_check(3, ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 && errno == EPERM, "ptrace: %m");
	child_check(4, syscall(SYS_kexec_load, 0, 0, NULL, 0) < 0 && errno == EPERM, "kexec_load: %m");
	child_check(5, syscall(SYS_init_module, NULL, 0, "") < 0 && errno == EPERM, "init_module: %m");
	child_check(6, syscall(SYS_finit_module, -1, "", 0) < 0 && errno == EPERM, "finit_module: %m");
	child_check(7, unshare(CLONE_NEWUSER) < 0 && errno == EPERM, "unshare(CLONE_NEWUSER): %m");
	child_check(8, unshare(CLONE_NEWNS) < 0 && errno == EPERM, "unshare(CLONE_NEWNS): %m");
	child_check(9, syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM, "bpf: %m");
	child_check(10, syscall(SYS_umount2, dir, 0) < 0 && errno == EPERM, "umount2: %m");
	child_check(11, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL) < 0 &&
				errno == EPERM, "reboot: %m");
	child_check(12, syscall(SYS_open_by_handle_at, -1, NULL, 0) < 0 && errno == EPERM, "open_by_handle_at: %m");
	child_check(13, syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM, "keyctl: %m");
	child_check(14, syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS, "clone3: %m");
	/* What normal programs do still works, unshare without namespaces too. */
	child_check(20, getppid() > 0, "getppid");
	child_check(21, unshare(CLONE_FS) == 0, "unshare(CLONE_FS): %m");
	{
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		char c;

		child_check(22, fd >= 0 && read(fd, &c, 1) >= 0 && close(fd) == 0, "open/read/close: %m");
	}
	{
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(7);
		child_check(23, pid > 0 && waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7, "fork: %m");
	}
	rmdir(dir);
}

/* The argument guards: only the guarded values are refused, compared on the low 32 bits. */
static void child_argument_guards(void *arg)
{
	struct termios t;
	char c = 'x';
	int fd, sv[2];

	(void)arg;
	load_default(VOLT_SEC_ACTION_ERRNO);
	errno = 0;
	child_check(1, ioctl(0, TIOCSTI, &c) < 0 && errno == EPERM, "TIOCSTI: %m");
	child_check(2, syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c) < 0 && errno == EPERM,
		    "TIOCSTI with high bits: %m");
	child_check(3, syscall(SYS_ioctl, 0, TIOCLINUX, &c) < 0 && errno == EPERM, "TIOCLINUX: %m");
	/* Neighbours of the guarded requests reach the kernel (ENOTTY on a pipe is its answer). */
	child_check(4, pipe(sv) == 0, "pipe: %m");
	child_check(5, ioctl(sv[0], TCGETS, &t) < 0 && errno == ENOTTY, "TCGETS: %m");
	child_check(6, ioctl(sv[0], 0x5413 /* TIOCGWINSZ */, &t) < 0 && errno == ENOTTY, "TIOCGWINSZ: %m");
	child_check(7, ioctl(sv[0], FIONREAD, &fd) == 0, "FIONREAD: %m");
	child_check(8, socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) < 0 && errno == EPERM, "AF_VSOCK: %m");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	child_check(9, fd >= 0, "AF_UNIX: %m");
	close(fd);
	child_check(10, syscall(SYS_execveat, AT_FDCWD, "", NULL, NULL, AT_EMPTY_PATH) < 0 && errno == EPERM,
		    "execveat(AT_EMPTY_PATH): %m");
	/* Without AT_EMPTY_PATH execveat reaches the kernel: ENOENT for a missing file. */
	child_check(11, syscall(SYS_execveat, AT_FDCWD, "/nonexistent", NULL, NULL, 0) < 0 && errno == ENOENT,
		    "execveat: %m");
	child_check(12, memfd_create("x", MFD_CLOEXEC) < 0 && errno == ENOSYS, "memfd_create: %m");
	fd = memfd_create("x", MFD_CLOEXEC | 0x0008 /* MFD_NOEXEC_SEAL */);
	child_check(13, fd >= 0 || errno == EINVAL, "memfd_create(MFD_NOEXEC_SEAL): %m");
}

START_TEST(test_default_profile_guards_arguments)
{
	assert_exited_ok(run_child(child_argument_guards, NULL));
}
END_TEST

START_TEST(test_default_profile_denies_with_eperm)
{
	assert_exited_ok(run_child(child_dangerous_calls_get_eperm, NULL));
}
END_TEST

static void child_kill_action(void *arg)
{
	(void)arg;
	load_default(VOLT_SEC_ACTION_KILL);
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	_exit(1);
}

START_TEST(test_kill_action_kills_with_sigsys)
{
	assert_killed_by(run_child(child_kill_action, NULL), SIGSYS);
}
END_TEST

static void child_int80(void *arg)
{
	long ret = 20; /* i386 getpid */

	(void)arg;
	load_default(VOLT_SEC_ACTION_ERRNO);
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	_exit(1);
}

START_TEST(test_i386_abi_is_killed)
{
	assert_killed_by(run_child(child_int80, NULL), SIGSYS);
}
END_TEST

static void child_x32(void *arg)
{
	(void)arg;
	load_default(VOLT_SEC_ACTION_ERRNO);
	syscall(0x40000000 | SYS_getpid);
	_exit(1);
}

START_TEST(test_x32_abi_is_killed)
{
	assert_killed_by(run_child(child_x32, NULL), SIGSYS);
}
END_TEST

/* A VMM-like allow list: a few calls and two ioctl requests. */
static void child_custom_list(void *arg)
{
	volt_sec_filter *f = NULL;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC), n;
	struct termios t;

	(void)arg;
	if (fd < 0 || volt_sec_filter_new(&f, VOLT_SEC_ACTION_ERRNO) < 0 ||
	    volt_sec_filter_allow(f, "write") < 0 || volt_sec_filter_allow(f, "exit_group") < 0 ||
	    volt_sec_filter_allow(f, "getppid") < 0 || volt_sec_filter_allow_ioctl(f, FIONREAD) < 0 ||
	    volt_sec_filter_allow_ioctl(f, FIONBIO) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    volt_sec_filter_load(f, 0) < 0)
		_exit(CHILD_SETUP);
	child_check(1, getppid() > 0, "getppid");
	child_check(2, syscall(SYS_getpid) < 0 && errno == EPERM, "getpid should be denied");
	/* /dev/null answers FIONREAD with ENOTTY: the kernel saw it, the filter let it by. */
	child_check(3, ioctl(fd, FIONREAD, &n) < 0 && errno == ENOTTY, "FIONREAD: %m");
	child_check(4, ioctl(fd, TCGETS, &t) < 0 && errno == EPERM, "TCGETS should be denied: %m");
	child_check(5, syscall(SYS_ioctl, fd, (unsigned long)FIONREAD | 0xdead00000000UL, &n) < 0 && errno == ENOTTY,
		    "upper bits of the request are ignored, as the kernel does: %m");
	syscall(SYS_exit_group, 0);
}

START_TEST(test_custom_allow_list_with_ioctls)
{
	assert_exited_ok(run_child(child_custom_list, NULL));
}
END_TEST

START_TEST(test_allow_deny_and_names)
{
	volt_sec_filter *f = NULL;

	ck_assert_int_eq(volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO), 0);
	ck_assert(volt_sec_filter_allows(f, "read"));
	ck_assert(volt_sec_filter_allows(f, "clone"));
	ck_assert(!volt_sec_filter_allows(f, "mount"));
	ck_assert(!volt_sec_filter_allows(f, "ptrace"));
	ck_assert(!volt_sec_filter_allows(f, "no_such_call"));
	ck_assert_uint_ge(filter_count_allowed(f), 250);
	ck_assert_int_eq(volt_sec_filter_deny(f, "read"), 0);
	ck_assert(!volt_sec_filter_allows(f, "read"));
	ck_assert_int_eq(volt_sec_filter_allow(f, "mount"), 0);
	ck_assert(volt_sec_filter_allows(f, "mount"));
	ck_assert_int_eq(volt_sec_filter_allow(f, "bogus"), -EINVAL);
	ck_assert_msg(strstr(volt_error_message(), "bogus"), "%s", volt_error_message());
	ck_assert_int_eq(volt_sec_filter_new(&f, (volt_sec_action)7), -EINVAL);
	volt_sec_filter_free(f);
	ck_assert_ptr_null(volt_sec_filter_free(NULL));
}
END_TEST

static void child_load_compiled(void *arg)
{
	volt_sec_filter *f = NULL;
	void *bpf = NULL;
	size_t len = 0;

	(void)arg;
	if (volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO) < 0 || volt_sec_filter_compile(&bpf, &len, f) < 0)
		_exit(CHILD_SETUP);
	child_check(1, volt_sec_bpf_load(bpf, 7, 0) == -EINVAL, "odd length");
	child_check(2, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "nnp");
	child_check(3, volt_sec_bpf_load(bpf, len, 0) == 0, "%s", volt_error_message());
	child_check(4, mount("none", "/", "tmpfs", MS_REMOUNT, NULL) < 0 && errno == EPERM, "mount: %m");
	_exit(0);
}

START_TEST(test_compiled_program_loads)
{
	volt_sec_filter *f = NULL;
	void *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	ck_assert_int_eq(volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO), 0);
	ck_assert_int_eq(volt_sec_filter_compile(&a, &la, f), 0);
	ck_assert_int_eq(volt_sec_filter_compile(&b, &lb, f), 0);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) == 0);
	ck_assert_uint_eq(la % 8, 0);
	free(a);
	free(b);
	volt_sec_filter_free(f);
	assert_exited_ok(run_child(child_load_compiled, NULL));
}
END_TEST

static int thread_result = -1;
static volatile int go;

static void *other_thread(void *arg)
{
	(void)arg;
	while (!go)
		sched_yield();
	/* bpf(-1) is EINVAL unfiltered, EPERM under the default profile. */
	thread_result = syscall(SYS_bpf, -1, NULL, 0) < 0 ? errno : 0;
	return NULL;
}

/* The VMM sandboxes itself with threads already running: TSYNC covers them. */
static void child_tsync(void *arg)
{
	volt_sec_filter *f = NULL;
	pthread_t t;

	(void)arg;
	if (pthread_create(&t, NULL, other_thread, NULL) != 0 || volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || volt_sec_filter_load(f, VOLT_SEC_LOAD_TSYNC) < 0)
		_exit(CHILD_SETUP);
	go = 1;
	pthread_join(t, NULL);
	child_check(1, thread_result == EPERM, "bpf from the other thread: errno %d", thread_result);
	volt_sec_filter_free(f);
}

START_TEST(test_tsync_covers_other_threads)
{
	assert_exited_ok(run_child(child_tsync, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sec-filter");
	TCase *tc = tcase_create("filter");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_default_profile_denies_with_eperm);
	tcase_add_test(tc, test_default_profile_guards_arguments);
	tcase_add_test(tc, test_kill_action_kills_with_sigsys);
	tcase_add_test(tc, test_i386_abi_is_killed);
	tcase_add_test(tc, test_x32_abi_is_killed);
	tcase_add_test(tc, test_custom_allow_list_with_ioctls);
	tcase_add_test(tc, test_allow_deny_and_names);
	tcase_add_test(tc, test_compiled_program_loads);
	tcase_add_test(tc, test_tsync_covers_other_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
