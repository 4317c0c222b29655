/*
 * What the running kernel can enforce, and what of a policy it cannot.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_PROBE_H
#define VOLT_SEC_PROBE_H

#include <stdbool.h>
#include <jansson.h>
#include <volt/core/common.h>
#include <volt/sec/policy.h>

VOLT_BEGIN_DECLS

/** The sandboxing features of the running kernel, as seen by the calling process. */
typedef struct volt_sec_support {
	unsigned int version;      /* VOLT_SEC_SUPPORT_VERSION */
	int landlock_abi;          /* 0 when Landlock is unavailable, else 1..N */
	int landlock_errno;        /* why unavailable (positive errno: ENOSYS, EOPNOTSUPP, EPERM), else 0 */
	bool seccomp;              /* seccomp filters can be installed */
	bool user_namespaces;      /* a new user namespace can be created */
} volt_sec_support;

#define VOLT_SEC_SUPPORT_VERSION 1
#define VOLT_SEC_SUPPORT_INIT { .version = VOLT_SEC_SUPPORT_VERSION }

/* Highest Landlock ABI this library knows how to use. */
#define VOLT_SEC_LANDLOCK_ABI_MAX 7

/**
 * Probe the kernel. Has no side effect on the calling process (the user
 * namespace probe runs in a short-lived child).
 *
 * @param out  filled in; out->version must be VOLT_SEC_SUPPORT_VERSION.
 * @return 0; -EINVAL for a NULL or wrong-version @out.
 */
VOLT_API int volt_sec_probe(volt_sec_support *out);

/**
 * What @policy asks that a kernel with @support cannot enforce, such as
 * network rules below Landlock ABI 4.
 *
 * @param out  on success, a new JSON array (caller json_decref()s) of
 *             strings, one per gap, empty when everything is enforceable.
 * @return 0, -EINVAL, or -ENOMEM.
 */
VOLT_API int volt_sec_policy_gaps(json_t **out, const volt_sec_policy *policy,
				  const volt_sec_support *support);

VOLT_END_DECLS

#endif
