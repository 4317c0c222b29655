/*
 * Workload names.
 *
 * A container or VM name becomes a systemd unit name, a machine name,
 * a hostname and a directory name, so it must be valid as all four:
 * 1 to 63 ASCII letters, digits, '-' and '.', starting and ending with a
 * letter or digit, without "..". ('_' is not a hostname character.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_NAME_H
#define VOLT_CORE_NAME_H

#include <stdbool.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Longest workload name, without the terminating NUL. */
#define VOLT_WORKLOAD_NAME_MAX 63

/**
 * Validate a workload name.
 *
 * @return 0; -EINVAL with a message saying what is wrong, naming the
 *         offending character and its position; -ENAMETOOLONG when
 *         longer than VOLT_WORKLOAD_NAME_MAX.
 */
VOLT_API int volt_name_validate(const char *name);

/** True if volt_name_validate() would accept @name; leaves the error slot alone. */
VOLT_API bool volt_name_is_valid(const char *name);

VOLT_END_DECLS

#endif
