/*
 * String vectors and JSON arrays (libvolt-workload). Vectors are freed
 * with core's volt_strv_free(), counted with volt_strv_length().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_STRV_H
#define VOLT_COMMON_STRV_H

#include <jansson.h>

#include <volt/core.h>

/* A JSON array of strings as a NULL-terminated vector (a non-string as ""); NULL on ENOMEM. */
char **common_strv_from_json(const json_t *array);

/* What common_strv_to_json() checks of each element. */
enum {
	COMMON_STRV_ENV = 1 << 0,  /* NAME=VALUE, NAME not empty */
	COMMON_STRV_ARGV = 1 << 1, /* the first (the program) not empty */
};

/* @v as the array @key of @obj; each element valid UTF-8 and as @flags ask. */
int common_strv_to_json(json_t *obj, const char *key, const char *const *v, unsigned flags);

/* A vector freed when it goes out of scope: `_cleanup_strv_ char **v = NULL;`. */
static inline void common_strv_freep(char ***v)
{
	volt_strv_free(*v);
}
#define _cleanup_strv_ __attribute__((cleanup(common_strv_freep)))

#endif
