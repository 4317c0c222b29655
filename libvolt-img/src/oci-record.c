/*
 * Image records: one JSON file per image name,
 * "oci/images/<sha256 of the name in hex>.json" (hashing the name keeps
 * any registry name a valid file name), written atomically. The
 * format is in docs/cas-format.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "oci-internal.h"
#include "shared/json-cleanup.h"

static void record_file_name(char out[VOLT_CAS_HASH_HEX_SIZE + 5], const char *full_name)
{
	volt_cas_hash h;

	cas_sha256(&h, full_name, strlen(full_name));
	volt_cas_hash_to_hex(out, &h);
	strcat(out, ".json");
}

int oci_record_write(volt_cas *cas, const char *full_name, json_t *rec)
{
	_cleanup_close_ int fd = -1, records = -1;
	_cleanup_free_ char *path = NULL;
	char file[VOLT_CAS_HASH_HEX_SIZE + 5];
	volt_cas_hash root;
	int r;

	r = oci_dir_open(cas, "images", true, &fd);
	if (r < 0)
		return r;
	record_file_name(file, full_name);
	if (asprintf(&path, "%s/oci/images/%s", cas->path, file) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* The root first: gc must never see a record whose data it may take. */
	file[64] = 0;
	r = volt_cas_hash_from_hex(&root, json_string_value(json_object_get(rec, "record")));
	if (r < 0)
		return volt_error_set(EINVAL, "image record of %s: bad record tree", full_name);
	r = oci_records_lock(cas, &records);
	if (r >= 0)
		r = oci_root_set(cas, OCI_ROOT_IMAGE, file, &root);
	if (r < 0)
		return r;
	return volt_json_write_file(path, rec, VOLT_JSON_PRETTY, 0644);
}

/* Check the fields every reader relies on. */
int oci_record_check(json_t *rec, const char *file)
{
	static const char *const keys[] = { "name", "id", "manifest_digest", "record", "rootfs", "layers",
					    "layer_trees", "created", NULL };
	const char *s;
	volt_cas_hash h;
	json_t *l, *t, *v;
	size_t i;

	if (volt_json_check_keys(rec, keys, file) < 0 ||
	    volt_json_get_string(&s, rec, "name", true, file) < 0 ||
	    volt_json_get_string(&s, rec, "id", true, file) < 0 || oci_digest_parse(s, &h) < 0 ||
	    volt_json_get_string(&s, rec, "record", true, file) < 0 || volt_cas_hash_from_hex(&h, s) < 0 ||
	    volt_json_get_string(&s, rec, "rootfs", true, file) < 0 || volt_cas_hash_from_hex(&h, s) < 0)
		return volt_error_prefix(-EBADMSG, "corrupt image record");
	l = json_object_get(rec, "layers");
	t = json_object_get(rec, "layer_trees");
	if (!json_is_array(l) || !json_is_array(t) || json_array_size(l) != json_array_size(t) ||
	    !json_is_integer(json_object_get(rec, "created")))
		return volt_error_set(EBADMSG, "corrupt image record %s: layers", file);
	json_array_foreach(l, i, v)
		if (!json_is_string(v) || oci_digest_parse(json_string_value(v), &h) < 0 ||
		    !json_is_string(json_array_get(t, i)) ||
		    volt_cas_hash_from_hex(&h, json_string_value(json_array_get(t, i))) < 0)
			return volt_error_set(EBADMSG, "corrupt image record %s: layer %zu", file, i + 1);
	v = json_object_get(rec, "manifest_digest");
	if (!json_is_null(v) && (!json_is_string(v) || oci_digest_parse(json_string_value(v), &h) < 0))
		return volt_error_set(EBADMSG, "corrupt image record %s: manifest_digest", file);
	return 0;
}

static int record_load_at(int dfd, const char *file, json_t **out)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *rec = NULL;
	_cleanup_close_ int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	int r;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : volt_error_set_errno(errno, "open image record %s", file);
	/* Records are small: a bounded read keeps a hostile file from using memory. */
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		return volt_error_set_errno(errno, "read image record %s", file);
	if (len == sizeof(buf))
		return volt_error_set(EBADMSG, "image record %s is too large", file);
	r = volt_json_parse(&rec, buf, len);
	if (r < 0)
		return volt_error_prefix(-EBADMSG, "image record %s", file);
	r = oci_record_check(rec, file);
	if (r < 0)
		return r;
	*out = TAKE_PTR(rec);
	return 0;
}

int oci_record_read(volt_cas *cas, const char *full_name, json_t **out)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_json_ json_t *rec = NULL;
	char file[VOLT_CAS_HASH_HEX_SIZE + 5];
	int r;

	r = oci_dir_open(cas, "images", false, &dfd);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no image named '%s'", full_name);
	if (r < 0)
		return r;
	record_file_name(file, full_name);
	r = record_load_at(dfd, file, &rec);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no image named '%s'", full_name);
	if (r < 0)
		return r;
	if (strcmp(json_string_value(json_object_get(rec, "name")), full_name) != 0)
		return volt_error_set(EBADMSG, "image record %s names another image", file);
	*out = TAKE_PTR(rec);
	return 0;
}

