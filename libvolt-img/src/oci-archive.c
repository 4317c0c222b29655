/*
 * volt_img_archive_import(): docker-archive and OCI image layout
 * tars. The archive is indexed once (member offsets, following
 * symlinks and hard links between members, as `docker save` writes
 * shared layers), then its documents are read and every layer streams
 * from its offset through the layer importer. Nothing is extracted to
 * disk.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "oci-archive.h"
#include "tar.h"

#define DOC_MAX (16u * 1024 * 1024)
#define LINK_HOPS 8

struct member {
	char *path;      /* normalised: components joined by '/' */
	char *link;      /* symlink or hard link: the member it names (normalised, archive-relative) */
	uint64_t off, size;
};

struct archive {
	int fd;
	uint64_t size;
	struct member *m;
	size_t n, cap;
	/* progress over all layers */
	struct cas_progress_state ps;
	struct cas_counters c;
};

struct areader {
	struct archive *a;
	uint64_t off, end;
};

/* cas_tar_read_fn: exactly @n bytes at the reader's offset; NULL skips. */
static int tar_read(void *ctx, void *dst, size_t n)
{
	struct areader *r = ctx;

	if (n > r->end - r->off)
		return volt_error_set(EBADMSG, "archive truncated at byte %llu", (unsigned long long)r->end);
	if (dst) {
		size_t done = 0;

		while (done < n) {
			ssize_t k = pread(r->a->fd, (char *)dst + done, n - done, (off_t)(r->off + done));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return volt_error_set_errno(errno, "read archive");
			if (k == 0)
				return volt_error_set(EBADMSG, "archive truncated");
			done += (size_t)k;
		}
	}
	r->off += n;
	return 0;
}

/* cas_read_fn over one member, counting progress. */
static ssize_t member_read(void *ctx, void *buf, size_t len)
{
	struct areader *r = ctx;
	size_t k = r->end - r->off < len ? (size_t)(r->end - r->off) : len;
	int e;

	if (k == 0)
		return 0;
	e = tar_read(r, buf, k);
	if (e < 0)
		return e;
	cas_count(&r->a->c, bytes, k);
	cas_progress_update(&r->a->ps, &r->a->c, false);
	return (ssize_t)k;
}

static int normalize(const char *path, char **out)
{
	_cleanup_(cas_tar_strv_freep) char **comps = NULL;
	size_t n, len = 0;
	char *p;
	int r;

	r = cas_tar_split_path(path, &comps, &n);
	if (r < 0)
		return volt_error_prefix(-EBADMSG, "archive member");
	for (size_t i = 0; i < n; i++)
		len += strlen(comps[i]) + 1;
	p = calloc(1, len + 1);
	if (!p)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(p, "/");
		strcat(p, comps[i]);
	}
	*out = p;
	return 0;
}

/* Resolve "." and ".." of a link target lexically; refuse climbing above the archive. */
static int normalize_link(const char *target, char **out)
{
	size_t len = strlen(target);
	char *p = malloc(len + 1);
	size_t n = 0;

	if (!p)
		return volt_error_set(ENOMEM, NULL);
	for (const char *s = target; *s;) {
		size_t k = strcspn(s, "/");

		if (k == 0 || (k == 1 && s[0] == '.')) {
			/* nothing */
		} else if (k == 2 && s[0] == '.' && s[1] == '.') {
			if (n == 0) {
				free(p);
				return volt_error_set(EBADMSG, "link '%.200s' leaves the archive", target);
			}
			while (n > 0 && p[n - 1] != '/')
				n--;
			if (n > 0)
				n--; /* the slash */
		} else {
			if (n)
				p[n++] = '/';
			memcpy(p + n, s, k);
			n += k;
		}
		s += k;
		if (*s == '/')
			s++;
	}
	p[n] = 0;
	if (n == 0) {
		free(p);
		return volt_error_set(EBADMSG, "link '%.200s' names the archive root", target);
	}
	*out = p;
	return 0;
}

