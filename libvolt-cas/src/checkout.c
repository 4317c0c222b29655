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
 * The whole tree is built in a fresh directory next to @dest that only
 * the caller can enter (0700), so no other user can swap an entry for a
 * symlink between its creation and its chmod (0.2 followed such a link
 * and made a root file set-user-ID); the metadata calls do not follow
 * links either. Only a complete tree is renamed to @dest; a failed one
 * is removed. The expansion of a tree (a subtree referenced N times is
 * written N times) is bounded by entry and byte limits.
 *
 * File contents are written by the worker pool; the calling thread
 * creates every file, directory and link in tree order, so a
 * directory's mtime is set after all its entries exist.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hashset.h"
#include "import.h"
#include "lookup.h"

struct link_slot {
	uint32_t group;
	char *relpath;
};

/* Files go to the workers in batches (see import-dir.c); the queue's
 * bound also bounds the descriptors held open. */
#define BATCH_FILES 16
#define BATCH_BYTES (1024u * 1024)
#define QUEUE_BATCHES 16

struct file_job {
	int fd;
	bool mode_final;     /* created with its final mode */
	struct cas_entry e;  /* owned: name (the whole path), blocks, xattrs */
};

struct file_batch {
	struct checkout *co;
	size_t n;
	uint64_t bytes;
	struct file_job jobs[BATCH_FILES];
};

struct checkout {
	volt_cas *cas;
	struct cas_pool *pool;
	struct file_batch *batch;  /* being filled by the calling thread */
	/* What a new file gets without fchown()/fchmod(): known once the
	 * checkout's own root directory is made (not for in-place checkouts). */
	bool creator_known;
	uid_t creator_uid;
	gid_t creator_gid;
	mode_t umask_bits;         /* the umask's bits among 0755 */
	struct cas_counters c;
	struct cas_progress_state ps;
	int root_fd;
	bool chown;
	unsigned int flags;
	uint64_t max_entries, max_bytes;
	uint64_t entries, bytes_planned;  /* counted by the calling thread */
	uint64_t skipped_devices, stripped_setid, skipped_xattrs;
	unsigned int depth;
	struct link_slot *links;
	size_t n_links, cap_links;
};

/* Deeper than this is refused: each level holds a descriptor. */
#define CHECKOUT_MAX_DEPTH 512

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* the same number on every architecture (Linux 6.6) */
#endif

static bool xattr_privileged(const char *name)
{
	return strncmp(name, "trusted.", 8) == 0 || strncmp(name, "security.", 9) == 0;
}

static bool skip_xattr(struct checkout *co, const struct cas_xattr *x)
{
	if (!(co->flags & VOLT_CAS_CHECKOUT_NO_PRIVILEGED_XATTRS) || !xattr_privileged(x->name))
		return false;
	cas_count(co, skipped_xattrs, 1);
	return true;
}

/* The mode to give @e: SAFE checkouts drop set-ID bits of non-directories. */
static mode_t entry_mode(struct checkout *co, const struct cas_entry *e)
{
	mode_t m = e->mode & 07777;

	if ((co->flags & VOLT_CAS_CHECKOUT_NO_SETID) && e->type != VOLT_CAS_ENTRY_DIRECTORY &&
	    (m & (S_ISUID | S_ISGID))) {
		cas_count(co, stripped_setid, 1);
		m &= ~(mode_t)(S_ISUID | S_ISGID);
	}
	return m;
}

/*
 * chmod of @name in @dfd that never follows a symlink: fchmodat2() with
 * AT_SYMLINK_NOFOLLOW, or where the kernel lacks it, an O_PATH descriptor
 * of the node itself (checked not to be a link) changed through /proc.
 */
