/*
 * The VMM's sandbox: its seccomp filter, loaded in a forked child, denies
 * what the run loop does not need and lets through what it does; a real
 * run (where /dev/kvm works) leaves the process with seccomp, no_new_privs
 * and no capabilities, and the stats still readable. The children end
 * with _exit(): LeakSanitizer cannot run under a filter that denies ptrace.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <volt/core/error.h>
#include <volt/sec.h>
#include <volt/vmm.h>

#include "check-main.h"
#include "guest-memory.h"
#include "sandbox.h"
#include "test-helpers.h"

/* Problems found in the child, one line each, sent to the parent through a pipe. */
static int report_fd = -1;
static int problems;

static void problem(const char *what, long got, int err, const char *expected)
{
	problems++;
	if (dprintf(report_fd, "%s: got %ld (%s), expected %s\n", what, got, strerror(err), expected) < 0)
		problems++;
}

static void expect_denied(const char *what, long r, int err, int want)
{
	if (r != -1 || err != want)
		problem(what, r, err, strerror(want));
}

static void expect_allowed(const char *what, long r, int err)
{
	if (r < 0)
		problem(what, r, err, "success");
}

static void *thread_main(void *arg)
{
	return arg;
}

/*
 * What the device I/O thread does, from a thread started after the filter
 * (as the I/O thread is): its syscalls reach the kernel, others do not.
 */
static int io_epoll_fd = -1;  /* made before the filter, as the VMM makes its own */

static void *io_thread_main(void *arg)
{
	int *pipefd = arg, ep = io_epoll_fd, n = 0;
	struct epoll_event ev;
	struct iovec iov = { &n, 1 };
	long r;

	r = syscall(SYS_epoll_wait, ep, &ev, 1, 0);
	expect_allowed("epoll_wait in a thread started later", r, errno);
	r = syscall(SYS_epoll_pwait, ep, &ev, 1, 0, NULL, 8);
	expect_allowed("epoll_pwait in a thread started later", r, errno);
	/* the TAP leaves and rejoins the epoll set as rx buffers run out and come back */
	ev = (struct epoll_event){ .events = EPOLLIN };
	r = syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pipefd[0], &ev);
	expect_allowed("epoll_ctl in a thread started later", r, errno);
	r = write(pipefd[1], "yz", 2);
	expect_allowed("write", r, errno);
	r = readv(pipefd[0], &iov, 1);
	expect_allowed("readv in a thread started later", r, errno);
	r = syscall(SYS_pread64, pipefd[0], &n, 1, 0);
	expect_denied("pread64 on a pipe (reaches the kernel)", r, errno, ESPIPE);
	r = syscall(SYS_pwrite64, pipefd[1], &n, 1, 0);
	expect_denied("pwrite64 on a pipe (reaches the kernel)", r, errno, ESPIPE);
	r = syscall(SYS_preadv, pipefd[0], &iov, 1, 0, 0);
	expect_denied("preadv on a pipe (reaches the kernel)", r, errno, ESPIPE);
	r = syscall(SYS_pwritev, pipefd[1], &iov, 1, 0, 0);
	expect_denied("pwritev on a pipe (reaches the kernel)", r, errno, ESPIPE);
	r = syscall(SYS_fdatasync, pipefd[0]);
	expect_denied("fdatasync on a pipe (reaches the kernel)", r, errno, EINVAL);
	r = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_CLOEXEC);
	expect_denied("openat in a thread started later", r, errno, EPERM);
	r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	expect_denied("socket in a thread started later", r, errno, EPERM);
	return NULL;
}

