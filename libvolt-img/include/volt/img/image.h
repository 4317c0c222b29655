/*
 * libvolt-img: OCI and Docker images in Stellarium.
 *
 * An image is imported layer by layer: each layer blob becomes a layer
 * tree (its whiteout entries kept as plain entries), recorded under the
 * blob's digest so that a later pull or import skips it. Committing an
 * image merges its layer trees in order (whiteouts and opaque
 * directories applied) into one root file system tree, and records the
 * image under a name together with its config JSON. Records live inside
 * the store directory (docs/img-format.md), so they travel with the
 * store. Each record holds a store ref in the namespace "img." that
 * libvolt-img owns, so the store's gc keeps everything a record names
 * without knowing images.
 *
 * Included by <volt/img.h>. Errors follow libvolt-core's convention:
 * negative errno, message in volt_error_message().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_IMAGE_H
#define VOLT_IMG_IMAGE_H

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
 * they are interpreted only by volt_img_image_commit(). The tar rules
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
VOLT_API int volt_img_layer_import(volt_cas_hash *out_tree, volt_cas *cas, const char *digest, const char *media_type,
				       int fd);

/**
 * Look up the layer tree recorded under @digest.
 *
 * @return 0 and the tree in @out_tree; -ENOENT if @digest was never
 *         imported (or its record was removed); -EINVAL for a bad digest
 *         or a corrupt record.
 */
VOLT_API int volt_img_layer_lookup(volt_cas_hash *out_tree, volt_cas *cas, const char *digest);

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
VOLT_API int volt_img_image_commit(volt_cas_hash *out_root, volt_cas *cas, const char *name,
				       const char *const *layer_digests, size_t n_layers, const char *config_json,
				       size_t config_len, const char *manifest_digest);

/**
 * An image as recorded, and what its config says. Allocated by the
 * library (fields may be appended in later versions); every string and
 * array belongs to the image and lives until volt_img_image_free().
 * String arrays are NULL-terminated.
 */
typedef struct volt_img_image {
	const char *name;               /* full recorded name, e.g. "127.0.0.1:5000/library/demo:1.0" */
	const char *id;                 /* "sha256:<hex>" of the config bytes */
	const char *manifest_digest;    /* NULL when the image came without a manifest */
	volt_cas_hash root;             /* the merged tree: the image's root file system */
	volt_cas_hash record;           /* the record tree (config.json, layers/, rootfs/) */
	int64_t created;                /* when it was recorded, seconds since the epoch */
	size_t n_layers;
	const char *const *layers;      /* layer digests, lowest first */
	const char *config_json;        /* the config as stored, NUL-terminated */
	size_t config_len;
	/* From the config's "config" object. NULL when absent or null; an
	 * empty array stays an empty array (Docker tells them apart). */
	const char *const *entrypoint;
	const char *const *cmd;
	const char *const *env;         /* "KEY=VALUE" */
	const char *working_dir;
	const char *user;
	const char *const *exposed_ports; /* "80/tcp", ... sorted */
	const char *os;
	const char *architecture;
} volt_img_image;

/**
 * Find an image and read its record and config.
 *
 * @param name  a full recorded name; a name without tag ("demo", taken as
 *              "demo:latest"); a short form that ends a recorded name after
 *              a '/' ("demo:1.0" finds "127.0.0.1:5000/library/demo:1.0")
 *              when exactly one name matches; or an image id ("sha256:<hex>",
 *              or at least 12 leading hex digits of it).
 * @param out   on success, an image to free with volt_img_image_free().
 * @return 0; -ENOENT when nothing matches; -ENOTUNIQ when a short form or
 *         id prefix matches several images (the message names them);
 *         -EBADMSG for a corrupt record or config; I/O errors.
 */
VOLT_API int volt_img_image_get(volt_img_image **out, volt_cas *cas, const char *name);

/** Free an image from volt_img_image_get(). NULL is accepted. Returns NULL. */
VOLT_API volt_img_image *volt_img_image_free(volt_img_image *img);

/**
 * The full names of all recorded images, sorted.
 *
 * @param out  a NULL-terminated array; free with volt_strv_free().
 * @param n    if not NULL, the count.
 * @return 0; -EBADMSG when a record is corrupt; I/O errors.
 */
VOLT_API int volt_img_image_list(char ***out, size_t *n, volt_cas *cas);

/**
 * Record the image that @src finds (as volt_img_image_get()) under
 * the new name @dst as well (":latest" added when @dst has no tag),
 * replacing any image of that name. Both names then share all data.
 *
 * @return 0; -ENOENT, -ENOTUNIQ for @src; -EINVAL for a bad @dst; I/O errors.
 */
VOLT_API int volt_img_image_tag(volt_cas *cas, const char *src, const char *dst);

