/*
 * libvolt-sec: sandboxing from one policy: Landlock, seccomp, capabilities
 * and user namespaces.
 *
 * A policy (volt/sec/policy.h) is read from JSON, checked strictly, and
 * applied to the calling process just before it executes the workload
 * (volt/sec/apply.h), in this order: user namespace, capabilities,
 * no_new_privs, Landlock, seccomp last. What the running kernel cannot
 * enforce is reported (volt/sec/probe.h); by default that is a warning,
 * in strict mode a refusal. Seccomp filters can also be built from custom
 * allow lists (volt/sec/filter.h), which is what the VMM uses for itself.
 * volt/sec/learn.h observes a program once and writes a least-privilege
 * policy for it.
 *
 * Link with `pkg-config --cflags --libs libvolt-sec`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_H
#define VOLT_SEC_H

#include <volt/core/common.h>
#include <volt/sec/policy.h>
#include <volt/sec/probe.h>
#include <volt/sec/filter.h>
#include <volt/sec/apply.h>
#include <volt/sec/learn.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-sec that is running, such as "0.1.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_sec_version(void);

VOLT_END_DECLS

#endif
