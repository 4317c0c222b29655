/*
 * Tar header parsing (see tar.h). Formats: POSIX.1-2001 pax and ustar
 * (IEEE Std 1003.1, "pax" utility), GNU 'L'/'K' long names, base-256
 * numeric fields.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "tar.h"

#define TAR_BLOCK 512
#define TAR_META_MAX (1u << 20)   /* pax header or long name */
#define TAR_SIZE_MAX (UINT64_C(1) << 56)

void cas_tar_strv_freep(char ***p)
{
	if (*p)
		for (char **s = *p; *s; s++)
			free(*s);
	free(*p);
}

int cas_tar_split_path(const char *path, char ***out, size_t *n_out)
{
	size_t len = strlen(path), n = 0;
	char **v;

	if (len == 0 || len >= VOLT_PATH_MAX)
		return volt_error_set(EINVAL, "archive path of %zu bytes is empty or too long", len);
	if (path[0] == '/')
		return volt_error_set(EINVAL, "archive path '%s' is absolute", path);
	v = calloc(len / 2 + 2, sizeof(char *));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);

		if (cl == 2 && p[0] == '.' && p[1] == '.') {
			cas_tar_strv_freep(&v);
			return volt_error_set(EINVAL, "archive path '%s' contains '..'", path);
		}
		if (cl > 0 && !(cl == 1 && p[0] == '.')) {
			if (cas_entry_name_check(p, cl) < 0 || !(v[n] = strndup(p, cl))) {
				cas_tar_strv_freep(&v);
				return volt_error_code() ? volt_error_prefix(volt_error_code(), "archive path '%s'", path)
							 : volt_error_set(ENOMEM, NULL);
			}
			n++;
		}
		p += cl;
		if (*p == '/')
			p++;
	}
	*out = v;
	*n_out = n;
	return 0;
}

void cas_tar_member_clear(struct tar_member *m)
{
	free(m->path);
	free(m->linkpath);
	for (size_t i = 0; i < m->n_xattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	free(m->xattrs);
	memset(m, 0, sizeof(*m));
}

void cas_tar_state_clear(struct cas_tar_state *st)
{
	memset(st, 0, sizeof(*st));
}

static int parse_number(const uint8_t *f, size_t w, uint64_t max, uint64_t *out, const char *what)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) { /* base-256, big-endian, positive only */
		if (f[0] != 0x80)
			return volt_error_set(EBADMSG, "tar header: negative or huge %s", what);
		for (i = 1; i < w; i++) {
			if (v >> 56)
				return volt_error_set(EBADMSG, "tar header: %s out of range", what);
			v = v << 8 | f[i];
		}
	} else {
		while (i < w && f[i] == ' ')
			i++;
		for (; i < w && f[i] >= '0' && f[i] <= '7'; i++) {
			if (v >> 60)
				return volt_error_set(EBADMSG, "tar header: %s out of range", what);
			v = v * 8 + (f[i] - '0');
		}
		for (; i < w; i++)
			if (f[i] != ' ' && f[i] != 0)
				return volt_error_set(EBADMSG, "tar header: %s is not an octal number", what);
	}
	if (v > max)
		return volt_error_set(EBADMSG, "tar header: %s out of range", what);
	*out = v;
	return 0;
}

static char *field_str(const uint8_t *f, size_t w)
{
	size_t n = strnlen((const char *)f, w);

	return strndup((const char *)f, n);
}

/* Pending values from pax 'x' headers and GNU long names, for the next member. */
struct pending {
	char *path, *linkpath;
	bool has_size, has_uid, has_gid, has_mtime;
	uint64_t size, uid, gid;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	struct cas_xattr *xattrs;
	size_t n_xattrs;
};

static void pending_clear(struct pending *p)
{
	free(p->path);
	free(p->linkpath);
	for (size_t i = 0; i < p->n_xattrs; i++) {
		free(p->xattrs[i].name);
		free(p->xattrs[i].value);
	}
	free(p->xattrs);
	memset(p, 0, sizeof(*p));
}

