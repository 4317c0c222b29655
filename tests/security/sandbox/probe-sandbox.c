/*
 * The attacker inside `volt sandbox run` (and inside containers): each
 * subcommand tries one way out and prints what the kernel answered, one
 * line per attempt, "NAME: ok" or "NAME: denied (ERRNO)". The test
 * scripts read those lines; the probe itself never decides.
 *
 *   tiocsti MARK       TIOCSTI of MARK on every open terminal fd and /dev/tty
 *   tiocsti-own        TIOCSTI and TIOCLINUX on a pty pair the probe opened itself
 *   syscalls           unshare(CLONE_NEWUSER), keyctl, io_uring_setup
 *   vsock              socket(AF_VSOCK)
 *   memfd-exec         an ELF copied into a memfd, run by execveat(AT_EMPTY_PATH)
 *                      and by execve("/proc/self/fd/N")
 *   connect PATH       connect() to a unix socket
 *   chmod PATH         chmod(PATH, 04777)
 *   ids                uid_map and the ids the kernel gives the probe
 *   read PATH...       open(O_RDONLY) each PATH
 *   write PATH...      open(O_WRONLY) each PATH
 *   executed           prints "executed" (what a successful exec runs)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

static void report(const char *what, long rc)
{
	if (rc >= 0)
		printf("%s: ok\n", what);
	else
		printf("%s: denied (%s)\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	fflush(stdout);
}

static int tiocsti(const char *mark)
{
	char what[128];

	for (int fd = 0; fd < 256; fd++) {
		struct stat st;

		if (!isatty(fd) || fstat(fd, &st) < 0)
			continue;
		for (const char *c = mark; *c; c++) {
			long rc = ioctl(fd, TIOCSTI, c);

			if (rc < 0 || !c[1]) {
				snprintf(what, sizeof(what), "tiocsti fd %d rdev %u:%u", fd, major(st.st_rdev),
					 minor(st.st_rdev));
				report(what, rc);
				break;
			}
		}
	}
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0) {
		report("open /dev/tty", -1);
		return 0;
	}
	long rc = 0;
	for (const char *c = mark; *c && rc == 0; c++)
		rc = ioctl(fd, TIOCSTI, c);
	report("tiocsti /dev/tty", rc);
	return 0;
}

static int tiocsti_own_child(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave = -1;
	char c = 'x', linux_arg[2] = { 12, 0 }; /* TIOCL_GETFGCONSOLE */

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		report("open a pty pair", -1);
		return 1;
	}
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0) {
		report("open the pty's slave", -1);
		return 1;
	}
	/* Its controlling terminal in a new session: then the tty layer itself allows TIOCSTI. */
	if (setsid() < 0)
		report("setsid", -1);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		report("make it the controlling terminal", -1);
	report("tiocsti own pty", ioctl(slave, TIOCSTI, &c));
	/* The kernel reads the request as an unsigned int: high bits must not get past the filter. */
	report("tiocsti own pty high bits", syscall(SYS_ioctl, slave, 0x100000000UL | TIOCSTI, &c));
	report("tioclinux", ioctl(slave, TIOCLINUX, linux_arg));
	report("tcgets (allowed)", ioctl(slave, TCGETS, &(struct termios){ 0 }));
	return 0;
}

static int tiocsti_own(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(tiocsti_own_child());
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		printf("tiocsti own pty: killed by signal %d\n", WTERMSIG(status));
	return 0;
}

static int syscalls(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
	int status = 0;
	waitpid(pid, &status, 0);
	errno = WEXITSTATUS(status);
	report("unshare(CLONE_NEWUSER)", WEXITSTATUS(status) == 0 ? 0 : -1);
	/* KEYCTL_GET_KEYRING_ID of the session keyring */
	report("keyctl", syscall(SYS_keyctl, 0, -3, 0));
	char params[120] = { 0 };
	long fd = syscall(SYS_io_uring_setup, 1, params);
	report("io_uring_setup", fd);
	return 0;
}

static int vsock(void)
{
	report("socket(AF_VSOCK)", socket(AF_VSOCK, SOCK_STREAM, 0));
	report("socket(AF_VSOCK | 1<<32)", syscall(SYS_socket, 0x100000000L | AF_VSOCK, SOCK_STREAM, 0));
	report("socket(AF_UNIX) (allowed)", socket(AF_UNIX, SOCK_STREAM, 0));
	return 0;
}

/* An executable memfd holding a copy of this program; -1 when none can be made. */
static int memfd_copy(void)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), fd;
	ssize_t n;

	fd = memfd_create("probe", 0);
	report("memfd_create", fd);
	if (fd < 0) {
		fd = memfd_create("probe", MFD_NOEXEC_SEAL);
		report("memfd_create(MFD_NOEXEC_SEAL)", fd);
	}
	if (fd < 0 || in < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return -1;
	close(in);
	return fd;
}

static int memfd_exec(void)
{
	static char *const args[] = { "probe", "executed", NULL };
	char path[64];
	int fd = memfd_copy(), status = 0;
	pid_t pid;

	if (fd < 0) {
		printf("execveat(memfd, AT_EMPTY_PATH): denied (no memfd)\n");
		printf("execve(/proc/self/fd/N): denied (no memfd)\n");
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
		report("execveat(memfd, AT_EMPTY_PATH)", -1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pid = fork();
	if (pid == 0) {
		execve(path, args, environ);
		report("execve(/proc/self/fd/N)", -1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return 0;
}

static int do_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	report("connect", fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	return 0;
}

static int ids(void)
{
	char buf[256];
	int fd = open("/proc/self/uid_map", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = 0;
		printf("uid_map: %s", buf);
	}
	printf("uid: %u euid: %u\n", (unsigned)getuid(), (unsigned)geteuid());
	return 0;
}

static int open_each(int flags, const char *label, int argc, char **argv)
{
	char what[512];

	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], flags | O_NOCTTY);

		snprintf(what, sizeof(what), "%s %s", label, argv[i]);
		report(what, fd);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "executed") == 0) {
		printf("executed\n");
		return 0;
	}
	if (strcmp(cmd, "tiocsti") == 0 && argc == 3)
		return tiocsti(argv[2]);
	if (strcmp(cmd, "tiocsti-own") == 0)
		return tiocsti_own();
	if (strcmp(cmd, "syscalls") == 0)
		return syscalls();
	if (strcmp(cmd, "vsock") == 0)
		return vsock();
	if (strcmp(cmd, "memfd-exec") == 0)
		return memfd_exec();
	if (strcmp(cmd, "connect") == 0 && argc == 3)
		return do_connect(argv[2]);
	if (strcmp(cmd, "chmod") == 0 && argc == 3) {
		report("chmod 04777", chmod(argv[2], 04777));
		return 0;
	}
	if (strcmp(cmd, "ids") == 0)
		return ids();
	if (strcmp(cmd, "read") == 0)
		return open_each(O_RDONLY, "read", argc - 2, argv + 2);
	if (strcmp(cmd, "write") == 0)
		return open_each(O_WRONLY, "write", argc - 2, argv + 2);
	fprintf(stderr, "usage: probe-sandbox tiocsti MARK | tiocsti-own | syscalls | vsock | memfd-exec | "
			"connect PATH | chmod PATH | ids | read PATH... | write PATH...\n");
	return 2;
}
