/*
 * Serialisation of tree and image objects (docs/cas-format.md).
 *
 * The parsers are the boundary against hostile stores and archives:
 * every length is checked against what is left of the input, counts are
 * bounded, names are checked as single path components, entries must be
 * in strictly increasing name order (so a tree has one encoding and no
 * duplicates), and trailing bytes are refused.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "object.h"
#include "wire.h"

static const uint8_t magic[4] = { 'V', 'C', 'A', 'S' };
#define OBJECT_FORMAT 1
#define HEADER_SIZE 8

void cas_entry_clear(struct cas_entry *e)
{
	free(e->name);
	free(e->target);
	for (size_t i = 0; i < e->n_xattrs; i++) {
		free(e->xattrs[i].name);
		free(e->xattrs[i].value);
	}
	free(e->xattrs);
	free(e->blocks);
	memset(e, 0, sizeof(*e));
}

void cas_tree_clear(struct cas_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		cas_entry_clear(&t->entries[i]);
	free(t->entries);
	t->entries = NULL;
	t->n = 0;
}

void cas_image_clear(struct cas_image *img)
{
	free(img->blocks);
	memset(img, 0, sizeof(*img));
}

int cas_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cas_entry *)a)->name, ((const struct cas_entry *)b)->name);
}

int cas_entry_name_check(const char *name, size_t len)
{
	if (len == 0)
		return volt_error_set(EINVAL, "empty entry name");
	if (memchr(name, 0, len))
		return volt_error_set(EINVAL, "entry name contains a NUL byte");
	if (memchr(name, '/', len))
		return volt_error_set(EINVAL, "entry name '%.*s' contains '/'", (int)len, name);
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return volt_error_set(EINVAL, "entry name '%.*s' is not allowed", (int)len, name);
	if (len > VOLT_NAME_MAX)
		return volt_error_set(ENAMETOOLONG, "entry name of %zu bytes is too long", len);
	return 0;
}

int cas_xattr_name_check(const char *name, size_t len)
{
	if (len == 0 || len > 255 || memchr(name, 0, len))
		return volt_error_set(EINVAL, "invalid xattr name");
	return 0;
}

int cas_target_check(const char *target, size_t len)
{
	if (len == 0 || len > CAS_TARGET_MAX || memchr(target, 0, len))
		return volt_error_set(EINVAL, "invalid symlink target");
	return 0;
}

static void put_header(struct wbuf *b, enum cas_object_kind kind)
{
	wbuf_bytes(b, magic, 4);
	wbuf_u8(b, kind);
	wbuf_u8(b, OBJECT_FORMAT);
	wbuf_u16(b, 0);
}

int cas_object_kind(const void *data, size_t len)
{
	const uint8_t *p = data;

	if (len < HEADER_SIZE || memcmp(p, magic, 4) != 0)
		return volt_error_set(EBADMSG, "not a Stellarium object");
	if (p[5] != OBJECT_FORMAT || p[6] || p[7])
		return volt_error_set(EBADMSG, "object format %u is not supported", p[5]);
	if (p[4] != CAS_OBJECT_TREE && p[4] != CAS_OBJECT_IMAGE)
		return volt_error_set(EBADMSG, "unknown object kind %u", p[4]);
	return p[4];
}

static int finish(struct wbuf *b, void **out, size_t *out_len)
{
	if (b->failed) {
		free(b->p);
		return volt_error_set(ENOMEM, NULL);
	}
	if (b->len > CAS_BLOCK_MAX) {
		free(b->p);
		return volt_error_set(EFBIG, "object of %zu bytes exceeds the maximum", b->len);
	}
	*out = b->p;
	*out_len = b->len;
	return 0;
}

int cas_tree_serialize(const struct cas_entry *entries, size_t n, void **out, size_t *out_len)
{
	struct wbuf b = {};

	if (n > CAS_TREE_MAX_ENTRIES)
		return volt_error_set(EFBIG, "directory of %zu entries is too large", n);
	put_header(&b, CAS_OBJECT_TREE);
	wbuf_u32(&b, n);
	for (size_t i = 0; i < n; i++) {
		const struct cas_entry *e = &entries[i];
		size_t nl = strlen(e->name);

		wbuf_u16(&b, nl);
		wbuf_bytes(&b, e->name, nl);
		wbuf_u8(&b, e->type);
		wbuf_u32(&b, e->mode);
		wbuf_u32(&b, e->uid);
		wbuf_u32(&b, e->gid);
		wbuf_u64(&b, e->mtime_sec);
		wbuf_u32(&b, e->mtime_nsec);
		switch (e->type) {
		case VOLT_CAS_ENTRY_REGULAR:
			wbuf_u64(&b, e->size);
			wbuf_u32(&b, e->link_group);
			wbuf_u32(&b, e->n_blocks);
			for (size_t j = 0; j < e->n_blocks; j++) {
				wbuf_bytes(&b, e->blocks[j].hash.bytes, VOLT_CAS_HASH_SIZE);
				wbuf_u32(&b, e->blocks[j].len);
			}
			break;
		case VOLT_CAS_ENTRY_DIRECTORY:
			wbuf_bytes(&b, e->hash.bytes, VOLT_CAS_HASH_SIZE);
			break;
		case VOLT_CAS_ENTRY_SYMLINK:
			wbuf_u16(&b, strlen(e->target));
			wbuf_bytes(&b, e->target, strlen(e->target));
			break;
		case VOLT_CAS_ENTRY_CHAR_DEVICE:
		case VOLT_CAS_ENTRY_BLOCK_DEVICE:
			wbuf_u64(&b, e->rdev);
			break;
		default:
			break;
		}
		wbuf_u16(&b, e->n_xattrs);
		for (size_t j = 0; j < e->n_xattrs; j++) {
			size_t xl = strlen(e->xattrs[j].name);

			wbuf_u16(&b, xl);
			wbuf_bytes(&b, e->xattrs[j].name, xl);
			wbuf_u32(&b, e->xattrs[j].size);
			wbuf_bytes(&b, e->xattrs[j].value, e->xattrs[j].size);
		}
	}
	return finish(&b, out, out_len);
}

#define GET(width, dst)                                                          \
	do {                                                                     \
		uint64_t _v;                                                     \
		if (!rbuf_le(&r, (width), &_v))                                  \
			return volt_error_set(EBADMSG, "tree object truncated"); \
		(dst) = _v;                                                      \
	} while (0)

static int parse_string(struct rbuf *rb, unsigned lenwidth, char **out, size_t *out_len)
{
	const uint8_t *p;
	uint64_t n;

	if (!rbuf_le(rb, lenwidth, &n) || !rbuf_bytes(rb, n, &p))
		return volt_error_set(EBADMSG, "tree object truncated");
	*out = malloc(n + 1);
	if (!*out)
		return volt_error_set(ENOMEM, NULL);
	memcpy(*out, p, n);
	(*out)[n] = 0;
	*out_len = n;
	return 0;
}

static int parse_entry(struct rbuf *rb, struct cas_entry *e)
{
	struct rbuf r = *rb;
	uint64_t n, sum = 0;
	size_t len;
	int rr;

	rr = parse_string(&r, 2, &e->name, &len);
	if (rr < 0)
		return rr;
	rr = cas_entry_name_check(e->name, len);
	if (rr < 0)
		return volt_error_set(EBADMSG, "%s", volt_error_message());
	GET(1, e->type);
	GET(4, e->mode);
	GET(4, e->uid);
	GET(4, e->gid);
	GET(8, e->mtime_sec);
	GET(4, e->mtime_nsec);
	if (e->mode & ~07777u)
		return volt_error_set(EBADMSG, "entry '%s' has mode bits beyond 07777", e->name);
	if (e->mtime_nsec >= 1000000000u)
		return volt_error_set(EBADMSG, "entry '%s' has an invalid mtime", e->name);
	switch (e->type) {
	case VOLT_CAS_ENTRY_REGULAR:
		GET(8, e->size);
		GET(4, e->link_group);
		GET(4, n);
		/* Each block takes 36 bytes of input: bound the allocation by it. */
		if (n > (r.len - r.off) / (VOLT_CAS_HASH_SIZE + 4))
			return volt_error_set(EBADMSG, "entry '%s' claims more blocks than the object holds", e->name);
		e->blocks = calloc(n ? n : 1, sizeof(*e->blocks));
		if (!e->blocks)
			return volt_error_set(ENOMEM, NULL);
		e->n_blocks = n;
		for (size_t j = 0; j < n; j++) {
			const uint8_t *h;

			if (!rbuf_bytes(&r, VOLT_CAS_HASH_SIZE, &h))
				return volt_error_set(EBADMSG, "tree object truncated");
			memcpy(e->blocks[j].hash.bytes, h, VOLT_CAS_HASH_SIZE);
			GET(4, e->blocks[j].len);
			if (e->blocks[j].len == 0 || e->blocks[j].len > CAS_BLOCK_MAX)
				return volt_error_set(EBADMSG, "entry '%s' has a block of invalid length", e->name);
			sum += e->blocks[j].len;
		}
		if (sum != e->size)
			return volt_error_set(EBADMSG, "entry '%s': blocks add up to %llu bytes, size says %llu",
					      e->name, (unsigned long long)sum, (unsigned long long)e->size);
		break;
	case VOLT_CAS_ENTRY_DIRECTORY: {
		const uint8_t *h;

		if (!rbuf_bytes(&r, VOLT_CAS_HASH_SIZE, &h))
			return volt_error_set(EBADMSG, "tree object truncated");
		memcpy(e->hash.bytes, h, VOLT_CAS_HASH_SIZE);
		break;
	}
	case VOLT_CAS_ENTRY_SYMLINK:
		rr = parse_string(&r, 2, &e->target, &len);
		if (rr < 0)
			return rr;
		if (cas_target_check(e->target, len) < 0)
			return volt_error_set(EBADMSG, "entry '%s': invalid symlink target", e->name);
		break;
	case VOLT_CAS_ENTRY_CHAR_DEVICE:
	case VOLT_CAS_ENTRY_BLOCK_DEVICE:
		GET(8, e->rdev);
		break;
	case VOLT_CAS_ENTRY_FIFO:
	case VOLT_CAS_ENTRY_SOCKET:
		break;
	default:
		return volt_error_set(EBADMSG, "entry '%s' has unknown type %u", e->name, e->type);
	}
	GET(2, n);
	if (n > CAS_XATTR_MAX_COUNT)
		return volt_error_set(EBADMSG, "entry '%s' has too many xattrs", e->name);
	if (n) {
		e->xattrs = calloc(n, sizeof(*e->xattrs));
		if (!e->xattrs)
			return volt_error_set(ENOMEM, NULL);
	}
	for (size_t j = 0; j < n; j++) {
		struct cas_xattr *x = &e->xattrs[j];
		const uint8_t *v;
		uint64_t vl;

		rr = parse_string(&r, 2, &x->name, &len);
		if (rr < 0)
			return rr;
		e->n_xattrs = j + 1;
		if (cas_xattr_name_check(x->name, len) < 0)
			return volt_error_set(EBADMSG, "entry '%s' has an invalid xattr name", e->name);
		if (j > 0 && strcmp(e->xattrs[j - 1].name, x->name) >= 0)
			return volt_error_set(EBADMSG, "entry '%s': xattrs out of order or repeated", e->name);
		if (!rbuf_le(&r, 4, &vl) || vl > CAS_XATTR_VALUE_MAX || !rbuf_bytes(&r, vl, &v))
			return volt_error_set(EBADMSG, "entry '%s': bad xattr value", e->name);
		x->value = malloc(vl ? vl : 1);
		if (!x->value)
			return volt_error_set(ENOMEM, NULL);
		memcpy(x->value, v, vl);
		x->size = (uint32_t)vl;
	}
	*rb = r;
	return 0;
}

