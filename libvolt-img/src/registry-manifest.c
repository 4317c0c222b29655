/*
 * Manifests and indexes (OCI image spec; Docker manifest v2 schema 2 and
 * manifest lists), parsed from hostile bytes: every descriptor must have
 * a media type, a sha256 digest and a size; unknown schemas and media
 * types are refused rather than guessed at.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <jansson.h>

#include "registry-internal.h"
#include "shared/json-cleanup.h"

/* Sizes beyond 2^53 cannot come from a JSON number a registry writes faithfully. */
#define DESCRIPTOR_SIZE_MAX (1LL << 53)
/* An index with more entries than this is not an image's. */
#define INDEX_MAX 4096
/* Layers of one manifest: the one-blob-per-block artifacts of 0.4
 * development builds list up to 20 000 blocks; pack artifacts, images far fewer. */
#define LAYERS_MAX (20000 + 16)

static void descriptor_clear(struct reg_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

void reg_manifest_clear(struct reg_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		descriptor_clear(&m->items[i]);
	free(m->items);
	descriptor_clear(&m->config);
	free(m->media_type);
	free(m->artifact_type);
	memset(m, 0, sizeof(*m));
}

void reg_digest_of(char out[VOLT_IMG_DIGEST_SIZE], const void *data, size_t len)
{
	volt_cas_hash h;

	cas_sha256(&h, data, len);
	memcpy(out, "sha256:", 7);
	volt_cas_hash_to_hex(out + 7, &h);
}

static int dup_string(char **out, const json_t *obj, const char *key, bool required, const char *where)
{
	const char *s = NULL;
	int r;

	r = volt_json_get_string(&s, obj, key, required, where);
	if (r < 0)
		return volt_error_set(EBADMSG, "%s", volt_error_message());
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

static int parse_descriptor(struct reg_descriptor *d, const json_t *j, const char *where, bool platform)
{
	const json_t *size, *plat;
	int r;

	if (!json_is_object(j))
		return volt_error_set(EBADMSG, "%s is not an object", where);
	r = dup_string(&d->media_type, j, "mediaType", true, where);
	if (r < 0)
		return r;
	r = dup_string(&d->digest, j, "digest", true, where);
	if (r < 0)
		return r;
	if (!reg_digest_valid(d->digest))
		return volt_error_set(d->digest && strncmp(d->digest, "sha256:", 7) != 0 ? EPROTONOSUPPORT : EBADMSG,
				      "%s: digest '%.80s' is not sha256: and 64 hex digits", where, d->digest);
	size = json_object_get(j, "size");
	if (!json_is_integer(size) || json_integer_value(size) < 0 || json_integer_value(size) > DESCRIPTOR_SIZE_MAX)
		return volt_error_set(EBADMSG, "%s: missing or invalid size", where);
	d->size = (uint64_t)json_integer_value(size);
	if (!platform)
		return 0;
	plat = json_object_get(j, "platform");
	if (!plat)
		return 0;
	if (!json_is_object(plat))
		return volt_error_set(EBADMSG, "%s: platform is not an object", where);
	if ((r = dup_string(&d->os, plat, "os", false, where)) < 0 ||
	    (r = dup_string(&d->arch, plat, "architecture", false, where)) < 0 ||
	    (r = dup_string(&d->variant, plat, "variant", false, where)) < 0)
		return r;
	return 0;
}

/* "type; charset=..." compares as "type". */
static bool media_type_equal(const char *a, const char *header)
{
	size_t n = strcspn(header, "; \t");

	return strlen(a) == n && strncmp(a, header, n) == 0;
}

static int kind_of(const char *mt, enum reg_manifest_kind *out)
{
	if (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0)
		*out = REG_MANIFEST_IMAGE;
	else if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)
		*out = REG_MANIFEST_INDEX;
	else
		return volt_error_set(EPROTONOSUPPORT, "unsupported manifest media type '%.100s'", mt);
	return 0;
}

int reg_manifest_parse(struct reg_manifest *out, const char *body, size_t len, const char *content_type)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_(reg_manifest_clear) struct reg_manifest m = {};
	const json_t *schema, *list;
	const char *list_key;
	char where[48];
	int r;

	if (len > REG_MANIFEST_MAX)
		return volt_error_set(EBADMSG, "manifest of %zu bytes is larger than the limit", len);
	r = volt_json_parse(&j, body, len);
	if (r < 0)
		return volt_error_set(EBADMSG, "manifest is not valid JSON: %s", volt_error_message());
	if (!json_is_object(j))
		return volt_error_set(EBADMSG, "manifest is not a JSON object");
	schema = json_object_get(j, "schemaVersion");
	if (!json_is_integer(schema))
		return volt_error_set(EBADMSG, "manifest has no schemaVersion");
	if (json_integer_value(schema) != 2)
		return volt_error_set(EPROTONOSUPPORT, "manifest schemaVersion %lld is not supported (only 2)",
				      (long long)json_integer_value(schema));
	if ((r = dup_string(&m.media_type, j, "mediaType", false, "manifest")) < 0 ||
	    (r = dup_string(&m.artifact_type, j, "artifactType", false, "manifest")) < 0)
		return r;

	/* OCI makes mediaType optional: the response's Content-Type says it then. */
	if (!m.media_type && content_type && (media_type_equal(MT_OCI_MANIFEST, content_type) ||
					      media_type_equal(MT_OCI_INDEX, content_type))) {
		m.media_type = strndup(content_type, strcspn(content_type, "; \t"));
		if (!m.media_type)
			return volt_error_set(ENOMEM, NULL);
	}
	if (!m.media_type)
		m.media_type = strdup(json_object_get(j, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST);
	if (!m.media_type)
		return volt_error_set(ENOMEM, NULL);
	r = kind_of(m.media_type, &m.kind);
	if (r < 0)
		return r;
	if (content_type && !media_type_equal(m.media_type, content_type) &&
	    !media_type_equal("application/json", content_type) && !media_type_equal("application/octet-stream", content_type)) {
		enum reg_manifest_kind k;

		/* A server saying one manifest type and sending another is lying about one of them. */
		if (kind_of(content_type, &k) < 0 || k != m.kind)
			return volt_error_set(EBADMSG, "the registry sent Content-Type '%.100s' for a manifest of type %s",
					      content_type, m.media_type);
	}

	if (m.kind == REG_MANIFEST_IMAGE) {
		r = parse_descriptor(&m.config, json_object_get(j, "config"), "manifest config", false);
		if (r < 0)
			return r;
		list_key = "layers";
	} else {
		list_key = "manifests";
	}
	list = json_object_get(j, list_key);
	if (!json_is_array(list))
		return volt_error_set(EBADMSG, "manifest has no '%s' array", list_key);
	if (json_array_size(list) > (m.kind == REG_MANIFEST_INDEX ? INDEX_MAX : LAYERS_MAX))
		return volt_error_set(EBADMSG, "manifest lists %zu %s, more than the limit", json_array_size(list), list_key);
	m.items = calloc(json_array_size(list) + 1, sizeof(*m.items));
	if (!m.items)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < json_array_size(list); i++) {
		snprintf(where, sizeof(where), "%s[%zu]", list_key, i);
		m.n++;
		r = parse_descriptor(&m.items[i], json_array_get(list, i), where, m.kind == REG_MANIFEST_INDEX);
		if (r < 0)
			return r;
	}
	*out = m;
	memset(&m, 0, sizeof(m));
	return 0;
}

