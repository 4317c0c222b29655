/*
 * Moving a Stellarium root between stores through an OCI registry.
 *
 * Every block and object under the root is one blob whose bytes are the
 * block's raw content, so the blob's digest is the block's hash: the
 * registry deduplicates across hosts exactly as the store does, and a
 * HEAD tells us whether a block needs sending. One OCI image manifest
 * (artifactType application/vnd.volt.stellarium.dag.v1) lists them all,
 * which keeps every blob alive through a registry's garbage collection;
 * its config blob names the root. Format: docs/cas-format.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <jansson.h>

#include "registry-http.h"
#include "shared/json-cleanup.h"
#include "walk.h"

#define ROOT_CONFIG_MAX 4096
/* Connections at once: enough to hide a registry's per-blob latency. */
#define TRANSFER_THREADS 8

struct dag_blob {
	volt_cas_hash hash;
	uint32_t len;
};

static int cmp_blob(const void *a, const void *b)
{
	return memcmp(((const struct dag_blob *)a)->hash.bytes, ((const struct dag_blob *)b)->hash.bytes,
		      VOLT_CAS_HASH_SIZE);
}

static void digest_of_hash(char out[VOLT_IMG_DIGEST_SIZE], const volt_cas_hash *h)
{
	memcpy(out, "sha256:", 7);
	volt_cas_hash_to_hex(out + 7, h);
}

/* Every block under @root (objects included) with its raw length, sorted by hash. */
static int collect_blobs(volt_cas *cas, const volt_cas_hash *root, struct dag_blob **out, size_t *out_n,
			 uint64_t *out_bytes)
{
	struct cas_walk w = { .cas = cas };
	_cleanup_free_ struct dag_blob *blobs = NULL;
	size_t n = 0;
	uint64_t bytes = 0;
	int r;

	r = cas_walk_root(&w, root);
	if (r < 0)
		goto out;
	if (w.seen.n > VOLT_IMG_REGISTRY_MAX_BLOBS) {
		r = volt_error_set(E2BIG, "the root has %zu blocks; one artifact lists at most %d", w.seen.n,
				   VOLT_IMG_REGISTRY_MAX_BLOBS);
		goto out;
	}
	blobs = calloc(w.seen.n + 1, sizeof(*blobs));
	if (!blobs) {
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < w.seen.cap; i++) {
		if (!w.seen.used[i])
			continue;
		blobs[n].hash = w.seen.keys[i];
		blobs[n].len = w.seen.values[i];
		/* The walk records subtrees without their length: read them. */
		if (blobs[n].len == 0) {
			_cleanup_free_ void *data = NULL;
			size_t len;

			r = cas_block_get(cas, &blobs[n].hash, &data, &len);
			if (r < 0)
				goto out;
			blobs[n].len = (uint32_t)len;
		}
		bytes += blobs[n].len;
		n++;
	}
	qsort(blobs, n, sizeof(*blobs), cmp_blob);
	*out = TAKE_PTR(blobs);
	*out_n = n;
	*out_bytes = bytes;
	r = 0;
out:
	cas_walk_clear(&w);
	return r;
}

static int build_manifest(const struct dag_blob *blobs, size_t n, const char *config_digest, size_t config_len,
			  char **out)
{
	_cleanup_json_ json_t *m = NULL, *layers = json_array();
	char digest[VOLT_IMG_DIGEST_SIZE];

	if (!layers)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		digest_of_hash(digest, &blobs[i].hash);
		if (json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", MT_VOLT_BLOCK, "digest",
							    digest, "size", (json_int_t)blobs[i].len)) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
		      "artifactType", MT_VOLT_ARTIFACT, "config", "mediaType", MT_VOLT_CONFIG, "digest", config_digest,
		      "size", (json_int_t)config_len, "layers", layers);
	if (!m)
		return volt_error_set(ENOMEM, NULL);
	*out = json_dumps(m, JSON_COMPACT);
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

