/*
 * The distribution API's requests: manifests by tag or digest, blobs
 * streamed and verified (size and SHA-256) as they arrive, existence
 * checks, and uploads (POST for a session, PUT with the digest).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "registry-http.h"

static const char manifest_accept[] = MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST;

static void sha_hex(EVP_MD_CTX *sha, char out[VOLT_IMG_DIGEST_SIZE])
{
	volt_cas_hash h;
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(sha, h.bytes, &n) != 1 || n != VOLT_CAS_HASH_SIZE)
		memset(h.bytes, 0, sizeof(h.bytes));
	memcpy(out, "sha256:", 7);
	volt_cas_hash_to_hex(out + 7, &h);
}

int reg_manifest_get(struct reg_client *c, const char *reference, char **out_body, size_t *out_len,
		     char **out_content_type, char out_digest[VOLT_IMG_DIGEST_SIZE])
{
	_cleanup_free_ char *url = NULL;
	struct reg_sink sink = { .fd = -1, .limit = REG_MANIFEST_MAX };
	struct reg_response resp = { .sink = &sink };
	struct reg_request req = { .method = "GET", .accept = manifest_accept, .follow = true };
	char digest[VOLT_IMG_DIGEST_SIZE], what[400];
	int r;

	if (asprintf(&url, "%s/manifests/%s", c->base, reference) < 0)
		return volt_error_set(ENOMEM, NULL);
	snprintf(what, sizeof(what), "manifest %s/%s%s%s", c->registry, c->repository,
		 reg_digest_valid(reference) ? "@" : ":", reference);
	req.url = url;
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 200)
		r = reg_http_error(&resp, "GET", what, url);
	if (r < 0)
		goto out;
	reg_digest_of(digest, sink.buf ? sink.buf : "", sink.len);
	/* By digest, the bytes must hash to it; by tag, they must hash to what
	 * the registry says they are, when it says. */
	if (reg_digest_valid(reference) && strcmp(reference, digest) != 0) {
		r = volt_error_set(EBADMSG, "%s: the registry sent a manifest whose digest is %s", what, digest);
		goto out;
	}
	if (resp.docker_digest && strncmp(resp.docker_digest, "sha256:", 7) == 0 &&
	    strcmp(resp.docker_digest, digest) != 0) {
		r = volt_error_set(EBADMSG, "%s: the manifest's digest is %s, but the registry says %.80s", what, digest,
				   resp.docker_digest);
		goto out;
	}
	if (out_content_type) {
		*out_content_type = resp.content_type ? strdup(resp.content_type) : NULL;
		if (resp.content_type && !*out_content_type) {
			r = volt_error_set(ENOMEM, NULL);
			goto out;
		}
	}
	*out_body = sink.buf ? TAKE_PTR(sink.buf) : strdup("");
	*out_len = sink.len;
	memcpy(out_digest, digest, VOLT_IMG_DIGEST_SIZE);
	r = *out_body ? 0 : volt_error_set(ENOMEM, NULL);
out:
	free(sink.buf);
	reg_response_clear(&resp);
	return r;
}

int reg_manifest_put(struct reg_client *c, const char *tag, const char *media_type, const char *body, size_t len)
{
	_cleanup_free_ char *url = NULL;
	struct reg_response resp = {};
	struct reg_request req = { .method = "PUT", .content_type = media_type, .body = body, .body_len = len };
	char what[400];
	int r;

	if (asprintf(&url, "%s/manifests/%s", c->base, tag) < 0)
		return volt_error_set(ENOMEM, NULL);
	snprintf(what, sizeof(what), "manifest %s/%s:%s", c->registry, c->repository, tag);
	req.url = url;
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 201 && resp.status != 200)
		r = reg_http_error(&resp, "PUT", what, url);
	reg_response_clear(&resp);
	return r;
}

