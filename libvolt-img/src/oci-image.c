/*
 * Reading image records: finding an image by full name, short name or
 * id, its config (Entrypoint, Cmd, Env, ...), listing, tagging and
 * removing records.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "oci-internal.h"
#include "shared/json-cleanup.h"

struct oci_image_priv {
	volt_img_image pub;    /* first: the public pointer is this struct's */
	json_t *rec, *config;
	char *config_json;
	const char **layers, **entrypoint, **cmd, **env, **ports;
};

VOLT_API volt_img_image *volt_img_image_free(volt_img_image *img)
{
	struct oci_image_priv *p = (struct oci_image_priv *)img;

	if (!p)
		return NULL;
	json_decref(p->rec);
	json_decref(p->config);
	free(p->config_json);
	free(p->layers);
	free(p->entrypoint);
	free(p->cmd);
	free(p->env);
	free(p->ports);
	free(p);
	return NULL;
}

/* A JSON array of strings as a NULL-terminated array pointing into it; NULL for absent or null. */
static int strv_of(json_t *obj, const char *key, const char ***out)
{
	json_t *a = json_object_get(obj, key), *v;
	const char **sv;
	size_t i;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return volt_error_set(EBADMSG, "image config: '%s' must be an array of strings", key);
	sv = calloc(json_array_size(a) + 1, sizeof(*sv));
	if (!sv)
		return volt_error_set(ENOMEM, NULL);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			free(sv);
			return volt_error_set(EBADMSG, "image config: '%s' must be an array of strings", key);
		}
		sv[i] = json_string_value(v);
	}
	*out = sv;
	return 0;
}

