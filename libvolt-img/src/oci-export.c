/*
 * An image the store holds, exported as OCI blobs: its merged tree as
 * one tar+gzip layer (the original layer blobs are not kept: layers are
 * imported into trees, oci-layer.c), its config with rootfs.diff_ids
 * naming that layer, and an OCI image manifest. volt_img_image_push()
 * (registry-push.c) uploads them; volt_img_image_save() writes them
 * as an OCI image layout tar.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "oci-export.h"
#include "oci-internal.h"
#include "registry-internal.h"
#include "shared/json-cleanup.h"

/* An unnamed file for the layer: in the store (its file system has room
 * for what the store holds), else in $TMPDIR or /var/tmp for a store we
 * may read but not write. */
static int open_temp(volt_cas *cas)
{
	_cleanup_free_ char *path = NULL;
	const char *tmpdir = getenv("TMPDIR");
	int fd;

	fd = openat(cas->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno == EACCES || errno == EROFS || errno == EPERM) {
		fd = open(tmpdir && *tmpdir ? tmpdir : "/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
	}
	if (asprintf(&path, "%s/.tmp-export-XXXXXX", cas->path) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "create a temporary file in %s", cas->path);
	unlink(path);
	return fd;
}

/*
 * What the layer of a tree exported to, "oci/exports/<tree hex>": "BLOB
 * SIZE DIFF_ID\n". A push that finds the blob on the registry then needs
 * neither the tar nor gzip: a second push of a big image is a few
 * requests, not a minute of compression. A stale or corrupt entry costs
 * only that: the layer is written again whenever it must be sent.
 */
static int cache_path(volt_cas *cas, const volt_cas_hash *root, char **out)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE];

	if (asprintf(out, "%s/oci/exports/%s", cas->path, volt_cas_hash_to_hex(hex, root)) < 0) {
		*out = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

static bool cache_read(volt_cas *cas, struct oci_export *e, char diff_id[VOLT_IMG_DIGEST_SIZE])
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	char blob[VOLT_IMG_DIGEST_SIZE], diff[VOLT_IMG_DIGEST_SIZE];
	unsigned long long size;
	size_t len;

	if (cache_path(cas, &e->img->root, &path) < 0 || volt_file_read(&data, &len, path, 512) < 0) {
		volt_error_clear();
		return false;
	}
	if (sscanf(data, "%71s %llu %71s", blob, &size, diff) != 3 || !reg_digest_valid(blob) ||
	    !reg_digest_valid(diff))
		return false;
	memcpy(e->layer_digest, blob, VOLT_IMG_DIGEST_SIZE);
	memcpy(diff_id, diff, VOLT_IMG_DIGEST_SIZE);
	e->layer_size = size;
	return true;
}

/* Best effort: a store we may not write exports every time. */
static void cache_write(volt_cas *cas, const struct oci_export *e, const char *diff_id)
{
	_cleanup_free_ char *path = NULL, *dir = NULL, *line = NULL;

	if (cache_path(cas, &e->img->root, &path) < 0 || asprintf(&dir, "%s/oci/exports", cas->path) < 0 ||
	    asprintf(&line, "%s %llu %s\n", e->layer_digest, (unsigned long long)e->layer_size, diff_id) < 0 ||
	    volt_mkdir_p(dir, 0755) < 0 || volt_file_write_atomic(path, line, strlen(line), 0644) < 0)
		volt_log(VOLT_LOG_DEBUG, "cannot record the export of %s: %s", e->img->name, volt_error_message());
	volt_error_clear();
}

