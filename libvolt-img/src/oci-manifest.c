/*
 * Parsing the JSON documents of image archives and layouts: Docker's
 * manifest.json, OCI indexes and manifests, and the diff_ids of an image
 * config. All of it is hostile input: every field is type-checked, every
 * digest validated, every count bounded. Nothing here touches the store,
 * so tests/fuzz/fuzz-oci-manifest.c drives these functions directly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "oci-archive.h"
#include "shared/json-cleanup.h"

#define LAYERS_MAX 10000
#define IMAGES_MAX 1000

void oci_image_ref_clear(struct oci_image_ref *r)
{
	free(r->name);
	free(r->config_path);
	for (size_t i = 0; i < r->n_layers; i++)
		free(r->layers[i].path);
	free(r->layers);
	memset(r, 0, sizeof(*r));
}

void oci_image_refs_free(struct oci_image_ref *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		oci_image_ref_clear(&v[i]);
	free(v);
}

void oci_descriptors_free(struct oci_descriptor *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].media_type);
		free(v[i].ref_name);
		free(v[i].os);
		free(v[i].architecture);
		free(v[i].variant);
	}
	free(v);
}

static int parse(const char *json, size_t len, const char *what, json_t **out)
{
	int r = volt_json_parse(out, json, len);

	return r < 0 ? volt_error_prefix(-EBADMSG, "%s", what) : 0;
}

/* A string member, optional; strdup'd into *out (NULL when absent). */
static int dup_string(json_t *o, const char *key, bool required, const char *what, char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return volt_error_set(EBADMSG, "%s: '%s' is missing", what, key);
		return 0;
	}
	if (!json_is_string(v))
		return volt_error_set(EBADMSG, "%s: '%s' must be a string", what, key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

static int get_digest(json_t *o, const char *what, char out[OCI_DIGEST_SIZE])
{
	json_t *v = json_object_get(o, "digest");
	volt_cas_hash h;

	if (!json_is_string(v))
		return volt_error_set(EBADMSG, "%s: 'digest' must be a string", what);
	if (oci_digest_parse(json_string_value(v), &h) < 0)
		return volt_error_prefix(-EBADMSG, "%s", what);
	oci_digest_format(out, &h);
	return 0;
}

static int get_size(json_t *o, const char *what, int64_t *out)
{
	json_t *v = json_object_get(o, "size");

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return volt_error_set(EBADMSG, "%s: 'size' must be a non-negative integer", what);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int oci_parse_docker_manifest(const char *json, size_t len, struct oci_image_ref **out, size_t *n_out)
{
	_cleanup_json_ json_t *doc = NULL;
	struct oci_image_ref *v = NULL;
	json_t *img;
	size_t i, n;
	int r;

	r = parse(json, len, "manifest.json", &doc);
	if (r < 0)
		return r;
	if (!json_is_array(doc) || json_array_size(doc) == 0 || json_array_size(doc) > IMAGES_MAX)
		return volt_error_set(EBADMSG, "manifest.json: expected an array of 1 to %d images", IMAGES_MAX);
	n = json_array_size(doc);
	v = calloc(n, sizeof(*v));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	json_array_foreach(doc, i, img) {
		struct oci_image_ref *ir = &v[i];
		json_t *tags, *layers, *l;
		size_t j;

		if (!json_is_object(img)) {
			r = volt_error_set(EBADMSG, "manifest.json: image %zu is not an object", i + 1);
			goto fail;
		}
		r = dup_string(img, "Config", true, "manifest.json", &ir->config_path);
		if (r < 0)
			goto fail;
		ir->config_size = -1;
		tags = json_object_get(img, "RepoTags");
		if (tags && !json_is_null(tags)) {
			if (!json_is_array(tags)) {
				r = volt_error_set(EBADMSG, "manifest.json: 'RepoTags' must be an array");
				goto fail;
			}
			/* The first tag names the image; volt image tag adds more. */
			if (json_array_size(tags) > 0) {
				if (!json_is_string(json_array_get(tags, 0))) {
					r = volt_error_set(EBADMSG, "manifest.json: 'RepoTags' must hold strings");
					goto fail;
				}
				ir->name = strdup(json_string_value(json_array_get(tags, 0)));
				if (!ir->name) {
					r = volt_error_set(ENOMEM, NULL);
					goto fail;
				}
			}
		}
		layers = json_object_get(img, "Layers");
		if (!json_is_array(layers) || json_array_size(layers) > LAYERS_MAX) {
			r = volt_error_set(EBADMSG, "manifest.json: 'Layers' must be an array of at most %d paths",
					   LAYERS_MAX);
			goto fail;
		}
		ir->layers = calloc(json_array_size(layers) + 1, sizeof(*ir->layers));
		if (!ir->layers) {
			r = volt_error_set(ENOMEM, NULL);
			goto fail;
		}
		json_array_foreach(layers, j, l) {
			if (!json_is_string(l)) {
				r = volt_error_set(EBADMSG, "manifest.json: layer %zu is not a path", j + 1);
				goto fail;
			}
			ir->layers[j].path = strdup(json_string_value(l));
			if (!ir->layers[j].path) {
				r = volt_error_set(ENOMEM, NULL);
				goto fail;
			}
			ir->layers[j].size = -1;
			ir->layers[j].compression = OCI_COMPRESSION_DETECT;
			ir->n_layers++;
		}
	}
	*out = v;
	*n_out = n;
	return 0;
fail:
	oci_image_refs_free(v, n);
	return r;
}

static bool is_index_type(const char *mt)
{
	return strcmp(mt, OCI_MT_INDEX) == 0 || strcmp(mt, OCI_MT_DOCKER_LIST) == 0;
}

static bool is_manifest_type(const char *mt)
{
	return strcmp(mt, OCI_MT_MANIFEST) == 0 || strcmp(mt, OCI_MT_DOCKER_MANIFEST) == 0;
}

int oci_parse_index(const char *json, size_t len, const char *what, struct oci_descriptor **out, size_t *n_out)
{
	_cleanup_json_ json_t *doc = NULL;
	struct oci_descriptor *v = NULL;
	json_t *ms, *d;
	size_t i, n;
	int r;

	r = parse(json, len, what, &doc);
	if (r < 0)
		return r;
	ms = json_is_object(doc) ? json_object_get(doc, "manifests") : NULL;
	if (!json_is_array(ms) || json_array_size(ms) > IMAGES_MAX)
		return volt_error_set(EBADMSG, "%s: 'manifests' must be an array of at most %d descriptors", what,
				      IMAGES_MAX);
	n = json_array_size(ms);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	json_array_foreach(ms, i, d) {
		struct oci_descriptor *de = &v[i];
		json_t *ann, *plat;

		if (!json_is_object(d)) {
			r = volt_error_set(EBADMSG, "%s: descriptor %zu is not an object", what, i + 1);
			goto fail;
		}
		if ((r = dup_string(d, "mediaType", true, what, &de->media_type)) < 0 ||
		    (r = get_digest(d, what, de->digest)) < 0 || (r = get_size(d, what, &de->size)) < 0)
			goto fail;
		if (!is_index_type(de->media_type) && !is_manifest_type(de->media_type)) {
			r = volt_error_set(EOPNOTSUPP, "%s: unsupported manifest media type '%.100s'", what,
					   de->media_type);
			goto fail;
		}
		de->is_index = is_index_type(de->media_type);
		ann = json_object_get(d, "annotations");
		if (json_is_object(ann) &&
		    (r = dup_string(ann, "org.opencontainers.image.ref.name", false, what, &de->ref_name)) < 0)
			goto fail;
		plat = json_object_get(d, "platform");
		if (json_is_object(plat) &&
		    ((r = dup_string(plat, "os", false, what, &de->os)) < 0 ||
		     (r = dup_string(plat, "architecture", false, what, &de->architecture)) < 0 ||
		     (r = dup_string(plat, "variant", false, what, &de->variant)) < 0))
			goto fail;
	}
	*out = v;
	*n_out = n;
	return 0;
fail:
	oci_descriptors_free(v, n);
	return r;
}

int oci_parse_manifest(const char *json, size_t len, const char *what, struct oci_image_ref *out)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *cfg, *layers, *l, *mt;
	size_t i;
	int r;

	r = parse(json, len, what, &doc);
	if (r < 0)
		return r;
	if (!json_is_object(doc))
		return volt_error_set(EBADMSG, "%s is not a JSON object", what);
	mt = json_object_get(doc, "mediaType");
	if (mt && (!json_is_string(mt) || !is_manifest_type(json_string_value(mt))))
		return volt_error_set(EOPNOTSUPP, "%s: not an image manifest (media type '%.100s')", what,
				      json_is_string(mt) ? json_string_value(mt) : "?");
	cfg = json_object_get(doc, "config");
	if (!json_is_object(cfg))
		return volt_error_set(EBADMSG, "%s: 'config' must be a descriptor", what);
	if ((r = get_digest(cfg, what, out->config_digest)) < 0 || (r = get_size(cfg, what, &out->config_size)) < 0)
		return r;
	layers = json_object_get(doc, "layers");
	if (!json_is_array(layers) || json_array_size(layers) > LAYERS_MAX)
		return volt_error_set(EBADMSG, "%s: 'layers' must be an array of at most %d descriptors", what,
				      LAYERS_MAX);
	out->layers = calloc(json_array_size(layers) + 1, sizeof(*out->layers));
	if (!out->layers)
		return volt_error_set(ENOMEM, NULL);
	json_array_foreach(layers, i, l) {
		struct oci_layer_ref *lr = &out->layers[i];
		json_t *lmt = json_is_object(l) ? json_object_get(l, "mediaType") : NULL;

		if (!json_is_string(lmt))
			return volt_error_set(EBADMSG, "%s: layer %zu has no media type", what, i + 1);
		if ((r = get_digest(l, what, lr->digest)) < 0 || (r = get_size(l, what, &lr->size)) < 0)
			return r;
		r = oci_media_type_compression(json_string_value(lmt), &lr->compression);
		if (r < 0)
			return volt_error_prefix(r, "%s: layer %zu", what, i + 1);
		lr->verify_blob = true;
		out->n_layers++;
	}
	return 0;
}

int oci_parse_diff_ids(const char *json, size_t len, volt_cas_hash **out, size_t *n_out)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *rootfs, *ids, *d;
	volt_cas_hash *v;
	size_t i;
	int r;

	r = parse(json, len, "image config", &doc);
	if (r < 0)
		return r;
	rootfs = json_is_object(doc) ? json_object_get(doc, "rootfs") : NULL;
	ids = json_is_object(rootfs) ? json_object_get(rootfs, "diff_ids") : NULL;
	if (!json_is_array(ids) || json_array_size(ids) > LAYERS_MAX)
		return volt_error_set(EBADMSG, "image config: 'rootfs.diff_ids' must be an array of digests");
	v = calloc(json_array_size(ids) + 1, sizeof(*v));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	json_array_foreach(ids, i, d)
		if (!json_is_string(d) || oci_digest_parse(json_string_value(d), &v[i]) < 0) {
			free(v);
			return volt_error_set(EBADMSG, "image config: diff_id %zu is not a sha256 digest", i + 1);
		}
	*out = v;
	*n_out = json_array_size(ids);
	return 0;
}
