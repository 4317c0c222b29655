/*
 * The registry client's private parts: references, WWW-Authenticate
 * challenges, manifests and indexes (pure parsers, fuzzed), and the HTTP
 * client over libcurl.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_IMG_REGISTRY_INTERNAL_H
#define VOLT_IMG_REGISTRY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <volt/img.h>

#include "cas-internal.h"

/* Media types (OCI image spec, Docker image manifest v2 schema 2). */
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
/* Stellarium's own artifact (docs/cas-format.md). */
#define MT_VOLT_ARTIFACT "application/vnd.volt.stellarium.dag.v1"
#define MT_VOLT_CONFIG "application/vnd.volt.stellarium.root.v1+json"
#define MT_VOLT_BLOCK "application/vnd.volt.stellarium.block.v1"
/* The pack artifact (docs/registry-packs.md), which replaced one blob per block. */
#define MT_VOLT_PACKS_ARTIFACT "application/vnd.volt.stellarium.packs.v1"
#define MT_VOLT_PACKS_CONFIG "application/vnd.volt.stellarium.packs.root.v1+json"
#define MT_VOLT_PACKS_INDEX "application/vnd.volt.stellarium.packs.index.v1"
#define MT_VOLT_PACK "application/vnd.volt.stellarium.pack.v1"
#define MT_VOLT_IMAGE_RECORD "application/vnd.volt.stellarium.image-record.v1+json"

/* Manifests and indexes are small; anything bigger is hostile. */
#define REG_MANIFEST_MAX (8u * 1024 * 1024)
/* Image configs too. */
#define REG_CONFIG_MAX (8u * 1024 * 1024)

/* ---- References (registry-ref.c) ---- */

struct reg_ref {
	char *registry;     /* "host[:port]" */
	char *repository;   /* "library/demo" */
	char *tag;          /* NULL when by digest */
	char *digest;       /* "sha256:..." or NULL */
};

int reg_ref_parse(struct reg_ref *out, const char *s);
void reg_ref_clear(struct reg_ref *r);
/* True for localhost and loopback addresses, where plain HTTP is the default. */
bool reg_host_is_loopback(const char *registry);
/* "sha256:" + 64 lower-case hex digits. */
bool reg_digest_valid(const char *d);

/* ---- WWW-Authenticate (registry-auth.c) ---- */

enum reg_auth_scheme { REG_AUTH_NONE, REG_AUTH_BASIC, REG_AUTH_BEARER };

struct reg_challenge {
	enum reg_auth_scheme scheme;
	char *realm, *service, *scope;
};

/* Parse one challenge header value; -EINVAL when malformed, -EPROTONOSUPPORT for another scheme. */
int reg_challenge_parse(struct reg_challenge *out, const char *value);
void reg_challenge_clear(struct reg_challenge *c);
/* Decode standard base64 (padding optional); -EINVAL on bad input. *out is NUL-terminated. */
int reg_base64_decode(char **out, size_t *out_len, const char *in);
char *reg_base64_encode(const void *data, size_t len);
/* Credentials for @registry from an auth file; 1 and the pair, 0 when it has none. */
int reg_authfile_lookup(const char *path, const char *registry, char **out_user, char **out_password);

/* ---- Manifests (registry-manifest.c) ---- */

struct reg_descriptor {
	char *media_type;
	char *digest;
	uint64_t size;
	char *os, *arch, *variant;   /* index entries */
};

enum reg_manifest_kind { REG_MANIFEST_IMAGE, REG_MANIFEST_INDEX };

struct reg_manifest {
	enum reg_manifest_kind kind;
	char *media_type;
	char *artifact_type;          /* OCI artifactType, or NULL */
	struct reg_descriptor config; /* images */
	size_t n;                     /* layers of an image, manifests of an index */
	struct reg_descriptor *items;
};

/*
 * Parse a manifest or index. @content_type (the response's, may be NULL)
 * and the body's mediaType must agree when both are present.
 * -EBADMSG when malformed; -EPROTONOSUPPORT for an unknown media type or schema.
 */
