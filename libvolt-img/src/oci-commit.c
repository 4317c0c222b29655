/*
 * Committing an image: merge its layers, store a record tree naming
 * everything the image needs (so gc keeps it), and write the image
 * record under the image's name.
 *
 * The record tree:  config.json  the config, bytes as given
 *                   layers/NNNNN directory: layer N's tree, lowest first
 *                   rootfs/      directory: the merged tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "oci-internal.h"
#include "shared/json-cleanup.h"

#define OCI_LAYERS_MAX 10000

int oci_name_normalize(const char *name, char **out)
{
	size_t len = strlen(name);
	const char *last;

	if (len == 0 || len > OCI_NAME_MAX)
		return volt_error_set(EINVAL, "invalid image name: 1 to %d characters", OCI_NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._-/:@+", c)))
			return volt_error_set(EINVAL, "invalid image name '%.80s': character %zu is not allowed",
					      name, i + 1);
	}
	if (name[0] == '/' || name[len - 1] == '/' || name[len - 1] == ':' || strstr(name, "//"))
		return volt_error_set(EINVAL, "invalid image name '%.80s'", name);
	last = strrchr(name, '/');
	last = last ? last + 1 : name;
	if (strchr(last, ':') || strchr(last, '@'))
		*out = strdup(name);
	else if (asprintf(out, "%s:latest", name) < 0)
		*out = NULL;
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

static void set_dir(struct cas_entry *e, const char *name, const volt_cas_hash *h, int64_t now)
{
	memset(e, 0, sizeof(*e));
	e->name = (char *)name;
	e->type = VOLT_CAS_ENTRY_DIRECTORY;
	e->mode = 0755;
	e->mtime_sec = now;
	e->hash = *h;
}

static int store_tree(volt_cas *cas, struct cas_entry *e, size_t n, struct cas_counters *c, volt_cas_hash *out)
{
	_cleanup_free_ void *data = NULL;
	size_t len;
	int r = cas_tree_serialize(e, n, &data, &len);

	return r < 0 ? r : cas_object_store(cas, data, len, out, c);
}

/* The record tree of an image; @layers are the layer trees. */
static int store_record_tree(volt_cas *cas, const volt_cas_hash *layers, size_t n, const volt_cas_hash *rootfs,
			     const char *config, size_t config_len, int64_t now, volt_cas_hash *out)
{
	_cleanup_free_ struct cas_entry *le = calloc(n ? n : 1, sizeof(*le));
	_cleanup_free_ char *names = calloc(n ? n : 1, 8);
	struct cas_counters c = {};
	struct cas_blockref br;
	struct cas_entry top[3];
	volt_cas_hash layers_tree;
	int r;

	if (!le || !names)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		snprintf(names + 8 * i, 8, "%05zu", i);
		set_dir(&le[i], names + 8 * i, &layers[i], now);
	}
	r = store_tree(cas, le, n, &c, &layers_tree);
	if (r < 0)
		return r;
	r = cas_block_put(cas, config, config_len, &br.hash, &c);
	if (r < 0)
		return r;
	br.len = (uint32_t)config_len;
	memset(&top[0], 0, sizeof(top[0]));
	top[0].name = (char *)"config.json";
	top[0].type = VOLT_CAS_ENTRY_REGULAR;
	top[0].mode = 0644;
	top[0].mtime_sec = now;
	top[0].size = config_len;
	top[0].n_blocks = 1;
	top[0].blocks = &br;
	set_dir(&top[1], "layers", &layers_tree, now);
	set_dir(&top[2], "rootfs", rootfs, now);
	return store_tree(cas, top, 3, &c, out);
}

VOLT_API int volt_img_image_commit(volt_cas_hash *out_root, volt_cas *cas, const char *name,
				       const char *const *layer_digests, size_t n_layers, const char *config_json,
				       size_t config_len, const char *manifest_digest)
{
	_cleanup_free_ volt_cas_hash *trees = NULL;
	_cleanup_free_ char *full = NULL;
	_cleanup_json_ json_t *config = NULL, *rec = NULL, *jl = NULL, *jt = NULL;
	_cleanup_close_ int lock = -1;
	char hex[VOLT_CAS_HASH_HEX_SIZE], id[OCI_DIGEST_SIZE];
	volt_cas_hash rootfs, record, idh, tmp;
	int64_t now = (int64_t)time(NULL);
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	assert_return(layer_digests || n_layers == 0, EINVAL);
	assert_return(config_json, EINVAL);
	r = oci_name_normalize(name, &full);
	if (r < 0)
		return r;
	if (n_layers > OCI_LAYERS_MAX)
		return volt_error_set(EINVAL, "image %s: %zu layers, at most %d", full, n_layers, OCI_LAYERS_MAX);
	if (config_len == 0 || config_len > CAS_BLOCK_MAX)
		return volt_error_set(EINVAL, "image %s: config of %zu bytes", full, config_len);
	r = volt_json_parse(&config, config_json, config_len);
	if (r < 0)
		return volt_error_prefix(r, "image %s: config", full);
	if (!json_is_object(config))
		return volt_error_set(EINVAL, "image %s: the config is not a JSON object", full);
	r = oci_config_check(config_json, config_len);
	if (r < 0)
		return volt_error_prefix(r, "image %s", full);
	if (manifest_digest && oci_digest_parse(manifest_digest, &tmp) < 0)
		return volt_error_prefix(-EINVAL, "image %s: manifest", full);
	trees = calloc(n_layers ? n_layers : 1, sizeof(*trees));
	jl = json_array();
	jt = json_array();
	if (!trees || !jl || !jt)
		return volt_error_set(ENOMEM, NULL);

	/* Under the shared lock from the lookups to the record: gc cannot
	 * take the layers away in between. */
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_layers; i++) {
		r = volt_img_layer_lookup(&trees[i], cas, layer_digests[i]);
		if (r < 0)
			return volt_error_prefix(r, "image %s", full);
		if (json_array_append_new(jl, json_string(layer_digests[i])) < 0 ||
		    json_array_append_new(jt, json_string(volt_cas_hash_to_hex(hex, &trees[i]))) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	r = oci_merge_layers(cas, trees, n_layers, &rootfs);
	if (r >= 0)
		r = store_record_tree(cas, trees, n_layers, &rootfs, config_json, config_len, now, &record);
	if (r >= 0)
		r = cas_sync(cas);
	if (r < 0)
		return volt_error_prefix(r, "image %s", full);

	cas_sha256(&idh, config_json, config_len);
	oci_digest_format(id, &idh);
	rec = json_object();
	if (!rec ||
	    json_object_set_new(rec, "name", json_string(full)) < 0 ||
	    json_object_set_new(rec, "id", json_string(id)) < 0 ||
	    json_object_set_new(rec, "manifest_digest", manifest_digest ? json_string(manifest_digest) : json_null()) < 0 ||
	    json_object_set_new(rec, "record", json_string(volt_cas_hash_to_hex(hex, &record))) < 0 ||
	    json_object_set_new(rec, "rootfs", json_string(volt_cas_hash_to_hex(hex, &rootfs))) < 0 ||
	    json_object_set(rec, "layers", jl) < 0 ||
	    json_object_set(rec, "layer_trees", jt) < 0 ||
	    json_object_set_new(rec, "created", json_integer(now)) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = oci_record_write(cas, full, rec);
	if (r < 0)
		return volt_error_prefix(r, "image %s", full);
	if (out_root)
		*out_root = rootfs;
	return 0;
}
