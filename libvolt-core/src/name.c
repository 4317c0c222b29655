/*
 * Workload name validation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/name.h>

#include "shared/macro.h"

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Validate; with @report unset, leave the error slot alone. */
static int check(const char *name, int report)
{
	size_t len;

#define FAIL(err, ...) return report ? volt_error_set(err, __VA_ARGS__) : -(err)
	if (!name || name[0] == '\0')
		FAIL(EINVAL, "name is empty");
	len = strnlen(name, VOLT_WORKLOAD_NAME_MAX + 1);
	if (len > VOLT_WORKLOAD_NAME_MAX)
		FAIL(ENAMETOOLONG, "name '%.20s...' is longer than %d characters", name,
		     VOLT_WORKLOAD_NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (is_alnum((char)c))
			continue;
		if (c == '-' || c == '.') {
			if (i == 0 || i == len - 1)
				FAIL(EINVAL, "name '%s' must start and end with a letter or digit",
				     name);
			if (c == '.' && name[i + 1] == '.')
				FAIL(EINVAL, "name '%s' contains '..'", name);
			continue;
		}
		if (c < 0x20 || c >= 0x7f)
			FAIL(EINVAL, "name contains byte 0x%02x at position %zu (allowed: letters, digits, '-', '.')",
			     c, i + 1);
		FAIL(EINVAL, "name '%s' contains '%c' at position %zu (allowed: letters, digits, '-', '.')",
		     name, c, i + 1);
	}
#undef FAIL
	return 0;
}

VOLT_API int volt_name_validate(const char *name)
{
	return check(name, 1);
}

VOLT_API bool volt_name_is_valid(const char *name)
{
	return check(name, 0) == 0;
}
