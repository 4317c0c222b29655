/*
 * Import a directory tree. The walk (metadata, in sorted name order so
 * that hard-link groups and the result are reproducible) runs in the
 * calling thread; reading, chunking, hashing, compressing and writing
 * each regular file is a job for the worker pool.
 *
 * Everything is opened relative to a directory descriptor of the walk,
 * one component at a time with O_NOFOLLOW, and a file's metadata, xattrs
 * and content come from the descriptor the walk opened: the owner of the
 * tree may swap a directory for a symlink at any time, and 0.2, which
 * reopened files by their path in the workers, read through such links
 * (a root-only file stored world-readable).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "import.h"

struct inode_slot {
	dev_t dev;
	ino_t ino;
	struct cas_node *leader;
};

/*
 * Files go to the workers in batches (up to BATCH_FILES files or
 * BATCH_BYTES of content), so that a tree of small files costs a few
 * wake-ups per batch instead of per file; the queue holds at most
 * QUEUE_BATCHES of them, which bounds the descriptors held open.
 */
#define BATCH_FILES 16
#define BATCH_BYTES (1024u * 1024)
#define QUEUE_BATCHES 16
#define READAHEAD_MAX (8 * 1024 * 1024)

struct file_item {
	struct cas_node *node;
	char *path;  /* for messages only */
	int fd;
};

struct file_batch {
	struct dir_import *imp;
	size_t n;
	uint64_t bytes;
	struct file_item items[BATCH_FILES];
};

struct dir_import {
	volt_cas *cas;
	struct cas_pool *pool;
	struct cas_chunker ch;
	struct cas_counters c;
	struct cas_progress_state ps;
	struct inode_slot *inodes;
	size_t n_inodes, cap_inodes;
	uint32_t next_group;
	struct file_batch *batch;  /* being filled by the walk */
	bool no_noatime;           /* O_NOATIME refused (not the owner, no CAP_FOWNER) */
};

static void file_batch_free(void *arg)
{
	struct file_batch *b = arg;

	for (size_t i = 0; i < b->n; i++) {
		if (b->items[i].fd >= 0)
			close(b->items[i].fd);
		free(b->items[i].path);
	}
	free(b);
}

/*
 * A file the walk opened with O_NONBLOCK (a FIFO swapped in must not
 * block it). Reads of regular files ignore the flag on local file
 * systems; one that honours it gets the flag cleared and the read
 * retried. A short read that reaches the size fstat() gave is the end
 * of the file, without a read that returns 0.
 */
struct fd_src {
	int fd;
	uint64_t size, got;
	bool eof;
};

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	struct fd_src *s = ctx;

	if (s->eof)
		return 0;
	for (;;) {
		ssize_t n = read(s->fd, buf, len);

		if (n >= 0) {
			s->got += (uint64_t)n;
			if ((size_t)n < len && s->got == s->size)
				s->eof = true;
			return n;
		}
		if (errno == EAGAIN && fcntl(s->fd, F_SETFL, 0) == 0)
			continue;
		if (errno != EINTR)
			return -errno;
	}
}

static int file_batch_run(void *arg)
{
	struct file_batch *b = arg;
	int r;

	for (size_t i = 0; i < b->n; i++) {
		struct file_item *it = &b->items[i];
		struct fd_src src = { .fd = it->fd, .size = it->node->e.size };

		r = cas_store_stream(b->imp->cas, &b->imp->ch, fd_read, &src, it->node->e.size, &b->imp->c,
				     &it->node->e);
		if (r < 0)
			return volt_error_prefix(r, "%s", it->path);
		/* Done with it: do not hold descriptors for the rest of the batch. */
		close(TAKE_FD(it->fd));
	}
	return 0;
}

static int batch_flush(struct dir_import *imp)
{
	struct file_batch *b = TAKE_PTR(imp->batch);

	if (!b)
		return 0;
	return cas_pool_submit(imp->pool, file_batch_run, b, file_batch_free);
}

/* Takes @path and @fd. */
static int batch_add(struct dir_import *imp, struct cas_node *node, char *path, int fd)
{
	struct file_batch *b = imp->batch;

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b) {
			free(path);
			close(fd);
			return volt_error_set(ENOMEM, NULL);
		}
		b->imp = imp;
		imp->batch = b;
	}
	b->items[b->n++] = (struct file_item){ node, path, fd };
	b->bytes += node->e.size;
	if (b->n == BATCH_FILES || b->bytes >= BATCH_BYTES)
		return batch_flush(imp);
	return 0;
}

