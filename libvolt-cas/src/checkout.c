/*
 * Checkout: write a tree (or an image) out of the store.
 *
 * Safety: every name was validated when its tree object was parsed
 * (one plain component each), every file is created relative to a
 * directory descriptor this checkout created itself, with O_EXCL and
 * O_NOFOLLOW, so nothing is ever written through a symlink and nothing
 * lands outside @dest. Symlink targets are stored data: they are
 * written as links and never followed.
 *
 * File contents are written by the worker pool; the calling thread
 * creates every file, directory and link in tree order, so a
 * directory's mtime is set after all its entries exist.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "import.h"
#include "lookup.h"

struct link_slot {
	uint32_t group;
	char *relpath;
};

struct checkout {
	volt_cas *cas;
	struct cas_pool *pool;
	struct cas_counters c;
	struct cas_progress_state ps;
	int root_fd;
	bool chown;
	struct link_slot *links;
	size_t n_links, cap_links;
};

static int set_meta_fd(struct checkout *co, int fd, const struct cas_entry *e, const char *what)
{
	struct timespec ts[2];

	if (co->chown && fchown(fd, e->uid, e->gid) < 0)
		return volt_error_set_errno(errno, "chown %s", what);
	if (fchmod(fd, e->mode) < 0)
		return volt_error_set_errno(errno, "chmod %s", what);
	/* After chown, which would clear security.capability. */
	for (size_t i = 0; i < e->n_xattrs; i++)
		if (fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].size, 0) < 0)
			return volt_error_set_errno(errno, "set xattr %s on %s", e->xattrs[i].name, what);
	ts[0].tv_sec = ts[1].tv_sec = e->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
	if (futimens(fd, ts) < 0)
		return volt_error_set_errno(errno, "set times of %s", what);
	return 0;
}

