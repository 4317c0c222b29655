/* Private: Volt's default seccomp profile. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_SYSCALL_LISTS_H
#define VOLT_SEC_SYSCALL_LISTS_H

/* NULL-terminated. Names unknown to this libseccomp are skipped. */
extern const char *const default_allowed_syscalls[];

/*
 * Syscalls the default profile refuses on purpose (documentation, tests
 * and `volt policy show`): everything not allowed is refused anyway.
 */
extern const char *const default_denied_syscalls[];

#endif