static void archive_clear(struct archive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->m[i].path);
		free(a->m[i].link);
	}
	free(a->m);
	if (a->fd >= 0)
		close(a->fd);
}

static int add_member(struct archive *a, struct tar_member *tm, uint64_t off)
{
	struct member *m;
	int r;

	if (tm->type == VOLT_CAS_ENTRY_DIRECTORY)
		return 0;
	if (tm->type != VOLT_CAS_ENTRY_REGULAR && tm->type != VOLT_CAS_ENTRY_SYMLINK)
		return 0; /* devices and FIFOs have no place in an image archive; ignore them */
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		struct member *nm = realloc(a->m, cap * sizeof(*nm));

		if (!nm)
			return volt_error_set(ENOMEM, NULL);
		a->m = nm;
		a->cap = cap;
	}
	m = &a->m[a->n];
	memset(m, 0, sizeof(*m));
	r = normalize(tm->path, &m->path);
	if (r < 0)
		return r;
	m->off = off;
	m->size = tm->size;
	if (tm->type == VOLT_CAS_ENTRY_SYMLINK || tm->is_hardlink) {
		_cleanup_free_ char *joined = NULL;
		const char *target = tm->linkpath;

		/* A symlink is relative to its directory; a hard link names an archive path. */
		if (tm->type == VOLT_CAS_ENTRY_SYMLINK) {
			const char *slash = strrchr(m->path, '/');

			if (target[0] == '/') {
				free(m->path);
				return volt_error_set(EBADMSG, "archive member %s links outside the archive", tm->path);
			}
			if (slash && asprintf(&joined, "%.*s/%s", (int)(slash - m->path), m->path, target) < 0) {
				free(m->path);
				return volt_error_set(ENOMEM, NULL);
			}
			if (joined)
				target = joined;
		}
		r = normalize_link(target, &m->link);
		if (r < 0) {
			free(m->path);
			return volt_error_prefix(r, "archive member %s", tm->path);
		}
		m->size = 0;
	}
	a->n++;
	return 0;
}

static int archive_index(struct archive *a)
{
	struct areader rd = { a, 0, a->size };
	struct cas_tar_state st = {};
	int r;

	for (;;) {
		struct tar_member tm = {};

		r = cas_tar_next(&st, tar_read, &rd, &tm);
		if (r <= 0) {
			cas_tar_member_clear(&tm);
			break;
		}
		r = add_member(a, &tm, rd.off);
		if (r >= 0)
			r = cas_tar_skip_data(&tm);
		cas_tar_member_clear(&tm);
		if (r < 0)
			break;
	}
	cas_tar_state_clear(&st);
	if (r < 0)
		return volt_error_prefix(r == -EINVAL ? -EBADMSG : r, "not a valid tar archive");
	return 0;
}

/* The member holding @path's data, following links; NULL (and a message) when absent. */
static struct member *archive_find(struct archive *a, const char *path)
{
	_cleanup_free_ char *norm = NULL;
	const char *want;

	if (normalize_link(path, &norm) < 0)
		return NULL;
	want = norm;
	for (int hop = 0; hop <= LINK_HOPS; hop++) {
		struct member *found = NULL;

		/* The last member of a name wins, as when tar extracts. */
		for (size_t i = a->n; i > 0; i--)
			if (strcmp(a->m[i - 1].path, want) == 0) {
				found = &a->m[i - 1];
				break;
			}
		if (!found) {
			volt_error_set(EBADMSG, "the archive has no member %s", path);
			return NULL;
		}
		if (!found->link)
			return found;
		want = found->link;
	}
	volt_error_set(EBADMSG, "archive member %s: too many links", path);
	return NULL;
}

static int read_member(struct archive *a, const char *path, char **out, size_t *out_len)
{
	struct member *m = archive_find(a, path);
	struct areader rd;
	char *buf;
	int r;

	if (!m)
		return -EBADMSG;
	if (m->size > DOC_MAX)
		return volt_error_set(EBADMSG, "archive member %s is too large (%llu bytes)", path,
				      (unsigned long long)m->size);
	buf = malloc(m->size + 1);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	rd = (struct areader){ a, m->off, m->off + m->size };
	r = tar_read(&rd, buf, m->size);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[m->size] = 0;
	*out = buf;
	*out_len = m->size;
	return 0;
}

