/*
 * String vectors to and from the JSON records of containers and VMs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "strv.h"

char **common_strv_from_json(const json_t *array)
{
	size_t n = json_array_size(array), i;
	char **v = calloc(n + 1, sizeof(char *));

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(array, i));

		v[i] = strdup(s ? s : "");
		if (!v[i])
			return volt_strv_free(v);
	}
	return v;
}

int common_strv_to_json(json_t *obj, const char *key, const char *const *v, unsigned flags)
{
	json_t *a = json_array();
	int r = 0;

	if (!a)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; v && v[i] && r == 0; i++) {
		if ((flags & COMMON_STRV_ENV) && (v[i][0] == '=' || !strchr(v[i], '=')))
			r = volt_error_set(EINVAL, "environment: '%s' is not NAME=VALUE", v[i]);
		else if ((flags & COMMON_STRV_ARGV) && i == 0 && !v[i][0])
			r = volt_error_set(EINVAL, "command: the program name is empty");
		/* json_string() refuses what is not UTF-8: a record must load again. */
		else if (json_array_append_new(a, json_string(v[i])) < 0)
			r = volt_error_set(EINVAL, "%s: '%s' is not valid UTF-8", key, v[i]);
	}
	if (r < 0) {
		json_decref(a);
		return r;
	}
	if (json_object_set_new(obj, key, a) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}
