/*
 * What a sandboxed workload sees, reported through the exit status:
 *   sec-helper euid            exit 42 if the effective uid is 0, else 43
 *   sec-helper caps HEXMASK    exit 0 if CapEff, CapPrm, CapInh and CapAmb
 *                              all equal HEXMASK and CapBnd too, else 1
 *   sec-helper net BIND CONN   bind a TCP socket on 127.0.0.1:BIND, connect
 *                              one to 127.0.0.1:CONN; exit 0 if both work,
 *                              10 + errno of the bind, 100 + errno of the
 *                              connect otherwise
 *   sec-helper untraced FILE   try to start a child with clone(CLONE_UNTRACED)
 *                              that creates FILE; exit 0 if the child ran,
 *                              20 + errno if clone failed
 *   sec-helper clone3          try clone3(CLONE_UNTRACED); exit 0 if it
 *                              worked, 20 + errno if it failed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_caps(uint64_t want)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int ok = 0;

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f)) {
		uint64_t v;

		if (strncmp(line, "Cap", 3) != 0 || sscanf(line + 7, "%" SCNx64, &v) != 1)
			continue;
		if (v != want) {
			fprintf(stderr, "sec-helper: %s", line);
			fclose(f);
			return 1;
		}
		ok++;
	}
	fclose(f);
	return ok == 5 ? 0 : 2;
}

static int tcp(bool do_bind, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return errno;
	r = do_bind ? bind(fd, (struct sockaddr *)&a, sizeof(a)) : connect(fd, (struct sockaddr *)&a, sizeof(a));
	r = r < 0 ? errno : 0;
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "untraced") == 0) {
		long pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, NULL, NULL, 0);
		int status;

		if (pid == 0) {
			int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

			_exit(fd < 0);
		}
		if (pid < 0)
			return 20 + (errno > 100 ? 100 : errno);
		waitpid((pid_t)pid, &status, 0);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "clone3") == 0) {
		struct clone_args args = { .flags = CLONE_UNTRACED, .exit_signal = SIGCHLD };
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		int status;

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return 20 + (errno > 100 ? 100 : errno);
		waitpid((pid_t)pid, &status, 0);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "net") == 0) {
		int r = tcp(true, atoi(argv[2]));

		if (r)
			return 10 + (r > 80 ? 80 : r);
		r = tcp(false, atoi(argv[3]));
		return r ? 100 + (r > 150 ? 150 : r) : 0;
	}
	if (argc == 2 && strcmp(argv[1], "euid") == 0)
		return geteuid() == 0 ? 42 : 43;
	if (argc == 3 && strcmp(argv[1], "caps") == 0)
		return check_caps(strtoull(argv[2], NULL, 16));
	return 3;
}
