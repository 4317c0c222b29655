/*
 * volt_img_registry_pull(): tag or digest -> (index -> platform
 * manifest) -> config -> layers the store lacks, each streamed into an
 * unnamed temporary file, verified, and imported as a layer tree
 * (oci-layer.c) -> the image committed (oci-commit.c). Every byte that
 * reaches the store has been checked against a digest first. Layers are
 * fetched and imported by a few threads at once: decompressing and
 * importing a layer costs more than fetching it over a fast link, and the
 * layers are independent until the commit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "registry-http.h"
#include "shared/json-cleanup.h"

/* An unnamed file in the store's directory (same file system, nothing left behind). */
static int open_temp(volt_cas *cas)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	fd = openat(cas->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (asprintf(&path, "%s/.tmp-pull-XXXXXX", cas->path) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "create a temporary file in %s", cas->path);
	unlink(path);
	return fd;
}

static bool is_config_type(const char *mt)
{
	return strcmp(mt, MT_OCI_CONFIG) == 0 || strcmp(mt, MT_DOCKER_CONFIG) == 0;
}

/* Resolve @ref to an image manifest, going through an index to @platform. */
static int resolve_manifest(struct reg_client *c, const struct reg_ref *ref, const char *platform,
			    struct reg_manifest *out, char digest[VOLT_IMG_DIGEST_SIZE])
{
	_cleanup_free_ char *body = NULL, *ctype = NULL;
	_cleanup_(reg_manifest_clear) struct reg_manifest m = {};
	const struct reg_descriptor *d;
	size_t len;
	int r;

	r = reg_manifest_get(c, ref->digest ? ref->digest : ref->tag, &body, &len, &ctype, digest);
	if (r < 0)
		return r;
	r = reg_manifest_parse(&m, body, len, ctype);
	if (r < 0)
		return r;
	if (m.kind == REG_MANIFEST_INDEX) {
		_cleanup_(reg_manifest_clear) struct reg_manifest img = {};
		_cleanup_free_ char *body2 = NULL, *ctype2 = NULL;

		r = reg_index_select(&m, platform, &d);
		if (r < 0)
			return r;
		if (strcmp(d->media_type, MT_OCI_MANIFEST) != 0 && strcmp(d->media_type, MT_DOCKER_MANIFEST) != 0)
			return volt_error_set(EPROTONOSUPPORT, "the index entry for %s has media type %.100s, not an image manifest",
					      platform ? platform : reg_default_platform(), d->media_type);
		r = reg_manifest_get(c, d->digest, &body2, &len, &ctype2, digest);
		if (r < 0)
			return r;
		if (len != d->size)
			return volt_error_set(EBADMSG, "manifest %s is %zu bytes, the index says %llu", d->digest, len,
					      (unsigned long long)d->size);
		r = reg_manifest_parse(&img, body2, len, ctype2);
		if (r < 0)
			return r;
		if (img.kind != REG_MANIFEST_IMAGE)
			return volt_error_set(EBADMSG, "index entry %s is itself an index", d->digest);
		*out = img;
		memset(&img, 0, sizeof(img));
		return 0;
	}
	*out = m;
	memset(&m, 0, sizeof(m));
	return 0;
}

/*
 * The image's own platform (its config's os, architecture, variant)
 * against the one asked for: an index entry may say one thing and a
 * single-platform image says nothing until its config is read. A
 * platform given explicitly is a requirement (refused on a mismatch,
 * naming both); the default (the host's) only draws a warning, as
 * podman and docker pull do, and the image is recorded with its real
 * platform.
 */
static int check_platform(const char *ref_s, const void *config, size_t len, const char *asked)
{
	_cleanup_json_ json_t *j = NULL;
	const char *want = asked ? asked : reg_default_platform();
	const char *os, *arch, *variant, *slash1, *slash2;
	size_t os_len, arch_len;
	char have[128];
	bool match;

	if (volt_json_parse(&j, config, len) < 0 || !json_is_object(j))
		return volt_error_set(EBADMSG, "pull %s: the image config is not a JSON object", ref_s);
	os = json_string_value(json_object_get(j, "os"));
	arch = json_string_value(json_object_get(j, "architecture"));
	variant = json_string_value(json_object_get(j, "variant"));
	if (!os || !arch) {
		volt_log(VOLT_LOG_WARNING, "pull %s: the image config names no platform (os, architecture)", ref_s);
		return 0;
	}
	snprintf(have, sizeof(have), "%.40s/%.40s%s%.40s", os, arch, variant ? "/" : "", variant ? variant : "");
	slash1 = strchr(want, '/');
	if (!slash1)
		return volt_error_set(EINVAL, "platform '%s' is not OS/ARCH[/VARIANT]", want);
	slash2 = strchr(slash1 + 1, '/');
	os_len = (size_t)(slash1 - want);
	arch_len = slash2 ? (size_t)(slash2 - slash1 - 1) : strlen(slash1 + 1);
	/* A variant counts only when asked for (linux/arm64 takes linux/arm64/v8). */
	match = strlen(os) == os_len && strncmp(os, want, os_len) == 0 && strlen(arch) == arch_len &&
		strncmp(arch, slash1 + 1, arch_len) == 0 && (!slash2 || (variant && strcmp(variant, slash2 + 1) == 0));
	if (match)
		return 0;
	if (asked)
		return volt_error_set(ENOENT, "pull %s: the image is for platform %s, not the %s asked for by --platform",
				      ref_s, have, asked);
	volt_log(VOLT_LOG_WARNING, "pull %s: the image is for platform %s, not this host's %s: it may not run here",
		 ref_s, have, want);
	return 0;
}