/* Hard links: the first path of an inode leads, later ones share its content. */
static struct inode_slot *inode_lookup(struct dir_import *imp, dev_t dev, ino_t ino, bool *found)
{
	size_t i;

	if (imp->n_inodes * 2 >= imp->cap_inodes) {
		size_t cap = imp->cap_inodes ? 2 * imp->cap_inodes : 256;
		struct inode_slot *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t k = 0; k < imp->cap_inodes; k++) {
			struct inode_slot *s = &imp->inodes[k];

			if (!s->leader)
				continue;
			i = (size_t)(s->ino * 0x9e3779b97f4a7c15ull ^ s->dev) & (cap - 1);
			while (t[i].leader)
				i = (i + 1) & (cap - 1);
			t[i] = *s;
		}
		free(imp->inodes);
		imp->inodes = t;
		imp->cap_inodes = cap;
	}
	i = (size_t)(ino * 0x9e3779b97f4a7c15ull ^ dev) & (imp->cap_inodes - 1);
	while (imp->inodes[i].leader) {
		if (imp->inodes[i].dev == dev && imp->inodes[i].ino == ino) {
			*found = true;
			return &imp->inodes[i];
		}
		i = (i + 1) & (imp->cap_inodes - 1);
	}
	*found = false;
	imp->inodes[i].dev = dev;
	imp->inodes[i].ino = ino;
	return &imp->inodes[i];
}

/*
 * Xattrs of an entry: through @fd when the walk opened it, else (links,
 * devices, FIFOs, sockets) through @dfd's /proc entry and the l* calls,
 * which follow neither the directory's path nor the last component.
 */
struct xsrc {
	int fd;
	char path[64 + VOLT_NAME_MAX];
};

static ssize_t x_list(const struct xsrc *x, char *buf, size_t size)
{
	return x->fd >= 0 ? flistxattr(x->fd, buf, size) : llistxattr(x->path, buf, size);
}

static ssize_t x_get(const struct xsrc *x, const char *name, void *buf, size_t size)
{
	return x->fd >= 0 ? fgetxattr(x->fd, name, buf, size) : lgetxattr(x->path, name, buf, size);
}

static int read_xattrs(struct cas_entry *e, int fd, int dfd, const char *name, const char *path)
{
	_cleanup_free_ char *names = NULL;
	struct xsrc x = { .fd = fd };
	ssize_t len, n = 0;

	if (fd < 0)
		snprintf(x.path, sizeof(x.path), "/proc/self/fd/%d/%s", dfd, name);
	len = x_list(&x, NULL, 0);
	if (len < 0) {
		if (errno == ENOTSUP || errno == ENODATA)
			return 0;
		return volt_error_set_errno(errno, "list xattrs of %s", path);
	}
	if (len == 0)
		return 0;
	names = malloc((size_t)len + 1);
	if (!names)
		return volt_error_set(ENOMEM, NULL);
	len = x_list(&x, names, (size_t)len);
	if (len < 0)
		return volt_error_set_errno(errno, "list xattrs of %s", path);
	names[len] = '\0';
	for (char *p = names; p < names + len; p += strlen(p) + 1)
		n++;
	e->xattrs = calloc((size_t)n, sizeof(*e->xattrs));
	if (!e->xattrs)
		return volt_error_set(ENOMEM, NULL);
	for (char *p = names; p < names + len; p += strlen(p) + 1) {
		struct cas_xattr *xa = &e->xattrs[e->n_xattrs];
		ssize_t vl = x_get(&x, p, NULL, 0);

		if (vl < 0) {
			if (errno == ENODATA) /* removed meanwhile */
				continue;
			return volt_error_set_errno(errno, "read xattr %s of %s", p, path);
		}
		xa->name = strdup(p);
		xa->value = malloc((size_t)vl + 1);
		if (!xa->name || !xa->value) {
			free(xa->name);
			free(xa->value);
			return volt_error_set(ENOMEM, NULL);
		}
		e->n_xattrs++;
		vl = x_get(&x, p, xa->value, (size_t)vl);
		if (vl < 0)
			return volt_error_set_errno(errno, "read xattr %s of %s", p, path);
		xa->size = (uint32_t)vl;
	}
	/* Sorted, as the format requires. */
	for (size_t i = 1; i < e->n_xattrs; i++)
		for (size_t k = i; k > 0 && strcmp(e->xattrs[k - 1].name, e->xattrs[k].name) > 0; k--) {
			struct cas_xattr t = e->xattrs[k];

			e->xattrs[k] = e->xattrs[k - 1];
			e->xattrs[k - 1] = t;
		}
	return 0;
}

