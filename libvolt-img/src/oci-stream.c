/*
 * Read filters for layer blobs: a hasher (SHA-256 of what passes
 * through) and a decompressor (gzip through zlib, zstd through libzstd,
 * or none). Both are cas_read_fn over another cas_read_fn, so a layer
 * flows from its source into the tar importer without a temporary file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "oci-internal.h"

#define IN_BUF (128u * 1024)

struct oci_hasher {
	cas_read_fn rd;
	void *ctx;
	EVP_MD_CTX *md;
	uint64_t bytes;
};

int oci_hasher_new(struct oci_hasher **out, cas_read_fn rd, void *ctx)
{
	struct oci_hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return volt_error_set(ENOMEM, NULL);
	h->rd = rd;
	h->ctx = ctx;
	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
		oci_hasher_free(h);
		return volt_error_set(ENOMEM, "SHA-256 context");
	}
	*out = h;
	return 0;
}

ssize_t oci_hasher_read(void *ctx, void *buf, size_t len)
{
	struct oci_hasher *h = ctx;
	ssize_t n = h->rd(h->ctx, buf, len);

	if (n > 0) {
		EVP_DigestUpdate(h->md, buf, (size_t)n);
		h->bytes += (uint64_t)n;
	}
	return n;
}

void oci_hasher_result(struct oci_hasher *h, volt_cas_hash *out, uint64_t *out_bytes)
{
	unsigned int len = VOLT_CAS_HASH_SIZE;

	EVP_DigestFinal_ex(h->md, out->bytes, &len);
	if (out_bytes)
		*out_bytes = h->bytes;
}

void oci_hasher_free(struct oci_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

struct oci_decompressor {
	enum oci_compression c;
	cas_read_fn rd;
	void *ctx;
	uint8_t *in;
	size_t in_pos, in_len;
	bool in_eof;
	bool done;
	/* gzip */
	z_stream z;
	bool z_init;
	/* zstd */
	ZSTD_DStream *zs;
	size_t zs_hint; /* 0 when the last frame is complete */
};

/* Refill the input buffer when it is empty: 1 with data, 0 at the end. */
static int fill(struct oci_decompressor *d)
{
	ssize_t n;

	if (d->in_pos < d->in_len)
		return 1;
	if (d->in_eof)
		return 0;
	n = d->rd(d->ctx, d->in, IN_BUF);
	if (n < 0)
		return (int)n;
	d->in_pos = 0;
	d->in_len = (size_t)n;
	if (n == 0)
		d->in_eof = true;
	return n > 0;
}

int oci_decompressor_new(struct oci_decompressor **out, enum oci_compression c, cas_read_fn rd, void *ctx)
{
	struct oci_decompressor *d = calloc(1, sizeof(*d));

	if (!d)
		return volt_error_set(ENOMEM, NULL);
	d->rd = rd;
	d->ctx = ctx;
	d->in = malloc(IN_BUF);
	if (!d->in) {
		free(d);
		return volt_error_set(ENOMEM, NULL);
	}
	if (c == OCI_COMPRESSION_DETECT) {
		/* Gather the first bytes (a short read is not the end). */
		while (!d->in_eof && d->in_len < 4) {
			ssize_t n = rd(ctx, d->in + d->in_len, IN_BUF - d->in_len);

			if (n < 0) {
				oci_decompressor_free(d);
				return (int)n;
			}
			if (n == 0)
				d->in_eof = true;
			d->in_len += (size_t)n;
		}
		if (d->in_len >= 2 && d->in[0] == 0x1f && d->in[1] == 0x8b)
			c = OCI_COMPRESSION_GZIP;
		else if (d->in_len >= 4 && d->in[0] == 0x28 && d->in[1] == 0xb5 && d->in[2] == 0x2f && d->in[3] == 0xfd)
			c = OCI_COMPRESSION_ZSTD;
		else
			c = OCI_COMPRESSION_NONE;
	}
	d->c = c;
	if (c == OCI_COMPRESSION_GZIP) {
		/* 15 + 16: a gzip wrapper (not zlib, not raw deflate). */
		if (inflateInit2(&d->z, 15 + 16) != Z_OK) {
			oci_decompressor_free(d);
			return volt_error_set(ENOMEM, "zlib");
		}
		d->z_init = true;
	} else if (c == OCI_COMPRESSION_ZSTD) {
		d->zs_hint = 1; /* nothing decoded yet: an empty stream is truncated */
		d->zs = ZSTD_createDStream();
		if (!d->zs || ZSTD_isError(ZSTD_initDStream(d->zs))) {
			oci_decompressor_free(d);
			return volt_error_set(ENOMEM, "zstd");
		}
	}
	*out = d;
	return 0;
}