static int blob_get(struct reg_client *c, const char *digest, uint64_t size, struct reg_sink *sink)
{
	_cleanup_free_ char *url = NULL;
	struct reg_response resp = { .sink = sink };
	struct reg_request req = { .method = "GET", .follow = true };
	char got[VOLT_IMG_DIGEST_SIZE], what[200];
	int r;

	sink->sha = EVP_MD_CTX_new();
	if (!sink->sha || EVP_DigestInit_ex(sink->sha, EVP_sha256(), NULL) != 1) {
		r = volt_error_set(ENOMEM, "SHA-256 context");
		goto out;
	}
	if (asprintf(&url, "%s/blobs/%s", c->base, digest) < 0) {
		url = NULL;
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	snprintf(what, sizeof(what), "blob %.80s", digest);
	req.url = url;
	sink->limit = size;
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 200)
		r = reg_http_error(&resp, "GET", what, url);
	if (r < 0)
		goto out;
	if (sink->got != size) {
		r = volt_error_set(EBADMSG, "%s is %llu bytes, but its descriptor says %llu (truncated?)", what,
				   (unsigned long long)sink->got, (unsigned long long)size);
		goto out;
	}
	sha_hex(sink->sha, got);
	if (strcmp(got, digest) != 0)
		r = volt_error_set(EBADMSG, "%s: the registry sent content whose digest is %s", what, got);
out:
	EVP_MD_CTX_free(sink->sha);
	sink->sha = NULL;
	reg_response_clear(&resp);
	return r;
}

int reg_blob_get_fd(struct reg_client *c, const char *digest, uint64_t size, int fd, struct reg_progress *p)
{
	struct reg_sink sink = { .fd = fd, .progress = p };
	int r;

	/* A retry after a 401 starts the file again. */
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return volt_error_set_errno(errno, "temporary file for blob %s", digest);
	r = blob_get(c, digest, size, &sink);
	if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = volt_error_set_errno(errno, "temporary file for blob %s", digest);
	return r;
}

int reg_blob_get_mem(struct reg_client *c, const char *digest, uint64_t size, size_t max, void **out, size_t *out_len,
		     struct reg_progress *p)
{
	struct reg_sink sink = { .fd = -1, .progress = p };
	int r;

	if (size > max)
		return volt_error_set(EBADMSG, "blob %s of %llu bytes is larger than the limit of %zu", digest,
				      (unsigned long long)size, max);
	r = blob_get(c, digest, size, &sink);
	if (r < 0) {
		free(sink.buf);
		return r;
	}
	*out = sink.buf ? sink.buf : malloc(1);
	if (!*out)
		return volt_error_set(ENOMEM, NULL);
	*out_len = sink.len;
	return 0;
}

int reg_blob_exists(struct reg_client *c, const char *digest)
{
	_cleanup_free_ char *url = NULL;
	struct reg_response resp = {};
	struct reg_request req = { .method = "HEAD", .follow = true };
	char what[200];
	int r;

	if (asprintf(&url, "%s/blobs/%s", c->base, digest) < 0)
		return volt_error_set(ENOMEM, NULL);
	snprintf(what, sizeof(what), "blob %.80s", digest);
	req.url = url;
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0)
		r = resp.status == 200 ? 1 : resp.status == 404 ? 0 : reg_http_error(&resp, "HEAD", what, url);
	reg_response_clear(&resp);
	return r;
}