/* Fork; the child runs @body with report_fd set and exits with the number of problems. */
static void run_in_child(void (*body)(void))
{
	int fds[2], status;
	char buf[4096] = { 0 };
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		body();
		_exit(problems > 100 ? 100 : problems);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (n > 0)
		fprintf(stderr, "%s", buf);
	ck_assert_msg(WIFEXITED(status), "child died (signal %d)", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%d problem(s) in the sandboxed child:\n%s", WEXITSTATUS(status), buf);
}

START_TEST(filter_lists_exactly_the_run_loop_syscalls)
{
	volt_sec_filter *f = NULL;

	ck_assert_int_eq(vmm_sandbox_filter(&f, false), 0);
	for (const char *const *p = vmm_sandbox_syscalls; *p; p++)
		ck_assert_msg(volt_sec_filter_allows(f, *p), "%s is listed but not allowed", *p);
	for (const char *const *p = (const char *const[]){ "openat", "open", "execve", "execveat", "socket",
							   "connect", "ptrace", "unshare", "setns", "mount",
							   "bpf", "prctl", "kill", "memfd_create", NULL };
	     *p; p++)
		ck_assert_msg(!volt_sec_filter_allows(f, *p), "%s is allowed", *p);
	volt_sec_filter_free(f);
}
END_TEST

static void filter_child(void)
{
	volt_sec_filter *f = NULL;
	pthread_t t;
	void *ret = NULL;
	int pipefd[2], n, e;
	long r;
	char *const argv[] = { (char *)"/bin/true", NULL };

	io_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (io_epoll_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    vmm_sandbox_filter(&f, false) < 0 || volt_sec_filter_load(f, VOLT_SEC_LOAD_TSYNC) < 0) {
		problem("set-up", -1, errno, "success");
		return;
	}
	volt_sec_filter_free(f);

	/* Outside the list: EPERM (clone3 ENOSYS, so that the C library falls back to clone). */
	r = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_CLOEXEC);
	expect_denied("openat", r, errno, EPERM);
	r = syscall(SYS_execve, "/bin/true", argv, argv + 1);
	expect_denied("execve", r, errno, EPERM);
	r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	expect_denied("socket", r, errno, EPERM);
	r = syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
	expect_denied("ptrace", r, errno, EPERM);
	r = syscall(SYS_unshare, CLONE_NEWUSER);
	expect_denied("unshare", r, errno, EPERM);
	r = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
	expect_denied("clone with CLONE_NEWUSER", r, errno, EPERM);
	r = syscall(SYS_clone3, NULL, 0);
	expect_denied("clone3", r, errno, ENOSYS);
	r = syscall(SYS_ioctl, pipefd[0], FIONREAD, &n);
	expect_denied("ioctl FIONREAD (not a run-loop request)", r, errno, EPERM);
	r = syscall(SYS_kill, getpid(), 0);
	expect_denied("kill", r, errno, EPERM);

	/* On the list: they reach the kernel. */
	r = syscall(SYS_ioctl, -1, KVM_RUN, 0);
	expect_denied("ioctl KVM_RUN on a bad fd (reaches the kernel)", r, errno, EBADF);
	r = syscall(SYS_ioctl, -1, KVM_IRQ_LINE, 0);
	expect_denied("ioctl KVM_IRQ_LINE on a bad fd (reaches the kernel)", r, errno, EBADF);
	r = write(pipefd[1], "x", 1);
	expect_allowed("write", r, errno);
	r = read(pipefd[0], &n, 1);
	expect_allowed("read", r, errno);
	e = pthread_create(&t, NULL, thread_main, &n);
	expect_allowed("pthread_create", e ? -1 : 0, e);
	if (!e) {
		e = pthread_join(t, &ret);
		expect_allowed("pthread_join", e ? -1 : 0, e);
	}
	r = syscall(SYS_getpid);
	expect_allowed("getpid", r, errno);

	/* A device thread starts after the sandbox and runs under the same filter. */
	e = pthread_create(&t, NULL, io_thread_main, pipefd);
	expect_allowed("pthread_create of a device thread", e ? -1 : 0, e);
	if (!e)
		pthread_join(t, NULL);
}

