/*
 * Sandbox policies.
 *
 * A policy is a JSON object; docs/sec-policy.md describes every key:
 *
 *   {"fs_read": ["/usr", "/etc/ssl"], "fs_write": ["/tmp"],
 *    "fs_execute": ["/usr/bin"], "fs_deny": ["/etc/ssl/private"],
 *    "net_bind": [80], "net_connect": [5432],
 *    "seccomp": {"profile": "default", "action": "errno", "allow": [], "deny": []},
 *    "capabilities": ["CAP_NET_BIND_SERVICE"],
 *    "user_namespace": {"uid_map": [{"inside": 0, "outside": 100000, "count": 65536}]},
 *    "no_new_privs": true}
 *
 * Parsing is strict: an unknown key, a wrong type, a relative path, a
 * port out of range, an unknown syscall or capability name is refused
 * with a message naming it. A parsed policy is immutable.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_POLICY_H
#define VOLT_SEC_POLICY_H

#include <stddef.h>
#include <jansson.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/** An opaque, immutable sandbox policy. */
typedef struct volt_sec_policy volt_sec_policy;

/* Largest policy file volt_sec_policy_load_file() reads. */
#define VOLT_SEC_POLICY_FILE_MAX (1024u * 1024)

/**
 * The default policy (what `volt policy default` prints): read access to
 * the usual system directories (/etc without password hashes, host keys
 * and other credentials, which fs_deny withholds; nothing of /var but
 * /var/tmp; nothing of /run but /run/systemd/resolve; no /dev/pts),
 * write access to /tmp, /var/tmp and a few harmless devices, execute
 * from /usr and the /bin, /sbin, /lib links, no network restriction,
 * Volt's default seccomp profile with EPERM, no capabilities, no user
 * namespace (see VOLT_SEC_APPLY_ROOT_USERNS), no_new_privs on.
 *
 * @param out  on success, a new policy the caller frees with volt_sec_policy_free().
 * @return 0 or -ENOMEM.
 */
VOLT_API int volt_sec_policy_new_default(volt_sec_policy **out);

/**
 * Parse and validate a policy from @len bytes of JSON @text. Keys left
 * out take the documented defaults (see docs/sec-policy.md).
 *
 * @param out  on success, a new policy the caller frees.
 * @return 0; -EINVAL for malformed JSON or an invalid policy (the message
 *         names the key and, for list entries, the index); -ERANGE for a
 *         number out of range; -ENOMEM.
 */
VOLT_API int volt_sec_policy_parse(volt_sec_policy **out, const char *text, size_t len);

/**
 * Read a policy file (at most VOLT_SEC_POLICY_FILE_MAX bytes) and parse it
 * as volt_sec_policy_parse() does. The message starts with the path.
 *
 * @return 0; errors of volt_sec_policy_parse(); -ENOENT, -EACCES, -EFBIG, ...
 *         from reading.
 */
VOLT_API int volt_sec_policy_load_file(volt_sec_policy **out, const char *path);

/**
 * The effective policy as JSON: every key present, defaults filled in,
 * paths normalised, lists sorted and without duplicates. Parsing the
 * result gives an equal policy.
 *
 * @param out  on success, a new reference the caller json_decref()s.
 * @return 0 or -ENOMEM.
 */
VOLT_API int volt_sec_policy_to_json(json_t **out, const volt_sec_policy *policy);

/**
 * What in @policy defeats another part of it, though the policy is
 * valid: allowing io_uring_* (its operations bypass the seccomp filter),
 * allowing ptrace, process_vm_readv/writev or pidfd_getfd without any
 * Landlock rule or scope (the sandbox can then take over unsandboxed
 * processes of its user), allowing memfd_create or execveat with the
 * default profile (lifts the guard that keeps fs_execute meaningful),
 * "user_namespace": false (root stays host root).
 *
 * @param out  on success, a new JSON array (caller json_decref()s) of
 *             strings, one per warning, each saying why; empty when none.
 * @return 0, -EINVAL or -ENOMEM.
 */
VOLT_API int volt_sec_policy_warnings(json_t **out, const volt_sec_policy *policy);

/** Free @policy (NULL is fine). Returns NULL. */
VOLT_API volt_sec_policy *volt_sec_policy_free(volt_sec_policy *policy);

VOLT_END_DECLS

#endif
