/*
 * Seccomp filters built from allow lists.
 *
 * A filter allows the syscalls named on it and answers every other
 * syscall with the deny action (EPERM, or killing the process). The
 * filter only accepts the native architecture: a syscall made through
 * another ABI (i386's int 0x80, x32's syscall numbers) kills the
 * process. Filters are compiled by libseccomp with its binary-tree
 * optimisation. Policies use this through volt_sec_policy_apply(); the
 * VMM builds its own list with volt_sec_filter_new() and _allow().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_FILTER_H
#define VOLT_SEC_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/** What a filter does to a syscall it does not allow. */
typedef enum volt_sec_action {
	VOLT_SEC_ACTION_ERRNO = 0, /* fail with EPERM */
	VOLT_SEC_ACTION_KILL = 1,  /* kill the whole process (SIGSYS) */
} volt_sec_action;

/** An opaque seccomp filter under construction. */
typedef struct volt_sec_filter volt_sec_filter;

/**
 * A new filter that allows nothing.
 *
 * @param out  on success, a new filter the caller frees with volt_sec_filter_free().
 * @return 0; -EINVAL for an unknown @action; -ENOMEM.
 */
VOLT_API int volt_sec_filter_new(volt_sec_filter **out, volt_sec_action action);

/**
 * A new filter with Volt's default profile: about 300 syscalls that
 * ordinary programs use are allowed; mount, ptrace, kexec_load, bpf,
 * module loading and the others that Docker's default profile denies are
 * not; clone and unshare are allowed only without namespace flags, and
 * clone3 fails with ENOSYS so that the C library falls back to clone.
 * Arguments are guarded where a call would defeat another layer:
 * ioctl TIOCSTI and TIOCLINUX (typing into a terminal) are denied (even
 * when ioctl is allowed by name); socket(AF_VSOCK) is denied (the host's
 * vsock ports are outside every network namespace); execveat with
 * AT_EMPTY_PATH is denied and memfd_create without MFD_NOEXEC_SEAL fails
 * with ENOSYS (so that callers fall back to a file), which keeps
 * anonymous files from being executed past Landlock's fs_execute.
 * Allowing socket, execveat or memfd_create by name lifts its guard.
 *
 * @return 0; -EINVAL; -ENOMEM.
 */
VOLT_API int volt_sec_filter_new_default(volt_sec_filter **out, volt_sec_action action);

/**
 * Allow the syscall named @name (as in syscalls(2): "read", "openat").
 * Allowing "clone" or "unshare" this way lifts the namespace-flag check.
 *
 * @return 0; -EINVAL for a name that is not a syscall of this architecture.
 */
VOLT_API int volt_sec_filter_allow(volt_sec_filter *filter, const char *name);

/**
 * Take the syscall named @name off the allow list (it then gets the
 * deny action).
 *
 * @return 0; -EINVAL for an unknown name.
 */
VOLT_API int volt_sec_filter_deny(volt_sec_filter *filter, const char *name);

/**
 * Allow ioctl(2) only with the listed request numbers: the first call
 * turns an unrestricted "ioctl" into one checked against the list, and
 * allows ioctl if it was not allowed. The request is compared on its low
 * 32 bits, as the kernel does.
 *
 * @return 0; -ENOMEM; -E2BIG past 256 requests.
 */
VOLT_API int volt_sec_filter_allow_ioctl(volt_sec_filter *filter, unsigned long request);

/**
 * Whether syscall @name is on the allow list (an ioctl with a request
 * list counts as allowed). Unknown names are not allowed.
 */
VOLT_API bool volt_sec_filter_allows(const volt_sec_filter *filter, const char *name);

/**
 * Compile @filter into a classic BPF program (an array of struct
 * sock_filter), ready for seccomp(2) or volt_sec_bpf_load(). Callers may
 * cache it: the same filter always compiles to the same program with a
 * given libseccomp.
 *
 * @param out      on success, a buffer the caller free()s.
 * @param out_len  its length in bytes (a multiple of 8).
 * @return 0; -ENOMEM; -EIO if libseccomp fails.
 */
VOLT_API int volt_sec_filter_compile(void **out, size_t *out_len, const volt_sec_filter *filter);

/* Flags for volt_sec_filter_load() and volt_sec_bpf_load(). */
#define VOLT_SEC_LOAD_TSYNC (1u << 0) /* apply to every thread of the process */

/**
 * Compile @filter and install it on the calling thread (its future
 * children inherit it). The caller must have set no_new_privs or hold
 * CAP_SYS_ADMIN. Irreversible.
 *
 * @return 0; -EACCES without no_new_privs nor CAP_SYS_ADMIN; errors of
 *         volt_sec_filter_compile(); other errors of seccomp(2).
 */
VOLT_API int volt_sec_filter_load(const volt_sec_filter *filter, unsigned int flags);

/**
 * Install a BPF program from volt_sec_filter_compile() (for example one
 * read back from a cache) on the calling thread.
 *
 * @return 0; -EINVAL for a length that is not a multiple of 8 or too
 *         long; errors of seccomp(2).
 */
VOLT_API int volt_sec_bpf_load(const void *bpf, size_t len, unsigned int flags);

/** Free @filter (NULL is fine). Returns NULL. */
VOLT_API volt_sec_filter *volt_sec_filter_free(volt_sec_filter *filter);

VOLT_END_DECLS

#endif
