/*
 * Finding a path inside a root, and the public entry view of it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_LOOKUP_H
#define VOLT_CAS_LOOKUP_H

#include "object.h"

/*
 * What "SPEC[:path]" names: the root object's kind, and for a path, its
 * entry in @holder (which the caller clears). *out_entry is NULL for
 * the root itself.
 */
struct cas_target {
	volt_cas_hash root;
	int root_kind;              /* CAS_OBJECT_* */
	struct cas_tree holder;
	struct cas_entry *entry;
};

int cas_target_resolve(volt_cas *cas, const char *spec, struct cas_target *out);
void cas_target_clear(struct cas_target *t);

/* Fill @pub from @e, pointing into @e; @x must have room for e->n_xattrs. */
void cas_entry_to_public(volt_cas_entry *pub, volt_cas_xattr *x, const struct cas_entry *e);

#endif