static void blob_path(char out[13 + 64 + 1], const char *digest)
{
	snprintf(out, 13 + 64 + 1, "blobs/sha256/%s", digest + 7);
}

/* A blob of an OCI layout, checked against its descriptor. */
static int read_blob(struct archive *a, const char *digest, int64_t size, char **out, size_t *out_len)
{
	char path[13 + 64 + 1], got[OCI_DIGEST_SIZE];
	_cleanup_free_ char *buf = NULL;
	volt_cas_hash h;
	size_t len;
	int r;

	blob_path(path, digest);
	r = read_member(a, path, &buf, &len);
	if (r < 0)
		return r;
	if (size >= 0 && (uint64_t)size != len)
		return volt_error_set(EBADMSG, "blob %s has %zu bytes, its descriptor says %lld", digest, len,
				      (long long)size);
	cas_sha256(&h, buf, len);
	oci_digest_format(got, &h);
	if (strcmp(got, digest) != 0)
		return volt_error_set(EBADMSG, "blob %s has digest %s", digest, got);
	*out = TAKE_PTR(buf);
	*out_len = len;
	return 0;
}

static const char *host_architecture(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

/* An index (nested in an OCI layout): the manifest for this machine. */
static int choose_platform(struct archive *a, const struct oci_descriptor *idx, struct oci_descriptor **out_v,
			   size_t *out_n, size_t *out_i)
{
	_cleanup_free_ char *doc = NULL;
	struct oci_descriptor *v = NULL;
	size_t len, n;
	int r;

	r = read_blob(a, idx->digest, idx->size, &doc, &len);
	if (r < 0)
		return r;
	r = oci_parse_index(doc, len, "image index", &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!v[i].is_index && v[i].os && v[i].architecture && strcmp(v[i].os, "linux") == 0 &&
		    strcmp(v[i].architecture, host_architecture()) == 0) {
			*out_v = v;
			*out_n = n;
			*out_i = i;
			return 0;
		}
	oci_descriptors_free(v, n);
	return volt_error_set(EOPNOTSUPP, "image index %s has no image for linux/%s", idx->digest,
			      host_architecture());
}

/* The images an OCI layout's index.json lists. */
static int plan_oci(struct archive *a, struct oci_image_ref **out, size_t *out_n)
{
	_cleanup_free_ char *doc = NULL;
	struct oci_descriptor *top = NULL;
	struct oci_image_ref *v = NULL;
	size_t len, n = 0;
	int r;

	if (!archive_find(a, "oci-layout"))
		return volt_error_set(EBADMSG, "index.json without oci-layout: not an OCI image layout");
	r = read_member(a, "index.json", &doc, &len);
	if (r < 0)
		return r;
	r = oci_parse_index(doc, len, "index.json", &top, &n);
	if (r < 0)
		return r;
	if (n == 0) {
		oci_descriptors_free(top, n);
		return volt_error_set(EBADMSG, "index.json lists no image");
	}
	v = calloc(n, sizeof(*v));
	if (!v) {
		oci_descriptors_free(top, n);
		return volt_error_set(ENOMEM, NULL);
	}
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct oci_descriptor *sub = NULL, *d = &top[i];
		_cleanup_free_ char *mdoc = NULL;
		size_t n_sub = 0, j = 0, mlen;

		if (d->is_index) {
			r = choose_platform(a, d, &sub, &n_sub, &j);
			if (r < 0)
				break;
			d = &sub[j];
		}
		r = read_blob(a, d->digest, d->size, &mdoc, &mlen);
		if (r >= 0)
			r = oci_parse_manifest(mdoc, mlen, "image manifest", &v[i]);
		if (r >= 0) {
			memcpy(v[i].manifest_digest, d->digest, OCI_DIGEST_SIZE);
			if (top[i].ref_name && !(v[i].name = strdup(top[i].ref_name)))
				r = volt_error_set(ENOMEM, NULL);
		}
		oci_descriptors_free(sub, n_sub);
	}
	oci_descriptors_free(top, n);
	if (r < 0) {
		oci_image_refs_free(v, n);
		return r;
	}
	*out = v;
	*out_n = n;
	return 0;
}

