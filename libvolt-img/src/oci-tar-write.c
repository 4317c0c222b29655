/*
 * A tar writer (ustar headers, pax records for what ustar cannot hold)
 * streaming to a file descriptor, optionally through gzip, hashing both
 * the tar and the bytes written. It writes a store tree as an image
 * layer: modes, owners, mtimes, symlinks, hard links (one link group's
 * first file is the target of the others), devices, fifos and xattrs
 * (SCHILY.xattr). Output is deterministic: no gzip time stamp, no user
 * or group names, entries in the tree's name order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "object.h"
#include "oci-export.h"

#define BLOCK 512
/* Longer paths cannot be checked out anyway; this also bounds recursion. */
#define PATH_LIMIT 4096
/* Link groups are numbered densely from 1 per tree. */
#define LINK_GROUPS_MAX (1u << 24)

struct oci_tar_writer {
	int fd;
	bool gzip;
	z_stream z;
	bool z_init;
	EVP_MD_CTX *tar_sha, *out_sha;
	uint64_t out_bytes;
	unsigned char zbuf[65536];
	/* hard links: the first path written for each link group */
	char **links;
	size_t n_links;
};

int oci_tar_writer_new(struct oci_tar_writer **out, int fd, bool gzip)
{
	struct oci_tar_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return volt_error_set(ENOMEM, NULL);
	w->fd = fd;
	w->gzip = gzip;
	w->tar_sha = EVP_MD_CTX_new();
	w->out_sha = EVP_MD_CTX_new();
	if (!w->tar_sha || !w->out_sha || EVP_DigestInit_ex(w->tar_sha, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(w->out_sha, EVP_sha256(), NULL) != 1) {
		oci_tar_writer_free(w);
		return volt_error_set(ENOMEM, "SHA-256 context");
	}
	/* windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0 in its header. */
	if (gzip) {
		if (deflateInit2(&w->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			oci_tar_writer_free(w);
			return volt_error_set(ENOMEM, "zlib deflate");
		}
		w->z_init = true;
	}
	*out = w;
	return 0;
}

struct oci_tar_writer *oci_tar_writer_free(struct oci_tar_writer *w)
{
	if (!w)
		return NULL;
	if (w->z_init)
		deflateEnd(&w->z);
	EVP_MD_CTX_free(w->tar_sha);
	EVP_MD_CTX_free(w->out_sha);
	for (size_t i = 0; i < w->n_links; i++)
		free(w->links[i]);
	free(w->links);
	free(w);
	return NULL;
}

static int emit(struct oci_tar_writer *w, const void *data, size_t len)
{
	int r = volt_write_all(w->fd, data, len);

	if (r < 0)
		return volt_error_set_errno(-r, "write the archive");
	EVP_DigestUpdate(w->out_sha, data, len);
	w->out_bytes += len;
	return 0;
}

static int deflate_run(struct oci_tar_writer *w, const void *data, size_t len, int flush)
{
	int zr, r;

	w->z.next_in = (Bytef *)data;
	w->z.avail_in = (uInt)len;
	do {
		w->z.next_out = w->zbuf;
		w->z.avail_out = sizeof(w->zbuf);
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return volt_error_set(EIO, "zlib deflate failed");
		r = emit(w, w->zbuf, sizeof(w->zbuf) - w->z.avail_out);
		if (r < 0)
			return r;
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

int oci_tar_write_data(struct oci_tar_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;

	EVP_DigestUpdate(w->tar_sha, data, len);
	if (!w->gzip)
		return emit(w, data, len);
	/* avail_in is an unsigned int: feed big buffers in pieces. */
	while (len) {
		size_t n = len > (1u << 30) ? (1u << 30) : len;
		int r = deflate_run(w, p, n, Z_NO_FLUSH);

		if (r < 0)
			return r;
		p += n;
		len -= n;
	}
	return 0;
}

int oci_tar_write_pad(struct oci_tar_writer *w, uint64_t size)
{
	static const char zero[BLOCK];
	size_t pad = (size_t)((BLOCK - size % BLOCK) % BLOCK);

	return pad ? oci_tar_write_data(w, zero, pad) : 0;
}

/* @v in @width - 1 octal digits and a NUL; false when it does not fit. */
static bool octal(char *field, size_t width, uint64_t v)
{
	if (width - 1 < 22 && v >> (3 * (width - 1)))
		return false;
	snprintf(field, width, "%0*" PRIo64, (int)(width - 1), v);
	return true;
}

/* One pax record, "LEN key=value\n", LEN counting itself. */
static int pax_add(char **buf, size_t *len, const char *key, const void *value, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, n = base, digits;
	char lenbuf[24], *b;

	for (;;) {
		digits = (size_t)snprintf(lenbuf, sizeof(lenbuf), "%zu", n);
		if (base + digits == n)
			break;
		n = base + digits;
	}
	b = realloc(*buf, *len + n + 1);
	if (!b)
		return volt_error_set(ENOMEM, NULL);
	*buf = b;
	b += *len;
	memcpy(b, lenbuf, digits);
	b[digits] = ' ';
	memcpy(b + digits + 1, key, strlen(key));
	b[digits + 1 + strlen(key)] = '=';
	memcpy(b + digits + 2 + strlen(key), value, vlen);
	b[n - 1] = '\n';
	*len += n;
	return 0;
}

struct hdr {
	const char *path, *link;
	char type;
	uint32_t mode, uid, gid;
	int64_t mtime;
	uint64_t size;
	uint32_t devmajor, devminor;
	const struct cas_xattr *xattrs;
	size_t n_xattrs;
};

/* The ustar block; what does not fit is truncated or zeroed (a pax record before it says it). */
static int raw_header(struct oci_tar_writer *w, const struct hdr *h)
{
	char b[BLOCK];
	unsigned sum = 0;

	memset(b, 0, sizeof(b));
	memcpy(b, h->path, strnlen(h->path, 100));
	if (h->link)
		memcpy(b + 157, h->link, strnlen(h->link, 100));
	octal(b + 100, 8, h->mode & 07777);
	if (!octal(b + 108, 8, h->uid))
		octal(b + 108, 8, 0);
	if (!octal(b + 116, 8, h->gid))
		octal(b + 116, 8, 0);
	if (!octal(b + 124, 12, h->size))
		octal(b + 124, 12, 0);
	if (h->mtime < 0 || !octal(b + 136, 12, (uint64_t)h->mtime))
		octal(b + 136, 12, 0);
	b[156] = h->type;
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	if (!octal(b + 329, 8, h->devmajor) || !octal(b + 337, 8, h->devminor))
		return volt_error_set(EINVAL, "%s: device number too large for tar", h->path);
	memset(b + 148, ' ', 8);
	for (size_t i = 0; i < BLOCK; i++)
		sum += (unsigned char)b[i];
	snprintf(b + 148, 8, "%06o", sum);
	return oci_tar_write_data(w, b, sizeof(b));
}

/* The pax records @h needs: long names, big numbers, xattrs. */
static int pax_records(const struct hdr *h, char **pax, size_t *len)
{
	char num[32];
	int r = 0;

	if (strlen(h->path) > 100)
		r = pax_add(pax, len, "path", h->path, strlen(h->path));
	if (r >= 0 && h->link && strlen(h->link) > 100)
		r = pax_add(pax, len, "linkpath", h->link, strlen(h->link));
	if (r >= 0 && h->uid > 07777777) {
		snprintf(num, sizeof(num), "%" PRIu32, h->uid);
		r = pax_add(pax, len, "uid", num, strlen(num));
	}
	if (r >= 0 && h->gid > 07777777) {
		snprintf(num, sizeof(num), "%" PRIu32, h->gid);
		r = pax_add(pax, len, "gid", num, strlen(num));
	}
	if (r >= 0 && h->size > 077777777777ull) {
		snprintf(num, sizeof(num), "%" PRIu64, h->size);
		r = pax_add(pax, len, "size", num, strlen(num));
	}
	if (r >= 0 && (h->mtime < 0 || (uint64_t)h->mtime > 077777777777ull)) {
		snprintf(num, sizeof(num), "%" PRId64, h->mtime);
		r = pax_add(pax, len, "mtime", num, strlen(num));
	}
	for (size_t i = 0; r >= 0 && i < h->n_xattrs; i++) {
		_cleanup_free_ char *key = NULL;

		if (asprintf(&key, "SCHILY.xattr.%s", h->xattrs[i].name) < 0) {
			key = NULL;
			return volt_error_set(ENOMEM, NULL);
		}
		r = pax_add(pax, len, key, h->xattrs[i].value, h->xattrs[i].size);
	}
	return r;
}

static int header(struct oci_tar_writer *w, const struct hdr *h)
{
	_cleanup_free_ char *pax = NULL;
	size_t pax_len = 0;
	int r;

	r = pax_records(h, &pax, &pax_len);
	if (r >= 0 && pax_len) {
		struct hdr x = { .path = "././@PaxHeader", .type = 'x', .mode = 0644, .size = pax_len };

		r = raw_header(w, &x);
		if (r >= 0)
			r = oci_tar_write_data(w, pax, pax_len);
		if (r >= 0)
			r = oci_tar_write_pad(w, pax_len);
	}
	return r < 0 ? r : raw_header(w, h);
}

int oci_tar_write_file_header(struct oci_tar_writer *w, const char *path, uint32_t mode, uint64_t size, int64_t mtime)
{
	struct hdr h = { .path = path, .type = '0', .mode = mode, .size = size, .mtime = mtime };

	return header(w, &h);
}

int oci_tar_write_dir(struct oci_tar_writer *w, const char *path, int64_t mtime)
{
	struct hdr h = { .path = path, .type = '5', .mode = 0755, .mtime = mtime };

	return header(w, &h);
}

static int link_remember(struct oci_tar_writer *w, uint32_t group, const char *path)
{
	if (group > LINK_GROUPS_MAX)
		return volt_error_set(EBADMSG, "tree: hard link group %" PRIu32 " is out of range", group);
	if (group >= w->n_links) {
		size_t n = group + 1 > w->n_links * 2 ? group + 1 : w->n_links * 2;
		char **v = realloc(w->links, n * sizeof(*v));

		if (!v)
			return volt_error_set(ENOMEM, NULL);
		memset(v + w->n_links, 0, (n - w->n_links) * sizeof(*v));
		w->links = v;
		w->n_links = n;
	}
	w->links[group] = strdup(path);
	return w->links[group] ? 0 : volt_error_set(ENOMEM, NULL);
}

static int write_file_data(struct oci_tar_writer *w, volt_cas *cas, const struct cas_entry *e, const char *path)
{
	uint64_t done = 0;
	int r;

	for (size_t i = 0; i < e->n_blocks; i++) {
		_cleanup_free_ void *data = NULL;
		size_t len;

		r = cas_block_get(cas, &e->blocks[i].hash, &data, &len);
		if (r < 0)
			return volt_error_prefix(r, "%s", path);
		if (len > e->size - done)
			return volt_error_set(EBADMSG, "%s: its blocks hold more than its size", path);
		r = oci_tar_write_data(w, data, len);
		if (r < 0)
			return r;
		done += len;
	}
	if (done != e->size)
		return volt_error_set(EBADMSG, "%s: its blocks hold %" PRIu64 " of %" PRIu64 " bytes", path, done, e->size);
	return oci_tar_write_pad(w, e->size);
}

static int write_entry(struct oci_tar_writer *w, volt_cas *cas, const struct cas_entry *e, const char *path);

/* Recursion is bounded by PATH_LIMIT: every level adds at least two bytes. */
static int write_dir(struct oci_tar_writer *w, volt_cas *cas, const volt_cas_hash *h, const char *prefix)
{
	struct cas_tree t = {};
	int r;

	r = cas_tree_load(cas, h, &t);
	if (r < 0)
		return volt_error_prefix(r, "directory /%s", prefix);
	for (size_t i = 0; i < t.n; i++) {
		_cleanup_free_ char *path = NULL;

		if (strlen(prefix) + strlen(t.entries[i].name) + 2 > PATH_LIMIT) {
			r = volt_error_set(ENAMETOOLONG, "/%s/%s: the path is longer than %d bytes", prefix,
					   t.entries[i].name, PATH_LIMIT);
			break;
		}
		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", t.entries[i].name) < 0) {
			path = NULL;
			r = volt_error_set(ENOMEM, NULL);
			break;
		}
		r = write_entry(w, cas, &t.entries[i], path);
		if (r < 0)
			break;
	}
	cas_tree_clear(&t);
	return r;
}

static int write_entry(struct oci_tar_writer *w, volt_cas *cas, const struct cas_entry *e, const char *path)
{
	_cleanup_free_ char *dirpath = NULL;
	struct hdr h = { .path = path, .mode = e->mode, .uid = e->uid, .gid = e->gid, .mtime = e->mtime_sec,
			 .xattrs = e->xattrs, .n_xattrs = e->n_xattrs };
	int r;

	switch (e->type) {
	case VOLT_CAS_ENTRY_REGULAR:
		if (e->link_group && e->link_group < w->n_links && w->links[e->link_group]) {
			h.type = '1';
			h.link = w->links[e->link_group];
			return header(w, &h);
		}
		h.type = '0';
		h.size = e->size;
		r = header(w, &h);
		if (r >= 0 && e->link_group)
			r = link_remember(w, e->link_group, path);
		return r < 0 ? r : write_file_data(w, cas, e, path);
	case VOLT_CAS_ENTRY_DIRECTORY:
		if (asprintf(&dirpath, "%s/", path) < 0)
			return volt_error_set(ENOMEM, NULL);
		h.path = dirpath;
		h.type = '5';
		r = header(w, &h);
		return r < 0 ? r : write_dir(w, cas, &e->hash, path);
	case VOLT_CAS_ENTRY_SYMLINK:
		h.type = '2';
		h.link = e->target ? e->target : "";
		return header(w, &h);
	case VOLT_CAS_ENTRY_CHAR_DEVICE:
	case VOLT_CAS_ENTRY_BLOCK_DEVICE:
		h.type = e->type == VOLT_CAS_ENTRY_CHAR_DEVICE ? '3' : '4';
		h.devmajor = major(e->rdev);
		h.devminor = minor(e->rdev);
		return header(w, &h);
	case VOLT_CAS_ENTRY_FIFO:
		h.type = '6';
		return header(w, &h);
	default:
		/* Sockets have no tar form (GNU tar skips them too). */
		return 0;
	}
}

int oci_tar_write_tree(struct oci_tar_writer *w, volt_cas *cas, const volt_cas_hash *root)
{
	return write_dir(w, cas, root, "");
}

int oci_tar_writer_finish(struct oci_tar_writer *w, char blob_digest[VOLT_IMG_DIGEST_SIZE], uint64_t *blob_size,
			  char diff_id[VOLT_IMG_DIGEST_SIZE])
{
	static const char zero[2 * BLOCK];
	volt_cas_hash h;
	unsigned int n = 0;
	int r;

	r = oci_tar_write_data(w, zero, sizeof(zero));
	if (r >= 0 && w->gzip)
		r = deflate_run(w, "", 0, Z_FINISH);
	if (r < 0)
		return r;
	if (diff_id) {
		if (EVP_DigestFinal_ex(w->tar_sha, h.bytes, &n) != 1)
			return volt_error_set(EIO, "SHA-256");
		memcpy(diff_id, "sha256:", 7);
		volt_cas_hash_to_hex(diff_id + 7, &h);
	}
	if (blob_digest) {
		if (EVP_DigestFinal_ex(w->out_sha, h.bytes, &n) != 1)
			return volt_error_set(EIO, "SHA-256");
		memcpy(blob_digest, "sha256:", 7);
		volt_cas_hash_to_hex(blob_digest + 7, &h);
	}
	if (blob_size)
		*blob_size = w->out_bytes;
	return 0;
}