static ssize_t read_none(struct oci_decompressor *d, uint8_t *buf, size_t len)
{
	size_t k;
	int r = fill(d);

	if (r <= 0)
		return r;
	k = d->in_len - d->in_pos < len ? d->in_len - d->in_pos : len;
	memcpy(buf, d->in + d->in_pos, k);
	d->in_pos += k;
	return (ssize_t)k;
}

static ssize_t read_gzip(struct oci_decompressor *d, uint8_t *buf, size_t len)
{
	d->z.next_out = buf;
	d->z.avail_out = (uInt)(len > (1u << 30) ? (1u << 30) : len);
	while (d->z.avail_out > 0 && !d->done) {
		size_t before;
		int r = fill(d), zr;

		if (r < 0)
			return r;
		if (r == 0)
			return volt_error_set(EBADMSG, "gzip stream truncated");
		d->z.next_in = d->in + d->in_pos;
		d->z.avail_in = (uInt)(d->in_len - d->in_pos);
		before = d->z.avail_in;
		zr = inflate(&d->z, Z_NO_FLUSH);
		d->in_pos += before - d->z.avail_in;
		if (zr == Z_STREAM_END) {
			/* Several gzip members concatenate into one stream. */
			r = fill(d);
			if (r < 0)
				return r;
			if (r == 0)
				d->done = true;
			else if (inflateReset(&d->z) != Z_OK)
				return volt_error_set(EBADMSG, "bad gzip data");
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return volt_error_set(EBADMSG, "bad gzip data: %s", d->z.msg ? d->z.msg : "inflate failed");
		}
		if (d->z.next_out != buf)
			break;
	}
	return (ssize_t)(d->z.next_out - buf);
}

static ssize_t read_zstd(struct oci_decompressor *d, uint8_t *buf, size_t len)
{
	ZSTD_outBuffer ob = { buf, len, 0 };

	while (ob.pos == 0 && !d->done) {
		ZSTD_inBuffer ib;
		size_t ret;
		int r = fill(d);

		if (r < 0)
			return r;
		if (r == 0) {
			if (d->zs_hint != 0)
				return volt_error_set(EBADMSG, "zstd stream truncated");
			/* Drain what the decoder still holds. */
			ib = (ZSTD_inBuffer){ d->in, 0, 0 };
			ret = ZSTD_decompressStream(d->zs, &ob, &ib);
			if (ZSTD_isError(ret))
				return volt_error_set(EBADMSG, "bad zstd data: %s", ZSTD_getErrorName(ret));
			if (ob.pos == 0)
				d->done = true;
			break;
		}
		ib = (ZSTD_inBuffer){ d->in + d->in_pos, d->in_len - d->in_pos, 0 };
		ret = ZSTD_decompressStream(d->zs, &ob, &ib);
		d->in_pos += ib.pos;
		if (ZSTD_isError(ret))
			return volt_error_set(EBADMSG, "bad zstd data: %s", ZSTD_getErrorName(ret));
		d->zs_hint = ret;
	}
	return (ssize_t)ob.pos;
}

ssize_t oci_decompressor_read(void *ctx, void *buf, size_t len)
{
	struct oci_decompressor *d = ctx;

	if (len == 0)
		return 0;
	switch (d->c) {
	case OCI_COMPRESSION_GZIP:
		return read_gzip(d, buf, len);
	case OCI_COMPRESSION_ZSTD:
		return read_zstd(d, buf, len);
	default:
		return read_none(d, buf, len);
	}
}

void oci_decompressor_free(struct oci_decompressor *d)
{
	if (!d)
		return;
	if (d->z_init)
		inflateEnd(&d->z);
	ZSTD_freeDStream(d->zs);
	free(d->in);
	free(d);
}
