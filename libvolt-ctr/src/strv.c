/*
 * NULL-terminated string vectors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "ctr-internal.h"

char **ctr_strv_from_json(const json_t *array)
{
	size_t n = json_array_size(array), i;
	char **v = calloc(n + 1, sizeof(char *));

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(array, i));

		v[i] = strdup(s ? s : "");
		if (!v[i]) {
			ctr_strv_free(v);
			return NULL;
		}
	}
	return v;
}

void ctr_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t ctr_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}
