/*
 * A set of hashes (open addressing; SHA-256 is already uniform, so the
 * first bytes serve as the bucket index), with a 32-bit value each.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_HASHSET_H
#define VOLT_CAS_HASHSET_H

#include "cas-internal.h"

struct cas_hashset {
	volt_cas_hash *keys;
	uint32_t *values;
	uint8_t *used;
	size_t n, cap;
};

/* 1 if added, 0 if it was there already, -ENOMEM. */
int cas_hashset_add(struct cas_hashset *s, const volt_cas_hash *h, uint32_t value);
bool cas_hashset_contains(const struct cas_hashset *s, const volt_cas_hash *h);
/* Whether @h is in the set; if so, its value into @value. */
bool cas_hashset_get(const struct cas_hashset *s, const volt_cas_hash *h, uint32_t *value);
void cas_hashset_clear(struct cas_hashset *s);

#endif