int reg_absolute_url(const struct reg_client *c, const char *loc, char **out)
{
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		*out = strdup(loc);
	else if (loc[0] == '/' && asprintf(out, "%s%s", c->origin, loc) < 0)
		*out = NULL;
	else if (loc[0] != '/')
		return volt_error_set(EBADMSG, "registry %s gave an upload location that is not a URL", c->registry);
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

int reg_blob_put(struct reg_client *c, const char *digest, const void *data, size_t len)
{
	_cleanup_free_ char *url = NULL, *loc = NULL, *put = NULL;
	struct reg_response resp = {};
	struct reg_request req = { .method = "POST", .body_len = 0 };
	char what[200];
	int r;

	snprintf(what, sizeof(what), "upload of blob %.80s", digest);
	if (asprintf(&url, "%s/blobs/uploads/", c->base) < 0)
		return volt_error_set(ENOMEM, NULL);
	req.url = url;
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 202)
		r = reg_http_error(&resp, "POST", what, url);
	if (r >= 0 && !resp.location)
		r = volt_error_set(EBADMSG, "registry %s started an upload without a Location", c->registry);
	if (r >= 0)
		r = reg_absolute_url(c, resp.location, &loc);
	reg_response_clear(&resp);
	if (r < 0)
		return r;

	if (asprintf(&put, "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest) < 0) {
		put = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	req = (struct reg_request){ .method = "PUT", .url = put, .content_type = "application/octet-stream",
				    .body = data, .body_len = len };
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 201)
		r = reg_http_error(&resp, "PUT", what, put);
	reg_response_clear(&resp);
	return r;
}

int reg_blob_get_range(struct reg_client *c, const char *digest, uint64_t size, uint64_t off, uint64_t len,
		       void **out, size_t *out_len, bool *out_whole, struct reg_progress *p)
{
	_cleanup_free_ char *url = NULL;
	struct reg_sink sink = { .fd = -1, .progress = p };
	struct reg_response resp = { .sink = &sink };
	struct reg_request req = { .method = "GET", .follow = true };
	char range[64], what[200], got[VOLT_IMG_DIGEST_SIZE];
	int r;

	if (len == 0 || off > size || len > size - off || size > SIZE_MAX - 1)
		return volt_error_set(EINVAL, "range %llu+%llu of blob %.80s", (unsigned long long)off,
				      (unsigned long long)len, digest);
	if (asprintf(&url, "%s/blobs/%s", c->base, digest) < 0)
		return volt_error_set(ENOMEM, NULL);
	snprintf(what, sizeof(what), "blob %.80s", digest);
	snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)off, (unsigned long long)(off + len - 1));
	req.url = url;
	req.range = range;
	/* The whole blob at most: what a registry ignoring Range sends. */
	sink.limit = size;
	sink.sha = EVP_MD_CTX_new();
	if (!sink.sha || EVP_DigestInit_ex(sink.sha, EVP_sha256(), NULL) != 1) {
		r = volt_error_set(ENOMEM, "SHA-256 context");
		goto out;
	}
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 206 && resp.status != 200)
		r = reg_http_error(&resp, "GET", what, url);
	if (r < 0)
		goto out;
	*out_whole = resp.status == 200;
	if (resp.status == 206 && sink.got != len) {
		r = volt_error_set(EBADMSG, "%s: the registry answered range %s with %llu bytes, not %llu", what, range,
				   (unsigned long long)sink.got, (unsigned long long)len);
		goto out;
	}
	if (resp.status == 200) {
		if (sink.got != size) {
			r = volt_error_set(EBADMSG, "%s is %llu bytes, but its descriptor says %llu (truncated?)", what,
					   (unsigned long long)sink.got, (unsigned long long)size);
			goto out;
		}
		sha_hex(sink.sha, got);
		if (strcmp(got, digest) != 0) {
			r = volt_error_set(EBADMSG, "%s: the registry sent content whose digest is %s", what, got);
			goto out;
		}
	}
	*out = sink.buf ? TAKE_PTR(sink.buf) : malloc(1);
	if (!*out)
		r = volt_error_set(ENOMEM, NULL);
	*out_len = sink.len;
out:
	EVP_MD_CTX_free(sink.sha);
	free(sink.buf);
	reg_response_clear(&resp);
	return r;
}

int reg_tags_list(struct reg_client *c, char ***out)
{
	_cleanup_free_ char *url = NULL;
	struct reg_sink sink = { .fd = -1, .limit = REG_MANIFEST_MAX };
	struct reg_response resp = { .sink = &sink };
	struct reg_request req = { .method = "GET", .follow = true, .accept = "application/json" };
	json_t *j = NULL, *tags;
	char **v = NULL;
	size_t n = 0;
	int r;

	if (asprintf(&url, "%s/tags/list", c->base) < 0)
		return volt_error_set(ENOMEM, NULL);
	req.url = url;
	r = reg_request_run(c, &req, &resp, "tag list");
	if (r >= 0 && resp.status == 404) {
		/* A repository nothing was pushed to yet. */
		v = calloc(1, sizeof(*v));
		r = v ? 0 : volt_error_set(ENOMEM, NULL);
		goto done;
	}
	if (r >= 0 && resp.status != 200)
		r = reg_http_error(&resp, "GET", "tag list", url);
	if (r < 0)
		goto done;
	r = volt_json_parse(&j, sink.buf ? sink.buf : "", sink.len);
	if (r < 0)
		goto done;
	tags = json_object_get(j, "tags");
	if (tags && !json_is_array(tags) && !json_is_null(tags)) {
		r = volt_error_set(EBADMSG, "registry %s: malformed tag list", c->registry);
		goto done;
	}
	v = calloc(json_array_size(tags) + 1, sizeof(*v));
	if (!v) {
		r = volt_error_set(ENOMEM, NULL);
		goto done;
	}
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));

		if (!t)
			continue;
		v[n] = strdup(t);
		if (!v[n++]) {
			r = volt_error_set(ENOMEM, NULL);
			goto done;
		}
	}
done:
	json_decref(j);
	free(sink.buf);
	reg_response_clear(&resp);
	if (r < 0) {
		volt_strv_free(v);
		return r;
	}
	*out = v;
	return 0;
}