static int string_of(json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return volt_error_set(EBADMSG, "image config: '%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse the config JSON into @p (which keeps it). */
static int parse_config(struct oci_image_priv *p, const char *json, size_t len)
{
	json_t *c, *ports;
	int r;

	p->config_json = malloc(len + 1);
	if (!p->config_json)
		return volt_error_set(ENOMEM, NULL);
	memcpy(p->config_json, json, len);
	p->config_json[len] = 0;
	p->pub.config_json = p->config_json;
	p->pub.config_len = len;
	r = volt_json_parse(&p->config, json, len);
	if (r < 0)
		return volt_error_prefix(-EBADMSG, "image config");
	if (!json_is_object(p->config))
		return volt_error_set(EBADMSG, "image config is not a JSON object");
	if (string_of(p->config, "os", &p->pub.os) < 0 || string_of(p->config, "architecture", &p->pub.architecture) < 0)
		return -EBADMSG;
	c = json_object_get(p->config, "config");
	if (!c || json_is_null(c))
		return 0;
	if (!json_is_object(c))
		return volt_error_set(EBADMSG, "image config: 'config' must be an object");
	if (strv_of(c, "Entrypoint", &p->entrypoint) < 0 || strv_of(c, "Cmd", &p->cmd) < 0 ||
	    strv_of(c, "Env", &p->env) < 0 || string_of(c, "WorkingDir", &p->pub.working_dir) < 0 ||
	    string_of(c, "User", &p->pub.user) < 0)
		return volt_error_code();
	p->pub.entrypoint = p->entrypoint;
	p->pub.cmd = p->cmd;
	p->pub.env = p->env;
	ports = json_object_get(c, "ExposedPorts");
	if (ports && !json_is_null(ports)) {
		const char *key;
		json_t *v;
		size_t i = 0;

		if (!json_is_object(ports))
			return volt_error_set(EBADMSG, "image config: 'ExposedPorts' must be an object");
		p->ports = calloc(json_object_size(ports) + 1, sizeof(*p->ports));
		if (!p->ports)
			return volt_error_set(ENOMEM, NULL);
		json_object_foreach(ports, key, v)
			p->ports[i++] = key;
		qsort(p->ports, i, sizeof(*p->ports), cmp_str);
		p->pub.exposed_ports = p->ports;
	}
	return 0;
}

int oci_config_check(const char *json, size_t len)
{
	struct oci_image_priv *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return volt_error_set(ENOMEM, NULL);
	r = parse_config(p, json, len);
	volt_img_image_free(&p->pub);
	return r == -EBADMSG ? volt_error_prefix(-EINVAL, "invalid") : r;
}

/* Build the public image from a checked record. */
static int image_from_record(volt_cas *cas, json_t *rec, volt_img_image **out)
{
	struct oci_image_priv *p = calloc(1, sizeof(*p));
	volt_img_image *img = &p->pub;
	volt_cas_image *f = NULL;
	_cleanup_free_ char *spec = NULL, *buf = NULL;
	json_t *layers, *v;
	uint64_t size;
	ssize_t n;
	size_t i;
	int r;

	if (!p)
		return volt_error_set(ENOMEM, NULL);
	p->rec = json_incref(rec);
	img->name = json_string_value(json_object_get(rec, "name"));
	img->id = json_string_value(json_object_get(rec, "id"));
	img->manifest_digest = json_string_value(json_object_get(rec, "manifest_digest")); /* NULL for null */
	volt_cas_hash_from_hex(&img->root, json_string_value(json_object_get(rec, "rootfs")));
	volt_cas_hash_from_hex(&img->record, json_string_value(json_object_get(rec, "record")));
	img->created = (int64_t)json_integer_value(json_object_get(rec, "created"));
	layers = json_object_get(rec, "layers");
	p->layers = calloc(json_array_size(layers) + 1, sizeof(*p->layers));
	if (!p->layers) {
		volt_img_image_free(img);
		return volt_error_set(ENOMEM, NULL);
	}
	json_array_foreach(layers, i, v)
		p->layers[i] = json_string_value(v);
	img->n_layers = json_array_size(layers);
	img->layers = p->layers;

	/* The config is a file of the record tree, read without a checkout. */
	if (asprintf(&spec, "%s:config.json", json_string_value(json_object_get(rec, "record"))) < 0) {
		volt_img_image_free(img);
		return volt_error_set(ENOMEM, NULL);
	}
	r = volt_cas_image_open(&f, cas, spec);
	if (r >= 0) {
		size = volt_cas_image_size(f);
		buf = size <= CAS_BLOCK_MAX ? malloc(size + 1) : NULL;
		n = buf ? volt_cas_image_read(f, buf, size, 0) : volt_error_set(size > CAS_BLOCK_MAX ? EBADMSG : ENOMEM,
										    "config of %llu bytes", (unsigned long long)size);
		r = n < 0 ? (int)n : (uint64_t)n != size ? volt_error_set(EBADMSG, "short config") : 0;
		volt_cas_image_close(f);
	}
	if (r >= 0)
		r = parse_config(p, buf, size);
	if (r < 0) {
		volt_img_image_free(img);
		return volt_error_prefix(r, "image %s", json_string_value(json_object_get(rec, "name")));
	}
	*out = img;
	return 0;
}

static bool is_hex(const char *s)
{
	size_t i = 0;

	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i > 0;
}

/* The record @query finds; *out_by_id tells whether it matched as an id. */
static int find_record(volt_cas *cas, const char *query, json_t **out, bool *out_by_id, json_t **out_all)
{
	_cleanup_free_ char *full = NULL, *suffix = NULL;
	_cleanup_json_ json_t *all = NULL, *rec = NULL;
	const char *idq = NULL;
	json_t *v, *match = NULL;
	size_t i, n = 0;
	int r;

	*out_by_id = false;
	if (oci_name_normalize(query, &full) >= 0) {
		r = oci_record_read(cas, full, &rec);
		if (r >= 0) {
			*out = TAKE_PTR(rec);
			return 0;
		}
		if (r != -ENOENT)
			return r;
		if (asprintf(&suffix, "/%s", full) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	if (strncmp(query, "sha256:", 7) == 0 && is_hex(query + 7))
		idq = query + 7;
	else if (strlen(query) >= 12 && strlen(query) <= 64 && is_hex(query))
		idq = query;
	r = oci_record_list(cas, false, &all);
	if (r < 0)
		return r;
	/* Short names first; ids only when no name matches. */
	json_array_foreach(all, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		size_t nl = strlen(name), sl = suffix ? strlen(suffix) : 0;

		if (suffix && nl > sl && strcmp(name + nl - sl, suffix) == 0) {
			match = v;
			n++;
		}
	}
	if (n == 0 && idq) {
		const char *first_id = NULL;

		json_array_foreach(all, i, v) {
			const char *id = json_string_value(json_object_get(v, "id")) + 7;

			if (strncmp(id, idq, strlen(idq)) == 0) {
				if (!match)
					first_id = id;
				else if (strcmp(first_id, id) != 0)
					return volt_error_set(ENOTUNIQ, "image id prefix '%s' matches several images", query);
				match = v;
				n++;
			}
		}
		if (n)
			*out_by_id = true;
		n = n ? 1 : 0; /* several names of one id: any of them */
	}
	if (n == 0)
		return volt_error_set(ENOENT, "no image named '%s'", query);
	if (n > 1) {
		_cleanup_free_ char *names = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&names, &len);

		if (!f)
			return volt_error_set(ENOMEM, NULL);
		json_array_foreach(all, i, v) {
			const char *name = json_string_value(json_object_get(v, "name"));
			size_t nl = strlen(name), sl = strlen(suffix);

			if (nl > sl && strcmp(name + nl - sl, suffix) == 0)
				fprintf(f, "%s%s", len || ftell(f) ? ", " : "", name);
		}
		fclose(f);
		return volt_error_set(ENOTUNIQ, "image name '%s' is ambiguous: %s", query, names ? names : "");
	}
	*out = json_incref(match);
	if (out_all)
		*out_all = TAKE_PTR(all);
	return 0;
}

VOLT_API int volt_img_image_get(volt_img_image **out, volt_cas *cas, const char *name)
{
	_cleanup_json_ json_t *rec = NULL;
	bool by_id;
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	assert_return(out, EINVAL);
	r = find_record(cas, name, &rec, &by_id, NULL);
	if (r < 0)
		return r;
	return image_from_record(cas, rec, out);
}

VOLT_API int volt_img_image_list(char ***out, size_t *n_out, volt_cas *cas)
{
	_cleanup_json_ json_t *all = NULL;
	char **v;
	json_t *rec;
	size_t i;
	int r;

	assert_return(cas, EINVAL);
	assert_return(out, EINVAL);
	r = oci_record_list(cas, false, &all);
	if (r < 0)
		return r;
	v = calloc(json_array_size(all) + 1, sizeof(*v));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	json_array_foreach(all, i, rec) {
		v[i] = strdup(json_string_value(json_object_get(rec, "name")));
		if (!v[i]) {
			volt_strv_free(v);
			return volt_error_set(ENOMEM, NULL);
		}
	}
	*out = v;
	if (n_out)
		*n_out = json_array_size(all);
	return 0;
}

VOLT_API int volt_img_image_tag(volt_cas *cas, const char *src, const char *dst)
{
	_cleanup_json_ json_t *rec = NULL, *copy = NULL;
	_cleanup_free_ char *full = NULL;
	_cleanup_close_ int lock = -1;
	bool by_id;
	int r;

	assert_return(cas, EINVAL);
	assert_return(src, EINVAL);
	assert_return(dst, EINVAL);
	r = oci_name_normalize(dst, &full);
	if (r < 0)
		return r;
	/* Shared lock: gc must not run between reading the source and writing the copy. */
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	r = find_record(cas, src, &rec, &by_id, NULL);
	if (r < 0)
		return r;
	copy = json_deep_copy(rec);
	if (!copy || json_object_set_new(copy, "name", json_string(full)) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = oci_record_write(cas, full, copy);
	return r < 0 ? volt_error_prefix(r, "tag %s", full) : 0;
}

/* Remove layer records that no image record names any more. */
static int prune_layers(volt_cas *cas, json_t *removed)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *d, *rec, *l;
	size_t i, j, k;
	int r;

	r = oci_record_list(cas, true, &all);
	if (r < 0)
		return r;
	json_array_foreach(json_object_get(removed, "layers"), i, d) {
		bool used = false;

		json_array_foreach(all, j, rec)
			json_array_foreach(json_object_get(rec, "layers"), k, l)
				if (json_equal(l, d))
					used = true;
		if (!used) {
			r = oci_layer_record_remove(cas, json_string_value(d));
			if (r < 0)
				return r;
		}
	}
	/* The export record of the tree goes with its last image. */
	{
		bool used = false;

		json_array_foreach(all, j, rec)
			if (json_equal(json_object_get(rec, "rootfs"), json_object_get(removed, "rootfs")))
				used = true;
		if (!used)
			oci_export_forget(cas, json_string_value(json_object_get(removed, "rootfs")));
	}
	return 0;
}

VOLT_API int volt_img_image_remove(char **out_name, volt_cas *cas, const char *name)
{
	_cleanup_json_ json_t *rec = NULL, *all = NULL;
	const char *full;
	bool by_id;
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	r = find_record(cas, name, &rec, &by_id, &all);
	if (r < 0)
		return r;
	if (by_id) {
		json_t *v;
		size_t i, n = 0;

		json_array_foreach(all, i, v)
			if (json_equal(json_object_get(v, "id"), json_object_get(rec, "id")))
				n++;
		if (n > 1)
			return volt_error_set(ENOTUNIQ, "image %s has %zu names; remove them by name", name, n);
	}
	full = json_string_value(json_object_get(rec, "name"));
	r = oci_record_remove(cas, full);
	if (r < 0)
		return r;
	r = prune_layers(cas, rec);
	if (r < 0)
		return volt_error_prefix(r, "image %s removed, but its layer records", full);
	if (out_name) {
		*out_name = strdup(full);
		if (!*out_name)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}
