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

/* The root named by an artifact's config blob: a JSON object of exactly
 * @keys (NULL-terminated), "stellarium" @version, "root" 64 hex digits.
 * Both layouts' configs (this one's and registry-packs.c's) go through here. */
int reg_artifact_config_parse(volt_cas_hash *out, const char *data, size_t len, const char *const *keys,
			      long long version)
{
	_cleanup_json_ json_t *j = NULL;
	const char *root = NULL;
	long long v = 0;
	int r;

	r = volt_json_parse(&j, data, len);
	if (r >= 0)
		r = volt_json_check_keys(j, keys, "artifact config");
	if (r >= 0)
		r = volt_json_get_int(&v, j, "stellarium", true, "artifact config", 1, 1000);
	if (r >= 0 && v != version)
		return volt_error_set(EPROTONOSUPPORT, "Stellarium artifact config version %lld is not supported "
				      "(only %lld)", v, version);
	if (r >= 0)
		r = volt_json_get_string(&root, j, "root", true, "artifact config");
	if (r >= 0)
		r = volt_cas_hash_from_hex(out, root);
	if (r < 0)
		return volt_error_set(EBADMSG, "malformed Stellarium artifact config: %s", volt_error_message());
	return 0;
}

static const char *const dag_config_keys[] = { "stellarium", "root", "kind", "blocks", "bytes", NULL };

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
int reg_dag_check(volt_cas *cas, const volt_cas_hash *root)
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

int reg_dag_fetch(volt_cas_hash *out_root, volt_img_registry_result *out, volt_cas *cas, struct reg_client *c,
		  const struct reg_manifest *mp, const char *src, const char *tag, bool force,
		  volt_img_registry_result *resp, struct reg_progress *progp)
{
	const struct reg_manifest m = *mp;
	volt_img_registry_result res = *resp;
	struct reg_progress prog = *progp;
	_cleanup_free_ void *config = NULL;
	_cleanup_free_ bool *missing = NULL;
	_cleanup_close_ int lock = -1;
	volt_cas_hash root;
	size_t config_len;
	int r;

	prog.res = &res;
	r = reg_blob_get_mem(c, m.config.digest, m.config.size, ROOT_CONFIG_MAX, &config, &config_len, NULL);
	if (r < 0)
		return r;
	r = reg_artifact_config_parse(&root, config, config_len, dag_config_keys, 1);
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

	r = reg_dag_check(cas, &root);
	if (r < 0)
		return volt_error_prefix(r, "%s", src);
	r = reg_pull_names_check(cas, tag, &root, NULL, force);
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
