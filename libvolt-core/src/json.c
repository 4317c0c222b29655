/*
 * JSON helpers over jansson.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/file.h>
#include <volt/core/json.h>

#include "file-internal.h"
#include "shared/macro.h"

VOLT_API int volt_json_parse(json_t **out, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *v;

	assert_return(out, EINVAL);
	assert_return(text || len == 0, EINVAL);

	if (memchr(text, '\0', len))
		return volt_error_set(EINVAL, "invalid JSON: NUL byte at offset %zu",
				      (size_t)((const char *)memchr(text, '\0', len) - text));
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v)
		return volt_error_set(EINVAL, "invalid JSON at line %d, column %d: %s", jerr.line,
				      jerr.column, jerr.text);
	*out = v;
	return 0;
}

VOLT_API int volt_json_load_file(json_t **out, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	assert_return(out, EINVAL);
	assert_return(path, EINVAL);

	r = volt_file_read(&text, &len, path, VOLT_JSON_FILE_MAX);
	if (r < 0)
		return r;
	r = volt_json_parse(out, text, len);
	if (r < 0)
		return volt_error_prefix(r, "%s", path);
	return 0;
}

static size_t dump_flags(unsigned flags)
{
	size_t f = JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);

	if (flags & VOLT_JSON_PRETTY)
		f |= JSON_INDENT(2);
	else
		f |= JSON_COMPACT;
	if (flags & VOLT_JSON_SORTED)
		f |= JSON_SORT_KEYS;
	return f;
}

VOLT_API int volt_json_dump(char **out, const json_t *value, unsigned flags)
{
	char *s;

	assert_return(out, EINVAL);
	assert_return(value, EINVAL);

	s = json_dumps(value, dump_flags(flags));
	if (!s)
		return volt_error_set(ENOMEM, "cannot serialise JSON");
	*out = s;
	return 0;
}

VOLT_API int volt_json_write_file(const char *path, const json_t *value, unsigned flags, mode_t mode)
{
	_cleanup_free_ char *s = NULL;
	_cleanup_free_ char *line = NULL;
	size_t len;
	int r;

	assert_return(path, EINVAL);

	r = volt_json_dump(&s, value, flags);
	if (r < 0)
		return r;
	len = strlen(s);
	line = malloc(len + 2);
	if (!line)
		return volt_error_set(ENOMEM, "cannot serialise JSON");
	memcpy(line, s, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	return file_write_atomic(path, line, len + 1, mode, !(flags & VOLT_JSON_NO_SYNC));
}

static const char *where_or(const char *where)
{
	return where ? where : "JSON";
}

VOLT_API int volt_json_check_keys(const json_t *obj, const char *const *allowed, const char *where)
{
	const char *key;
	json_t *value;

	assert_return(allowed, EINVAL);

	if (!json_is_object(obj))
		return volt_error_set(EINVAL, "%s: must be a JSON object", where_or(where));

	json_object_foreach((json_t *)obj, key, value) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (!*a)
			return volt_error_set(EINVAL, "%s: unknown key '%s'", where_or(where), key);
	}
	return 0;
}

/* Common part of the getters: 0 and *v set if present, 1 if absent and optional. */
static int member(const json_t *obj, const char *key, bool required, const char *where, json_t **v)
{
	assert_return(key, EINVAL);

	if (!json_is_object(obj))
		return volt_error_set(EINVAL, "%s: must be a JSON object", where_or(where));
	*v = json_object_get(obj, key);
	if (*v)
		return 0;
	if (required)
		return volt_error_set(ENOENT, "%s: '%s' is required", where_or(where), key);
	return 1;
}

VOLT_API int volt_json_get_string(const char **out, const json_t *obj, const char *key, bool required,
				  const char *where)
{
	json_t *v;
	int r;

	assert_return(out, EINVAL);
	r = member(obj, key, required, where, &v);
	if (r != 0)
		return r;
	if (!json_is_string(v))
		return volt_error_set(EINVAL, "%s: '%s' must be a string", where_or(where), key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return volt_error_set(EINVAL, "%s: '%s' contains a NUL character", where_or(where), key);
	*out = json_string_value(v);
	return 0;
}

VOLT_API int volt_json_get_bool(bool *out, const json_t *obj, const char *key, bool required,
				const char *where)
{
	json_t *v;
	int r;

	assert_return(out, EINVAL);
	r = member(obj, key, required, where, &v);
	if (r != 0)
		return r;
	if (!json_is_boolean(v))
		return volt_error_set(EINVAL, "%s: '%s' must be true or false", where_or(where), key);
	*out = json_is_true(v);
	return 0;
}

VOLT_API int volt_json_get_int(long long *out, const json_t *obj, const char *key, bool required,
			       const char *where, long long min, long long max)
{
	json_int_t i;
	json_t *v;
	int r;

	assert_return(out, EINVAL);
	assert_return(min <= max, EINVAL);
	r = member(obj, key, required, where, &v);
	if (r != 0)
		return r;
	if (!json_is_integer(v))
		return volt_error_set(EINVAL, "%s: '%s' must be an integer", where_or(where), key);
	i = json_integer_value(v);
	if (i < min || i > max)
		return volt_error_set(ERANGE, "%s: '%s' is %lld, outside %lld..%lld", where_or(where),
				      key, (long long)i, min, max);
	*out = i;
	return 0;
}