static int parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -EBADMSG;
	*out = v;
	return 0;
}

static int parse_mtime(const char *s, size_t len, int64_t *sec, uint32_t *nsec)
{
	const char *dot = memchr(s, '.', len);
	size_t il = dot ? (size_t)(dot - s) : len;
	bool neg = len > 0 && s[0] == '-';
	uint64_t v, frac = 0;
	size_t digits = 0;

	if (parse_decimal(s + neg, il - neg, INT64_MAX, &v) < 0)
		return -EBADMSG;
	if (dot) {
		for (const char *p = dot + 1; p < s + len; p++) {
			if (*p < '0' || *p > '9')
				return -EBADMSG;
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
		}
	}
	while (digits < 9) {
		frac *= 10;
		digits++;
	}
	*sec = neg ? -(int64_t)v : (int64_t)v;
	*nsec = neg ? 0 : (uint32_t)frac;
	return 0;
}

static int pax_xattr(struct pending *p, const char *name, size_t nl, const char *val, size_t vl)
{
	struct cas_xattr *x;
	size_t at;

	if (cas_xattr_name_check(name, nl) < 0 || vl > 65536 || p->n_xattrs >= 1024)
		return volt_error_set(EBADMSG, "pax header: invalid xattr");
	/* Keep sorted by name; a repeated name replaces the earlier value. */
	for (at = 0; at < p->n_xattrs; at++) {
		int c = strncmp(p->xattrs[at].name, name, nl);

		if (c == 0 && p->xattrs[at].name[nl] == 0) {
			free(p->xattrs[at].value);
			p->xattrs[at].value = NULL;
			x = &p->xattrs[at];
			goto set;
		}
		if (c > 0 || (c == 0 && strlen(p->xattrs[at].name) > nl))
			break;
	}
	x = realloc(p->xattrs, (p->n_xattrs + 1) * sizeof(*x));
	if (!x)
		return volt_error_set(ENOMEM, NULL);
	p->xattrs = x;
	memmove(&x[at + 1], &x[at], (p->n_xattrs - at) * sizeof(*x));
	p->n_xattrs++;
	x = &x[at];
	x->name = strndup(name, nl);
	x->value = NULL;
	if (!x->name)
		return volt_error_set(ENOMEM, NULL);
set:
	x->value = malloc(vl ? vl : 1);
	if (!x->value)
		return volt_error_set(ENOMEM, NULL);
	memcpy(x->value, val, vl);
	x->size = (uint32_t)vl;
	return 0;
}

static int set_string(char **dst, const char *val, size_t vl, const char *what)
{
	if (memchr(val, 0, vl) || vl >= VOLT_PATH_MAX)
		return volt_error_set(EBADMSG, "pax header: invalid %s", what);
	free(*dst);
	*dst = strndup(val, vl);
	return *dst ? 0 : volt_error_set(ENOMEM, NULL);
}

static int parse_pax(struct pending *p, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		const char *rec = data + off, *sp, *eq, *key, *val;
		uint64_t rl;
		size_t kl, vl;
		int r = 0;

		sp = memchr(rec, ' ', len - off < 20 ? len - off : 20);
		if (!sp || parse_decimal(rec, (size_t)(sp - rec), len - off, &rl) < 0 ||
		    rl < (uint64_t)(sp - rec) + 3 || rec[rl - 1] != '\n')
			return volt_error_set(EBADMSG, "pax header: malformed record");
		key = sp + 1;
		eq = memchr(key, '=', (size_t)(rec + rl - 1 - key));
		if (!eq || eq == key)
			return volt_error_set(EBADMSG, "pax header: record without key");
		kl = (size_t)(eq - key);
		val = eq + 1;
		vl = (size_t)(rec + rl - 1 - val);
		off += rl;

#define KEY(s) (kl == strlen(s) && memcmp(key, s, kl) == 0)
		if (KEY("path"))
			r = set_string(&p->path, val, vl, "path");
		else if (KEY("linkpath"))
			r = set_string(&p->linkpath, val, vl, "linkpath");
		else if (KEY("size")) {
			r = parse_decimal(val, vl, TAR_SIZE_MAX, &p->size);
			p->has_size = true;
		} else if (KEY("uid")) {
			r = parse_decimal(val, vl, UINT32_MAX, &p->uid);
			p->has_uid = true;
		} else if (KEY("gid")) {
			r = parse_decimal(val, vl, UINT32_MAX, &p->gid);
			p->has_gid = true;
		} else if (KEY("mtime")) {
			r = parse_mtime(val, vl, &p->mtime_sec, &p->mtime_nsec);
			p->has_mtime = true;
		} else if (kl > 13 && memcmp(key, "SCHILY.xattr.", 13) == 0)
			r = pax_xattr(p, key + 13, kl - 13, val, vl);
#undef KEY
		if (r < 0)
			return volt_error_code() == r ? r : volt_error_set(EBADMSG, "pax header: bad value");
	}
	return 0;
}