/* The name an image is recorded under when the caller gives none: the canonical reference. */
static int canonical_name(const struct reg_ref *ref, char **out)
{
	int n = ref->digest ? asprintf(out, "%s/%s@%s", ref->registry, ref->repository, ref->digest)
			    : asprintf(out, "%s/%s:%s", ref->registry, ref->repository, ref->tag);

	return n < 0 ? volt_error_set(ENOMEM, NULL) : 0;
}

/* Threads fetching and importing at once (each with its own connection). */
#define PULL_THREADS 3

static int fetch_layer(volt_cas *cas, struct reg_client *c, const struct reg_descriptor *d, struct reg_progress *prog)
{
	_cleanup_close_ int fd = -1;
	volt_cas_hash tree;
	int r;

	fd = open_temp(cas);
	if (fd < 0)
		return fd;
	r = reg_blob_get_fd(c, d->digest, d->size, fd, prog);
	if (r < 0)
		return volt_error_prefix(r, "layer %.19s", d->digest);
	/* Its errors name the layer already. */
	return volt_img_layer_import(&tree, cas, d->digest, d->media_type, fd);
}

struct layer_ctx {
	volt_cas *cas;
	const struct reg_manifest *m;
	const size_t *todo;          /* indexes of the layers to fetch */
	struct reg_progress *prog;
};

static int layer_item(struct reg_client *c, size_t i, void *userdata)
{
	struct layer_ctx *x = userdata;
	int r = fetch_layer(x->cas, c, &x->m->items[x->todo[i]], x->prog);

	return r < 0 ? r : 1;
}

VOLT_API int volt_img_registry_pull(volt_img_registry_result *out, volt_cas *cas, const char *ref_s,
				    const volt_img_registry_options *opts)
{
	volt_img_registry_options o;
	_cleanup_(reg_ref_clear) struct reg_ref ref = {};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(reg_manifest_clear) struct reg_manifest m = {};
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct reg_progress prog = { .res = &res };
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ void *config = NULL;
	_cleanup_free_ const char **digests = NULL;
	_cleanup_free_ bool *need = NULL;
	size_t config_len;
	int r;

	assert_return(cas, EINVAL);
	assert_return(ref_s, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_IMG_REGISTRY_RESULT_VERSION), EINVAL);
	assert_return(!opts || VERSION_SUPPORTED(opts->version, VOLT_IMG_REGISTRY_OPTIONS_VERSION), EINVAL);

	reg_options_init(&o, opts);
	prog.fn = o.progress;
	prog.userdata = o.userdata;
	r = reg_ref_parse(&ref, ref_s);
	if (r < 0)
		return r;
	if (o.name)
		name = strdup(o.name);
	else
		r = canonical_name(&ref, &name);
	if (r < 0 || !name)
		return r < 0 ? r : volt_error_set(ENOMEM, NULL);
	r = reg_client_new(&c, &ref, &o);
	if (r < 0)
		return r;

	r = resolve_manifest(c, &ref, o.platform, &m, res.digest);
	if (r < 0)
		return volt_error_prefix(r, "pull %s", ref_s);
	if (!is_config_type(m.config.media_type))
		return volt_error_set(EPROTONOSUPPORT, "pull %s: config media type %.100s is not an image config%s", ref_s,
				      m.config.media_type,
				      strcmp(m.config.media_type, MT_VOLT_CONFIG) == 0 ? " (a Stellarium artifact: use stellarium pull)" : "");
	/* Refuse what cannot be imported before fetching anything. */
	for (size_t i = 0; i < m.n; i++)
		if (!reg_layer_type_supported(m.items[i].media_type))
			return volt_error_set(EPROTONOSUPPORT, "pull %s: layer %zu has unsupported media type %.100s", ref_s, i,
					      m.items[i].media_type);
	r = reg_blob_get_mem(c, m.config.digest, m.config.size, REG_CONFIG_MAX, &config, &config_len, NULL);
	if (r < 0)
		return volt_error_prefix(r, "pull %s: config", ref_s);
	r = check_platform(ref_s, config, config_len, o.platform);
	if (r < 0)
		return r;

	digests = calloc(m.n + 1, sizeof(*digests));
	need = calloc(m.n + 1, sizeof(*need));
	if (!digests || !need)
		return volt_error_set(ENOMEM, NULL);
	res.objects = m.n;
	for (size_t i = 0; i < m.n; i++) {
		volt_cas_hash tree;

		digests[i] = m.items[i].digest;
		r = volt_img_layer_lookup(&tree, cas, m.items[i].digest);
		if (r < 0 && r != -ENOENT)
			return r;
		need[i] = r == -ENOENT;
		/* The same layer twice in one image is fetched once. */
		for (size_t j = 0; j < i && need[i]; j++)
			if (need[j] && strcmp(digests[j], digests[i]) == 0)
				need[i] = false;
		if (need[i])
			res.bytes_total += m.items[i].size;
		else
			res.objects_skipped++;
	}
	reg_progress_tick(&prog, false);

	{
		_cleanup_free_ size_t *todo = calloc(m.n + 1, sizeof(*todo));
		struct layer_ctx x = { .cas = cas, .m = &m, .todo = todo, .prog = &prog };
		size_t n_todo = 0;

		if (!todo)
			return volt_error_set(ENOMEM, NULL);
		for (size_t i = 0; i < m.n; i++)
			if (need[i])
				todo[n_todo++] = i;
		r = reg_parallel(c, n_todo, PULL_THREADS, layer_item, &x, &prog);
		if (r < 0)
			return volt_error_prefix(r, "pull %s", ref_s);
	}

	r = volt_img_image_commit(&res.root, cas, name, digests, m.n, config, config_len, res.digest);
	if (r < 0)
		return volt_error_prefix(r, "pull %s", ref_s);
	reg_progress_tick(&prog, true);
	if (out)
		*out = res;
	return 0;
}
