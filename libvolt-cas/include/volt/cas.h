/*
 * libvolt-cas: Stellarium, the block-level content-addressed store shared by containers and VMs.
 *
 * Link with `pkg-config --cflags --libs libvolt-cas`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_H
#define VOLT_CAS_H

#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-cas that is running, such as "0.1.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_cas_version(void);

VOLT_END_DECLS

#endif
