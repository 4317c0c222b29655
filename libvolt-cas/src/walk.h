/*
 * Reachability: visit every object and block under a root, each once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_WALK_H
#define VOLT_CAS_WALK_H

#include "hashset.h"
#include "object.h"

struct cas_walk {
	volt_cas *cas;
	struct cas_hashset seen;      /* every hash visited, value: raw length */
	uint64_t logical;             /* file and image bytes, shared subtrees counted once per ref */
	uint64_t unique;              /* raw bytes of distinct data blocks and objects */
	/* Called for an object that cannot be read or parsed; return 0 to
	 * skip it and go on, negative to stop. NULL: stop. */
	int (*on_bad_object)(struct cas_walk *w, const volt_cas_hash *h, int err);
	/* Called for each new data block; NULL: nothing. */
	int (*on_block)(struct cas_walk *w, const volt_cas_hash *h, uint32_t len);
	void *userdata;
	/* Stats: count shared subtrees' logical bytes once per reference. Each
	 * tree is still read once: its logical size is remembered (sizes), so a
	 * tree that references one subtree many times (a DAG bomb) costs a walk
	 * linear in the number of distinct objects, not in its expansion. */
	bool count_shared;
	struct cas_hashset sizes;     /* tree hash -> index into size_of */
	uint64_t *size_of;
	size_t n_sizes, cap_sizes;
};

/* Free what a walk allocated (the seen set included). */
void cas_walk_clear(struct cas_walk *w);

int cas_walk_root(struct cas_walk *w, const volt_cas_hash *root);
/* Walk every ref; @on_bad_ref may skip unreadable refs (return 0). Refs are
 * the only roots: layers above the store (image records) keep their data
 * with refs of their own, so the walk knows nothing of them. */
int cas_walk_refs(struct cas_walk *w, int (*on_bad_ref)(struct cas_walk *w, const char *name, int err),
		  uint64_t *n_refs);

#endif
