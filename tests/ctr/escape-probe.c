/*
 * Run inside a Volt container by the tests: try what a workload must
 * not be able to do, check what it must still be able to do, and print
 * one line per check. Exit status 0 when every check went as expected.
 *
 * Built statically: the test image holds no C library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

static int failures;

/* @r < 0 with errno in {want1, want2} is expected. */
static void denied(const char *what, long r, int want1, int want2)
{
	int e = errno;

	if (r < 0 && (e == want1 || e == want2)) {
		printf("denied  %-28s %s\n", what, strerror(e));
		return;
	}
	printf("FAIL    %-28s %s\n", what, r < 0 ? strerror(e) : "succeeded");
	failures++;
}

static void allowed(const char *what, long r)
{
	if (r >= 0) {
		printf("allowed %-28s\n", what);
		return;
	}
	printf("FAIL    %-28s %s\n", what, strerror(errno));
	failures++;
}

int main(int argc, char **argv)
{
	const char *host_path = argc > 1 ? argv[1] : "/nonexistent-host-path";
	char buf[256] = "";
	int fd;

	denied("mount tmpfs", mount("x", "/mnt", "tmpfs", 0, NULL), EPERM, EACCES);
	denied("ptrace attach pid 1", ptrace(PTRACE_ATTACH, 1, NULL, NULL), EPERM, EPERM);
	denied("raw packet socket", socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), EPERM, EACCES);
	denied("raw IP socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM, EACCES);
	denied("read an unbound host path", open(host_path, O_RDONLY), ENOENT, EACCES);
	denied("write outside fs_write", open("/usr/volt-escape", O_WRONLY | O_CREAT, 0644), EACCES, EROFS);
	denied("init_module", syscall(SYS_init_module, NULL, 0, ""), EPERM, EPERM);
	denied("finit_module", syscall(SYS_finit_module, -1, "", 0), EPERM, EPERM);
	denied("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM, EPERM);
	denied("unshare user namespace", unshare(CLONE_NEWUSER), EPERM, EPERM);
	denied("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x1234567, NULL), EPERM, EPERM);

	fd = open("/tmp/volt-probe", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	allowed("write /tmp", fd);
	if (fd >= 0)
		close(fd);
	allowed("read /etc/passwd", open("/etc/passwd", O_RDONLY));

	/* Root inside is an unprivileged uid outside. */
	fd = open("/proc/self/uid_map", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	{
		unsigned inside, outside, count;

		if (sscanf(buf, "%u %u %u", &inside, &outside, &count) == 3 && inside == 0 && outside >= 65536)
			printf("mapped  root inside is uid %u outside\n", outside);
		else {
			printf("FAIL    uid map is '%s'\n", buf);
			failures++;
		}
	}
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
