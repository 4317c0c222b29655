/* Private: Landlock rulesets from a policy. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_LANDLOCK_H
#define VOLT_SEC_LANDLOCK_H

#include "policy-internal.h"

/* The kernel's Landlock ABI (>= 1), or 0 with *err set to a positive errno. */
int landlock_probe_abi(int *err);

/* Access rights that ABI @abi handles for each kind of policy list. */
uint64_t landlock_fs_read_rights(int abi);
uint64_t landlock_fs_write_rights(int abi);
uint64_t landlock_fs_execute_rights(int abi);

/*
 * Build a ruleset for @p with ABI @abi (>= 1). *out_fd is -1 when the
 * policy restricts nothing Landlock can enforce at this ABI.
 */
int landlock_prepare(const volt_sec_policy *p, int abi, int *out_fd);

/* Enforce a prepared ruleset on the calling thread, then close it. */
int landlock_enforce(int fd);

#endif
