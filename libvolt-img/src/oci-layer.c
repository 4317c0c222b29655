/*
 * Layer import: a blob (plain tar, gzip or zstd) flows through a hasher
 * and a decompressor into the tar importer, so its files are chunked
 * like everything else and dedupe with the whole store. The layer tree
 * keeps whiteout entries as they are; oci-merge.c interprets them.
 *
 * A layer record, "oci/layers/sha256-<hex>", holds the layer tree's hash
 * in hex and a newline (docs/cas-format.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci-internal.h"

int oci_dir_open(volt_cas *cas, const char *sub, bool create, int *out_fd)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/oci/%s", cas->path, sub) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		int r = volt_mkdir_p(path, 0755);

		if (r < 0)
			return r;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT; /* no record yet: callers decide what that means */
		return volt_error_set_errno(errno, "open %s", path);
	}
	*out_fd = fd;
	return 0;
}

static void layer_file_name(char out[7 + VOLT_CAS_HASH_HEX_SIZE], const volt_cas_hash *digest)
{
	memcpy(out, "sha256-", 7);
	volt_cas_hash_to_hex(out + 7, digest);
}

int oci_layer_record_write(volt_cas *cas, const volt_cas_hash *digest, const volt_cas_hash *tree)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1, records = -1;
	char name[7 + VOLT_CAS_HASH_HEX_SIZE], line[VOLT_CAS_HASH_HEX_SIZE + 1];
	int r;

	r = oci_dir_open(cas, "layers", true, &fd);
	if (r < 0)
		return r;
	layer_file_name(name, digest);
	volt_cas_hash_to_hex(line, tree);
	line[64] = '\n';
	if (asprintf(&path, "%s/oci/layers/%s", cas->path, name) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* The root first: gc must never see a record whose tree it may take. */
	r = oci_records_lock(cas, &records);
	if (r >= 0)
		r = oci_root_set(cas, OCI_ROOT_LAYER, name + 7, tree);
	if (r < 0)
		return r;
	return volt_file_write_atomic(path, line, 65, 0644);
}

int oci_layer_record_remove(volt_cas *cas, const char *digest)
{
	_cleanup_close_ int fd = -1, records = -1;
	char name[7 + VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash d;
	int r;

	r = oci_digest_parse(digest, &d);
	if (r < 0)
		return r;
	r = oci_dir_open(cas, "layers", false, &fd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	layer_file_name(name, &d);
	r = oci_records_lock(cas, &records);
	if (r < 0)
		return r;
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove layer record %s", digest);
	if (fsync(fd) < 0)
		return volt_error_set_errno(errno, "sync layer records");
	/* The root after the record: a crash in between leaves the tree kept. */
	return oci_root_drop(cas, OCI_ROOT_LAYER, name + 7);
}

VOLT_API int volt_img_layer_lookup(volt_cas_hash *out_tree, volt_cas *cas, const char *digest)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[7 + VOLT_CAS_HASH_HEX_SIZE], buf[80];
	volt_cas_hash d;
	ssize_t n;
	int r;

	assert_return(cas, EINVAL);
	assert_return(out_tree, EINVAL);
	r = oci_digest_parse(digest, &d);
	if (r < 0)
		return r;
	r = oci_dir_open(cas, "layers", false, &dfd);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "layer %s was not imported", digest);
	if (r < 0)
		return r;
	layer_file_name(name, &d);
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return volt_error_set(ENOENT, "layer %s was not imported", digest);
		return volt_error_set_errno(errno, "open layer record %s", digest);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return volt_error_set_errno(errno, "read layer record %s", digest);
	if (n != 65 || buf[64] != '\n')
		return volt_error_set(EINVAL, "layer record %s is corrupt", digest);
	buf[64] = 0;
	if (volt_cas_hash_from_hex(out_tree, buf) < 0)
		return volt_error_set(EINVAL, "layer record %s is corrupt", digest);
	return 0;
}

/* Read what is left of a stream, so that its digest covers every byte. */
static int drain(cas_read_fn rd, void *ctx)
{
	_cleanup_free_ uint8_t *buf = malloc(65536);
	ssize_t n;

	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	while ((n = rd(ctx, buf, 65536)) > 0)
		;
	return n < 0 ? (int)n : 0;
}

int oci_layer_import_stream(volt_cas *cas, const char *digest, enum oci_compression c, cas_read_fn rd,
			    void *ctx, bool verify_blob, const volt_cas_hash *expect_diff_id,
			    const volt_cas_import_options *opts, volt_cas_hash *out_tree)
{
	struct oci_hasher *blob = NULL, *diff = NULL;
	struct oci_decompressor *dec = NULL;
	_cleanup_close_ int lock = -1;
	volt_cas_hash want, got, tree;
	int r;

	r = oci_digest_parse(digest, &want);
	if (r < 0)
		return r;
	r = oci_hasher_new(&blob, rd, ctx);
	if (r >= 0)
		r = oci_decompressor_new(&dec, c, oci_hasher_read, blob);
	if (r >= 0)
		r = oci_hasher_new(&diff, oci_decompressor_read, dec);
	if (r >= 0)
		r = cas_lock(cas, false, true, &lock);
	if (r >= 0)
		r = cas_import_tar_stream(cas, oci_hasher_read, diff, opts, &tree, NULL);
	/* Past the end-of-archive marker: padding, and the compressor's trailer. */
	if (r >= 0)
		r = drain(oci_hasher_read, diff);
	if (r >= 0 && verify_blob) {
		oci_hasher_result(blob, &got, NULL);
		if (memcmp(&got, &want, sizeof(got)) != 0) {
			char hex[VOLT_CAS_HASH_HEX_SIZE];

			r = volt_error_set(EBADMSG, "content has digest sha256:%s",
					   volt_cas_hash_to_hex(hex, &got));
		}
	}
	if (r >= 0 && expect_diff_id) {
		oci_hasher_result(diff, &got, NULL);
		if (memcmp(&got, expect_diff_id, sizeof(got)) != 0) {
			char hex[VOLT_CAS_HASH_HEX_SIZE];

			r = volt_error_set(EBADMSG, "uncompressed content has digest sha256:%s, "
					   "not the config's diff_id", volt_cas_hash_to_hex(hex, &got));
		}
	}
	oci_hasher_free(diff);
	oci_decompressor_free(dec);
	oci_hasher_free(blob);
	/* The import synced the store: the record names durable data. */
	if (r >= 0)
		r = oci_layer_record_write(cas, &want, &tree);
	if (r < 0)
		return volt_error_prefix(r, "layer %s", digest);
	*out_tree = tree;
	return 0;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return volt_error_set_errno(errno, "read layer");
	return n;
}

VOLT_API int volt_img_layer_import(volt_cas_hash *out_tree, volt_cas *cas, const char *digest, const char *media_type,
				       int fd)
{
	enum oci_compression c;
	int r;

	assert_return(cas, EINVAL);
	assert_return(digest, EINVAL);
	assert_return(fd >= 0, EINVAL);
	assert_return(out_tree, EINVAL);
	r = oci_media_type_compression(media_type, &c);
	if (r < 0)
		return r;
	return oci_layer_import_stream(cas, digest, c, fd_read, &fd, false, NULL, NULL, out_tree);
}
