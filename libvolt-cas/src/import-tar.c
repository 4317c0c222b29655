/*
 * Import a tar stream: POSIX ustar, pax extended headers (path,
 * linkpath, size, uid, gid, mtime, SCHILY.xattr.*) and GNU long names.
 * The archive is hostile input: every field is range-checked, paths are
 * split into components that must each be a plain name (no "..", no
 * absolute paths), a path may not pass through anything but a directory
 * (so no entry can land behind a symlink), and a hard link must name an
 * earlier regular file of the same archive.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "import.h"
#include "tar.h"

struct tar_in {
	cas_read_fn rd;
	void *rd_ctx;
	uint8_t buf[65536];
	size_t pos, len;
	uint64_t offset; /* of buf[pos] in the stream, for messages */
};

static int tin_fill(struct tar_in *t)
{
	ssize_t n;

	if (t->pos < t->len)
		return 1;
	n = t->rd(t->rd_ctx, t->buf, sizeof(t->buf));
	if (n < 0)
		return (int)n;
	t->pos = 0;
	t->len = (size_t)n;
	return n > 0;
}

/* Exactly @n bytes, or -EBADMSG at a premature end. @dst NULL skips. */
static int tin_read(struct tar_in *t, void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n > 0) {
		size_t k;
		int r = tin_fill(t);

		if (r < 0)
			return r;
		if (r == 0)
			return volt_error_set(EBADMSG, "tar stream truncated at byte %llu",
					      (unsigned long long)t->offset);
		k = t->len - t->pos < n ? t->len - t->pos : n;
		if (d) {
			memcpy(d, t->buf + t->pos, k);
			d += k;
		}
		t->pos += k;
		t->offset += k;
		n -= k;
	}
	return 0;
}

struct limited {
	struct tar_in *t;
	uint64_t left;
};

static ssize_t limited_read(void *ctx, void *buf, size_t len)
{
	struct limited *l = ctx;
	size_t k;
	int r;

	if (l->left == 0)
		return 0;
	r = tin_fill(l->t);
	if (r < 0)
		return r;
	if (r == 0)
		return volt_error_set(EBADMSG, "tar stream truncated inside a file");
	k = l->t->len - l->t->pos;
	if (k > len)
		k = len;
	if (k > l->left)
		k = (size_t)l->left;
	memcpy(buf, l->t->buf + l->t->pos, k);
	l->t->pos += k;
	l->t->offset += k;
	l->left -= k;
	return (ssize_t)k;
}

/* Find or make the directory node for components [0, n) of @comps. */
static int walk_dirs(struct cas_node *root, char **comps, size_t n, struct cas_node **out)
{
	struct cas_node *d = root;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct cas_node *c = cas_node_find_child(d, comps[i]);

		if (!c) {
			r = cas_node_new(&c, comps[i], VOLT_CAS_ENTRY_DIRECTORY);
			if (r < 0)
				return r;
			c->e.mode = 0755;
			r = cas_node_add_child(d, c);
			if (r < 0) {
				cas_node_free(c);
				return r;
			}
		} else if (c->e.type != VOLT_CAS_ENTRY_DIRECTORY) {
			return volt_error_set(EINVAL, "path goes through '%s', which is not a directory", comps[i]);
		}
		d = c;
	}
	*out = d;
	return 0;
}

static struct cas_node *lookup(struct cas_node *root, char **comps, size_t n)
{
	struct cas_node *d = root;

	for (size_t i = 0; i < n && d; i++) {
		if (d->e.type != VOLT_CAS_ENTRY_DIRECTORY)
			return NULL;
		d = cas_node_find_child(d, comps[i]);
	}
	return d;
}

struct tar_import {
	volt_cas *cas;
	struct cas_chunker ch;
	struct cas_counters c;
	struct cas_progress_state ps;
	struct tar_in in;
	struct cas_node *root;
	uint32_t next_group;
};

