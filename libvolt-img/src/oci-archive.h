/*
 * Image archives (docker-archive and OCI image layout tars): what their
 * JSON documents say (oci-manifest.c) and how they are read
 * (oci-archive.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_ARCHIVE_H
#define VOLT_IMG_ARCHIVE_H

#include "oci-internal.h"

#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define OCI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

struct oci_layer_ref {
	char digest[OCI_DIGEST_SIZE];   /* OCI: the blob's digest; Docker: filled from the diff_id */
	char *path;                     /* Docker: the member holding it; OCI: NULL (blobs/sha256/HEX) */
	enum oci_compression compression;
	int64_t size;                   /* -1: unknown */
	bool verify_blob;               /* the blob as stored must hash to @digest */
};

struct oci_image_ref {
	char *name;                     /* NULL: the archive does not name it */
	char *config_path;              /* Docker: the member; OCI: NULL */
	char config_digest[OCI_DIGEST_SIZE]; /* "" when the archive does not say */
	int64_t config_size;            /* -1: unknown */
	char manifest_digest[OCI_DIGEST_SIZE]; /* "" for Docker archives */
	struct oci_layer_ref *layers;
	size_t n_layers;
};

struct oci_descriptor {
	char *media_type;
	char digest[OCI_DIGEST_SIZE];
	int64_t size;
	bool is_index;
	char *ref_name;                 /* org.opencontainers.image.ref.name, or NULL */
	char *os, *architecture, *variant;
};

void oci_image_ref_clear(struct oci_image_ref *r);
void oci_image_refs_free(struct oci_image_ref *v, size_t n);
void oci_descriptors_free(struct oci_descriptor *v, size_t n);

/* All -EBADMSG for malformed documents, -EOPNOTSUPP for unsupported media types. */
int oci_parse_docker_manifest(const char *json, size_t len, struct oci_image_ref **out, size_t *n);
int oci_parse_index(const char *json, size_t len, const char *what, struct oci_descriptor **out, size_t *n);
int oci_parse_manifest(const char *json, size_t len, const char *what, struct oci_image_ref *out);
int oci_parse_diff_ids(const char *json, size_t len, volt_cas_hash **out, size_t *n);

#endif
