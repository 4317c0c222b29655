/*
 * NULL-terminated string arrays.
 *
 * Every Volt library that returns a list of strings (ref names, image
 * tags, a command line) returns a NULL-terminated `char **` that the
 * caller frees with volt_strv_free(), whichever library it came from.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_STRV_H
#define VOLT_CORE_STRV_H

#include <stddef.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/**
 * Free a NULL-terminated string array and every string in it.
 *
 * @param strv  the array; NULL is accepted.
 * @return NULL, so that `v = volt_strv_free(v);` leaves no dangling pointer.
 */
VOLT_API char **volt_strv_free(char **strv);

/**
 * Count the strings of a NULL-terminated array.
 *
 * @return the number of strings before the terminating NULL; 0 for NULL.
 */
VOLT_API size_t volt_strv_length(char *const *strv);

VOLT_END_DECLS

#endif
