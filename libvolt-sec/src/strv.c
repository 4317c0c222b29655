/* Sorted unique lists of strings and ports. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

void strv_done(struct strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->n = 0;
}

/* Index of the first item >= @s. */
static size_t strv_lower_bound(const struct strv *v, const char *s)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v->items[mid], s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool strv_contains(const struct strv *v, const char *s)
{
	size_t i = strv_lower_bound(v, s);

	return i < v->n && strcmp(v->items[i], s) == 0;
}

int strv_add(struct strv *v, const char *s)
{
	size_t i = strv_lower_bound(v, s);
	char **items, *copy;

	if (i < v->n && strcmp(v->items[i], s) == 0)
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	items = realloc(v->items, (v->n + 1) * sizeof(*items));
	if (!items) {
		free(copy);
		return -ENOMEM;
	}
	memmove(items + i + 1, items + i, (v->n - i) * sizeof(*items));
	items[i] = copy;
	v->items = items;
	v->n++;
	return 0;
}

int portv_add(struct portv *v, uint16_t port)
{
	size_t i = 0;
	uint16_t *items;

	while (i < v->n && v->items[i] < port)
		i++;
	if (i < v->n && v->items[i] == port)
		return 0;
	items = realloc(v->items, (v->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	memmove(items + i + 1, items + i, (v->n - i) * sizeof(*items));
	items[i] = port;
	v->items = items;
	v->n++;
	return 0;
}
