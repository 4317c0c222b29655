/*
 * Applying a policy to the calling process.
 *
 * Meant to be called just before execve() of the workload, in a process
 * with a single thread (a multi-threaded caller is refused: the other
 * threads would keep their privileges; a multi-threaded program such as
 * the VMM uses volt_sec_filter_load() with VOLT_SEC_LOAD_TSYNC). Steps, in this order:
 *   1. user namespace (when the policy maps uid/gid ranges): the process
 *      moves into a new user namespace whose maps a short-lived helper
 *      child writes from the parent namespace, then becomes uid/gid 0
 *      inside it;
 *   2. capabilities: all dropped from the bounding, permitted, effective,
 *      inheritable and ambient sets except those the policy keeps (which
 *      are also raised in the ambient set so that they survive exec);
 *   3. no_new_privs;
 *   4. Landlock (filesystem and TCP port rules), with the best ABI the
 *      kernel offers;
 *   5. seccomp, last, so that the filter does not stand in the way of the
 *      steps before it.
 * The seccomp filter and the Landlock ruleset are prepared before the
 * first step, so a policy that cannot be built fails before the process
 * has been changed at all.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_APPLY_H
#define VOLT_SEC_APPLY_H

#include <volt/core/common.h>
#include <volt/sec/policy.h>

VOLT_BEGIN_DECLS

/* Refuse to apply a policy of which this kernel cannot enforce every part. */
#define VOLT_SEC_APPLY_STRICT (1u << 0)
/*
 * When the caller runs as root (euid 0) and the policy leaves
 * "user_namespace" unset (null), enter a new user namespace anyway, with
 * root inside mapped to uid and gid VOLT_SEC_ROOT_USERNS_ID (nobody)
 * outside: Landlock does not mediate connect() to unix sockets nor
 * chmod/chown/utime, so a sandboxed host root would still reach root's
 * daemons and files. A policy that says "user_namespace": false runs as
 * host root (with a warning). If no user namespace can be made, the call
 * fails with -EPERM before the process changed.
 */
#define VOLT_SEC_APPLY_ROOT_USERNS (1u << 1)

/* The host uid and gid that root in a sandbox is by VOLT_SEC_APPLY_ROOT_USERNS. */
#define VOLT_SEC_ROOT_USERNS_ID 65534u

typedef struct volt_sec_apply_options {
	unsigned int version;          /* VOLT_SEC_APPLY_OPTIONS_VERSION */
	unsigned int flags;            /* VOLT_SEC_APPLY_* */
	/*
	 * If not NULL, a directory (created 0700 if missing) where compiled
	 * seccomp programs are cached, keyed by the filter's contents and
	 * authenticated with a secret key kept in it (HMAC-SHA256). The
	 * directory and each of its parents must be owned by the caller's
	 * euid or root and writable by no one else (a root-owned sticky
	 * parent such as /tmp is accepted: no one else can replace what the
	 * caller owns in it); otherwise the call fails with -EPERM. It must
	 * be out of the sandbox's reach: Volt keeps it in the state root.
	 */
	const char *seccomp_cache_dir;
} volt_sec_apply_options;

#define VOLT_SEC_APPLY_OPTIONS_VERSION 1
#define VOLT_SEC_APPLY_OPTIONS_INIT { .version = VOLT_SEC_APPLY_OPTIONS_VERSION }

/**
 * Apply @policy to the calling process (see above). Every part this
 * kernel cannot enforce is logged as a warning, or, with
 * VOLT_SEC_APPLY_STRICT, makes the call fail before anything changed.
 * A step that fails after the first change leaves the process partly
 * sandboxed: the caller must then not run the workload (exit instead).
 *
 * @param options  NULL for defaults.
 * @return 0; -EOPNOTSUPP in strict mode when something is not
 *         enforceable; -EPERM for an unsafe seccomp cache, or when
 *         VOLT_SEC_APPLY_ROOT_USERNS cannot make its user namespace;
 *         -ENOENT when /proc/self/status cannot be read (no /proc); -EINVAL for a multi-threaded caller (capabilities,
 *         Landlock and seccomp are per thread), or bad options; -EPERM and others from the
 *         kernel, with the failing step in the message.
 */
VOLT_API int volt_sec_policy_apply(const volt_sec_policy *policy, const volt_sec_apply_options *options);

/**
 * Compile the seccomp filter @policy asks for into a BPF program, for
 * volt_sec_policy_apply_bpf() in another process (Volt compiles on the
 * host and its container launcher loads the program: the compile is
 * most of the cost of applying a policy).
 *
 * @param cache_dir  NULL, or a cache directory as for
 *                   volt_sec_apply_options.seccomp_cache_dir (same checks).
 * @param out        receives the program (free() it), or NULL with
 *                   *out_len 0 when the policy has no filter (profile "none").
 * @return 0; -EPERM for an unsafe cache; -EINVAL and others when the
 *         filter cannot be built.
 * @since 0.3
 */
VOLT_API int volt_sec_policy_seccomp_compile(void **out, size_t *out_len, const volt_sec_policy *policy,
					     const char *cache_dir);

/**
 * volt_sec_policy_apply(), with @bpf (from volt_sec_policy_seccomp_compile()
 * of this same policy, by a process the caller trusts) loaded as the
 * policy's seccomp filter instead of compiling it here. The program is
 * not checked against the policy: whoever hands it over decides the
 * filter. With @bpf NULL, or a policy without a filter, the same as
 * volt_sec_policy_apply().
 *
 * @return as volt_sec_policy_apply(); -EINVAL for a @len that is no BPF
 *         program's.
 * @since 0.3
 */
VOLT_API int volt_sec_policy_apply_bpf(const volt_sec_policy *policy, const volt_sec_apply_options *options,
				       const void *bpf, size_t len);

VOLT_END_DECLS

#endif
