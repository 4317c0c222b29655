/*
 * Exporting an image the store holds as OCI blobs (oci-export.c), and the
 * tar writer it uses (oci-tar-write.c): the image's merged tree as one
 * gzip layer, a config that names it, and a manifest. Push and save share
 * this; the bytes are a function of the tree and the config only, so the
 * same image exports to the same digests every time (a second push finds
 * its blobs already there).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_EXPORT_H
#define VOLT_IMG_EXPORT_H

#include <stdbool.h>
#include <stdint.h>



#include <volt/img.h>

#include "cas-internal.h"

#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"

/* ---- oci-tar-write.c ---- */

struct oci_tar_writer;

/* A tar stream to @fd, gzip-compressed when @gzip. Both the bytes written
 * and the tar before compression are hashed. */
int oci_tar_writer_new(struct oci_tar_writer **out, int fd, bool gzip);
struct oci_tar_writer *oci_tar_writer_free(struct oci_tar_writer *w);
/* One member of @size bytes whose data follows in oci_tar_write_data(). */
int oci_tar_write_file_header(struct oci_tar_writer *w, const char *path, uint32_t mode, uint64_t size,
			      int64_t mtime);
int oci_tar_write_data(struct oci_tar_writer *w, const void *data, size_t len);
/* Pad the member's data to a block boundary. */
int oci_tar_write_pad(struct oci_tar_writer *w, uint64_t size);
int oci_tar_write_dir(struct oci_tar_writer *w, const char *path, int64_t mtime);
/* Every entry of tree @root (not @root itself), depth first in name order. */
int oci_tar_write_tree(struct oci_tar_writer *w, volt_cas *cas, const volt_cas_hash *root);
/* The end-of-archive blocks; flush. Then the digests: of the bytes written
 * (the blob) and of the uncompressed tar (the diff_id). */
int oci_tar_writer_finish(struct oci_tar_writer *w, char blob_digest[VOLT_IMG_DIGEST_SIZE], uint64_t *blob_size,
			  char diff_id[VOLT_IMG_DIGEST_SIZE]);

/* ---- oci-export.c ---- */

struct oci_export {
	volt_img_image *img;
	int layer_fd;                   /* an unnamed file holding the layer blob, or -1 */
	char layer_digest[VOLT_IMG_DIGEST_SIZE];
	uint64_t layer_size;
	char *config;                   /* JSON bytes */
	size_t config_len;
	char config_digest[VOLT_IMG_DIGEST_SIZE];
	char *manifest;
	size_t manifest_len;
	char manifest_digest[VOLT_IMG_DIGEST_SIZE];
};

/* Find image @name (as volt_img_image_get()) and export it. Without
 * @need_layer, an earlier export of the same tree (recorded in the store)
 * gives the layer's digests and no layer is written (layer_fd stays -1). */
int oci_export_prepare(volt_cas *cas, const char *name, bool need_layer, struct oci_export *out);
/* Write the layer when prepare did not; if it came out other than
 * recorded, the config and manifest are remade to name it. */
int oci_export_write_layer(volt_cas *cas, struct oci_export *e);
void oci_export_clear(struct oci_export *e);

#endif