int cas_tree_parse(struct cas_tree *out, const void *data, size_t len)
{
	struct rbuf r = { data, len, HEADER_SIZE };
	struct cas_tree t = {};
	uint64_t n;
	int rr;

	rr = cas_object_kind(data, len);
	if (rr < 0)
		return rr;
	if (rr != CAS_OBJECT_TREE)
		return volt_error_set(EBADMSG, "object is not a tree");
	GET(4, n);
	/* The smallest entry takes 30 bytes: bound the allocation by the input. */
	if (n > CAS_TREE_MAX_ENTRIES || n > (len - r.off) / 30)
		return volt_error_set(EBADMSG, "tree claims %llu entries, more than it can hold",
				      (unsigned long long)n);
	t.entries = calloc(n ? n : 1, sizeof(*t.entries));
	if (!t.entries)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		t.n = i + 1;
		rr = parse_entry(&r, &t.entries[i]);
		if (rr >= 0 && i > 0 && strcmp(t.entries[i - 1].name, t.entries[i].name) >= 0)
			rr = volt_error_set(EBADMSG, "tree entries out of order or repeated ('%s')",
					    t.entries[i].name);
		if (rr < 0) {
			cas_tree_clear(&t);
			return rr;
		}
	}
	if (r.off != len) {
		cas_tree_clear(&t);
		return volt_error_set(EBADMSG, "tree object has %zu trailing bytes", len - r.off);
	}
	*out = t;
	return 0;
}
#undef GET