static bool str_eq(const char *a, const char *b, size_t n)
{
	return a && strlen(a) == n && strncmp(a, b, n) == 0;
}

const char *reg_default_platform(void)
{
	/* The host's platform in the OCI's (Go's) names. */
#if defined(__x86_64__)
	return "linux/amd64";
#elif defined(__aarch64__)
	return "linux/arm64";
#elif defined(__arm__)
	return "linux/arm";
#elif defined(__i386__)
	return "linux/386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "linux/ppc64le";
#elif defined(__s390x__)
	return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "linux/riscv64";
#else
	return "linux/amd64";
#endif
}

int reg_index_select(const struct reg_manifest *idx, const char *platform, const struct reg_descriptor **out)
{
	const char *slash1, *slash2, *variant;
	size_t os_len, arch_len;
	char have[512];
	size_t used = 0;

	if (!platform)
		platform = reg_default_platform();
	slash1 = strchr(platform, '/');
	if (!slash1 || slash1 == platform || !slash1[1])
		return volt_error_set(EINVAL, "platform '%s' is not OS/ARCH[/VARIANT]", platform);
	slash2 = strchr(slash1 + 1, '/');
	os_len = (size_t)(slash1 - platform);
	arch_len = slash2 ? (size_t)(slash2 - slash1 - 1) : strlen(slash1 + 1);
	variant = slash2 ? slash2 + 1 : NULL;
	if (arch_len == 0 || (variant && (!*variant || strchr(variant, '/'))))
		return volt_error_set(EINVAL, "platform '%s' is not OS/ARCH[/VARIANT]", platform);

	for (size_t i = 0; i < idx->n; i++) {
		const struct reg_descriptor *d = &idx->items[i];

		if (!str_eq(d->os, platform, os_len) || !str_eq(d->arch, slash1 + 1, arch_len))
			continue;
		if (variant && (!d->variant || strcmp(d->variant, variant) != 0))
			continue;
		*out = d;
		return 0;
	}
	have[0] = 0;
	for (size_t i = 0; i < idx->n && used < sizeof(have) - 1; i++) {
		const struct reg_descriptor *d = &idx->items[i];
		int n = snprintf(have + used, sizeof(have) - used, "%s%.32s/%.32s%s%.16s", used ? ", " : "",
				 d->os ? d->os : "?", d->arch ? d->arch : "?", d->variant ? "/" : "",
				 d->variant ? d->variant : "");

		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof(have))
		used = sizeof(have) - 1;
	return volt_error_set(ENOENT, "the image index has no manifest for platform %s (it has: %s)", platform,
			      idx->n ? have : "nothing");
}

bool reg_layer_type_supported(const char *mt)
{
	static const char *const types[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar",
		/* Non-distributable layers are still served by registries that hold them. */
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	};

	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		if (strcmp(mt, types[i]) == 0)
			return true;
	return false;
}
