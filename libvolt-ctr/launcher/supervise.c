/*
 * The launcher is the container's PID 1 (nspawn runs it without a stub
 * init of its own, no --as-pid2): it stays behind as the workload's
 * parent, the init of the container's PID namespace, reaping whatever
 * the kernel hands it (the orphans of the workload), and turns the
 * workload's end into Docker's status, which becomes nspawn's: the code
 * it exited with, or 128+N for signal N (137 for SIGKILL, 143 for
 * SIGTERM). When it exits, the kernel ends what is left in the container.
 *
 * The parent keeps no signal of its own: the host signals the workload
 * directly (volt stop and units signal every process of the container),
 * so the parent ignores what it would otherwise die of, and passing it on
 * would deliver it twice. It is already under the sandbox, like the
 * workload.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise.h"

void launch_supervise(void)
{
	sigset_t all, old;
	pid_t child;
	int status;

	/* No signal between fork and SIG_IGN may kill the parent. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	child = fork();
	if (child <= 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	prctl(PR_SET_NAME, "volt-wait");
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (;;) {
		pid_t p = waitpid(-1, &status, 0);

		if (p == child)
			break;
		if (p < 0 && errno != EINTR)
			_exit(126);
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(128 + WTERMSIG(status));
}