int oci_record_remove(volt_cas *cas, const char *full_name)
{
	_cleanup_close_ int dfd = -1, records = -1;
	char file[VOLT_CAS_HASH_HEX_SIZE + 5];
	int r;

	r = oci_dir_open(cas, "images", false, &dfd);
	if (r >= 0)
		r = oci_records_lock(cas, &records);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no image named '%s'", full_name);
	if (r < 0)
		return r;
	record_file_name(file, full_name);
	if (unlinkat(dfd, file, 0) < 0) {
		if (errno == ENOENT)
			return volt_error_set(ENOENT, "no image named '%s'", full_name);
		return volt_error_set_errno(errno, "remove image record of %s", full_name);
	}
	if (fsync(dfd) < 0)
		return volt_error_set_errno(errno, "sync image records");
	/* The root after the record: a crash in between leaves the data kept. */
	file[64] = 0;
	return oci_root_drop(cas, OCI_ROOT_IMAGE, file);
}

static bool is_record_file(const char *name)
{
	size_t len = strlen(name);

	return len == 64 + 5 && strcmp(name + 64, ".json") == 0 && strspn(name, "0123456789abcdef") == 64;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

int oci_record_list(volt_cas *cas, bool skip_bad, json_t **out_array)
{
	_cleanup_json_ json_t *arr = json_array();
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ json_t **v = NULL;
	struct dirent *de;
	size_t n;
	int dfd, r;

	if (!arr)
		return volt_error_set(ENOMEM, NULL);
	r = oci_dir_open(cas, "images", false, &dfd);
	if (r == -ENOENT) {
		*out_array = TAKE_PTR(arr);
		return 0;
	}
	if (r < 0)
		return r;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return volt_error_set_errno(errno, "list image records");
	}
	while ((de = readdir(d))) {
		json_t *rec = NULL;

		if (!is_record_file(de->d_name))
			continue;
		r = record_load_at(dirfd(d), de->d_name, &rec);
		if (r == -ENOENT)
			continue; /* removed meanwhile */
		if (r < 0) {
			if (skip_bad) {
				volt_error_clear();
				continue;
			}
			return r;
		}
		if (json_array_append_new(arr, rec) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	/* Sort by name through a plain array (jansson arrays have no sort). */
	n = json_array_size(arr);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), by_name);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	*out_array = TAKE_PTR(arr);
	return 0;
}

static int each_layer_record(volt_cas *cas, oci_root_fn fn, void *userdata, uint64_t *n)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int dfd, r;

	r = oci_dir_open(cas, "layers", false, &dfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return volt_error_set_errno(errno, "list layer records");
	}
	while ((de = readdir(d))) {
		char digest[OCI_DIGEST_SIZE], ref[OCI_ROOT_REF_SIZE];
		volt_cas_hash tree;

		if (strncmp(de->d_name, "sha256-", 7) != 0 || strlen(de->d_name) != 7 + 64 ||
		    strspn(de->d_name + 7, "0123456789abcdef") != 64)
			continue;
		snprintf(digest, sizeof(digest), "sha256:%s", de->d_name + 7);
		oci_root_ref_name(ref, OCI_ROOT_LAYER, de->d_name + 7);
		(*n)++;
		r = volt_img_layer_lookup(&tree, cas, digest);
		if (r == -ENOENT)
			continue;
		r = fn(cas, digest, ref, r < 0 ? NULL : &tree, r < 0 ? -EBADMSG : 0, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

int oci_for_each_root(volt_cas *cas, oci_root_fn fn, void *userdata, uint64_t *n_out)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	uint64_t n = 0;
	int dfd, r;

	r = oci_dir_open(cas, "images", false, &dfd);
	if (r >= 0) {
		d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			return volt_error_set_errno(errno, "list image records");
		}
		while ((de = readdir(d))) {
			_cleanup_json_ json_t *rec = NULL;
			char ref[OCI_ROOT_REF_SIZE], hex[VOLT_CAS_HASH_HEX_SIZE];
			volt_cas_hash h;

			if (!is_record_file(de->d_name))
				continue;
			memcpy(hex, de->d_name, 64);
			hex[64] = 0;
			oci_root_ref_name(ref, OCI_ROOT_IMAGE, hex);
			n++;
			r = record_load_at(dirfd(d), de->d_name, &rec);
			if (r == -ENOENT)
				continue;
			if (r >= 0)
				volt_cas_hash_from_hex(&h, json_string_value(json_object_get(rec, "record")));
			r = fn(cas, rec ? json_string_value(json_object_get(rec, "name")) : de->d_name, ref,
			       r < 0 ? NULL : &h, r < 0 ? r : 0, userdata);
			if (r < 0)
				return r;
		}
	} else if (r != -ENOENT) {
		return r;
	}
	r = each_layer_record(cas, fn, userdata, &n);
	if (r < 0)
		return r;
	if (n_out)
		*n_out = n;
	return 0;
}
