/*
 * libvolt-ctr: containers as systemd units running systemd-nspawn.
 *
 * Link with `pkg-config --cflags --libs libvolt-ctr`. Errors follow
 * libvolt-core's convention: negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CTR_H
#define VOLT_CTR_H

#include <volt/core/common.h>
#include <volt/ctr/container.h>

VOLT_BEGIN_DECLS

/**
 * The version of the libvolt-ctr that is running, such as "0.1.0".
 * Never NULL; static storage.
 */
VOLT_API const char *volt_ctr_version(void);

VOLT_END_DECLS

#endif