static int chmod_nofollow(int dfd, const char *name, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	struct stat st;

	if (syscall(SYS_fchmodat2, dfd, name, mode, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return chmod(path, mode) < 0 ? -errno : 0;
}

/*
 * The mode to create a regular file with. Normally 0600, changed by
 * fchmod() once written; when the file will belong to its creator and
 * its mode is one the umask is known to leave alone (no set-ID or
 * sticky bit, no group or other write), the final mode right away, so
 * set_meta_fd() can skip the fchmod(). The file is unreachable for
 * anyone else until the checkout's root is renamed into place.
 */
static mode_t create_mode(struct checkout *co, const struct cas_entry *e, bool *out_final)
{
	mode_t m = e->mode & 07777;

	*out_final = co->creator_known && !(m & ~(mode_t)0755) && !(m & co->umask_bits) &&
		     (!co->chown || (e->uid == co->creator_uid && e->gid == co->creator_gid));
	return *out_final ? m : 0600;
}

static int set_meta_fd(struct checkout *co, int fd, const struct cas_entry *e, const char *what, bool mode_final)
{
	struct timespec ts[2];

	/* A new entry already has the creator's ids: chown only to change them
	 * (what chown would clear, set-ID bits and capabilities, is set below). */
	if (co->chown && !(co->creator_known && e->uid == co->creator_uid && e->gid == co->creator_gid) &&
	    fchown(fd, e->uid, e->gid) < 0)
		return volt_error_set_errno(errno, "chown %s", what);
	if (!mode_final && fchmod(fd, entry_mode(co, e)) < 0)
		return volt_error_set_errno(errno, "chmod %s", what);
	/* After chown, which would clear security.capability. */
	for (size_t i = 0; i < e->n_xattrs; i++)
		if (!skip_xattr(co, &e->xattrs[i]) &&
		    fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].size, 0) < 0)
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
	int r;

	if (co->chown && fchownat(dfd, e->name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "chown %s", e->name);
	if (!is_link && (r = chmod_nofollow(dfd, e->name, entry_mode(co, e))) < 0)
		return volt_error_set_errno(-r, "chmod %s", e->name);
	/* The directory is ours (/proc/self/fd/N), the last component is not followed. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, e->name);
	for (size_t i = 0; i < e->n_xattrs; i++)
		if (!skip_xattr(co, &e->xattrs[i]) &&
		    lsetxattr(path, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].size, 0) < 0)
			return volt_error_set_errno(errno, "set xattr %s on %s", e->xattrs[i].name, e->name);
	ts[0].tv_sec = ts[1].tv_sec = e->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
	if (utimensat(dfd, e->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "set times of %s", e->name);
	return 0;
}

static void file_batch_free(void *arg)
{
	struct file_batch *b = arg;

	for (size_t i = 0; i < b->n; i++) {
		if (b->jobs[i].fd >= 0)
			close(b->jobs[i].fd);
		cas_entry_clear(&b->jobs[i].e);
	}
	free(b);
}

static int file_job_run(struct checkout *co, struct file_job *j)
{
	int r;

	for (size_t i = 0; i < j->e.n_blocks; i++) {
		_cleanup_free_ void *data = NULL;
		size_t len;

		r = cas_block_get(co->cas, &j->e.blocks[i].hash, &data, &len);
		if (r < 0)
			return volt_error_prefix(r, "%s", j->e.name);
		if (len != j->e.blocks[i].len)
			return volt_error_set(EBADMSG, "%s: block %zu has the wrong length", j->e.name, i);
		r = volt_write_all(j->fd, data, len);
		if (r < 0)
			return volt_error_set_errno(-r, "write %s", j->e.name);
		cas_count(&co->c, bytes, len);
		cas_count(&co->c, blocks, 1);
	}
	return set_meta_fd(co, j->fd, &j->e, j->e.name, j->mode_final);
}

static int file_batch_run(void *arg)
{
	struct file_batch *b = arg;
	int r;

	for (size_t i = 0; i < b->n; i++) {
		r = file_job_run(b->co, &b->jobs[i]);
		if (r < 0)
			return r;
		close(TAKE_FD(b->jobs[i].fd));
		cas_entry_clear(&b->jobs[i].e);
	}
	return 0;
}

static int batch_flush(struct checkout *co)
{
	struct file_batch *b = TAKE_PTR(co->batch);

	if (!b)
		return 0;
	return cas_pool_submit(co->pool, file_batch_run, b, file_batch_free);
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
	/* Limits first: a DAG bomb is refused before it fills the disk. */
	if (++co->entries > co->max_entries)
		return volt_error_set(E2BIG, "too many entries: the tree expands to more than %llu (the checkout's limit), at %s",
				      (unsigned long long)co->max_entries, path);
	if (e->type == VOLT_CAS_ENTRY_REGULAR && !(e->link_group && link_find(co, e->link_group))) {
		co->bytes_planned = co->bytes_planned + e->size < co->bytes_planned ? UINT64_MAX
										   : co->bytes_planned + e->size;
		if (co->bytes_planned > co->max_bytes)
			return volt_error_set(EFBIG, "too much data: the tree's files add up to more than %llu bytes (the checkout's limit), at %s",
					      (unsigned long long)co->max_bytes, path);
	}
	cas_count(&co->c, files, 1);
	switch (e->type) {
	case VOLT_CAS_ENTRY_REGULAR: {
		struct file_job *j;
		const char *leader;
		bool mode_final;
		int fd;

		if (e->link_group && (leader = link_find(co, e->link_group))) {
			if (linkat(co->root_fd, leader, dfd, e->name, 0) < 0)
				return volt_error_set_errno(errno, "link %s to %s", path, leader);
			return 0;
		}
		fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    create_mode(co, e, &mode_final));
		if (fd < 0)
			return volt_error_set_errno(errno, "create %s", path);
		if (e->link_group) {
			r = link_add(co, e->link_group, path);
			if (r < 0) {
				close(fd);
				return r;
			}
		}
		if (!co->batch) {
			co->batch = calloc(1, sizeof(*co->batch));
			if (!co->batch) {
				close(fd);
				return volt_error_set(ENOMEM, NULL);
			}
			co->batch->co = co;
		}
		j = &co->batch->jobs[co->batch->n++];
		j->fd = fd;
		j->mode_final = mode_final;
		j->e = *e;
		memset(e, 0, sizeof(*e)); /* the job owns it now */
		free(j->e.name);          /* messages name the whole path */
		j->e.name = TAKE_PTR(path);
		co->batch->bytes += j->e.size;
		if (co->batch->n == BATCH_FILES || co->batch->bytes >= BATCH_BYTES)
			return batch_flush(co);
		return 0;
	}
	case VOLT_CAS_ENTRY_DIRECTORY: {
		_cleanup_close_ int sub = -1;

		if (co->depth >= CHECKOUT_MAX_DEPTH)
			return volt_error_set(ELOOP, "%s: directories nested deeper than %d", path, CHECKOUT_MAX_DEPTH);
		if (mkdirat(dfd, e->name, 0700) < 0)
			return volt_error_set_errno(errno, "create directory %s", path);
		sub = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return volt_error_set_errno(errno, "open %s", path);
		co->depth++;
		r = checkout_tree(co, &e->hash, sub, path);
		co->depth--;
		if (r < 0)
			return r;
		return set_meta_fd(co, sub, e, path, false);
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
	if ((fmt == S_IFCHR || fmt == S_IFBLK) && (co->flags & VOLT_CAS_CHECKOUT_NO_DEVICES)) {
		volt_log(VOLT_LOG_DEBUG, "checkout: skipping device node %s (%c %u:%u)", path,
			 fmt == S_IFCHR ? 'c' : 'b', major((dev_t)e->rdev), minor((dev_t)e->rdev));
		co->skipped_devices++;
		return 0;
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

/*
 * The expansion of a tree (entries and file bytes, a subtree counted every
 * time it is referenced), computed before anything is written: each
 * distinct tree is read once (memo), and the walk stops at the first
 * limit, so a DAG bomb costs as much as its few objects.
 */
struct expansion {
	volt_cas *cas;
	uint64_t max_entries, max_bytes;
	struct cas_hashset memo;   /* tree -> index into sums */
	uint64_t (*sums)[2];
	size_t n, cap;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static int expand(struct expansion *x, const volt_cas_hash *h, const char *rel, unsigned depth,
		  uint64_t *entries, uint64_t *bytes)
{
	uint64_t n = 0, b = 0;
	struct cas_tree t;
	uint32_t idx;
	int r;

	if (cas_hashset_get(&x->memo, h, &idx)) {
		*entries = x->sums[idx][0];
		*bytes = x->sums[idx][1];
		return 0;
	}
	if (depth > CHECKOUT_MAX_DEPTH)
		return volt_error_set(ELOOP, "%s: directories nested deeper than %d", rel, CHECKOUT_MAX_DEPTH);
	r = cas_tree_load(x->cas, h, &t);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n && r >= 0; i++) {
		const struct cas_entry *e = &t.entries[i];
		uint64_t cn = 0, cb = 0;

		n = sat_add(n, 1);
		if (e->type == VOLT_CAS_ENTRY_REGULAR)
			b = sat_add(b, e->size);
		else if (e->type == VOLT_CAS_ENTRY_DIRECTORY) {
			_cleanup_free_ char *sub = NULL;

			if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", e->name) < 0)
				r = volt_error_set(ENOMEM, NULL);
			else
				r = expand(x, &e->hash, sub, depth + 1, &cn, &cb);
			n = sat_add(n, cn);
			b = sat_add(b, cb);
		}
		if (r >= 0 && n > x->max_entries)
			r = volt_error_set(E2BIG, "too many entries: the tree expands to more than %llu (the checkout's limit; a subtree used N times counts N times)",
					   (unsigned long long)x->max_entries);
		else if (r >= 0 && b > x->max_bytes)
			r = volt_error_set(EFBIG, "too much data: the tree's files add up to more than %llu bytes (the checkout's limit; a subtree used N times counts N times)",
					   (unsigned long long)x->max_bytes);
	}
	cas_tree_clear(&t);
	if (r < 0)
		return r;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		uint64_t (*ns)[2] = realloc(x->sums, cap * sizeof(*ns));

		if (!ns)
			return volt_error_set(ENOMEM, NULL);
		x->sums = ns;
		x->cap = cap;
	}
	if (x->n < UINT32_MAX) {
		r = cas_hashset_add(&x->memo, h, (uint32_t)x->n);
		if (r < 0)
			return r;
		x->sums[x->n][0] = n;
		x->sums[x->n][1] = b;
		x->n++;
	}
	*entries = n;
	*bytes = b;
	return 0;
}

static int check_expansion(struct checkout *co, const volt_cas_hash *tree)
{
	struct expansion x = { .cas = co->cas, .max_entries = co->max_entries, .max_bytes = co->max_bytes };
	uint64_t n, b;
	int r = expand(&x, tree, "", 0, &n, &b);

	cas_hashset_clear(&x.memo);
	free(x.sums);
	return r;
}

/* Remove everything below @dfd (never following a link), depth-first. */
static void remove_below(int dfd, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = dup(dfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d); /* the descriptor's offset is shared: it may be at the end */
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0 || errno != EISDIR)
			continue;
		if (depth < CHECKOUT_MAX_DEPTH + 1) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				/* Directories are 0700 until their metadata is set: make sure we may empty it. */
				(void)fchmod(sub, 0700);
				remove_below(sub, depth + 1);
				close(sub);
			}
		}
		(void)unlinkat(dfd, de->d_name, AT_REMOVEDIR);
	}
}

