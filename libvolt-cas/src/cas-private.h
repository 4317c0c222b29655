/*
 * The store's private interface for libvolt-img: the few internals that
 * images and the registry client build on (blocks, tree objects, the tar
 * reader and tree importer, refs under the lock, reachability), exported
 * from libvolt-cas.so under the version node VOLT_CAS_PRIVATE.
 *
 * Not an ABI: libvolt-img is built from the same tree and its package
 * depends on exactly this libvolt-cas (like glibc's GLIBC_PRIVATE). Any
 * other program uses <volt/cas.h> only. Giving an internal to a library
 * above means one line here and one in libvolt-cas.sym.
 *
 * Meson includes this file first in every file of libvolt-cas
 * (-include), so that these declarations, with default visibility,
 * come before the private headers' own (-fvisibility=hidden for the rest).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_PRIVATE_H
#define VOLT_CAS_PRIVATE_H

#include "cas-internal.h"
#include "import.h"
#include "object.h"
#include "tar.h"
#include "walk.h"

#define CAS_PRIVATE __attribute__((visibility("default")))

/* Blocks and objects. */
CAS_PRIVATE void cas_sha256(volt_cas_hash *out, const void *data, size_t len);
CAS_PRIVATE int cas_block_put(volt_cas *cas, const void *data, size_t len, volt_cas_hash *out,
			      struct cas_counters *c);
CAS_PRIVATE int cas_block_get(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len);
CAS_PRIVATE int cas_block_exists(volt_cas *cas, const volt_cas_hash *h);
/* A block as the store encodes it (header, zstd or raw payload), verified;
 * and an encoded block (any codec) stored as it is once it decodes to its
 * hash @h. */
CAS_PRIVATE int cas_block_get_encoded(volt_cas *cas, const volt_cas_hash *h, void **out, size_t *out_len);
CAS_PRIVATE int cas_block_put_encoded(volt_cas *cas, const volt_cas_hash *h, const void *enc, size_t len,
				      uint32_t *out_raw_len);
CAS_PRIVATE int cas_object_kind(const void *data, size_t len);
CAS_PRIVATE int cas_object_store(volt_cas *cas, const void *data, size_t len, volt_cas_hash *out,
				 struct cas_counters *c);
CAS_PRIVATE int cas_tree_serialize(const struct cas_entry *entries, size_t n, void **out, size_t *out_len);
CAS_PRIVATE int cas_tree_load(volt_cas *cas, const volt_cas_hash *h, struct cas_tree *out);
CAS_PRIVATE void cas_tree_clear(struct cas_tree *t);

/* The lock, sync and refs under the lock. */
CAS_PRIVATE int cas_lock(volt_cas *cas, bool exclusive, bool wait, int *out_fd);
CAS_PRIVATE int cas_sync(volt_cas *cas);
CAS_PRIVATE int cas_ref_name_check(const char *name);
CAS_PRIVATE int cas_ref_set_locked(volt_cas *cas, const char *name, const volt_cas_hash *root);

/* Progress. */
CAS_PRIVATE void cas_progress_init(struct cas_progress_state *s, volt_cas_progress_fn fn, void *userdata);
CAS_PRIVATE void cas_progress_update(struct cas_progress_state *s, const struct cas_counters *c, bool done);
CAS_PRIVATE uint64_t cas_now_ns(void);

/* Tar archives (image archives are tars) and tar streams as trees (layers). */
CAS_PRIVATE int cas_tar_next(struct cas_tar_state *st, cas_tar_read_fn rd, void *ctx, struct tar_member *m);
CAS_PRIVATE int cas_tar_skip_data(struct tar_member *m);
CAS_PRIVATE void cas_tar_member_clear(struct tar_member *m);
CAS_PRIVATE void cas_tar_state_clear(struct cas_tar_state *st);
CAS_PRIVATE int cas_tar_split_path(const char *path, char ***out, size_t *n);
CAS_PRIVATE void cas_tar_strv_freep(char ***p);
CAS_PRIVATE int cas_import_tar_stream(volt_cas *cas, cas_read_fn rd, void *rd_ctx,
				      const volt_cas_import_options *opts, volt_cas_hash *out_root,
				      volt_cas_progress *out_stats);

/* Reachability (the blocks a store push sends). */
CAS_PRIVATE int cas_walk_root(struct cas_walk *w, const volt_cas_hash *root);
CAS_PRIVATE void cas_walk_clear(struct cas_walk *w);

#endif