void oci_export_forget(volt_cas *cas, const char *root_hex)
{
	_cleanup_free_ char *path = NULL;
	volt_cas_hash h;

	if (!root_hex || volt_cas_hash_from_hex(&h, root_hex) < 0 || cache_path(cas, &h, &path) < 0) {
		volt_error_clear();
		return;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		volt_log(VOLT_LOG_DEBUG, "cannot remove %s: %m", path);
}

static int export_layer(volt_cas *cas, struct oci_export *e, char diff_id[VOLT_IMG_DIGEST_SIZE])
{
	struct oci_tar_writer *w = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	e->layer_fd = open_temp(cas);
	if (e->layer_fd < 0)
		return e->layer_fd;
	/* Shared: a gc (exclusive) must not free blocks while we read them. */
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	r = oci_tar_writer_new(&w, e->layer_fd, true);
	if (r < 0)
		return r;
	r = oci_tar_write_tree(w, cas, &e->img->root);
	if (r >= 0)
		r = oci_tar_writer_finish(w, e->layer_digest, &e->layer_size, diff_id);
	oci_tar_writer_free(w);
	if (r >= 0 && lseek(e->layer_fd, 0, SEEK_SET) < 0)
		r = volt_error_set_errno(errno, "temporary layer file");
	return r < 0 ? volt_error_prefix(r, "image %s: writing its layer", e->img->name) : 0;
}

/*
 * The image's own config, with rootfs naming the one layer. History
 * entries stay (they describe how the image was built) but are marked
 * empty, and one entry for the layer is added, so that clients that match
 * history against layers agree.
 */
static int export_config(struct oci_export *e, const char *diff_id)
{
	_cleanup_json_ json_t *c = NULL;
	json_t *hist, *entry;
	const char *created;
	size_t i;
	int r;

	r = volt_json_parse(&c, e->img->config_json, e->img->config_len);
	if (r < 0 || !json_is_object(c))
		return volt_error_set(EBADMSG, "image %s: its config is not a JSON object", e->img->name);
	if (json_object_set_new(c, "rootfs", json_pack("{s:s, s:[s]}", "type", "layers", "diff_ids", diff_id)) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* OCI requires both; an archive's config may lack them. */
	if (!json_is_string(json_object_get(c, "os")) || !json_is_string(json_object_get(c, "architecture"))) {
		const char *plat = reg_default_platform(), *arch = plat + strcspn(plat, "/");
		_cleanup_free_ char *os = strndup(plat, (size_t)(arch - plat));
		_cleanup_free_ char *a = strndup(arch + (*arch == '/'), strcspn(arch + (*arch == '/'), "/"));

		if (!os || !a || json_object_set_new(c, "os", json_string(os)) < 0 ||
		    json_object_set_new(c, "architecture", json_string(a)) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	hist = json_object_get(c, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		if (!hist || json_object_set_new(c, "history", hist) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	json_array_foreach(hist, i, entry)
		if (json_is_object(entry) && json_object_set_new(entry, "empty_layer", json_true()) < 0)
			return volt_error_set(ENOMEM, NULL);
	entry = json_pack("{s:s}", "created_by", "volt: the image's file system as one layer");
	created = json_string_value(json_object_get(c, "created"));
	if (!entry || (created && json_object_set_new(entry, "created", json_string(created)) < 0) ||
	    json_array_append_new(hist, entry) < 0)
		return volt_error_set(ENOMEM, NULL);
	e->config = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	if (!e->config)
		return volt_error_set(ENOMEM, NULL);
	e->config_len = strlen(e->config);
	reg_digest_of(e->config_digest, e->config, e->config_len);
	return 0;
}

static int export_manifest(struct oci_export *e)
{
	_cleanup_json_ json_t *m = NULL;

	m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2, "mediaType",
		      OCI_MT_MANIFEST, "config", "mediaType", OCI_MT_CONFIG, "digest", e->config_digest, "size",
		      (json_int_t)e->config_len, "layers", "mediaType", OCI_MT_LAYER_GZIP, "digest", e->layer_digest,
		      "size", (json_int_t)e->layer_size);
	if (!m)
		return volt_error_set(ENOMEM, NULL);
	e->manifest = json_dumps(m, JSON_COMPACT);
	if (!e->manifest)
		return volt_error_set(ENOMEM, NULL);
	e->manifest_len = strlen(e->manifest);
	reg_digest_of(e->manifest_digest, e->manifest, e->manifest_len);
	return 0;
}

static int export_meta(struct oci_export *e, const char *diff_id)
{
	int r;

	free(e->config);
	free(e->manifest);
	e->config = e->manifest = NULL;
	r = export_config(e, diff_id);
	return r < 0 ? r : export_manifest(e);
}

int oci_export_prepare(volt_cas *cas, const char *name, bool need_layer, struct oci_export *out)
{
	struct oci_export e = { .layer_fd = -1 };
	char diff_id[VOLT_IMG_DIGEST_SIZE];
	int r;

	r = volt_img_image_get(&e.img, cas, name);
	if (r >= 0 && (need_layer || !cache_read(cas, &e, diff_id))) {
		r = export_layer(cas, &e, diff_id);
		if (r >= 0)
			cache_write(cas, &e, diff_id);
	}
	if (r >= 0)
		r = export_meta(&e, diff_id);
	if (r < 0) {
		oci_export_clear(&e);
		return r;
	}
	*out = e;
	return 0;
}

int oci_export_write_layer(volt_cas *cas, struct oci_export *e)
{
	char old[VOLT_IMG_DIGEST_SIZE], diff_id[VOLT_IMG_DIGEST_SIZE];
	int r;

	if (e->layer_fd >= 0)
		return 0;
	memcpy(old, e->layer_digest, sizeof(old));
	r = export_layer(cas, e, diff_id);
	if (r < 0)
		return r;
	cache_write(cas, e, diff_id);
	/* Another zlib, or a changed record: the config names the new diff_id. */
	return strcmp(old, e->layer_digest) == 0 ? 0 : export_meta(e, diff_id);
}

void oci_export_clear(struct oci_export *e)
{
	volt_img_image_free(e->img);
	if (e->layer_fd >= 0)
		close(e->layer_fd);
	free(e->config);
	free(e->manifest);
	*e = (struct oci_export){ .layer_fd = -1 };
}

/* ---- OCI image layout archive ---- */

static int save_mem(struct oci_tar_writer *w, const char *path, const char *data, size_t len)
{
	int r = oci_tar_write_file_header(w, path, 0644, len, 0);

	if (r >= 0)
		r = oci_tar_write_data(w, data, len);
	return r < 0 ? r : oci_tar_write_pad(w, len);
}

static int save_blob(struct oci_tar_writer *w, const char *digest, const char *data, size_t len)
{
	char path[16 + VOLT_IMG_DIGEST_SIZE];

	snprintf(path, sizeof(path), "blobs/sha256/%.64s", digest + 7);
	return save_mem(w, path, data, len);
}

static int save_layer(struct oci_tar_writer *w, const struct oci_export *e)
{
	char path[16 + VOLT_IMG_DIGEST_SIZE], buf[65536];
	uint64_t done = 0;
	int r;

	snprintf(path, sizeof(path), "blobs/sha256/%.64s", e->layer_digest + 7);
	r = oci_tar_write_file_header(w, path, 0644, e->layer_size, 0);
	while (r >= 0 && done < e->layer_size) {
		ssize_t n = pread(e->layer_fd, buf, sizeof(buf), (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return volt_error_set_errno(n < 0 ? errno : EIO, "read the temporary layer file");
		r = oci_tar_write_data(w, buf, (size_t)n);
		done += (uint64_t)n;
	}
	return r < 0 ? r : oci_tar_write_pad(w, e->layer_size);
}

VOLT_API int volt_img_image_save(char *out_digest, volt_cas *cas, const char *name, int fd)
{
	_cleanup_(oci_export_clear) struct oci_export e = { .layer_fd = -1 };
	_cleanup_json_ json_t *index = NULL;
	_cleanup_free_ char *index_s = NULL;
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	struct oci_tar_writer *w = NULL;
	int r;

	assert_return(cas, EINVAL);
	assert_return(name, EINVAL);
	assert_return(fd >= 0, EINVAL);
	r = oci_export_prepare(cas, name, true, &e);
	if (r < 0)
		return r;
	/* ref.name: the full name, which Volt's import records; skopeo takes
	 * the only image of an archive whatever its name. */
	index = json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2, "mediaType", OCI_MT_INDEX,
			  "manifests", "mediaType", OCI_MT_MANIFEST, "digest", e.manifest_digest, "size",
			  (json_int_t)e.manifest_len, "annotations", "org.opencontainers.image.ref.name", e.img->name);
	if (!index || !(index_s = json_dumps(index, JSON_COMPACT)))
		return volt_error_set(ENOMEM, NULL);
	r = oci_tar_writer_new(&w, fd, false);
	if (r < 0)
		return r;
	r = save_mem(w, "oci-layout", layout, strlen(layout));
	if (r >= 0)
		r = oci_tar_write_dir(w, "blobs/", 0);
	if (r >= 0)
		r = oci_tar_write_dir(w, "blobs/sha256/", 0);
	if (r >= 0)
		r = save_layer(w, &e);
	if (r >= 0)
		r = save_blob(w, e.config_digest, e.config, e.config_len);
	if (r >= 0)
		r = save_blob(w, e.manifest_digest, e.manifest, e.manifest_len);
	if (r >= 0)
		r = save_mem(w, "index.json", index_s, strlen(index_s));
	if (r >= 0)
		r = oci_tar_writer_finish(w, NULL, NULL, NULL);
	oci_tar_writer_free(w);
	if (r < 0)
		return volt_error_prefix(r, "save %s", e.img->name);
	if (out_digest)
		memcpy(out_digest, e.manifest_digest, VOLT_IMG_DIGEST_SIZE);
	return 0;
}
