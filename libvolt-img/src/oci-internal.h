/*
 * Private declarations of the OCI image support (oci-*.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_INTERNAL_H
#define VOLT_IMG_INTERNAL_H

#include <sys/types.h>

#include <volt/img.h>

#include "import.h"

/* "sha256:" + 64 hex digits + NUL */
#define OCI_DIGEST_SIZE (7 + VOLT_CAS_HASH_HEX_SIZE)
#define OCI_NAME_MAX 512

enum oci_compression {
	OCI_COMPRESSION_DETECT = 0,
	OCI_COMPRESSION_NONE,
	OCI_COMPRESSION_GZIP,
	OCI_COMPRESSION_ZSTD,
};

/* oci-digest.c */
/* Check "sha256:<64 lower-case hex>" and return the hash. */
int oci_digest_parse(const char *digest, volt_cas_hash *out);
void oci_digest_format(char out[OCI_DIGEST_SIZE], const volt_cas_hash *h);
/* The compression a layer media type declares; -EOPNOTSUPP for an unknown type. */
int oci_media_type_compression(const char *media_type, enum oci_compression *out);

/* oci-stream.c: read filters. Each is a cas_read_fn over another. */
struct oci_hasher;
int oci_hasher_new(struct oci_hasher **out, cas_read_fn rd, void *ctx);
ssize_t oci_hasher_read(void *ctx, void *buf, size_t len);
/* Bytes seen so far and their SHA-256. */
void oci_hasher_result(struct oci_hasher *h, volt_cas_hash *out, uint64_t *out_bytes);
void oci_hasher_free(struct oci_hasher *h);

struct oci_decompressor;
/* @c DETECT sniffs the first bytes. Errors of bad data are -EBADMSG. */
int oci_decompressor_new(struct oci_decompressor **out, enum oci_compression c, cas_read_fn rd, void *ctx);
ssize_t oci_decompressor_read(void *ctx, void *buf, size_t len);
void oci_decompressor_free(struct oci_decompressor *d);

/* oci-layer.c */
struct oci_layer_hashes {
	volt_cas_hash blob;     /* SHA-256 of the bytes read (the blob digest) */
	uint64_t blob_size;
	volt_cas_hash diff_id;  /* SHA-256 of the uncompressed tar */
};

/* Import a layer read through @rd; with @expect non-NULL, refuse it (nothing
 * recorded) unless the blob hashes to @digest and its uncompressed tar to
 * @expect_diff_id (when not NULL). The caller holds no lock. */
int oci_layer_import_stream(volt_cas *cas, const char *digest, enum oci_compression c, cas_read_fn rd,
			    void *ctx, bool verify_blob, const volt_cas_hash *expect_diff_id,
			    const volt_cas_import_options *opts, volt_cas_hash *out_tree);
/* Write the layer record; the caller holds the shared lock and has synced. */
int oci_layer_record_write(volt_cas *cas, const volt_cas_hash *digest, const volt_cas_hash *tree);
int oci_layer_record_remove(volt_cas *cas, const char *digest);

/* oci-merge.c: merge layer trees (lowest first) into one tree. */
int oci_merge_layers(volt_cas *cas, const volt_cas_hash *layers, size_t n, volt_cas_hash *out_root);

/* oci-layer.c: "oci/SUB" of the store; -ENOENT (no message) when absent and !create. */
int oci_dir_open(volt_cas *cas, const char *sub, bool create, int *out_fd);

/* oci-commit.c: check an image name; add ":latest" when it has no tag or digest. */
int oci_name_normalize(const char *name, char **out);

/* oci-export.c: remove the export record of tree @root_hex (no image has it any more). */
void oci_export_forget(volt_cas *cas, const char *root_hex);

/* oci-image.c: refuse a config that readers could not use (-EINVAL). */
int oci_config_check(const char *json, size_t len);

/* oci-record.c: image records, "oci/images/<sha256 of the name>.json". */
struct json_t;
int oci_record_write(volt_cas *cas, const char *full_name, struct json_t *rec);
/* -ENOENT (with a message) when there is no record of that exact name. */
/* The fields every reader relies on (-EBADMSG): for records from elsewhere. */
int oci_record_check(struct json_t *rec, const char *what);
int oci_record_read(volt_cas *cas, const char *full_name, struct json_t **out);
int oci_record_remove(volt_cas *cas, const char *full_name);
/* Every record, in name order; a corrupt one fails with -EBADMSG unless @skip_bad. */
int oci_record_list(volt_cas *cas, bool skip_bad, struct json_t **out_array);

/* oci-roots.c: each record's store ref, "img.image.<record file hex>" or
 * "img.layer.<blob digest hex>", which keeps its data from gc. */
#define OCI_ROOT_IMAGE "image"
#define OCI_ROOT_LAYER "layer"
/* "img." + kind + "." + 64 hex digits + NUL */
#define OCI_ROOT_REF_SIZE (4 + 5 + 1 + 64 + 1)
void oci_root_ref_name(char out[OCI_ROOT_REF_SIZE], const char *kind, const char *hex);
/* Serialise a record's ref and file against other records' (oci/records.lock,
 * held exclusively; taken after the store's lock, never the other way). */
int oci_records_lock(volt_cas *cas, int *out_fd);
/* Set the ref of a record before the record is written; the caller holds
 * the shared lock (the data is synced before the ref). */
int oci_root_set(volt_cas *cas, const char *kind, const char *hex, const volt_cas_hash *root);
/* Drop the ref of a record after the record was removed; absent is fine. */
int oci_root_drop(volt_cas *cas, const char *kind, const char *hex);

/* oci-record.c: every image and layer record with its ref name and the
 * root it keeps; @root NULL and @err negative for one that cannot be read.
 * *n_out counts records. */
typedef int (*oci_root_fn)(volt_cas *cas, const char *what, const char *ref, const volt_cas_hash *root, int err,
			   void *userdata);
int oci_for_each_root(volt_cas *cas, oci_root_fn fn, void *userdata, uint64_t *n_out);

#endif
