/*
 * libvolt-sec: sandboxing from one policy: Landlock, seccomp, capabilities and user namespaces.
 *
 * Link with `pkg-config --cflags --libs libvolt-sec`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_SEC_H
#define VOLT_SEC_H

#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-sec that is running, such as "0.1.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_sec_version(void);

VOLT_END_DECLS

#endif
