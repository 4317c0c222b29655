/*
 * JSON helpers over jansson.
 *
 * Volt reads configuration and state as JSON and writes machine output
 * as JSON. These helpers turn jansson's results into Volt errors with
 * messages that name the offending key and its position, and check the
 * shape of objects strictly: an unknown key is an error, not a silently
 * ignored typo.
 *
 * Values are jansson's json_t; ownership follows jansson (json_decref()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CORE_JSON_H
#define VOLT_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include <volt/core/common.h>

VOLT_BEGIN_DECLS

/* Flags for volt_json_dump() and volt_json_write_file(). */
#define VOLT_JSON_PRETTY  (1u << 0) /* indent by two spaces, one key per line */
#define VOLT_JSON_SORTED  (1u << 1) /* sort object keys */
/*
 * volt_json_write_file() only: atomic (rename) but not durable (no fsync),
 * for state that is thrown away anyway, e.g. a `volt run --rm` container's.
 */
#define VOLT_JSON_NO_SYNC (1u << 2)

/* Largest JSON document volt_json_load_file() reads. */
#define VOLT_JSON_FILE_MAX (16u * 1024 * 1024)

/**
 * Parse @len bytes of @text as one JSON value.
 *
 * Embedded NUL bytes, trailing garbage and duplicate object keys are
 * refused.
 *
 * @param out  on success, a new reference the caller json_decref()s.
 * @return 0, or -EINVAL (message with line and column).
 */
VOLT_API int volt_json_parse(json_t **out, const char *text, size_t len);

/**
 * Read and parse the JSON file at @path (at most VOLT_JSON_FILE_MAX bytes).
 *
 * @return 0; -ENOENT, -EACCES, ... from opening; -EFBIG when too large;
 *         -EINVAL when not valid JSON (message with path, line, column).
 */
VOLT_API int volt_json_load_file(json_t **out, const char *path);

/**
 * Serialise @value.
 *
 * @param out  on success, a NUL-terminated string the caller free()s.
 * @return 0, -EINVAL for a NULL value, or -ENOMEM.
 */
VOLT_API int volt_json_dump(char **out, const json_t *value, unsigned flags);

/**
 * Serialise @value followed by a newline into @path atomically (see
 * volt_file_write_atomic()).
 */
VOLT_API int volt_json_write_file(const char *path, const json_t *value, unsigned flags, mode_t mode);

/**
 * Refuse keys of object @obj that are not in the NULL-terminated list
 * @allowed.
 *
 * @param where  names the object in the message, e.g. "policy".
 * @return 0; -EINVAL if @obj is not an object or has an unknown key
 *         ("policy: unknown key 'fs_raed'").
 */
VOLT_API int volt_json_check_keys(const json_t *obj, const char *const *allowed, const char *where);

/**
 * Typed member access. Each returns 0 and writes @out when @key is
 * present with the right type; when @key is absent it returns -ENOENT
 * if @required and otherwise 1 with @out untouched, so that a default
 * placed in @out beforehand stands. A wrong type returns -EINVAL
 * ("where: 'key' must be a string").
 *
 * Strings returned by volt_json_get_string() belong to @obj.
 */
VOLT_API int volt_json_get_string(const char **out, const json_t *obj, const char *key, bool required, const char *where);
VOLT_API int volt_json_get_bool(bool *out, const json_t *obj, const char *key, bool required, const char *where);

/**
 * Integer member access in the range [@min, @max]; out of range is
 * -ERANGE naming the key and the bounds.
 */
VOLT_API int volt_json_get_int(long long *out, const json_t *obj, const char *key, bool required,
			       const char *where, long long min, long long max);

VOLT_END_DECLS

#endif