/* For entries we cannot open (symlinks, devices, sockets). */
static int set_meta_at(struct checkout *co, int dfd, const struct cas_entry *e, bool is_link)
{
	struct timespec ts[2];
	char path[64 + VOLT_NAME_MAX];

	if (co->chown && fchownat(dfd, e->name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "chown %s", e->name);
	if (!is_link && fchmodat(dfd, e->name, e->mode, 0) < 0)
		return volt_error_set_errno(errno, "chmod %s", e->name);
	/* The directory is ours (/proc/self/fd/N), the last component is not followed. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, e->name);
	for (size_t i = 0; i < e->n_xattrs; i++)
		if (lsetxattr(path, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].size, 0) < 0)
			return volt_error_set_errno(errno, "set xattr %s on %s", e->xattrs[i].name, e->name);
	ts[0].tv_sec = ts[1].tv_sec = e->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
	if (utimensat(dfd, e->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "set times of %s", e->name);
	return 0;
}

struct file_job {
	struct checkout *co;
	int fd;
	struct cas_entry e;  /* owned: name, blocks, xattrs */
};

static void file_job_free(void *arg)
{
	struct file_job *j = arg;

	if (j->fd >= 0)
		close(j->fd);
	cas_entry_clear(&j->e);
	free(j);
}

static int file_job_run(void *arg)
{
	struct file_job *j = arg;
	int r;

	for (size_t i = 0; i < j->e.n_blocks; i++) {
		_cleanup_free_ void *data = NULL;
		size_t len;

		r = cas_block_get(j->co->cas, &j->e.blocks[i].hash, &data, &len);
		if (r < 0)
			return volt_error_prefix(r, "%s", j->e.name);
		if (len != j->e.blocks[i].len)
			return volt_error_set(EBADMSG, "%s: block %zu has the wrong length", j->e.name, i);
		r = volt_write_all(j->fd, data, len);
		if (r < 0)
			return volt_error_set_errno(-r, "write %s", j->e.name);
		cas_count(&j->co->c, bytes, len);
		cas_count(&j->co->c, blocks, 1);
	}
	return set_meta_fd(j->co, j->fd, &j->e, j->e.name);
}

static const char *link_find(struct checkout *co, uint32_t group)
{
	for (size_t i = 0; i < co->n_links; i++)
		if (co->links[i].group == group)
			return co->links[i].relpath;
	return NULL;
}

static int link_add(struct checkout *co, uint32_t group, const char *rel)
{
	if (co->n_links == co->cap_links) {
		size_t cap = co->cap_links ? 2 * co->cap_links : 16;
		struct link_slot *l = realloc(co->links, cap * sizeof(*l));

		if (!l)
			return volt_error_set(ENOMEM, NULL);
		co->links = l;
		co->cap_links = cap;
	}
	co->links[co->n_links].group = group;
	co->links[co->n_links].relpath = strdup(rel);
	if (!co->links[co->n_links].relpath)
		return volt_error_set(ENOMEM, NULL);
	co->n_links++;
	return 0;
}

static int checkout_tree(struct checkout *co, const volt_cas_hash *h, int dfd, const char *rel);

static int checkout_entry(struct checkout *co, struct cas_entry *e, int dfd, const char *rel)
{
	_cleanup_free_ char *path = NULL;
	mode_t fmt;
	int r;

	if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", e->name) < 0)
		return volt_error_set(ENOMEM, NULL);
	cas_count(&co->c, files, 1);
	switch (e->type) {
	case VOLT_CAS_ENTRY_REGULAR: {
		struct file_job *j;
		const char *leader;
		int fd;

		if (e->link_group && (leader = link_find(co, e->link_group))) {
			if (linkat(co->root_fd, leader, dfd, e->name, 0) < 0)
				return volt_error_set_errno(errno, "link %s to %s", path, leader);
			return 0;
		}
		fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return volt_error_set_errno(errno, "create %s", path);
		if (e->link_group) {
			r = link_add(co, e->link_group, path);
			if (r < 0) {
				close(fd);
				return r;
			}
		}
		j = calloc(1, sizeof(*j));
		if (!j) {
			close(fd);
			return volt_error_set(ENOMEM, NULL);
		}
		j->co = co;
		j->fd = fd;
		j->e = *e;
		memset(e, 0, sizeof(*e)); /* the job owns it now */
		free(j->e.name);          /* messages name the whole path */
		j->e.name = TAKE_PTR(path);
		return cas_pool_submit(co->pool, file_job_run, j, file_job_free);
	}
	case VOLT_CAS_ENTRY_DIRECTORY: {
		_cleanup_close_ int sub = -1;

		if (mkdirat(dfd, e->name, 0700) < 0)
			return volt_error_set_errno(errno, "create directory %s", path);
		sub = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return volt_error_set_errno(errno, "open %s", path);
		r = checkout_tree(co, &e->hash, sub, path);
		if (r < 0)
			return r;
		return set_meta_fd(co, sub, e, path);
	}
	case VOLT_CAS_ENTRY_SYMLINK:
		if (symlinkat(e->target, dfd, e->name) < 0)
			return volt_error_set_errno(errno, "create symlink %s", path);
		return set_meta_at(co, dfd, e, true);
	case VOLT_CAS_ENTRY_CHAR_DEVICE: fmt = S_IFCHR; break;
	case VOLT_CAS_ENTRY_BLOCK_DEVICE: fmt = S_IFBLK; break;
	case VOLT_CAS_ENTRY_FIFO: fmt = S_IFIFO; break;
	case VOLT_CAS_ENTRY_SOCKET: fmt = S_IFSOCK; break;
	default:
		return volt_error_set(EBADMSG, "%s: unknown entry type", path);
	}
	if (mknodat(dfd, e->name, fmt | 0600, (dev_t)e->rdev) < 0)
		return volt_error_set_errno(errno, "create %s", path);
	return set_meta_at(co, dfd, e, false);
}

static int checkout_tree(struct checkout *co, const volt_cas_hash *h, int dfd, const char *rel)
{
	struct cas_tree t;
	int r = 0;

	r = cas_tree_load(co->cas, h, &t);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n && r >= 0; i++) {
		r = checkout_entry(co, &t.entries[i], dfd, rel);
		if (r >= 0 && cas_pool_failed(co->pool))
			r = cas_pool_wait(co->pool);
		cas_progress_update(&co->ps, &co->c, false);
	}
	cas_tree_clear(&t);
	return r;
}