static int read_meta(cas_tar_read_fn rd, void *ctx, uint64_t size, char **out)
{
	_cleanup_free_ char *d = NULL;
	int r;

	if (size > TAR_META_MAX)
		return volt_error_set(EBADMSG, "tar extended header of %llu bytes is too large",
				      (unsigned long long)size);
	d = malloc(size + 1);
	if (!d)
		return volt_error_set(ENOMEM, NULL);
	r = rd(ctx, d, size);
	if (r < 0)
		return r;
	d[size] = 0;
	r = rd(ctx, NULL, (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
	if (r < 0)
		return r;
	*out = TAKE_PTR(d);
	return 0;
}

static bool is_zero_block(const uint8_t *b)
{
	for (size_t i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

static int check_checksum(const uint8_t *h)
{
	uint64_t want;
	unsigned long sum = 0;

	if (parse_number(h + 148, 8, 0777777, &want, "checksum") < 0)
		return volt_error_set(EBADMSG, "tar header: bad checksum field");
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	if (sum != want)
		return volt_error_set(EBADMSG, "tar header checksum mismatch (not a tar archive?)");
	return 0;
}

int cas_tar_next(struct cas_tar_state *st, cas_tar_read_fn rd, void *ctx, struct tar_member *m)
{
	struct pending p = {};
	uint8_t h[TAR_BLOCK];
	int r;

	if (st->ended)
		return 0;
	for (;;) {
		uint64_t size, v;
		char type;
		bool ustar;

		r = rd(ctx, h, TAR_BLOCK);
		if (r < 0)
			goto fail;
		if (is_zero_block(h)) {
			st->ended = true;
			r = 0;
			goto fail;
		}
		r = check_checksum(h);
		if (r < 0)
			goto fail;
		r = parse_number(h + 124, 12, TAR_SIZE_MAX, &size, "size");
		if (r < 0)
			goto fail;
		type = (char)h[156];
		ustar = memcmp(h + 257, "ustar", 5) == 0;

		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			_cleanup_free_ char *d = NULL;

			r = read_meta(rd, ctx, size, &d);
			if (r < 0)
				goto fail;
			if (type == 'x')
				r = parse_pax(&p, d, size);
			else if (type == 'L')
				r = set_string(&p.path, d, strnlen(d, size), "long name");
			else if (type == 'K')
				r = set_string(&p.linkpath, d, strnlen(d, size), "long link name");
			/* 'g' (global) headers are read and ignored. */
			if (r < 0)
				goto fail;
			continue;
		}

		memset(m, 0, sizeof(*m));
		m->rd = rd;
		m->ctx = ctx;
		switch (type) {
		case '0': case '\0': case '7': m->type = VOLT_CAS_ENTRY_REGULAR; break;
		case '1': m->type = VOLT_CAS_ENTRY_REGULAR; m->is_hardlink = true; break;
		case '2': m->type = VOLT_CAS_ENTRY_SYMLINK; break;
		case '3': m->type = VOLT_CAS_ENTRY_CHAR_DEVICE; break;
		case '4': m->type = VOLT_CAS_ENTRY_BLOCK_DEVICE; break;
		case '5': m->type = VOLT_CAS_ENTRY_DIRECTORY; break;
		case '6': m->type = VOLT_CAS_ENTRY_FIFO; break;
		default:
			r = volt_error_set(EINVAL, "tar member of unsupported type '%c'", type >= 32 && type < 127 ? type : '?');
			goto fail;
		}
		if (p.path) {
			m->path = TAKE_PTR(p.path);
		} else {
			_cleanup_free_ char *name = field_str(h, 100), *prefix = ustar ? field_str(h + 345, 155) : strdup("");

			if (!name || !prefix) {
				r = volt_error_set(ENOMEM, NULL);
				goto fail;
			}
			if (*prefix && asprintf(&m->path, "%s/%s", prefix, name) < 0)
				m->path = NULL;
			else if (!*prefix)
				m->path = TAKE_PTR(name);
		}
		if (p.linkpath)
			m->linkpath = TAKE_PTR(p.linkpath);
		else
			m->linkpath = field_str(h + 157, 100);
		if (!m->path || !m->linkpath) {
			r = volt_error_set(ENOMEM, NULL);
			goto fail;
		}
		/* Old archives mark directories with a trailing slash only. */
		if (m->type == VOLT_CAS_ENTRY_REGULAR && !m->is_hardlink && *m->path &&
		    m->path[strlen(m->path) - 1] == '/')
			m->type = VOLT_CAS_ENTRY_DIRECTORY;
		if ((r = parse_number(h + 100, 8, UINT32_MAX, &v, "mode")) < 0)
			goto fail;
		m->mode = (uint32_t)v & 07777;
		if ((r = parse_number(h + 108, 8, UINT32_MAX, &v, "uid")) < 0)
			goto fail;
		m->uid = (uint32_t)(p.has_uid ? p.uid : v);
		if ((r = parse_number(h + 116, 8, UINT32_MAX, &v, "gid")) < 0)
			goto fail;
		m->gid = (uint32_t)(p.has_gid ? p.gid : v);
		if ((r = parse_number(h + 136, 12, INT64_MAX, &v, "mtime")) < 0)
			goto fail;
		m->mtime_sec = p.has_mtime ? p.mtime_sec : (int64_t)v;
		m->mtime_nsec = p.has_mtime ? p.mtime_nsec : 0;
		m->size = p.has_size ? p.size : size;
		if (m->type == VOLT_CAS_ENTRY_CHAR_DEVICE || m->type == VOLT_CAS_ENTRY_BLOCK_DEVICE) {
			if ((r = parse_number(h + 329, 8, 0xfffff, &v, "devmajor")) < 0)
				goto fail;
			m->devmajor = (uint32_t)v;
			if ((r = parse_number(h + 337, 8, 0xfffff, &v, "devminor")) < 0)
				goto fail;
			m->devminor = (uint32_t)v;
		}
		if (m->type == VOLT_CAS_ENTRY_SYMLINK && cas_target_check(m->linkpath, strlen(m->linkpath)) < 0) {
			r = volt_error_set(EINVAL, "symlink '%s' has an invalid target", m->path);
			goto fail;
		}
		m->xattrs = TAKE_PTR(p.xattrs);
		m->n_xattrs = p.n_xattrs;
		p.n_xattrs = 0;
		pending_clear(&p);
		return 1;
	}
fail:
	pending_clear(&p);
	return r;
}

int cas_tar_skip_data(struct tar_member *m)
{
	uint64_t left = m->size + (TAR_BLOCK - m->size % TAR_BLOCK) % TAR_BLOCK;

	while (left > 0) {
		size_t k = left > (1u << 30) ? (1u << 30) : (size_t)left;
		int r = m->rd(m->ctx, NULL, k);

		if (r < 0)
			return r;
		left -= k;
	}
	return 0;
}
