/*
 * syscall-probe: try every native syscall number once and print what
 * the kernel (or a seccomp filter) answered, one line each:
 *   NR denied-eperm | denied-enosys | denied-sigsys | ran
 * Each try runs in a child of its own, with every argument -1 (an
 * invalid descriptor, length, flag set and pointer: the kernel rejects
 * the call before it does anything); a filter answers before the
 * kernel looks at arguments at all. "ran" means the call reached the
 * kernel: it returned another error or success, or ended the child
 * (exit, rt_sigreturn), or blocked (pause, sigsuspend: killed after a
 * moment).
 *
 *   syscall-probe [FIRST LAST]      (default 0 511: native numbers)
 *   syscall-probe --x32 FIRST LAST  (the x32 ABI: numbers with bit 30 set)
 *   syscall-probe --i386 FIRST LAST (the i386 ABI, through int 0x80)
 * Lines are then "x32:NR ..." or "i386:NR ...".
 *   syscall-probe --seccomp-filters (prints Seccomp_filters of itself)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { R_EPERM = 10, R_ENOSYS = 11, R_OTHER = 12 };

/* An i386 syscall through int 0x80, every argument -1. */
static long int80(long nr)
{
#if defined(__x86_64__)
	long r;

	__asm__ volatile("push %%rbp\n\tmov $-1, %%ebp\n\tint $0x80\n\tpop %%rbp"
			 : "=a"(r)
			 : "a"(nr), "b"(-1L), "c"(-1L), "d"(-1L), "S"(-1L), "D"(-1L)
			 : "memory", "r8", "r9", "r10", "r11");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
#else
	(void)nr;
	errno = ENOSYS;
	return -1;
#endif
}

static const char *try_one(long nr, bool i386)
{
	int status, pidfd;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		long r;

		/* No terminal to hang up, no group to signal but ours. */
		(void)setsid();
		r = i386 ? int80(nr) : syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
		if (r < 0 && errno == EPERM)
			_exit(R_EPERM);
		if (r < 0 && errno == ENOSYS)
			_exit(R_ENOSYS);
		_exit(R_OTHER);
	}
	/* A call that blocks (pause, sigsuspend) has reached the kernel: a
	 * filter answers at once. End it after a moment. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		if (poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 300) == 0)
			kill(pid, SIGKILL);
		close(pidfd);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			exit(2);
		}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return "denied-sigsys";
	if (WIFEXITED(status) && WEXITSTATUS(status) == R_EPERM)
		return "denied-eperm";
	if (WIFEXITED(status) && WEXITSTATUS(status) == R_ENOSYS)
		return "denied-enosys";
	return "ran";
}

int main(int argc, char **argv)
{
	long first = 0, last = 511, bits = 0;
	const char *abi = "";
	bool i386 = false;

	if (argc == 2 && strcmp(argv[1], "--seccomp-filters") == 0) {
		char line[256];
		FILE *f = fopen("/proc/self/status", "re");

		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "Seccomp", 7) == 0)
				fputs(line, stdout);
		return f ? 0 : 1;
	}
	if (argc == 4 && strcmp(argv[1], "--x32") == 0) {
		abi = "x32:";
		bits = 0x40000000L;
		argv++;
		argc--;
	} else if (argc == 4 && strcmp(argv[1], "--i386") == 0) {
		abi = "i386:";
		i386 = true;
		argv++;
		argc--;
	}
	if (argc == 3) {
		first = strtol(argv[1], NULL, 10);
		last = strtol(argv[2], NULL, 10);
	}
	/* The children's group leaders vanish with them: no SIGHUP here. */
	signal(SIGHUP, SIG_IGN);
	for (long nr = first; nr <= last; nr++) {
		printf("%s%ld %s\n", abi, nr, try_one(nr | bits, i386));
		fflush(stdout);
	}
	return 0;
}