static int open_client(struct reg_client **out, struct reg_ref *ref, const char *s, const volt_img_registry_options *in,
		       volt_img_registry_options *o, bool push)
{
	int r;

	reg_options_init(o, in);
	r = reg_ref_parse(ref, s);
	if (r < 0)
		return r;
	if (push && !ref->tag)
		return volt_error_set(EINVAL, "push needs a tag to put the artifact under, not a digest: %s", s);
	r = reg_client_new(out, ref, o);
	if (r < 0)
		return r;
	(*out)->push = push;
	return 0;
}

struct push_ctx {
	volt_cas *cas;
	const struct dag_blob *blobs;
	struct reg_progress *prog;
};

static int push_item(struct reg_client *c, size_t i, void *userdata)
{
	struct push_ctx *x = userdata;
	char digest[VOLT_IMG_DIGEST_SIZE];
	_cleanup_free_ void *data = NULL;
	size_t len;
	int r;

	digest_of_hash(digest, &x->blobs[i].hash);
	r = reg_blob_exists(c, digest);
	if (r != 0)
		return r < 0 ? r : 0;
	/* Read back verified: a corrupt local block is never published. */
	r = cas_block_get(x->cas, &x->blobs[i].hash, &data, &len);
	if (r < 0)
		return r;
	r = reg_blob_put(c, digest, data, len);
	if (r < 0)
		return r;
	reg_progress_add(x->prog, len, false);
	return 1;
}

VOLT_API int volt_img_registry_push(volt_img_registry_result *out, volt_cas *cas, const char *spec,
				    const char *dest, const volt_img_registry_options *opts)
{
	volt_img_registry_options o;
	_cleanup_(reg_ref_clear) struct reg_ref ref = {};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct reg_progress prog = { .res = &res };
	_cleanup_free_ struct dag_blob *blobs = NULL;
	_cleanup_free_ char *config = NULL, *manifest = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE], config_digest[VOLT_IMG_DIGEST_SIZE];
	volt_cas_hash root;
	size_t n = 0;
	uint64_t bytes = 0;
	int r, kind;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(dest, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_IMG_REGISTRY_RESULT_VERSION), EINVAL);
	assert_return(!opts || VERSION_SUPPORTED(opts->version, VOLT_IMG_REGISTRY_OPTIONS_VERSION), EINVAL);

	r = open_client(&c, &ref, dest, opts, &o, true);
	if (r < 0)
		return r;
	prog.fn = o.progress;
	prog.userdata = o.userdata;
	r = volt_cas_resolve(&root, cas, spec);
	if (r < 0)
		return r;
	{
		_cleanup_free_ void *data = NULL;
		size_t len;

		r = cas_block_get(cas, &root, &data, &len);
		kind = r < 0 ? r : cas_object_kind(data, len);
		if (kind < 0)
			return volt_error_prefix(kind, "root %s", spec);
	}
	r = collect_blobs(cas, &root, &blobs, &n, &bytes);
	if (r < 0)
		return volt_error_prefix(r, "push %s", spec);
	res.root = root;
	/* What must move is only known blob by blob (HEAD): no bytes_total. */
	res.objects = n;

	{
		struct push_ctx x = { .cas = cas, .blobs = blobs, .prog = &prog };

		r = reg_parallel(c, n, TRANSFER_THREADS, push_item, &x, &prog);
		if (r < 0)
			return volt_error_prefix(r, "push %s", spec);
	}

	if (asprintf(&config, "{\"stellarium\":1,\"root\":\"%s\",\"kind\":\"%s\",\"blocks\":%zu,\"bytes\":%llu}",
		     volt_cas_hash_to_hex(hex, &root), kind == CAS_OBJECT_TREE ? "tree" : "image", n,
		     (unsigned long long)bytes) < 0) {
		config = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	reg_digest_of(config_digest, config, strlen(config));
	r = reg_blob_exists(c, config_digest);
	if (r == 0)
		r = reg_blob_put(c, config_digest, config, strlen(config));
	if (r < 0)
		return r;
	r = build_manifest(blobs, n, config_digest, strlen(config), &manifest);
	if (r < 0)
		return r;
	r = reg_manifest_put(c, ref.tag, MT_OCI_MANIFEST, manifest, strlen(manifest));
	if (r < 0)
		return r;
	reg_digest_of(res.digest, manifest, strlen(manifest));
	reg_progress_tick(&prog, true);
	if (out)
		*out = res;
	return 0;
}

