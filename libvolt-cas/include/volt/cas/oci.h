/*
 * libvolt-cas: OCI and Docker images in Stellarium.
 *
 * An image is imported layer by layer: each layer blob becomes a layer
 * tree (its whiteout entries kept as plain entries), recorded under the
 * blob's digest so that a later pull or import skips it. Committing an
 * image merges its layer trees in order (whiteouts and opaque
 * directories applied) into one root file system tree, and records the
 * image under a name together with its config JSON. Records live inside
 * the store directory (docs/cas-format.md, "OCI images"), so they travel
 * with the store, and gc keeps everything a record names.
 *
 * Included by <volt/cas.h>. Errors follow libvolt-core's convention:
 * negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_OCI_H
#define VOLT_CAS_OCI_H

#include <volt/cas.h>

VOLT_BEGIN_DECLS

/* ---- Layers ------------------------------------------------------------ */

/**
 * Import one OCI/Docker layer blob read from @fd until its end, as a
 * layer tree, and record it under @digest.
 *
 * @param digest      "sha256:" and 64 lower-case hex digits: the blob's
 *                    digest, which the caller has verified (this function
 *                    does not hash the blob).
 * @param media_type  the layer's media type: the OCI layer types
 *                    (application/vnd.oci.image.layer.v1.tar, +gzip, +zstd,
 *                    and their nondistributable forms) and Docker's
 *                    (application/vnd.docker.image.rootfs.diff.tar.gzip,
 *                    ...foreign.diff.tar.gzip); NULL detects plain tar,
 *                    gzip or zstd from the first bytes.
 * @param out_tree    the layer tree's hash.
 *
 * Whiteouts (".wh.NAME", ".wh..wh..opq") stay entries of the layer tree;
 * they are interpreted only by volt_cas_oci_image_commit(). The tar rules
 * of volt_cas_import_tar() apply: absolute paths, "..", paths through a
 * non-directory (a symlink included), and hard links to anything but an
 * earlier regular file of the same layer are refused. Holds the store's
 * shared lock until the record is written. On any error nothing is
 * recorded.
 *
 * @return 0; -EINVAL for a bad digest or a hostile entry; -EOPNOTSUPP for
 *         an unknown media type; -EBADMSG for a truncated stream or bad
 *         compressed data; I/O errors of reading @fd or writing the store.
 */
VOLT_API int volt_cas_oci_layer_import(volt_cas *cas, const char *digest, const char *media_type, int fd,
				       volt_cas_hash *out_tree);

/**
 * Look up the layer tree recorded under @digest.
 *
 * @return 0 and the tree in @out_tree; -ENOENT if @digest was never
 *         imported (or its record was removed); -EINVAL for a bad digest
 *         or a corrupt record.
 */
VOLT_API int volt_cas_oci_layer_lookup(volt_cas *cas, const char *digest, volt_cas_hash *out_tree);

/* ---- Images ------------------------------------------------------------ */

/**
 * Merge the imported layers @layer_digests[0..@n_layers) in order (lowest
 * first) into one tree, and record the image under @name, atomically: on
 * any error no image is recorded (and an earlier image of that name
 * stays).
 *
 * Merging applies OCI whiteouts: ".wh.NAME" removes NAME of the layers
 * below, ".wh..wh..opq" hides everything below in its directory; other
 * ".wh..wh.*" entries are dropped. An entry of a higher layer replaces
 * the entry of the same name below (directories merge). Hard link groups
 * are renumbered so that links of different layers never join.
 *
 * @param name            the image name, such as "127.0.0.1:5000/library/demo:1.0"
 *                        or "demo:1.0"; a name without a tag or digest gets
 *                        ":latest". At most 512 printable ASCII characters,
 *                        no spaces. An existing image of that name is replaced.
 * @param config_json     the image config, raw bytes as fetched (it must be a
 *                        JSON object); its SHA-256 is the image id.
 * @param manifest_digest the manifest's digest ("sha256:..."), or NULL when
 *                        there is none (an archive without a manifest blob).
 * @param out_root        if not NULL, the merged tree.
 * @return 0; -ENOENT when a layer was not imported; -EINVAL for a bad
 *         name, digest or config; -EBADMSG for a corrupt layer tree;
 *         I/O errors.
 */
VOLT_API int volt_cas_oci_image_commit(volt_cas *cas, const char *name, const char *const *layer_digests,
				       size_t n_layers, const char *config_json, size_t config_len,
				       const char *manifest_digest, volt_cas_hash *out_root);

VOLT_END_DECLS

#endif