int cas_image_serialize(const struct cas_image *img, void **out, size_t *out_len)
{
	struct wbuf b = {};

	put_header(&b, CAS_OBJECT_IMAGE);
	wbuf_u64(&b, img->size);
	wbuf_u32(&b, img->block_size);
	wbuf_u32(&b, img->n_blocks);
	for (size_t i = 0; i < img->n_blocks; i++)
		wbuf_bytes(&b, img->blocks[i].bytes, VOLT_CAS_HASH_SIZE);
	return finish(&b, out, out_len);
}

int cas_image_parse(struct cas_image *out, const void *data, size_t len)
{
	struct rbuf r = { data, len, HEADER_SIZE };
	struct cas_image img = {};
	uint64_t size, bs, n, want;
	const uint8_t *h;
	int rr;

	rr = cas_object_kind(data, len);
	if (rr < 0)
		return rr;
	if (rr != CAS_OBJECT_IMAGE)
		return volt_error_set(EBADMSG, "object is not an image");
	if (!rbuf_le(&r, 8, &size) || !rbuf_le(&r, 4, &bs) || !rbuf_le(&r, 4, &n))
		return volt_error_set(EBADMSG, "image object truncated");
	if (bs < CAS_IMAGE_BLOCK_MIN || bs > CAS_IMAGE_BLOCK_MAX || (bs & (bs - 1)))
		return volt_error_set(EBADMSG, "image block size %llu is invalid", (unsigned long long)bs);
	if (size > (UINT64_C(1) << 56))
		return volt_error_set(EBADMSG, "image size is implausible");
	want = (size + bs - 1) / bs;
	if (n != want)
		return volt_error_set(EBADMSG, "image has %llu blocks, its size needs %llu",
				      (unsigned long long)n, (unsigned long long)want);
	if (n * VOLT_CAS_HASH_SIZE != len - r.off)
		return volt_error_set(EBADMSG, "image object length does not match its block count");
	img.blocks = malloc((n ? n : 1) * sizeof(*img.blocks));
	if (!img.blocks)
		return volt_error_set(ENOMEM, NULL);
	rbuf_bytes(&r, n * VOLT_CAS_HASH_SIZE, &h);
	memcpy(img.blocks, h, n * VOLT_CAS_HASH_SIZE);
	img.size = size;
	img.block_size = (uint32_t)bs;
	img.n_blocks = n;
	*out = img;
	return 0;
}

int cas_tree_load(volt_cas *cas, const volt_cas_hash *h, struct cas_tree *out)
{
	_cleanup_free_ void *data = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	size_t len;
	int r;

	r = cas_block_get(cas, h, &data, &len);
	if (r >= 0)
		r = cas_tree_parse(out, data, len);
	if (r < 0)
		return volt_error_prefix(r, "tree %s", volt_cas_hash_to_hex(hex, h));
	return 0;
}

int cas_image_load(volt_cas *cas, const volt_cas_hash *h, struct cas_image *out)
{
	_cleanup_free_ void *data = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	size_t len;
	int r;

	r = cas_block_get(cas, h, &data, &len);
	if (r >= 0)
		r = cas_image_parse(out, data, len);
	if (r < 0)
		return volt_error_prefix(r, "image %s", volt_cas_hash_to_hex(hex, h));
	return 0;
}

int cas_object_store(volt_cas *cas, const void *data, size_t len, volt_cas_hash *out, struct cas_counters *c)
{
	return cas_block_put(cas, data, len, out, c);
}
