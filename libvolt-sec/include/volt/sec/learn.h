/*
 * Learn mode: run a program once under observation and derive a
 * least-privilege policy from what it did.
 *
 * The program runs traced with ptrace(2): every thread and child it
 * creates is traced from its first instruction (PTRACE_O_TRACEFORK,
 * _TRACEVFORK, _TRACECLONE), it cannot detach itself, and if the tracer
 * dies the kernel kills it (PTRACE_O_EXITKILL). See docs/sec-learn.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_LEARN_H
#define VOLT_SEC_LEARN_H

#include <volt/core/common.h>
#include <volt/sec/policy.h>

VOLT_BEGIN_DECLS

typedef struct volt_sec_learn_options {
	unsigned int version;     /* VOLT_SEC_LEARN_OPTIONS_VERSION */
	unsigned int flags;       /* none defined yet: 0 */
} volt_sec_learn_options;

#define VOLT_SEC_LEARN_OPTIONS_VERSION 1
#define VOLT_SEC_LEARN_OPTIONS_INIT { .version = VOLT_SEC_LEARN_OPTIONS_VERSION }

/**
 * Run @argv (argv[0] looked up in PATH) to completion under observation
 * and build a policy from what it did: directories it read, wrote and
 * executed from, TCP/UDP ports it bound and connected to, syscalls it
 * made (a "custom" seccomp profile).
 *
 * The observed processes are reported to the caller with waitpid(-1):
 * call this from a process that has no other children it waits for (they
 * would be reaped here). The program inherits the caller's environment,
 * file descriptors and working directory.
 *
 * @param out          on success, a new policy the caller frees.
 * @param exit_status  if not NULL, receives the program's wait status.
 * @param options      NULL for defaults.
 * @return 0 (whatever the program's own exit status); -ENOENT when the
 *         program cannot be executed; -EPERM when ptrace is not allowed;
 *         -ENOMEM.
 */
VOLT_API int volt_sec_learn_run(volt_sec_policy **out, int *exit_status, char *const argv[],
				const volt_sec_learn_options *options);

VOLT_END_DECLS

#endif