/* The root named by an artifact's config blob. */
static int parse_root_config(const char *data, size_t len, volt_cas_hash *out)
{
	static const char *const keys[] = { "stellarium", "root", "kind", "blocks", "bytes", NULL };
	_cleanup_json_ json_t *j = NULL;
	const char *root = NULL;
	long long version = 0;
	int r;

	r = volt_json_parse(&j, data, len);
	if (r >= 0)
		r = volt_json_check_keys(j, keys, "artifact config");
	if (r >= 0)
		r = volt_json_get_int(&version, j, "stellarium", true, "artifact config", 1, 1000);
	if (r >= 0 && version != 1)
		return volt_error_set(EPROTONOSUPPORT, "artifact config version %lld is not supported (only 1)", version);
	if (r >= 0)
		r = volt_json_get_string(&root, j, "root", true, "artifact config");
	if (r >= 0)
		r = volt_cas_hash_from_hex(out, root);
	if (r < 0)
		return volt_error_set(EBADMSG, "malformed Stellarium artifact config: %s", volt_error_message());
	return 0;
}

struct fetch_check {
	int missing;
	volt_cas_hash first;
};

static int check_block_present(struct cas_walk *w, const volt_cas_hash *h, uint32_t len)
{
	struct fetch_check *fc = w->userdata;
	int r = cas_block_exists(w->cas, h);

	(void)len;
	if (r < 0)
		return r;
	if (r == 0 && fc->missing++ == 0)
		fc->first = *h;
	return 0;
}

/* Under the shared lock: everything reachable from @root is in the store and readable. */
static int check_dag(volt_cas *cas, const volt_cas_hash *root)
{
	struct fetch_check fc = {};
	struct cas_walk w = { .cas = cas, .on_block = check_block_present, .userdata = &fc };
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	int r;

	r = cas_walk_root(&w, root);
	cas_walk_clear(&w);
	if (r < 0)
		return volt_error_set(EBADMSG, "the artifact is incomplete or corrupt: %s", volt_error_message());
	if (fc.missing)
		return volt_error_set(EBADMSG, "the artifact is incomplete: %d blocks are missing (the first is %s)",
				      fc.missing, volt_cas_hash_to_hex(hex, &fc.first));
	return 0;
}

struct fetch_ctx {
	volt_cas *cas;
	const struct reg_manifest *m;
	const size_t *todo;
	struct reg_progress *prog;
};

static int fetch_item(struct reg_client *c, size_t i, void *userdata)
{
	struct fetch_ctx *x = userdata;
	const struct reg_descriptor *d = &x->m->items[x->todo[i]];
	_cleanup_free_ void *data = NULL;
	volt_cas_hash want, got;
	size_t len;
	int r;

	r = reg_blob_get_mem(c, d->digest, d->size, CAS_BLOCK_MAX, &data, &len, x->prog);
	if (r < 0)
		return r;
	/* reg_blob_get_mem verified the digest; the store hashes again as it names the block. */
	(void)volt_cas_hash_from_hex(&want, d->digest + 7);
	r = cas_block_put(x->cas, data, len, &got, NULL);
	if (r < 0)
		return r;
	if (memcmp(want.bytes, got.bytes, VOLT_CAS_HASH_SIZE) != 0)
		return volt_error_set(EBADMSG, "block %s changed while being stored", d->digest);
	return 1;
}