static bool hex64_at(const char *s)
{
	return strspn(s, "0123456789abcdef") == 64;
}

/* The config of an image, verified against what names it. */
static int read_config(struct archive *a, const struct oci_image_ref *ir, char **out, size_t *out_len)
{
	_cleanup_free_ char *buf = NULL;
	const char *base;
	char want[OCI_DIGEST_SIZE] = "", got[OCI_DIGEST_SIZE];
	volt_cas_hash h;
	size_t len;
	int r;

	if (!ir->config_path)
		return read_blob(a, ir->config_digest, ir->config_size, out, out_len);
	r = read_member(a, ir->config_path, &buf, &len);
	if (r < 0)
		return r;
	/* Docker names configs by their digest: "<hex>.json" or "blobs/sha256/<hex>". */
	base = strrchr(ir->config_path, '/');
	base = base ? base + 1 : ir->config_path;
	if (hex64_at(base) && (base[64] == 0 || strcmp(base + 64, ".json") == 0))
		snprintf(want, sizeof(want), "sha256:%.64s", base);
	cas_sha256(&h, buf, len);
	oci_digest_format(got, &h);
	if (want[0] && strcmp(want, got) != 0)
		return volt_error_set(EBADMSG, "config %s has digest %s", ir->config_path, got);
	*out = TAKE_PTR(buf);
	*out_len = len;
	return 0;
}

static int import_layer(volt_cas *cas, struct archive *a, const struct oci_layer_ref *l,
			const volt_cas_hash *diff_id)
{
	char path[13 + 64 + 1];
	struct member *m;
	struct areader rd;
	volt_cas_hash tree;
	int r;

	if (l->path) {
		m = archive_find(a, l->path);
	} else {
		blob_path(path, l->digest);
		m = archive_find(a, path);
	}
	if (!m)
		return -EBADMSG;
	if (l->size >= 0 && (uint64_t)l->size != m->size)
		return volt_error_set(EBADMSG, "layer %s has %llu bytes, its descriptor says %lld", l->digest,
				      (unsigned long long)m->size, (long long)l->size);
	rd = (struct areader){ a, m->off, m->off + m->size };
	r = oci_layer_import_stream(cas, l->digest, l->compression, member_read, &rd, l->verify_blob, diff_id,
				    NULL, &tree);
	cas_count(&a->c, files, 1);
	return r;
}

static int import_image(volt_cas *cas, struct archive *a, struct oci_image_ref *ir, const char *name)
{
	_cleanup_free_ char *config = NULL;
	_cleanup_free_ volt_cas_hash *diff_ids = NULL;
	_cleanup_free_ const char **digests = NULL;
	size_t config_len, n_diff;
	int r;

	r = read_config(a, ir, &config, &config_len);
	if (r < 0)
		return r;
	r = oci_parse_diff_ids(config, config_len, &diff_ids, &n_diff);
	if (r < 0)
		return r;
	if (n_diff != ir->n_layers)
		return volt_error_set(EBADMSG, "the config lists %zu layers (diff_ids), the manifest %zu", n_diff,
				      ir->n_layers);
	digests = calloc(ir->n_layers + 1, sizeof(*digests));
	if (!digests)
		return volt_error_set(ENOMEM, NULL);
	for (size_t i = 0; i < ir->n_layers; i++) {
		struct oci_layer_ref *l = &ir->layers[i];
		volt_cas_hash tree;

		/* Docker archives hold uncompressed layers named by their diff_ids. */
		if (!l->verify_blob)
			oci_digest_format(l->digest, &diff_ids[i]);
		digests[i] = l->digest;
		r = volt_img_layer_lookup(&tree, cas, l->digest);
		if (r == -ENOENT) {
			volt_error_clear();
			r = import_layer(cas, a, l, &diff_ids[i]);
		}
		if (r < 0)
			return volt_error_prefix(r, "layer %zu", i + 1);
	}
	return volt_img_image_commit(NULL, cas, name, digests, ir->n_layers, config,
					 config_len, ir->manifest_digest[0] ? ir->manifest_digest : NULL);
}