static int checkout_image(struct checkout *co, const volt_cas_hash *h, const char *dest)
{
	struct cas_image img;
	_cleanup_close_ int fd = -1;
	int r;

	r = cas_image_load(co->cas, h, &img);
	if (r < 0)
		return r;
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		cas_image_clear(&img);
		return volt_error_set_errno(errno, "create %s", dest);
	}
	co->ps.p.bytes_total = img.size;
	for (size_t i = 0; i < img.n_blocks && r >= 0; i++) {
		_cleanup_free_ void *data = NULL;
		uint64_t off = (uint64_t)i * img.block_size;
		size_t len, want = img.size - off < img.block_size ? (size_t)(img.size - off) : img.block_size;

		if (cas_hash_is_zero(&img.blocks[i]))
			continue; /* stays a hole */
		r = cas_block_get(co->cas, &img.blocks[i], &data, &len);
		if (r >= 0 && len != want)
			r = volt_error_set(EBADMSG, "image block %zu has the wrong length", i);
		if (r >= 0 && pwrite(fd, data, len, (off_t)off) != (ssize_t)len)
			r = volt_error_set_errno(errno ? errno : EIO, "write %s", dest);
		co->c.bytes = off + len;
		cas_progress_update(&co->ps, &co->c, false);
	}
	if (r >= 0 && ftruncate(fd, (off_t)img.size) < 0)
		r = volt_error_set_errno(errno, "truncate %s", dest);
	cas_image_clear(&img);
	return r;
}

/* @dest: create it, or accept an existing empty directory. */
static int open_dest(const char *dest, int *out)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (mkdir(dest, 0755) < 0 && errno != EEXIST)
		return volt_error_set_errno(errno, "create %s", dest);
	fd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "open %s", dest);
	d = fdopendir(dup(fd));
	if (!d) {
		close(fd);
		return volt_error_set_errno(errno, "open %s", dest);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			close(fd);
			return volt_error_set(EEXIST, "%s is not empty", dest);
		}
	*out = fd;
	return 0;
}

VOLT_API int volt_cas_checkout(volt_cas *cas, const char *spec, const char *dest,
			       const volt_cas_checkout_options *opts)
{
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	struct checkout co = { .cas = cas, .root_fd = -1 };
	struct cas_target t;
	volt_cas_hash tree;
	int r;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(dest, EINVAL);
	if (opts) {
		if (opts->version != VOLT_CAS_CHECKOUT_OPTIONS_VERSION)
			return volt_error_set(EINVAL, "volt_cas_checkout_options version %u is not supported",
					      opts->version);
		o = *opts;
	}
	co.chown = geteuid() == 0 && !(o.flags & VOLT_CAS_CHECKOUT_NO_OWNER);
	cas_progress_init(&co.ps, o.progress, o.userdata);
	r = cas_target_resolve(cas, spec, &t);
	if (r < 0) {
		cas_target_clear(&t);
		return r;
	}
	if (!t.entry && t.root_kind == CAS_OBJECT_IMAGE) {
		r = checkout_image(&co, &t.root, dest);
		cas_target_clear(&t);
		if (r >= 0)
			cas_progress_update(&co.ps, &co.c, true);
		return r < 0 ? volt_error_prefix(r, "checkout %s", spec) : 0;
	}
	if (t.entry && t.entry->type != VOLT_CAS_ENTRY_DIRECTORY) {
		cas_target_clear(&t);
		return volt_error_set(ENOTDIR, "%s is not a directory or image (use cat for a file)", spec);
	}
	tree = t.entry ? t.entry->hash : t.root;
	cas_target_clear(&t);

	r = open_dest(dest, &co.root_fd);
	if (r < 0)
		return r;
	r = cas_pool_new(&co.pool, cas->workers, 8 * cas->workers);
	if (r >= 0) {
		r = checkout_tree(&co, &tree, co.root_fd, "");
		if (r >= 0)
			r = cas_pool_wait_progress(co.pool, &co.ps, &co.c);
		else
			cas_pool_drain(co.pool);
		cas_pool_free(co.pool);
	}
	close(co.root_fd);
	for (size_t i = 0; i < co.n_links; i++)
		free(co.links[i].relpath);
	free(co.links);
	if (r < 0)
		return volt_error_prefix(r, "checkout %s to %s", spec, dest);
	cas_progress_update(&co.ps, &co.c, true);
	return 0;
}