int reg_manifest_parse(struct reg_manifest *out, const char *body, size_t len, const char *content_type);
void reg_manifest_clear(struct reg_manifest *m);
/* The index entry for "os/arch[/variant]"; -ENOENT naming what the index has. */
/* The host's platform, "linux/amd64" on x86-64: what an index is resolved to by default. */
const char *reg_default_platform(void);
int reg_index_select(const struct reg_manifest *idx, const char *platform, const struct reg_descriptor **out);
/* True for the layer media types volt_img_layer_import() takes. */
bool reg_layer_type_supported(const char *media_type);
/* "sha256:<hex>" of @data into @out. */
void reg_digest_of(char out[VOLT_IMG_DIGEST_SIZE], const void *data, size_t len);

/* ---- Pack artifacts' index blob (registry-packidx.c) ---- */

#define REG_PACKIDX_MAGIC "VOLTRIDX"
#define REG_PACKIDX_VERSION 1
#define REG_PACKIDX_HEADER (8 + 4 + 4 + 8 + VOLT_CAS_HASH_SIZE)
#define REG_PACKIDX_PACK (VOLT_CAS_HASH_SIZE + 8)
#define REG_PACKIDX_ENTRY (VOLT_CAS_HASH_SIZE + 4 + 4 + 8 + 4 + 4)
#define REG_PACKIDX_MAX_PACKS (1u << 20)
/* An index blob is read into memory: 10 million blocks at most. */
#define REG_PACKIDX_MAX (REG_PACKIDX_HEADER + 10000000ull * REG_PACKIDX_ENTRY)
/* Pack blobs: the on-disk pack header ("VOLTPACK", version) and records. */
#define REG_PACK_HEADER 16
#define REG_PACK_RECORD_HEADER (VOLT_CAS_HASH_SIZE + 4)
/* Our packs are about 8 MiB (a block is at most 64 MiB): a claimed size
 * past this is hostile (and bounds what a whole-blob fallback reads). */
#define REG_PACK_MAX_SIZE (1ull << 30)
/* The largest encoding of a block (a codec is kept only when smaller than raw). */
#define REG_BLOCK_ENC_MAX (CAS_BLOCK_HEADER + CAS_BLOCK_MAX)

struct reg_packidx_pack {
	volt_cas_hash sum;   /* the pack blob's SHA-256 (its digest) */
	uint64_t size;
};

struct reg_packidx_entry {
	volt_cas_hash hash;
	uint32_t pack;       /* index into packs */
	uint32_t len;        /* of the block's encoding */
	uint64_t offset;     /* of the encoding in the pack blob */
	uint32_t raw_len;
};

struct reg_packidx {
	volt_cas_hash root;
	uint32_t n_packs;
	struct reg_packidx_pack *packs;
	uint64_t n;
	struct reg_packidx_entry *e;  /* sorted by hash, strictly */
};

/* -EBADMSG (or -EPROTONOSUPPORT for another version) when malformed. */
int reg_packidx_parse(struct reg_packidx *out, const void *data, size_t len);
int reg_packidx_build(void **out, size_t *out_len, const struct reg_packidx *x);
void reg_packidx_clear(struct reg_packidx *x);
/* Index of @h in @x->e, or -1. */
int64_t reg_packidx_find(const struct reg_packidx *x, const volt_cas_hash *h);

/* ---- HTTP (registry-http.c, registry-blob.c) ---- */

struct reg_client;

int reg_client_new(struct reg_client **out, const struct reg_ref *ref, const volt_img_registry_options *opts);
/* A client for another thread, with @c's credentials and token (curl handles are not shared). */
int reg_client_clone(struct reg_client **out, const struct reg_client *c);
struct reg_client *reg_client_free(struct reg_client *c);