static void fill_meta(struct cas_entry *e, const struct stat *st)
{
	e->mode = st->st_mode & 07777;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->mtime_sec = st->st_mtim.tv_sec;
	e->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

static int walk(struct dir_import *imp, int dfd, const char *path, struct cas_node *dir);

static uint8_t entry_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return VOLT_CAS_ENTRY_REGULAR;
	case S_IFDIR: return VOLT_CAS_ENTRY_DIRECTORY;
	case S_IFLNK: return VOLT_CAS_ENTRY_SYMLINK;
	case S_IFCHR: return VOLT_CAS_ENTRY_CHAR_DEVICE;
	case S_IFBLK: return VOLT_CAS_ENTRY_BLOCK_DEVICE;
	case S_IFIFO: return VOLT_CAS_ENTRY_FIFO;
	case S_IFSOCK: return VOLT_CAS_ENTRY_SOCKET;
	default: return 0;
	}
}

/* Open a file or directory of the walk: O_NOFOLLOW, and O_NONBLOCK so a
 * FIFO swapped in does not block; O_NOATIME where we may (reading a tree
 * should not dirty every inode's atime). */
static int open_entry(struct dir_import *imp, int dfd, const char *name, uint8_t type)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		    (type == VOLT_CAS_ENTRY_DIRECTORY ? O_DIRECTORY : 0);
	int fd = -1;

	if (type == VOLT_CAS_ENTRY_REGULAR && !imp->no_noatime) {
		fd = openat(dfd, name, flags | O_NOATIME);
		if (fd >= 0 || errno != EPERM)
			return fd;
		imp->no_noatime = true;
	}
	return openat(dfd, name, flags);
}

static int add_entry(struct dir_import *imp, int dfd, const char *path, const char *name, unsigned char d_type,
		     struct cas_node *dir)
{
	_cleanup_free_ char *full = NULL;
	_cleanup_close_ int fd = -1;
	struct cas_node *node = NULL;
	struct stat st;
	uint8_t type;
	int r;

	if (asprintf(&full, "%s/%s", path, name) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = cas_entry_name_check(name, strlen(name));
	if (r < 0)
		return volt_error_prefix(r, "%s", full);
	/* readdir's type saves a stat for files and directories: the
	 * descriptor's fstat() below is what counts either way. */
	if (d_type == DT_REG)
		type = VOLT_CAS_ENTRY_REGULAR;
	else if (d_type == DT_DIR)
		type = VOLT_CAS_ENTRY_DIRECTORY;
	else {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return volt_error_set_errno(errno, "stat %s", full);
		type = entry_type(st.st_mode);
		if (!type)
			return volt_error_set(EINVAL, "%s: unknown file type", full);
	}
	/* Files and directories: from here on, only what this descriptor names counts. */
	if (type == VOLT_CAS_ENTRY_REGULAR || type == VOLT_CAS_ENTRY_DIRECTORY) {
		fd = open_entry(imp, dfd, name, type);
		if (fd < 0)
			return volt_error_set_errno(errno, errno == ELOOP || errno == ENOTDIR ? "open %s (it changed during the import)"
									      : "open %s", full);
		if (fstat(fd, &st) < 0)
			return volt_error_set_errno(errno, "stat %s", full);
		if (entry_type(st.st_mode) != type)
			return volt_error_set(EAGAIN, "%s changed type during the import", full);
	}
	r = cas_node_new(&node, name, type);
	if (r < 0)
		return r;
	r = cas_node_add_child(dir, node);
	if (r < 0) {
		cas_node_free(node);
		return r;
	}
	fill_meta(&node->e, &st);
	r = read_xattrs(&node->e, fd, dfd, name, full);
	if (r < 0)
		return r;
	cas_count(&imp->c, files, 1);

	switch (type) {
	case VOLT_CAS_ENTRY_REGULAR: {
		node->e.size = (uint64_t)st.st_size;
		if (st.st_nlink > 1) {
			bool found;
			struct inode_slot *s = inode_lookup(imp, st.st_dev, st.st_ino, &found);

			if (!s)
				return volt_error_set(ENOMEM, NULL);
			if (found) {
				if (!s->leader->e.link_group)
					s->leader->e.link_group = ++imp->next_group;
				node->link_leader = s->leader;
				return 0;
			}
			s->leader = node;
		}
		/* The file waits in the queue: have the kernel read it meanwhile
		 * (a page cache under pressure from other work no longer holds
		 * every file, and workers otherwise wait for each read). The
		 * start only: sequential readahead does the rest. */
		if (st.st_size > 0)
			(void)posix_fadvise(fd, 0, st.st_size < READAHEAD_MAX ? st.st_size : READAHEAD_MAX,
					    POSIX_FADV_WILLNEED);
		return batch_add(imp, node, TAKE_PTR(full), TAKE_FD(fd));
	}
	case VOLT_CAS_ENTRY_DIRECTORY:
		return walk(imp, fd, full, node);
	case VOLT_CAS_ENTRY_SYMLINK: {
		char target[CAS_TARGET_MAX + 2];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target));

		if (n < 0)
			return volt_error_set_errno(errno, errno == EINVAL ? "readlink %s (it changed during the import)"
									   : "readlink %s", full);
		if (cas_target_check(target, (size_t)n) < 0)
			return volt_error_prefix(-EINVAL, "%s", full);
		node->e.target = strndup(target, (size_t)n);
		return node->e.target ? 0 : volt_error_set(ENOMEM, NULL);
	}
	case VOLT_CAS_ENTRY_CHAR_DEVICE:
	case VOLT_CAS_ENTRY_BLOCK_DEVICE:
		node->e.rdev = st.st_rdev;
		return 0;
	default:
		return 0;
	}
}

