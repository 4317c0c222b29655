/*
 * Hash set (see hashset.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "hashset.h"

static size_t slot_of(const volt_cas_hash *h, size_t cap)
{
	uint64_t v;

	memcpy(&v, h->bytes, sizeof(v));
	return (size_t)v & (cap - 1);
}

static size_t find(const struct cas_hashset *s, const volt_cas_hash *h)
{
	size_t i = slot_of(h, s->cap);

	while (s->used[i] && memcmp(s->keys[i].bytes, h->bytes, VOLT_CAS_HASH_SIZE) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(struct cas_hashset *s)
{
	struct cas_hashset n = { .cap = s->cap ? s->cap * 2 : 1024 };

	n.keys = malloc(n.cap * sizeof(*n.keys));
	n.values = malloc(n.cap * sizeof(*n.values));
	n.used = calloc(n.cap, 1);
	if (!n.keys || !n.values || !n.used) {
		cas_hashset_clear(&n);
		return volt_error_set(ENOMEM, NULL);
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->used[i])
			continue;
		j = find(&n, &s->keys[i]);
		n.keys[j] = s->keys[i];
		n.values[j] = s->values[i];
		n.used[j] = 1;
		n.n++;
	}
	cas_hashset_clear(s);
	*s = n;
	return 0;
}

int cas_hashset_add(struct cas_hashset *s, const volt_cas_hash *h, uint32_t value)
{
	size_t i;

	if ((s->n + 1) * 4 > s->cap * 3) {
		int r = grow(s);

		if (r < 0)
			return r;
	}
	i = find(s, h);
	if (s->used[i])
		return 0;
	s->keys[i] = *h;
	s->values[i] = value;
	s->used[i] = 1;
	s->n++;
	return 1;
}

bool cas_hashset_contains(const struct cas_hashset *s, const volt_cas_hash *h)
{
	return s->cap && s->used[find(s, h)];
}

bool cas_hashset_get(const struct cas_hashset *s, const volt_cas_hash *h, uint32_t *value)
{
	size_t i;

	if (!s->cap)
		return false;
	i = find(s, h);
	if (!s->used[i])
		return false;
	*value = s->values[i];
	return true;
}

void cas_hashset_clear(struct cas_hashset *s)
{
	free(s->keys);
	free(s->values);
	free(s->used);
	memset(s, 0, sizeof(*s));
}