struct reg_progress {
	volt_img_registry_result *res;
	volt_img_registry_progress_fn fn;
	void *userdata;
	uint64_t last_ns;
	pthread_mutex_t *lock;   /* when several threads transfer at once */
};
/* Count @bytes more transferred (may be 0) and call the callback, rate-limited. */
void reg_progress_add(struct reg_progress *p, uint64_t bytes, bool done);
#define reg_progress_tick(p, done) reg_progress_add((p), 0, (done))

/* GET a manifest by tag or digest; verifies a digest reference and the Docker-Content-Digest header. */
int reg_manifest_get(struct reg_client *c, const char *reference, char **out_body, size_t *out_len,
		     char **out_content_type, char out_digest[VOLT_IMG_DIGEST_SIZE]);
int reg_manifest_put(struct reg_client *c, const char *tag, const char *media_type, const char *body, size_t len);
/* Download blob @digest into @fd (streamed and hashed); size and digest checked. */
int reg_blob_get_fd(struct reg_client *c, const char *digest, uint64_t size, int fd, struct reg_progress *p);
/* Download a small blob into memory (at most @max bytes); checked like reg_blob_get_fd(). */
int reg_blob_get_mem(struct reg_client *c, const char *digest, uint64_t size, size_t max, void **out, size_t *out_len,
		     struct reg_progress *p);
/* 1 when the registry has blob @digest, 0 when not. */
int reg_blob_exists(struct reg_client *c, const char *digest);
int reg_blob_put(struct reg_client *c, const char *digest, const void *data, size_t len);
/* Bytes @off..@off+@len-1 of blob @digest (@size bytes) into memory. A
 * registry that ignores Range answers 200 with the whole blob: then
 * *@out_whole is set and *@out holds all @size bytes, digest checked. */
int reg_blob_get_range(struct reg_client *c, const char *digest, uint64_t size, uint64_t off, uint64_t len,
		       void **out, size_t *out_len, bool *out_whole, struct reg_progress *p);
/* GET /v2/<repository>/tags/list: the tags (NULL-terminated); none when the repository is unknown. */
int reg_tags_list(struct reg_client *c, char ***out);
/* An upload Location made absolute (it may be relative to the registry). */
int reg_absolute_url(const struct reg_client *c, const char *loc, char **out);

/* Run @fn for items 0..@n-1 on up to @threads threads, each with a clone of
 * @c. @fn returns 1 (transferred), 0 (skipped: counted in @prog) or an
 * error, which stops the rest; the first error in item order is returned. */
typedef int (*reg_item_fn)(struct reg_client *c, size_t i, void *ctx);
#define REG_PARALLEL_MAX 16
int reg_parallel(const struct reg_client *c, size_t n, unsigned threads, reg_item_fn fn, void *ctx,
		 struct reg_progress *prog);

/* registry-dag.c: pulls of the one-blob-per-block layout (MT_VOLT_CONFIG),
 * and the check that everything under a pulled root is present. */
int reg_dag_fetch(volt_cas_hash *out_root, volt_img_registry_result *out, volt_cas *cas, struct reg_client *c,
		  const struct reg_manifest *m, const char *src, const char *tag, bool force,
		  volt_img_registry_result *res, struct reg_progress *prog);
/* registry-packs.c: -EEXIST when ref @tag or a record of @records (a JSON
 * array, may be NULL) names other content here, unless @force. */
struct json_t;
int reg_pull_names_check(volt_cas *cas, const char *tag, const volt_cas_hash *root, struct json_t *records,
			 bool force);
int reg_dag_check(volt_cas *cas, const volt_cas_hash *root);
int reg_artifact_config_parse(volt_cas_hash *out, const char *data, size_t len, const char *const *keys,
			      long long version);

void reg_options_init(volt_img_registry_options *o, const volt_img_registry_options *in);

#define _cleanup_reg_ref_ _cleanup_(reg_ref_clear)
#define _cleanup_reg_manifest_ _cleanup_(reg_manifest_clear)

static inline void reg_client_freep(struct reg_client **c)
{
	reg_client_free(*c);
}
#define _cleanup_reg_client_ _cleanup_(reg_client_freep)

#endif