/* Count the bytes of the layers still to import, for progress. */
static uint64_t bytes_to_read(volt_cas *cas, struct archive *a, struct oci_image_ref *v, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < v[i].n_layers; j++) {
			struct oci_layer_ref *l = &v[i].layers[j];
			char path[13 + 64 + 1];
			struct member *m;
			volt_cas_hash t;

			if (l->verify_blob && volt_img_layer_lookup(&t, cas, l->digest) == 0)
				continue;
			if (!l->path)
				blob_path(path, l->digest);
			m = archive_find(a, l->path ? l->path : path);
			if (m)
				total += m->size;
		}
	volt_error_clear();
	return total;
}

VOLT_API int volt_img_archive_import(char ***out_names, volt_cas *cas, const char *path,
					 const volt_img_import_options *opts)
{
	volt_img_import_options o = VOLT_IMG_IMPORT_OPTIONS_INIT;
	struct archive a = { .fd = -1 };
	struct oci_image_ref *v = NULL;
	char **names = NULL;
	size_t n = 0;
	struct stat st;
	int r;

	assert_return(cas, EINVAL);
	assert_return(path, EINVAL);
	if (opts) {
		if (!VERSION_SUPPORTED(opts->version, VOLT_IMG_IMPORT_OPTIONS_VERSION))
			return volt_error_set(EINVAL, "volt_img_import_options version %u is not supported",
					      opts->version);
		o = *opts;
	}
	a.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (a.fd < 0)
		return volt_error_set_errno(errno, "open %s", path);
	if (fstat(a.fd, &st) < 0) {
		r = volt_error_set_errno(errno, "stat %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = volt_error_set(ESPIPE, "%s is not a regular file (archives are read at random)", path);
		goto out;
	}
	a.size = (uint64_t)st.st_size;
	r = archive_index(&a);
	if (r < 0)
		goto out;
	if (archive_find(&a, "manifest.json")) {
		_cleanup_free_ char *doc = NULL;
		size_t len;

		r = read_member(&a, "manifest.json", &doc, &len);
		if (r >= 0)
			r = oci_parse_docker_manifest(doc, len, &v, &n);
	} else if (archive_find(&a, "index.json")) {
		r = plan_oci(&a, &v, &n);
	} else {
		r = volt_error_set(EBADMSG, "neither a docker-archive (manifest.json) nor an OCI layout (index.json)");
	}
	if (r < 0)
		goto out;
	if (o.name && n != 1) {
		r = volt_error_set(EINVAL, "the archive holds %zu images: a name can only be given for one", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!o.name && !v[i].name) {
			r = volt_error_set(EINVAL, "image %zu of the archive has no name: give one", i + 1);
			goto out;
		}
	names = calloc(n + 1, sizeof(*names));
	if (!names) {
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	cas_progress_init(&a.ps, o.progress, o.userdata);
	a.ps.p.bytes_total = bytes_to_read(cas, &a, v, n);
	for (size_t i = 0; i < n; i++) {
		const char *name = o.name ? o.name : v[i].name;

		r = import_image(cas, &a, &v[i], name);
		if (r < 0) {
			r = volt_error_prefix(r, "%s: image %s", path, name);
			goto out;
		}
		r = oci_name_normalize(name, &names[i]);
		if (r < 0)
			goto out;
	}
	cas_progress_update(&a.ps, &a.c, true);
	if (out_names)
		*out_names = TAKE_PTR(names);
	r = 0;
out:
	volt_strv_free(names);
	oci_image_refs_free(v, n);
	archive_clear(&a);
	if (r < 0 && !strstr(volt_error_message(), path))
		volt_error_prefix(r, "%s", path);
	return r;
}
