/*
 * Pushing an image the store holds to a registry as an OCI image any
 * client can pull: the export (oci-export.c) gives one tar+gzip layer,
 * the config and the manifest; each blob the registry lacks (HEAD) is
 * uploaded (POST for a session, then one PUT with the digest streaming
 * the blob from its temporary file), then the manifest is put under the
 * tag. Because the export is deterministic, pushing the same image again
 * sends no blob; and because the store remembers what a tree exported to,
 * it does not even write the layer again unless the registry lacks it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "oci-export.h"
#include "registry-http.h"

/* GET /v2/ (the API version check): the registry answers, and takes our
 * credentials for a push, before the export spends time on the layer. */
static int ping(struct reg_client *c)
{
	_cleanup_free_ char *url = NULL;
	struct reg_response resp = {};
	struct reg_request req = { .method = "GET" };
	char what[300];
	int r;

	if (asprintf(&url, "%s/v2/", c->origin) < 0) {
		url = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	snprintf(what, sizeof(what), "the API check of registry %s", c->registry);
	req.url = url;
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 200)
		r = reg_http_error(&resp, "GET", what, url);
	reg_response_clear(&resp);
	return r;
}

/* Upload @len bytes of @fd as blob @digest (monolithic: POST, then PUT). */
static int blob_put_fd(struct reg_client *c, const char *digest, int fd, uint64_t len, struct reg_progress *p)
{
	_cleanup_free_ char *url = NULL, *loc = NULL, *put = NULL;
	struct reg_response resp = {};
	struct reg_request req = { .method = "POST" };
	char what[200];
	int r;

	snprintf(what, sizeof(what), "upload of blob %.80s", digest);
	if (asprintf(&url, "%s/blobs/uploads/", c->base) < 0) {
		url = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
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
				    .body_from_fd = true, .body_fd = fd, .body_fd_len = len, .progress = p };
	r = reg_request_run(c, &req, &resp, what);
	if (r >= 0 && resp.status != 201)
		r = reg_http_error(&resp, "PUT", what, put);
	/* The registry computed the digest of what it got: it must be ours. */
	if (r >= 0 && resp.docker_digest && strncmp(resp.docker_digest, "sha256:", 7) == 0 &&
	    strcmp(resp.docker_digest, digest) != 0)
		r = volt_error_set(EBADMSG, "registry %s stored blob %s as %.80s", c->registry, digest,
				   resp.docker_digest);
	reg_response_clear(&resp);
	return r;
}

VOLT_API int volt_img_image_push(volt_img_registry_result *out, volt_cas *cas, const char *name,
				     const char *dest, const volt_img_registry_options *opts)
{
	volt_img_registry_options o;
	_cleanup_(reg_ref_clear) struct reg_ref ref = {};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(oci_export_clear) struct oci_export e = { .layer_fd = -1 };
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct reg_progress prog = { .res = &res };
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	assert_return(dest, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_IMG_REGISTRY_RESULT_VERSION), EINVAL);
	assert_return(!opts || VERSION_SUPPORTED(opts->version, VOLT_IMG_REGISTRY_OPTIONS_VERSION), EINVAL);

	reg_options_init(&o, opts);
	prog.fn = o.progress;
	prog.userdata = o.userdata;
	r = reg_ref_parse(&ref, dest);
	if (r < 0)
		return r;
	if (!ref.tag)
		return volt_error_set(EINVAL, "push needs a tag to put the image under, not a digest: %s", dest);
	r = reg_client_new(&c, &ref, &o);
	if (r < 0)
		return r;
	c->push = true;
	r = ping(c);
	if (r < 0)
		return volt_error_prefix(r, "push %s to %s", name, dest);

	r = oci_export_prepare(cas, name, false, &e);
	if (r < 0)
		return r;
	res.root = e.img->root;
	res.objects = 1;
	reg_progress_tick(&prog, false);

	r = reg_blob_exists(c, e.layer_digest);
	if (r == 0 && e.layer_fd < 0) {
		/* Known from an earlier export, but the registry lacks it: write it now. */
		r = oci_export_write_layer(cas, &e);
		if (r >= 0)
			r = reg_blob_exists(c, e.layer_digest);
	}
	if (r == 0) {
		res.bytes_total = e.layer_size;
		r = blob_put_fd(c, e.layer_digest, e.layer_fd, e.layer_size, &prog);
		if (r >= 0)
			res.objects_transferred++;
	} else if (r > 0) {
		res.objects_skipped++;
	}
	if (r >= 0)
		r = reg_blob_exists(c, e.config_digest);
	if (r == 0)
		r = reg_blob_put(c, e.config_digest, e.config, e.config_len);
	if (r >= 0)
		r = reg_manifest_put(c, ref.tag, OCI_MT_MANIFEST, e.manifest, e.manifest_len);
	if (r < 0)
		return volt_error_prefix(r, "push %s to %s", e.img->name, dest);
	memcpy(res.digest, e.manifest_digest, VOLT_IMG_DIGEST_SIZE);
	reg_progress_tick(&prog, true);
	if (out)
		*out = res;
	return 0;
}
