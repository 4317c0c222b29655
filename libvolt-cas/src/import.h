/*
 * What the importers share: the in-memory tree they build before
 * writing tree objects bottom-up, and the chunked storing of a stream.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_IMPORT_H
#define VOLT_CAS_IMPORT_H

#include <sys/types.h>

#include "chunker.h"
#include "object.h"
#include "pool.h"

struct cas_node {
	struct cas_entry e;
	struct cas_node **children;
	size_t n_children, cap_children;
	struct cas_node *link_leader; /* hard link: the node holding the content */
};

int cas_node_new(struct cas_node **out, const char *name, uint8_t type);
void cas_node_free(struct cas_node *n);
int cas_node_add_child(struct cas_node *dir, struct cas_node *child);
struct cas_node *cas_node_find_child(struct cas_node *dir, const char *name);
/* Write the tree objects of @root and below; @root's hash in @out. */
int cas_node_store(volt_cas *cas, struct cas_node *root, struct cas_counters *c, volt_cas_hash *out);

typedef ssize_t (*cas_read_fn)(void *ctx, void *buf, size_t len);

/* Chunk what @rd yields into blocks and store them; @size_hint sizes the buffer. */
int cas_store_stream(volt_cas *cas, const struct cas_chunker *ch, cas_read_fn rd, void *ctx,
		     uint64_t size_hint, struct cas_counters *c, struct cas_entry *e);

/* Import a tar stream that @rd yields (bytes, 0 at its end, or a negative
 * errno with the message set); see volt_cas_import_tar(). The caller holds
 * the store's shared lock. */
int cas_import_tar_stream(volt_cas *cas, cas_read_fn rd, void *rd_ctx, const volt_cas_import_options *opts,
			  volt_cas_hash *out_root, volt_cas_progress *out_stats);

/* Validate and complete import options. */
int cas_import_options(volt_cas_import_options *o, const volt_cas_import_options *opts,
		       struct cas_chunker *ch);
/* After the data is in: sync, tag, report. Releases nothing; the caller holds the lock. */
int cas_import_finish(volt_cas *cas, const volt_cas_import_options *o, const volt_cas_hash *root,
		      struct cas_progress_state *ps, struct cas_counters *c, volt_cas_progress *out_stats);
/* Wait for the pool while reporting progress. */
int cas_pool_wait_progress(struct cas_pool *pool, struct cas_progress_state *ps, struct cas_counters *c);

#endif
