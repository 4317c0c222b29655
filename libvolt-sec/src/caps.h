/* Private: capabilities and user namespaces. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_CAPS_H
#define VOLT_SEC_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "policy-internal.h"

struct cap_sets {
	uint64_t effective, permitted, inheritable, bounding, ambient;
};

/* Read the calling thread's five sets from /proc/self/status. */
int caps_read(struct cap_sets *out);

/*
 * Drop every capability outside @keep from all five sets, and raise
 * @keep in the ambient set. Without CAP_SETPCAP the bounding set cannot
 * shrink: that is -EPERM when @strict, a warning otherwise.
 */
int caps_apply(uint64_t keep, bool strict);

/* Threads of the calling process (from /proc/self/status), or -1. */
int count_threads(void);

/* Move the calling (single-threaded) process into a new user namespace mapped as @p says. */
int userns_enter(const volt_sec_policy *p);

#endif
