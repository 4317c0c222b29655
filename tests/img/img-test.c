/*
 * Helpers for the image tests (see img-test.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <zlib.h>
#include <zstd.h>

#include "img-test.h"

static void reserve(struct t_tar *t, size_t more)
{
	if (t->len + more <= t->cap)
		return;
	t->cap = (t->len + more) * 2;
	t->buf = realloc(t->buf, t->cap);
	ck_assert_ptr_nonnull(t->buf);
}

void t_tar_add(struct t_tar *t, const char *name, char type, const char *link, const char *data)
{
	size_t size = data ? strlen(data) : 0;
	unsigned char *h;
	unsigned sum = 0;

	reserve(t, 512 + size + 512);
	h = t->buf + t->len;
	memset(h, 0, 512);
	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->len += 512;
	if (size) {
		memset(t->buf + t->len, 0, (size + 511) / 512 * 512);
		memcpy(t->buf + t->len, data, size);
		t->len += (size + 511) / 512 * 512;
	}
}

void t_tar_finish(struct t_tar *t)
{
	reserve(t, 1024);
	memset(t->buf + t->len, 0, 1024);
	t->len += 1024;
}

void t_tar_free(struct t_tar *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

unsigned char *t_compress(const void *data, size_t len, enum t_comp c, size_t *out_len)
{
	unsigned char *out;

	if (c == T_NONE) {
		out = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(out);
		memcpy(out, data, len);
		*out_len = len;
	} else if (c == T_GZIP) {
		z_stream z = {};
		size_t cap = compressBound(len) + 64;

		out = malloc(cap);
		ck_assert_ptr_nonnull(out);
		ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (unsigned char *)data;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		*out_len = cap - z.avail_out;
		deflateEnd(&z);
	} else {
		size_t cap = ZSTD_compressBound(len), n;

		out = malloc(cap);
		ck_assert_ptr_nonnull(out);
		n = ZSTD_compress(out, cap, data, len, 3);
		ck_assert(!ZSTD_isError(n));
		*out_len = n;
	}
	return out;
}

int t_fd(const void *data, size_t len)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

void t_digest(char out[72], const void *data, size_t len)
{
	unsigned char md[32];

	SHA256(data, len, md);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

int t_import_layer(volt_cas *cas, struct t_tar *t, enum t_comp c, const char *media_type, char digest[72],
		   volt_cas_hash *tree)
{
	size_t len;
	unsigned char *blob = t_compress(t->buf, t->len, c, &len);
	int fd = t_fd(blob, len), r;

	t_digest(digest, blob, len);
	r = volt_img_layer_import(tree, cas, digest, media_type, fd);
	close(fd);
	free(blob);
	return r;
}

char *t_cat(volt_cas *cas, const char *spec, const char *path)
{
	volt_cas_image *img = NULL;
	char *full = NULL, *buf;
	uint64_t size;

	ck_assert_int_ge(asprintf(&full, "%s:%s", spec, path), 0);
	if (volt_cas_image_open(&img, cas, full) < 0) {
		free(full);
		return NULL;
	}
	free(full);
	size = volt_cas_image_size(img);
	buf = calloc(1, size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(volt_cas_image_read(img, buf, size, 0), (ssize_t)size);
	volt_cas_image_close(img);
	return buf;
}
