/*
 * libvolt-img: the OCI distribution client (registry v2 API over libcurl).
 *
 * Three jobs use it:
 *  - volt_img_registry_pull() pulls an OCI or Docker image (by tag or
 *    digest, through an image index to one platform), verifies every
 *    manifest and blob against its digest, imports the layers that the
 *    store has not seen, and records the image (see <volt/img/image.h>);
 *  - volt_img_registry_push() and volt_img_registry_fetch() move a
 *    Stellarium root (a tree or disk image and every block under it)
 *    through a registry as an OCI artifact, sending and fetching only
 *    the blobs the other side lacks. The format is in docs/cas-format.md;
 *  - volt_img_image_push() pushes an image of the store as an
 *    ordinary OCI image.
 *
 * References are "REGISTRY/REPOSITORY:TAG" or "REGISTRY/REPOSITORY@sha256:HEX",
 * where REGISTRY is a host name with a dot or a port, "localhost", or an
 * IP address. Plain HTTP is used for localhost, 127.0.0.0/8 and ::1, or
 * with VOLT_IMG_REGISTRY_INSECURE; HTTPS otherwise (certificates verified).
 * Proxies come from the usual environment variables (libcurl).
 *
 * Authentication: anonymous bearer tokens (WWW-Authenticate: Bearer
 * realm, service, scope) are fetched as the registry asks; credentials
 * (username and password in the options, or an auth file in the format
 * of containers-auth.json / Docker's config.json) are sent as HTTP Basic
 * auth to a registry that asks for it, or to its token server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_REGISTRY_H
#define VOLT_IMG_REGISTRY_H

#include <stdint.h>

#include <volt/cas.h>

VOLT_BEGIN_DECLS

/* Plain HTTP (and no certificate checks) for any registry, not only loopback. */
#define VOLT_IMG_REGISTRY_INSECURE (1u << 0)
/* volt_img_registry_fetch(): replace ref @tag and image records of the same
 * names that this store gives to other content (else -EEXIST). */
#define VOLT_IMG_REGISTRY_FORCE (1u << 1)

/* "sha256:" and 64 hex digits, and a NUL. */
#define VOLT_IMG_DIGEST_SIZE 72

/**
 * Counters of a transfer, passed to the progress callback while it runs
 * and returned at the end. An "object" is an image layer (pull) or a
 * Stellarium block (push, fetch).
 */
typedef struct volt_img_registry_result {
	unsigned int version;          /* VOLT_IMG_REGISTRY_RESULT_VERSION */
	char digest[VOLT_IMG_DIGEST_SIZE]; /* manifest digest ("sha256:..."), "" until known */
	volt_cas_hash root;            /* the store root recorded, zero until known */
	uint64_t objects;              /* objects the manifest lists */
	uint64_t objects_transferred;  /* fetched or sent */
	uint64_t objects_skipped;      /* already on the other side */
	uint64_t bytes_transferred;    /* blob bytes moved so far (compressed as sent) */
	uint64_t bytes_total;          /* blob bytes that will move, 0 until known */
	int done;                      /* 1 in the last progress call */
} volt_img_registry_result;

#define VOLT_IMG_REGISTRY_RESULT_VERSION 1
#define VOLT_IMG_REGISTRY_RESULT_INIT { VOLT_IMG_REGISTRY_RESULT_VERSION, "", { { 0 } }, 0, 0, 0, 0, 0, 0 }

/** Called at most about ten times a second and once with done = 1; @p is valid during the call. */
typedef void (*volt_img_registry_progress_fn)(const volt_img_registry_result *p, void *userdata);

typedef struct volt_img_registry_options {
	unsigned int version;          /* VOLT_IMG_REGISTRY_OPTIONS_VERSION */
	unsigned int flags;            /* VOLT_IMG_REGISTRY_* */
	const char *username;          /* with @password: Basic credentials; NULL: none or @authfile */
	const char *password;
	/* containers-auth.json / Docker config.json holding "auths": {"HOST[:PORT]":
	 * {"auth": base64("user:password")}}; read when @username is NULL.
	 * NULL: no file. A file without an entry for the registry is not an error. */
	const char *authfile;
	/* pull: "os/arch[/variant]", the index entry picked and what the image's
	 * config must say (else -ENOENT); NULL: the host's ("linux/amd64" on
	 * x86-64), and an image config of another platform is only warned of. */
	const char *platform;
	const char *name;              /* pull: record the image under this name, NULL: the reference */
	unsigned int timeout_sec;      /* connect timeout, and a stall of this long aborts; 0: 30 */
	volt_img_registry_progress_fn progress;
	void *userdata;
} volt_img_registry_options;

#define VOLT_IMG_REGISTRY_OPTIONS_VERSION 1
#define VOLT_IMG_REGISTRY_OPTIONS_INIT { VOLT_IMG_REGISTRY_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL }

/**
 * Pull the image @ref into @cas: resolve the tag (or take the digest),
 * pick the platform's manifest from an index, fetch the config, fetch
 * and import each layer the store has not imported before (each blob
 * streamed to an unnamed temporary file, its size and SHA-256 checked
 * before import), then merge the layers and record the image under
 * opts->name or @ref with volt_img_image_commit(). On failure no
 * image is recorded and no temporary file is left; layers imported
 * before the failure stay in the store (as unreferenced data that the
 * next gc removes, or that the next pull reuses).
 *
 * Media types accepted: OCI image index and manifest, Docker manifest
 * list and v2 manifest; layers tar, tar+gzip and tar+zstd (OCI and
 * Docker names). Anything else is refused with -EPROTONOSUPPORT.
 *
 * @param opts  NULL for defaults.
 * @param out   if not NULL (version set), the counters; objects are layers.
 * @return 0; -EINVAL for a malformed reference or options; -ENOENT when
 *         the registry knows no such repository, tag, digest or platform;
 *         -EACCES when it refuses the credentials (401, 403); -EBADMSG
 *         when a manifest, config or blob does not match its digest or
 *         size, or is malformed; -EPROTONOSUPPORT for an unknown media
 *         type or schema; -EREMOTEIO for other HTTP errors (5xx, ...);
 *         -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT, -EPROTO (TLS) from
 *         the transport; errors of the layer import and of the store.
 */
VOLT_API int volt_img_registry_pull(volt_img_registry_result *out, volt_cas *cas, const char *ref,
				    const volt_img_registry_options *opts);

/**
 * Push the Stellarium root @spec (a ref or a 64-digit hash; a tree or a
 * disk image) to @dest ("REGISTRY/REPOSITORY:TAG") as an OCI pack
 * artifact: the blocks under the root travel as the store keeps them
 * (compressed) in pack blobs, found through one index blob. What the
 * repository already holds is learnt from the indexes of its pack
 * artifacts (no HEAD per block), and only packs of new blocks are sent;
 * then the manifest is put under the tag. Image records whose record tree
 * is the root travel with it. No limit on the number of blocks. Options
 * used: flags, credentials, timeout_sec, progress. The format is in
 * docs/registry-packs.md.
 *
 * @param out  if not NULL (version set): objects are blocks (objects
 *             included), transferred the ones uploaded in new packs,
 *             skipped the ones the repository had; bytes count what was
 *             uploaded; digest is the manifest's.
 * @return 0; -EINVAL for a malformed @dest; -ENOENT for an unknown @spec;
 *         -EBADMSG for corrupt data in the store; transport and HTTP
 *         errors as volt_img_registry_pull().
 */
VOLT_API int volt_img_registry_push(volt_img_registry_result *out, volt_cas *cas, const char *spec,
				    const char *dest, const volt_img_registry_options *opts);

/**
 * Push the image @name finds (as volt_img_image_get()) to @dest
 * ("REGISTRY/REPOSITORY[:TAG]", ":latest" when no tag) as an OCI image
 * that any registry client can pull: one tar+gzip layer holding the
 * image's merged tree (modes, owners, times, symlinks, hard links,
 * devices and xattrs kept), the image's config with rootfs.diff_ids
 * naming that layer (Entrypoint, Cmd, Env, WorkingDir, User,
 * ExposedPorts, Volumes and the rest as recorded; history entries kept
 * and marked empty, one added for the layer), and an OCI image manifest
 * put under the tag. The original layer blobs of a pulled image are not
 * kept by the store, so the layer is written from the tree (to a temporary
 * file in the store, or in $TMPDIR or /var/tmp when the store is not
 * writable); it is deterministic, and the store remembers what a tree
 * exported to (oci/exports/, docs/cas-format.md), so pushing the same
 * image again asks (HEAD) for the blobs, writes no layer when the
 * registry has it, and sends only the manifest. Uploads are monolithic (POST, then one PUT). Options used:
 * flags, credentials (a push token asks for "pull,push"), timeout_sec,
 * progress.
 *
 * @param out  if not NULL (version set): objects is 1 (the layer),
 *             objects_transferred 1 when it was uploaded and
 *             objects_skipped 1 when the registry had it; bytes count the
 *             layer's upload; digest is the manifest's; root the image's tree.
 * @return 0; -EINVAL for a malformed @dest or one with a digest; -ENOENT,
 *         -ENOTUNIQ for @name (as volt_img_image_get()); -EBADMSG for
 *         corrupt data in the store; transport and HTTP errors as
 *         volt_img_registry_pull() (-EACCES when the registry refuses the
 *         push).
 */
VOLT_API int volt_img_image_push(volt_img_registry_result *out, volt_cas *cas, const char *name,
				     const char *dest, const volt_img_registry_options *opts);

/**
 * Fetch a root pushed by volt_img_registry_push() from @src
 * ("REGISTRY/REPOSITORY:TAG" or "@sha256:..."): the blobs the store lacks
 * are downloaded, each verified against its digest before it is stored;
 * then the whole DAG under the root is checked to be present and
 * readable, and only then is ref @tag (if not NULL) pointed at it and
 * are the image records that came with the root written: all or nothing
 * (a record that cannot be written puts the ref and the records back as
 * they were). A failed fetch sets no ref. A ref or image record of the
 * same name that names other content here is not replaced unless flags
 * has VOLT_IMG_REGISTRY_FORCE (checked before the download and again
 * before writing).
 *
 * @param out_root  the root's hash.
 * @param out       if not NULL, counters as volt_img_registry_push().
 * @return 0; -EINVAL for a malformed @src or @tag; -EBADMSG for a blob or
 *         manifest that does not match its digest, a malformed artifact,
 *         or a DAG with missing blocks; -EPROTONOSUPPORT when @src is not
 *         a Stellarium artifact; -EEXIST when ref @tag or an image record
 *         would replace other content (without VOLT_IMG_REGISTRY_FORCE);
 *         errors as volt_img_registry_pull().
 */
VOLT_API int volt_img_registry_fetch(volt_cas_hash *out_root, volt_img_registry_result *out, volt_cas *cas,
				     const char *src, const char *tag,
				     const volt_img_registry_options *opts);

VOLT_END_DECLS

#endif