static int add_member(struct tar_import *ti, struct tar_member *m)
{
	_cleanup_(cas_tar_strv_freep) char **comps = NULL, **lcomps = NULL;
	struct cas_node *dir = NULL, *node, *old;
	size_t n, ln;
	uint8_t type;
	int r;

	r = cas_tar_split_path(m->path, &comps, &n);
	if (r < 0)
		return r;
	type = m->type;
	if (n == 0) {
		/* "./" itself: the root's own metadata is not recorded. */
		if (type != VOLT_CAS_ENTRY_DIRECTORY)
			return volt_error_set(EINVAL, "entry '%s' names the archive root but is not a directory", m->path);
		return cas_tar_skip_data(m);
	}
	r = walk_dirs(ti->root, comps, n - 1, &dir);
	if (r < 0)
		return volt_error_prefix(r, "entry '%s'", m->path);
	old = cas_node_find_child(dir, comps[n - 1]);
	if (old) {
		if (old->e.type == VOLT_CAS_ENTRY_DIRECTORY && type == VOLT_CAS_ENTRY_DIRECTORY && !m->is_hardlink) {
			/* An explicit header after an implied parent: take its metadata. */
			old->e.mode = m->mode;
			old->e.uid = m->uid;
			old->e.gid = m->gid;
			old->e.mtime_sec = m->mtime_sec;
			old->e.mtime_nsec = m->mtime_nsec;
			return cas_tar_skip_data(m);
		}
		return volt_error_set(EINVAL, "entry '%s' appears twice in the archive", m->path);
	}
	r = cas_node_new(&node, comps[n - 1], type);
	if (r < 0)
		return r;
	r = cas_node_add_child(dir, node);
	if (r < 0) {
		cas_node_free(node);
		return r;
	}
	node->e.mode = m->mode;
	node->e.uid = m->uid;
	node->e.gid = m->gid;
	node->e.mtime_sec = m->mtime_sec;
	node->e.mtime_nsec = m->mtime_nsec;
	node->e.xattrs = TAKE_PTR(m->xattrs);
	node->e.n_xattrs = m->n_xattrs;
	m->n_xattrs = 0;
	cas_count(&ti->c, files, 1);

	if (m->is_hardlink) {
		struct cas_node *target;

		r = cas_tar_split_path(m->linkpath, &lcomps, &ln);
		if (r < 0)
			return volt_error_prefix(r, "hard link '%s'", m->path);
		target = ln ? lookup(ti->root, lcomps, ln) : NULL;
		if (!target || target->e.type != VOLT_CAS_ENTRY_REGULAR)
			return volt_error_set(EINVAL, "hard link '%s' points to '%s', which is not an earlier regular file",
					      m->path, m->linkpath);
		if (target->link_leader)
			target = target->link_leader;
		if (!target->e.link_group)
			target->e.link_group = ++ti->next_group;
		node->link_leader = target;
		return cas_tar_skip_data(m);
	}
	switch (type) {
	case VOLT_CAS_ENTRY_REGULAR: {
		struct limited l = { &ti->in, m->size };

		node->e.size = m->size;
		r = cas_store_stream(ti->cas, &ti->ch, limited_read, &l, m->size, &ti->c, &node->e);
		if (r < 0)
			return volt_error_prefix(r, "entry '%s'", m->path);
		return tin_read(&ti->in, NULL, (size_t)((512 - m->size % 512) % 512));
	}
	case VOLT_CAS_ENTRY_SYMLINK:
		node->e.target = TAKE_PTR(m->linkpath);
		break;
	case VOLT_CAS_ENTRY_CHAR_DEVICE:
	case VOLT_CAS_ENTRY_BLOCK_DEVICE:
		node->e.rdev = makedev(m->devmajor, m->devminor);
		break;
	default:
		break;
	}
	return cas_tar_skip_data(m);
}

int cas_tar_read_raw(void *ctx, void *dst, size_t n)
{
	return tin_read(ctx, dst, n);
}

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return volt_error_set_errno(errno, "read tar stream");
	return n;
}

int cas_import_tar_stream(volt_cas *cas, cas_read_fn rd, void *rd_ctx, const volt_cas_import_options *opts,
			  volt_cas_hash *out_root, volt_cas_progress *out_stats)
{
	_cleanup_free_ struct tar_import *ti = NULL;
	volt_cas_import_options o;
	struct cas_tar_state st = {};
	volt_cas_hash h;
	int r;

	ti = calloc(1, sizeof(*ti));
	if (!ti)
		return volt_error_set(ENOMEM, NULL);
	ti->cas = cas;
	ti->in.rd = rd;
	ti->in.rd_ctx = rd_ctx;
	r = cas_import_options(&o, opts, &ti->ch);
	if (r < 0)
		return r;
	cas_progress_init(&ti->ps, o.progress, o.userdata);
	r = cas_node_new(&ti->root, "", VOLT_CAS_ENTRY_DIRECTORY);
	if (r < 0)
		return r;
	for (;;) {
		struct tar_member m = {};

		r = cas_tar_next(&st, cas_tar_read_raw, &ti->in, &m);
		if (r <= 0) {
			cas_tar_member_clear(&m);
			break;
		}
		r = add_member(ti, &m);
		cas_tar_member_clear(&m);
		if (r < 0)
			break;
		cas_progress_update(&ti->ps, &ti->c, false);
	}
	cas_tar_state_clear(&st);
	if (r >= 0)
		r = cas_node_store(cas, ti->root, &ti->c, &h);
	cas_node_free(ti->root);
	if (r < 0)
		return volt_error_prefix(r, "import tar");
	r = cas_import_finish(cas, &o, &h, &ti->ps, &ti->c, out_stats);
	if (r < 0)
		return r;
	*out_root = h;
	return 0;
}

VOLT_API int volt_cas_import_tar(volt_cas_hash *out_root, volt_cas_progress *out_stats, volt_cas *cas,
				 int fd, const volt_cas_import_options *opts)
{
	_cleanup_close_ int lock = -1;
	int r;

	assert_return(cas, EINVAL);
	assert_return(fd >= 0, EINVAL);
	assert_return(out_root, EINVAL);
	assert_return(!out_stats || VERSION_SUPPORTED(out_stats->version, VOLT_CAS_PROGRESS_VERSION), EINVAL);
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	return cas_import_tar_stream(cas, fd_read, &fd, opts, out_root, out_stats);
}