VOLT_API int volt_img_registry_fetch(volt_cas_hash *out_root, volt_img_registry_result *out, volt_cas *cas,
				     const char *src, const char *tag,
				     const volt_img_registry_options *opts)
{
	volt_img_registry_options o;
	_cleanup_(reg_ref_clear) struct reg_ref ref = {};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(reg_manifest_clear) struct reg_manifest m = {};
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct reg_progress prog = { .res = &res };
	_cleanup_free_ char *body = NULL, *ctype = NULL;
	_cleanup_free_ void *config = NULL;
	_cleanup_free_ bool *missing = NULL;
	_cleanup_close_ int lock = -1;
	volt_cas_hash root;
	size_t len, config_len;
	int r;

	assert_return(cas, EINVAL);
	assert_return(src, EINVAL);
	assert_return(out_root, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_IMG_REGISTRY_RESULT_VERSION), EINVAL);
	assert_return(!opts || VERSION_SUPPORTED(opts->version, VOLT_IMG_REGISTRY_OPTIONS_VERSION), EINVAL);

	if (tag && (r = cas_ref_name_check(tag)) < 0)
		return r;
	r = open_client(&c, &ref, src, opts, &o, false);
	if (r < 0)
		return r;
	prog.fn = o.progress;
	prog.userdata = o.userdata;

	r = reg_manifest_get(c, ref.digest ? ref.digest : ref.tag, &body, &len, &ctype, res.digest);
	if (r < 0)
		return r;
	r = reg_manifest_parse(&m, body, len, ctype);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	if (m.kind != REG_MANIFEST_IMAGE || strcmp(m.config.media_type, MT_VOLT_CONFIG) != 0)
		return volt_error_set(EPROTONOSUPPORT, "%s is not a Stellarium artifact (config type %s); "
				      "images are pulled with volt image pull", src,
				      m.kind == REG_MANIFEST_IMAGE ? m.config.media_type : "none: an index");
	r = reg_blob_get_mem(c, m.config.digest, m.config.size, ROOT_CONFIG_MAX, &config, &config_len, NULL);
	if (r < 0)
		return r;
	r = parse_root_config(config, config_len, &root);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	res.root = root;
	res.objects = m.n;

	missing = calloc(m.n + 1, sizeof(*missing));
	if (!missing)
		return volt_error_set(ENOMEM, NULL);
	/* Held until the ref is written, so that gc keeps what we find present. */
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m.n; i++) {
		volt_cas_hash h;

		if (strcmp(m.items[i].media_type, MT_VOLT_BLOCK) != 0)
			return volt_error_set(EPROTONOSUPPORT, "%s: layer %zu has media type %.100s, not a Stellarium block",
					      src, i, m.items[i].media_type);
		if (m.items[i].size > CAS_BLOCK_MAX)
			return volt_error_set(EBADMSG, "%s: block %s claims %llu bytes, more than a block holds", src,
					      m.items[i].digest, (unsigned long long)m.items[i].size);
		r = volt_cas_hash_from_hex(&h, m.items[i].digest + 7);
		if (r >= 0)
			r = cas_block_exists(cas, &h);
		if (r < 0)
			return r;
		missing[i] = r == 0;
		if (missing[i])
			res.bytes_total += m.items[i].size;
		else
			res.objects_skipped++;
	}
	reg_progress_tick(&prog, false);

	{
		_cleanup_free_ size_t *todo = calloc(m.n + 1, sizeof(*todo));
		struct fetch_ctx x = { .cas = cas, .m = &m, .todo = todo, .prog = &prog };
		size_t n_todo = 0;

		if (!todo)
			return volt_error_set(ENOMEM, NULL);
		for (size_t i = 0; i < m.n; i++)
			if (missing[i])
				todo[n_todo++] = i;
		r = reg_parallel(c, n_todo, TRANSFER_THREADS, fetch_item, &x, &prog);
		if (r < 0)
			return volt_error_prefix(r, "%s", src);
	}

	r = check_dag(cas, &root);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	r = tag ? cas_ref_set_locked(cas, tag, &root) : cas_sync(cas);
	if (r < 0)
		return r;
	reg_progress_tick(&prog, true);
	*out_root = root;
	if (out)
		*out = res;
	return 0;
}
