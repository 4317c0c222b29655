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

#include <jansson.h>
#include <volt/core/common.h>
#include <volt/sec/policy.h>

VOLT_BEGIN_DECLS

/**
 * Flag: run the program in a session of its own (setsid(), as `volt
 * sandbox run` does), and, while it runs, catch SIGINT, SIGTERM and SIGHUP
 * sent to the caller: the first is forwarded to the program's process
 * group, a second one kills every observed process (SIGKILL). Either way
 * the run ends and the policy is built from what was observed. The
 * caller's handlers are restored before returning.
 */
#define VOLT_SEC_LEARN_FORWARD_SIGNALS (1u << 0)

/**
 * Flag: the policy will be applied by a process with the ids of the
 * learning run (a container's launcher applies it as the container's
 * user), not by `volt sandbox run`, whose program runs as uid 65534
 * outside its user namespace: no grant is flagged as unusable by uid
 * 65534. @since 0.3
 */
#define VOLT_SEC_LEARN_SAME_IDS (1u << 1)

/**
 * Flag: grant the capabilities that calls the run made as root (effective
 * uid 0) and that succeeded needed, among CAP_SETUID (setuid, setreuid,
 * setresuid), CAP_SETGID (setgid, setregid, setresgid, setgroups),
 * CAP_CHOWN (the chown calls), CAP_DAC_OVERRIDE (an open of a file whose
 * mode bits refuse root), CAP_KILL (a signal to a process of another real
 * uid) and CAP_NET_BIND_SERVICE (a bind below port 1024); nothing else is
 * learned. For a container, whose capabilities live in its user
 * namespace (docs/ctr-policy.md). @since 0.3
 */
#define VOLT_SEC_LEARN_CAPABILITIES (1u << 2)

typedef struct volt_sec_learn_options {
	unsigned int version;     /* VOLT_SEC_LEARN_OPTIONS_VERSION */
	unsigned int flags;       /* VOLT_SEC_LEARN_* */
} volt_sec_learn_options;

#define VOLT_SEC_LEARN_OPTIONS_VERSION 1
#define VOLT_SEC_LEARN_OPTIONS_INIT { .version = VOLT_SEC_LEARN_OPTIONS_VERSION }

/**
 * Run @argv (argv[0] looked up in PATH) to completion under observation
 * and build a policy from what it did:
 *   - fs_read, fs_write, fs_execute: the files it read, wrote and
 *     executed, one rule per file; a directory only where it listed the
 *     directory or created, removed or renamed entries in it, or where it
 *     read COLLAPSE (4) or more files directly in a directory of a system
 *     tree (below /usr, /lib*, /bin, /sbin: granted read-only). A failed
 *     open (a probe for a missing file) grants nothing. Listing "/",
 *     /etc or $HOME is not granted;
 *   - fs_deny: the default policy's (shadow files, private keys, ...);
 *   - net_bind, net_connect: the TCP/UDP ports it bound and connected to;
 *   - scope: signal, and abstract_unix_socket unless it connected to one;
 *   - seccomp: the default profile (its argument guards: TIOCSTI, AF_VSOCK,
 *     memfd exec, clone/unshare namespace flags, clone3 answered ENOSYS)
 *     with "deny" listing every syscall of it the run did not make, and
 *     "allow" those it made beyond it. Syscalls are recorded at entry:
 *     exit and exit_group are always allowed; clone3 never is.
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
 *         -EINVAL for bad options; -ENOMEM.
 */
VOLT_API int volt_sec_learn_run(volt_sec_policy **out, int *exit_status, char *const argv[],
				const volt_sec_learn_options *options);

/**
 * Like volt_sec_learn_run(), inside a root, and say why each rule is there.
 *
 * @root is the directory the program sees as "/" (NULL: the host's "/").
 * Paths are resolved inside it as the program resolves them (absolute
 * symlinks stay inside: RESOLVE_IN_ROOT) and written relative to it, so
 * a policy learned for a program chrooted (or in a container) at @root
 * applies inside that root. What the program reaches outside @root is
 * not recorded.
 *
 * If @explain
 * is not NULL it receives a new JSON object (the caller json_decref()s it):
 *   "rules": [{"key": "fs_read", "path": P, "type": "file"|"directory",
 *              "reason": TEXT, "accesses": [TEXT...], "flag": TEXT?}...]
 *            one per rule of the policy; "flag" is set on grants of "/",
 *            /etc, $HOME (or a directory holding it) and /proc;
 *   "not_granted": [{"path", "use", "reason", "accesses"}...] what the
 *            run touched that got no rule (failed probes, listings of
 *            "/", /etc, $HOME);
 *   "seccomp": {"used": [names], "beyond_default": [names], "denied": N};
 *   "abstract_unix_socket": whether the run connected to one.
 * Flagged rules are also logged as warnings.
 *
 * @since 0.3
 */
VOLT_API int volt_sec_learn_run_explain(volt_sec_policy **out, json_t **explain, int *exit_status,
					char *const argv[], const char *root, const volt_sec_learn_options *options);

VOLT_END_DECLS

#endif
