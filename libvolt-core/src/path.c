/*
 * Lexical path handling.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/path.h>

#include "shared/macro.h"

VOLT_API int volt_path_check(const char *path, size_t len)
{
	size_t start = 0;

	assert_return(path || len == 0, EINVAL);

	if (len == 0)
		return volt_error_set(EINVAL, "empty path");
	if (memchr(path, '\0', len))
		return volt_error_set(EINVAL, "path contains a NUL byte");
	if (len >= VOLT_PATH_MAX)
		return volt_error_set(ENAMETOOLONG, "path is %zu bytes long, the limit is %d", len,
				      VOLT_PATH_MAX - 1);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || path[i] == '/') {
			if (i - start > VOLT_NAME_MAX)
				return volt_error_set(ENAMETOOLONG,
						      "path component of %zu bytes, the limit is %d",
						      i - start, VOLT_NAME_MAX);
			start = i + 1;
		}
	}
	return 0;
}

VOLT_API int volt_path_check_component(const char *name, size_t len)
{
	assert_return(name || len == 0, EINVAL);

	if (len == 0)
		return volt_error_set(EINVAL, "empty file name");
	if (memchr(name, '\0', len))
		return volt_error_set(EINVAL, "file name contains a NUL byte");
	if (len > VOLT_NAME_MAX)
		return volt_error_set(ENAMETOOLONG, "file name of %zu bytes, the limit is %d", len,
				      VOLT_NAME_MAX);
	if (memchr(name, '/', len))
		return volt_error_set(EINVAL, "file name '%.*s' contains '/'", (int)len, name);
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return volt_error_set(EINVAL, "file name '%.*s' is not allowed", (int)len, name);
	return 0;
}

/*
 * Normalise into a new buffer. @escaped is set when a relative path
 * climbs above its start; absolute paths clamp ".." at "/".
 */
static int normalize(char **out, const char *path, int *escaped)
{
	size_t len = strlen(path);
	int absolute = path[0] == '/';
	size_t o = 0, i = 0;
	char *buf;
	int r;

	r = volt_path_check(path, len);
	if (r < 0)
		return r;

	buf = malloc(len + 2);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	*escaped = 0;
	if (absolute)
		buf[o++] = '/';

	while (i < len) {
		size_t start, n;

		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		n = i - start;
		if (n == 0 || (n == 1 && path[start] == '.'))
			continue;
		if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
			size_t floor = absolute ? 1 : 0;

			if (o == floor) {
				if (!absolute)
					*escaped = 1;
				continue;
			}
			/* Drop the last component and its separator. */
			while (o > floor && buf[o - 1] != '/')
				o--;
			if (o > floor)
				o--;
			continue;
		}
		if (o > (absolute ? 1u : 0u))
			buf[o++] = '/';
		memcpy(buf + o, path + start, n);
		o += n;
	}
	if (o == 0)
		buf[o++] = '.';
	buf[o] = '\0';
	*out = buf;
	return 0;
}

VOLT_API int volt_path_normalize(char **out, const char *path)
{
	char *p;
	int escaped, r;

	assert_return(out, EINVAL);
	assert_return(path, EINVAL);

	r = normalize(&p, path, &escaped);
	if (r < 0)
		return r;
	if (escaped) {
		free(p);
		return volt_error_set(EINVAL, "path '%s' climbs above its start with '..'", path);
	}
	*out = p;
	return 0;
}

VOLT_API bool volt_path_is_contained(const char *path)
{
	_cleanup_free_ char *p = NULL;
	int escaped;

	if (!path || path[0] == '/')
		return false;
	if (normalize(&p, path, &escaped) < 0) {
		volt_error_clear();
		return false;
	}
	return !escaped;
}

VOLT_API int volt_path_join(char **out, const char *base, const char *rel)
{
	_cleanup_free_ char *joined = NULL;
	_cleanup_free_ char *r_norm = NULL;
	size_t blen, rlen;
	int escaped, r;

	assert_return(out, EINVAL);
	assert_return(base, EINVAL);
	assert_return(rel, EINVAL);

	if (base[0] == '\0')
		return volt_error_set(EINVAL, "empty base path");
	if (rel[0] == '/')
		return volt_error_set(EINVAL, "'%s' is absolute where a relative path is required", rel);
	r = normalize(&r_norm, rel, &escaped);
	if (r < 0)
		return r;
	if (escaped)
		return volt_error_set(EINVAL, "path '%s' escapes its base with '..'", rel);

	blen = strlen(base);
	rlen = strlen(r_norm);
	joined = malloc(blen + rlen + 2);
	if (!joined)
		return volt_error_set(ENOMEM, NULL);
	memcpy(joined, base, blen);
	joined[blen] = '/';
	memcpy(joined + blen + 1, r_norm, rlen + 1);

	return volt_path_normalize(out, joined);
}
