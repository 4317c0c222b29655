/*
 * Helpers of the sec tests: run a function in a child process and
 * collect how it ended.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TESTS_SEC_TEST_H
#define VOLT_TESTS_SEC_TEST_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Children report failures as exit codes: 0 is success, CHILD_SETUP a
 * failure to sandbox, anything else the number of the check that failed
 * (printed to stderr with the reason). They leave with _exit(), so that
 * no sanitizer or Check handler runs under their seccomp filter.
 */
#define CHILD_SETUP 100

#define child_check(n, cond, ...)                                                   \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "child check %d (%s) failed: ", (n), #cond); \
			fprintf(stderr, __VA_ARGS__);                               \
			fprintf(stderr, "\n");                                      \
			_exit(n);                                                   \
		}                                                                   \
	} while (0)

/* Run @fn(@arg) in a child; returns its wait status. */
static inline int run_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static inline void assert_exited_ok(int status)
{
	ck_assert_msg(WIFEXITED(status), "child died of signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	ck_assert_msg(WEXITSTATUS(status) == 0, "child failed check %d (see stderr)", WEXITSTATUS(status));
}

static inline void assert_killed_by(int status, int sig)
{
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sig, "child should die of signal %d: status %#x",
		      sig, status);
}

#endif