static int checkout_image(struct checkout *co, const volt_cas_hash *h, const char *dest)
{
	struct cas_image img;
	_cleanup_close_ int fd = -1;
	struct stat st;
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
	if (img.size > co->max_bytes)
		r = volt_error_set(EFBIG, "too much data: the image has %llu bytes, more than the checkout's limit of %llu",
				   (unsigned long long)img.size, (unsigned long long)co->max_bytes);
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
	/* A partial image must not look like a good one: remove the file we made (and only it). */
	if (r < 0 && fstat(fd, &st) == 0) {
		struct stat now;

		if (lstat(dest, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino)
			(void)unlink(dest);
	}
	return r;
}

/*
 * Split @dest into its parent directory (opened) and last component.
 * An existing @dest must be an empty directory that belongs to the caller
 * and that nobody else may write: another user's directory could have its
 * entries swapped while the checkout works (0.2's chmod race).
 */
static int open_parent(const char *dest, int *out_parent, char **out_base, int *out_dest, mode_t *out_mode,
		       bool *out_in_place)
{
	_cleanup_free_ char *copy = strdup(dest);
	_cleanup_close_ int pfd = -1, fd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	const char *parent, *base;
	struct dirent *de;
	struct stat st;
	char *slash;
	size_t n;

	if (!copy)
		return volt_error_set(ENOMEM, NULL);
	for (n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
		copy[n - 1] = '\0';
	slash = strrchr(copy, '/');
	if (!slash) {
		parent = ".";
		base = copy;
	} else {
		*slash = '\0';
		parent = slash == copy ? "/" : copy;
		base = slash + 1;
	}
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return volt_error_set(EINVAL, "%s: name the destination directory itself (not '.', '..' or '/')", dest);
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return volt_error_set_errno(errno, "open %s (the parent of %s)", parent, dest);
	*out_dest = -1;
	*out_mode = 0;
	*out_in_place = false;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return volt_error_set_errno(errno, "stat %s", dest);
	} else {
		if (!S_ISDIR(st.st_mode))
			return volt_error_set(S_ISLNK(st.st_mode) ? ELOOP : EEXIST, "%s exists and is not a directory", dest);
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return volt_error_set_errno(errno, "open %s", dest);
		if (st.st_uid != geteuid())
			return volt_error_set(EPERM, "%s belongs to uid %u, not to the caller (uid %u): refusing to check out into it",
					      dest, (unsigned)st.st_uid, (unsigned)geteuid());
		if (st.st_mode & (S_IWGRP | S_IWOTH))
			return volt_error_set(EPERM, "%s is writable by its group or others (mode %04o): refusing to check out into it",
					      dest, (unsigned)(st.st_mode & 07777));
		d = fdopendir(dup(fd));
		if (!d)
			return volt_error_set_errno(errno, "open %s", dest);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				return volt_error_set(EEXIST, "%s is not empty", dest);
		*out_mode = st.st_mode & 07777;
		/* A mount point cannot be renamed over, and a parent we may not write
		 * cannot take our private directory: then fill @dest itself, which
		 * nobody but us can write either (checked above). */
		{
			struct stat pst;

			if (fstat(pfd, &pst) < 0)
				return volt_error_set_errno(errno, "stat the parent of %s", dest);
			struct statx stx;

			*out_in_place = pst.st_dev != st.st_dev || faccessat(pfd, ".", W_OK, AT_EACCESS) < 0 ||
					(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
					 (stx.stx_attributes_mask & stx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
		}
		*out_dest = TAKE_FD(fd);
	}
	*out_base = strdup(base);
	if (!*out_base)
		return volt_error_set(ENOMEM, NULL);
	*out_parent = TAKE_FD(pfd);
	return 0;
}

/* A new directory in @pfd that only we can enter; its name into @name. */
static int make_private_dir(int pfd, const char *dest, char name[64], mode_t *out_mode, int *out_fd)
{
	struct stat st;
	int fd;

	for (unsigned tries = 0;; tries++) {
		uint64_t rnd = cas_now_ns() ^ ((uint64_t)getpid() << 32) ^ ((uint64_t)tries * 0x9e3779b97f4a7c15ull);

		/* The pid lets a later run tell a dead checkout's leftovers (a kill) from a live one. */
		snprintf(name, 64, ".tmp-checkout-%d-%08llx", (int)getpid(), (unsigned long long)(rnd & 0xffffffffu));
		/* 0755 minus the umask is what a new @dest gets in the end. */
		if (mkdirat(pfd, name, 0755) == 0)
			break;
		if (errno != EEXIST || tries > 16)
			return volt_error_set_errno(errno, "create a directory next to %s", dest);
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid() || fchmod(fd, 0700) < 0) {
		/* Someone else's directory under our name: touch nothing. */
		int e = fd < 0 ? errno : EPERM;

		if (fd >= 0)
			close(fd);
		return volt_error_set_errno(e, "open the new directory %s next to %s", name, dest);
	}
	*out_mode = st.st_mode & 07777;
	*out_fd = fd;
	return 0;
}

VOLT_API int volt_cas_checkout(volt_cas *cas, const char *spec, const char *dest,
			       const volt_cas_checkout_options *opts)
{
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	struct checkout co = { .cas = cas, .root_fd = -1 };
	_cleanup_close_ int pfd = -1;
	_cleanup_free_ char *base = NULL;
	char tmp[64];
	struct cas_target t;
	volt_cas_hash tree;
	bool in_place = false, exists;
	int dest_fd = -1;
	mode_t mode = 0, old_mode = 0;
	int r;

	assert_return(cas, EINVAL);
	assert_return(spec, EINVAL);
	assert_return(dest, EINVAL);
	if (opts) {
		if (opts->version == 1)
			memcpy(&o, opts, offsetof(volt_cas_checkout_options, max_entries));
		else if (opts->version == VOLT_CAS_CHECKOUT_OPTIONS_VERSION)
			o = *opts;
		else
			return volt_error_set(EINVAL, "volt_cas_checkout_options version %u is not supported",
					      opts->version);
		o.version = VOLT_CAS_CHECKOUT_OPTIONS_VERSION;
	}
	if (o.flags & ~(VOLT_CAS_CHECKOUT_NO_OWNER | VOLT_CAS_CHECKOUT_SAFE))
		return volt_error_set(EINVAL, "unknown checkout flags 0x%x", o.flags);
	co.chown = geteuid() == 0 && !(o.flags & VOLT_CAS_CHECKOUT_NO_OWNER);
	co.flags = o.flags;
	co.max_entries = o.max_entries ? o.max_entries : VOLT_CAS_CHECKOUT_DEFAULT_MAX_ENTRIES;
	co.max_bytes = o.max_bytes ? o.max_bytes : VOLT_CAS_CHECKOUT_DEFAULT_MAX_BYTES;
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

	r = check_expansion(&co, &tree);
	if (r < 0)
		return volt_error_prefix(r, "checkout %s", spec);
	r = open_parent(dest, &pfd, &base, &dest_fd, &old_mode, &in_place);
	if (r < 0) {
		if (dest_fd >= 0)
			close(dest_fd);
		return r;
	}
	exists = dest_fd >= 0;
	if (in_place) {
		co.root_fd = dest_fd;
	} else {
		if (exists)
			close(dest_fd);
		r = make_private_dir(pfd, dest, tmp, &mode, &co.root_fd);
		if (r < 0)
			return r;
	}
	if (!in_place) {
		/* Entries below get our ids (the root is not set-group-ID: it is
		 * 0700, and directories get their modes after their entries), and
		 * the root's mode shows the umask's bits among 0755. */
		co.creator_known = true;
		co.creator_uid = geteuid();
		co.creator_gid = getegid();
		co.umask_bits = ~mode & 0755;
		/* A default ACL inherited from the parent, not the umask, would
		 * decide new modes: then always chmod. */
		if (fgetxattr(co.root_fd, "system.posix_acl_default", NULL, 0) >= 0 ||
		    (errno != ENODATA && errno != ENOTSUP))
			co.creator_known = false;
	}
	r = cas_pool_new(&co.pool, cas->workers, QUEUE_BATCHES);
	if (r >= 0) {
		r = checkout_tree(&co, &tree, co.root_fd, "");
		if (r >= 0)
			r = batch_flush(&co);
		if (co.batch)
			file_batch_free(TAKE_PTR(co.batch));
		if (r >= 0)
			r = cas_pool_wait_progress(co.pool, &co.ps, &co.c);
		else
			cas_pool_drain(co.pool);
		cas_pool_free(co.pool);
	}
	/* An existing @dest keeps its mode; the new directory replaces it. */
	if (r >= 0 && !in_place && fchmod(co.root_fd, exists ? old_mode : mode) < 0)
		r = volt_error_set_errno(errno, "chmod %s", dest);
	if (r >= 0 && !in_place && renameat(pfd, tmp, pfd, base) < 0)
		r = volt_error_set_errno(errno, errno == ENOTEMPTY || errno == EEXIST ? "%s was filled meanwhile"
					 : errno == EBUSY ? "rename to %s (a mount point?)" : "rename to %s", dest);
	if (r < 0) {
		/* Nothing half-written stays: empty our directory through its descriptor, then remove it. */
		remove_below(co.root_fd, 0);
		if (!in_place)
			(void)unlinkat(pfd, tmp, AT_REMOVEDIR);
	}
	close(co.root_fd);
	for (size_t i = 0; i < co.n_links; i++)
		free(co.links[i].relpath);
	free(co.links);
	if (r < 0)
		return volt_error_prefix(r, "checkout %s to %s", spec, dest);
	if (co.skipped_devices || co.stripped_setid || co.skipped_xattrs)
		volt_log(VOLT_LOG_INFO, "checkout %s: safe mode left out %llu device node(s), %llu set-ID bit(s), %llu privileged xattr(s)",
			 spec, (unsigned long long)co.skipped_devices, (unsigned long long)co.stripped_setid,
			 (unsigned long long)co.skipped_xattrs);
	cas_progress_update(&co.ps, &co.c, true);
	return 0;
}