/**
 * Remove the record of the image @name finds (as volt_img_image_get();
 * an id must name exactly one record), and the layer records that no
 * remaining image uses. Data goes at the next volt_cas_gc(), unless a
 * ref or another image still reaches it.
 *
 * @param out_name  if not NULL, the full name removed (free() it).
 * @return 0; -ENOENT; -ENOTUNIQ; I/O errors.
 */
VOLT_API int volt_img_image_remove(char **out_name, volt_cas *cas, const char *name);

/* ---- Archives ---------------------------------------------------------- */

typedef struct volt_img_import_options {
	unsigned int version;           /* VOLT_IMG_IMPORT_OPTIONS_VERSION */
	/* Record the image under this name instead of the one the archive
	 * gives; the archive must then hold exactly one image. NULL: the
	 * archive's names (Docker's RepoTags, OCI's ref.name annotation). */
	const char *name;
	/* Progress: bytes and bytes_total count the layer blobs read from the
	 * archive (layers already in the store are skipped and not counted);
	 * files counts layers done. */
	volt_cas_progress_fn progress;
	void *userdata;
} volt_img_import_options;

#define VOLT_IMG_IMPORT_OPTIONS_VERSION 1
#define VOLT_IMG_IMPORT_OPTIONS_INIT { VOLT_IMG_IMPORT_OPTIONS_VERSION, NULL, NULL, NULL }

/**
 * Import the images of an archive file: a docker-archive tar (manifest.json
 * and layer tars, as `docker save` writes it) or an OCI image layout tar
 * (oci-layout, index.json, blobs/sha256/, as `skopeo copy ... oci-archive:`
 * writes it). For an image index, the linux image of the host's
 * architecture is taken. Every blob is verified: OCI blobs against their
 * digests and sizes, Docker configs against their file names, and every
 * layer's uncompressed content against the config's diff_ids. Layers
 * already imported are not read again. Each image is recorded as with
 * volt_img_image_commit(); an image whose import fails is not
 * recorded (images recorded before it stay).
 *
 * @param path       a seekable file (not a pipe).
 * @param opts       NULL for defaults.
 * @param out_names  if not NULL, the full names recorded, NULL-terminated;
 *                   free with volt_strv_free().
 * @return 0; -EBADMSG for a malformed archive or a digest mismatch;
 *         -EOPNOTSUPP for an unsupported media type or an index without
 *         an image for this machine; -EINVAL when the archive does not
 *         name an image and opts->name is not given, or gives @name for
 *         several images; -ESPIPE for a pipe; errors of
 *         volt_img_layer_import(); I/O errors.
 */
VOLT_API int volt_img_archive_import(char ***out_names, volt_cas *cas, const char *path,
					 const volt_img_import_options *opts);

/**
 * Write the image @name finds (as volt_img_image_get()) to @fd as an
 * OCI image layout tar ("oci-layout", "index.json", "blobs/sha256/"), the
 * form `skopeo copy oci-archive:FILE ...` and volt_img_archive_import()
 * read: the layer, config and manifest of volt_img_image_push(), and
 * an index whose one entry has the annotation
 * org.opencontainers.image.ref.name set to the image's full name. @fd is
 * written sequentially (a pipe is fine); on failure what was written is
 * not a complete archive, and the caller removes it.
 *
 * @param out_digest  if not NULL, VOLT_IMG_DIGEST_SIZE bytes (<volt/img/registry.h>)
 *                    for the manifest's digest.
 * @return 0; -ENOENT, -ENOTUNIQ for @name; -EBADMSG for corrupt data in
 *         the store; write errors on @fd.
 */
VOLT_API int volt_img_image_save(char *out_digest, volt_cas *cas, const char *name, int fd);

/* ---- Roots ------------------------------------------------------------- */

#define VOLT_IMG_ROOTS_DRY_RUN (1u << 0) /* change nothing but add missing refs */
#define VOLT_IMG_ROOTS_NO_WAIT (1u << 1) /* -EBUSY at once if a writer holds the store */

/**
 * Make the store refs of image and layer records ("img.image.*",
 * "img.layer.*") match the records, before a volt_cas_gc(): give every
 * record that has none its ref (stores written before 0.4 had none, and
 * their gc would take the images' data), and drop the refs a crash left
 * without a record (their data stays until then). Takes the store's
 * exclusive lock, like gc.
 *
 * @param flags  VOLT_IMG_ROOTS_*. A dry run still adds missing refs
 *               (that only ever keeps data) but drops none: a gc dry run
 *               after it does not count what leftover refs keep.
 * @return 0; -EBUSY with NO_WAIT while an import runs; -EBADMSG
 *         (and nothing dropped) when a record without a ref cannot be
 *         read; I/O errors.
 */
VOLT_API int volt_img_roots_repair(volt_cas *cas, unsigned int flags);

VOLT_END_DECLS

#endif