/* A name and readdir's type for it, in one allocation (the type first). */
static int dname_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static int walk(struct dir_import *imp, int dfd, const char *path, struct cas_node *dir)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd, r = 0;

	fd = dup(dfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return volt_error_set_errno(errno, "open directory %s", path);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? 2 * cap : 32;
			nn = realloc(names, cap * sizeof(char *));
			if (!nn) {
				r = volt_error_set(ENOMEM, NULL);
				goto out;
			}
			names = nn;
		}
		{
			size_t l = strlen(de->d_name);

			names[n] = malloc(l + 2);
			if (!names[n]) {
				r = volt_error_set(ENOMEM, NULL);
				goto out;
			}
			names[n][0] = (char)de->d_type;
			memcpy(names[n] + 1, de->d_name, l + 1);
		}
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(char *), dname_cmp);
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = add_entry(imp, dfd, path, names[i] + 1, (unsigned char)names[i][0], dir);
		if (r >= 0 && cas_pool_failed(imp->pool))
			r = cas_pool_wait(imp->pool);
		cas_progress_update(&imp->ps, &imp->c, false);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

VOLT_API int volt_cas_import_dir(volt_cas_hash *out_root, volt_cas_progress *out_stats, volt_cas *cas,
				 const char *dir, const volt_cas_import_options *opts)
{
	struct dir_import imp = { .cas = cas };
	volt_cas_import_options o;
	struct cas_node *root = NULL;
	_cleanup_close_ int lock = -1, dfd = -1;
	struct stat st;
	volt_cas_hash h;
	int r;

	assert_return(cas, EINVAL);
	assert_return(dir, EINVAL);
	assert_return(out_root, EINVAL);
	assert_return(!out_stats || VERSION_SUPPORTED(out_stats->version, VOLT_CAS_PROGRESS_VERSION), EINVAL);
	r = cas_import_options(&o, opts, &imp.ch);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0)
		return volt_error_set_errno(errno, "open directory %s", dir);
	r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		return r;
	cas_progress_init(&imp.ps, o.progress, o.userdata);
	r = cas_pool_new(&imp.pool, cas->workers, QUEUE_BATCHES);
	if (r < 0)
		return r;
	r = cas_node_new(&root, "", VOLT_CAS_ENTRY_DIRECTORY);
	if (r >= 0) {
		fill_meta(&root->e, &st);
		r = walk(&imp, dfd, dir, root);
	}
	if (r >= 0)
		r = batch_flush(&imp);
	if (imp.batch)
		file_batch_free(TAKE_PTR(imp.batch));
	/* Always drain the pool: jobs point into the tree. */
	if (r >= 0)
		r = cas_pool_wait_progress(imp.pool, &imp.ps, &imp.c);
	else
		cas_pool_drain(imp.pool);
	cas_pool_free(imp.pool);
	if (r >= 0)
		r = cas_node_store(cas, root, &imp.c, &h);
	cas_node_free(root);
	free(imp.inodes);
	if (r < 0)
		return volt_error_prefix(r, "import %s", dir);
	r = cas_import_finish(cas, &o, &h, &imp.ps, &imp.c, out_stats);
	if (r < 0)
		return r;
	*out_root = h;
	return 0;
}
