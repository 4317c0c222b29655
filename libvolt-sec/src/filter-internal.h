/* Private: seccomp filter internals for tests and benchmarks. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_FILTER_INTERNAL_H
#define VOLT_SEC_FILTER_INTERNAL_H

#include <volt/sec.h>

/* libseccomp's optimisation level: 1 linear (its default), 2 binary tree (Volt's). */
void filter_set_optimize(volt_sec_filter *filter, int level);

/* Deny ioctl TIOCSTI and TIOCLINUX (the default profile does; custom profiles get it from the policy). */
void filter_set_guard_tty(volt_sec_filter *filter, bool on);

/*
 * Also accept the x86 and x32 ABIs with the same rules, as Docker's
 * default profile does on x86_64 (for benchmarks that compare with it).
 */
void filter_set_compat_arches(volt_sec_filter *filter, bool on);

/* Number of syscalls allowed (conditional ones included). */
size_t filter_count_allowed(const volt_sec_filter *filter);

/*
 * A canonical text description of the filter (everything that changes
 * the compiled program), used as a cache key. Caller frees.
 */
char *filter_describe(const volt_sec_filter *filter);

#endif