/* With a Stellarium disk, openat reaches the kernel (Landlock confines it then). */
static void store_filter_child(void)
{
	volt_sec_filter *f = NULL;
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || vmm_sandbox_filter(&f, true) < 0 ||
	    volt_sec_filter_load(f, VOLT_SEC_LOAD_TSYNC) < 0) {
		problem("set-up", -1, errno, "success");
		return;
	}
	volt_sec_filter_free(f);
	r = syscall(SYS_openat, AT_FDCWD, "/nonexistent-volt-test", O_RDONLY | O_CLOEXEC);
	expect_denied("openat with store reads (reaches the kernel)", r, errno, ENOENT);
	r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	expect_denied("socket with store reads", r, errno, EPERM);
}

START_TEST(filter_with_store_reads_allows_openat_only)
{
	run_in_child(store_filter_child);
}
END_TEST

START_TEST(filter_denies_the_rest_and_allows_the_run_loop)
{
	run_in_child(filter_child);
}
END_TEST

/* A PVH guest whose code writes "ok\n" to the UART and resets. */
static void write_guest(char *path, size_t path_size)
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
	snprintf(path, path_size, "/tmp/test-vmm-sandbox-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, size), (ssize_t)size);
	close(fd);
	free(img);
}

static char guest_path[64];
static char disk_path[64];

static void run_child(void)
{
	volt_vmm_config c = VOLT_VMM_CONFIG_INIT;
	volt_vmm_stats st = VOLT_VMM_STATS_INIT;
	volt_vmm *vm = NULL;
	int pipefd[2], status_fd, r;
	char line[128], out[8] = { 0 };
	bool seccomp = false, nnp = false, nocaps = false;
	FILE *f;

	status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (status_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		problem("set-up", -1, errno, "success");
		return;
	}
	c.kernel_path = guest_path;
	c.memory_bytes = 16ULL << 20;
	c.console_fd = pipefd[1];
	/* A disk: its I/O thread starts after the sandbox and must run under it. */
	volt_vmm_disk_options disk = VOLT_VMM_DISK_OPTIONS_INIT;
	disk.path = disk_path;
	if (volt_vmm_new(&vm, &c) < 0 || volt_vmm_add_disk(vm, &disk) < 0 || volt_vmm_run(vm) < 0) {
		problem(volt_error_message(), -1, errno, "a clean run");
		return;
	}
	if (read(pipefd[0], out, 3) != 3 || strcmp(out, "ok\n") != 0)
		problem("guest output", -1, errno, "\"ok\"");
	/* The stats read /proc through descriptors opened before the sandbox. */
	if (volt_vmm_get_stats(&st, vm) < 0 || st.process_rss_bytes == 0)
		problem("stats under the sandbox", -1, errno, "success");
	f = proc_file_reopen(status_fd, "/proc/self/status");
	while (f && fgets(line, sizeof(line), f)) {
		seccomp |= strcmp(line, "Seccomp:\t2\n") == 0;
		nnp |= strcmp(line, "NoNewPrivs:\t1\n") == 0;
		nocaps |= strcmp(line, "CapEff:\t0000000000000000\n") == 0;
	}
	if (!f || !seccomp || !nnp || !nocaps)
		problem("/proc/self/status after the run (seccomp*100 + nnp*10 + nocaps)",
			(long)seccomp * 100 + nnp * 10 + nocaps, 0, "111");
	r = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	expect_denied("open after the run", r, errno, EPERM);
	/* No cleanup: the child ends here. */
}

START_TEST(a_real_run_is_sandboxed)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "no usable /dev/kvm: real-run check not done here (kvm-boot covers it)\n");
		return;
	}
	close(fd);
	write_guest(guest_path, sizeof(guest_path));
	snprintf(disk_path, sizeof(disk_path), "/tmp/test-vmm-sandbox-disk-XXXXXX");
	fd = mkstemp(disk_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	run_in_child(run_child);
	unlink(guest_path);
	unlink(disk_path);
}
END_TEST

CHECK_MAIN("vmm-sandbox", filter_lists_exactly_the_run_loop_syscalls,
	   filter_denies_the_rest_and_allows_the_run_loop, filter_with_store_reads_allows_openat_only,
	   a_real_run_is_sandboxed)
