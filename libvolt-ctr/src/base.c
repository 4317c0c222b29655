/*
 * Shared image bases: a read-only copy of an image tree, owned by the
 * container uid range (root inside = VOLT_CTR_UID_BASE outside), that the
 * overlay of every container of that image uses as its lower layer. One
 * copy serves any number of containers; each writes only to its own
 * upper layer.
 *
 * The image directory is treated like any image: device nodes are not
 * copied (a container must never reach a host device through its base),
 * set-user-ID and set-group-ID bits of files are cleared, and no metadata
 * call follows a link.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

#define MAX_DEPTH 256

/* Files with several links: where their first copy went. */
struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the base */
};

struct copy {
	int base_fd;
	struct link_seen *links;
	size_t n_links, cap_links;
};

static uid_t shift(uid_t id)
{
	return VOLT_CTR_UID_BASE + (id < VOLT_CTR_UID_COUNT ? id : 65534);
}

static int copy_data(int in, int out)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -errno;
		break;
	}
	/* Fallback where the file systems cannot copy ranges. */
	for (;;) {
		char buf[65536];
		ssize_t n = read(in, buf, sizeof(buf)), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (char *p = buf; n > 0; p += w, n -= w) {
			w = write(out, p, (size_t)n);
			if (w < 0)
				return -errno;
		}
	}
}

static int remember_link(struct copy *c, const struct stat *st, const char *path)
{
	if (c->n_links == c->cap_links) {
		size_t cap = c->cap_links ? c->cap_links * 2 : 64;
		struct link_seen *n = realloc(c->links, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->links = n;
		c->cap_links = cap;
	}
	c->links[c->n_links].path = strdup(path);
	if (!c->links[c->n_links].path)
		return -ENOMEM;
	c->links[c->n_links].dev = st->st_dev;
	c->links[c->n_links].ino = st->st_ino;
	c->n_links++;
	return 0;
}

static const char *seen_link(const struct copy *c, const struct stat *st)
{
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
			return c->links[i].path;
	return NULL;
}

static int copy_tree(struct copy *c, int src, int dst, const char *rel, unsigned depth);

/* Modes of copied entries: no set-ID bits on anything but directories. */
static mode_t base_mode(const struct stat *st)
{
	mode_t m = st->st_mode & 07777;

	return S_ISDIR(st->st_mode) ? m : m & ~(mode_t)(S_ISUID | S_ISGID);
}

static int copy_entry(struct copy *c, int src, int dst, const char *name, const char *rel, unsigned depth)
{
	_cleanup_free_ char *path = NULL;
	const struct timespec *times;
	struct stat st;
	int r = 0;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "stat %s/%s", rel, name);
	if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", name) < 0)
		return volt_error_set(ENOMEM, NULL);
	times = (const struct timespec[]){ st.st_atim, st.st_mtim };

	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;

		if (mkdirat(dst, name, 0700) < 0)
			return volt_error_set_errno(errno, "mkdir %s", path);
		s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return volt_error_set_errno(errno, "open %s", path);
		r = copy_tree(c, s, d, path, depth + 1);
		if (r < 0)
			return r;
		if (fchown(d, shift(st.st_uid), shift(st.st_gid)) < 0 || fchmod(d, st.st_mode & 07777) < 0 ||
		    futimens(d, times) < 0)
			return volt_error_set_errno(errno, "set owner, mode or times of %s", path);
		return 0;
	}

	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		const char *first = seen_link(c, &st);

		if (first) {
			if (linkat(c->base_fd, first, dst, name, 0) < 0)
				return volt_error_set_errno(errno, "link %s to %s", path, first);
			return 0;
		}
		if (remember_link(c, &st, path) < 0)
			return volt_error_set(ENOMEM, NULL);
	}

	if (S_ISREG(st.st_mode)) {
		/* O_NONBLOCK: a FIFO swapped in must not block the copy. */
		_cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		_cleanup_close_ int out = -1;

		if (in < 0)
			return volt_error_set_errno(errno, "open %s", path);
		struct stat ist;

		if (fstat(in, &ist) < 0 || !S_ISREG(ist.st_mode) || ist.st_ino != st.st_ino)
			return volt_error_set(EAGAIN, "%s changed while being copied", path);
		out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return volt_error_set_errno(errno, "create %s", path);
		r = copy_data(in, out);
		if (r < 0)
			return volt_error_set_errno(r, "copy %s", path);
		if (fchown(out, shift(st.st_uid), shift(st.st_gid)) < 0 || fchmod(out, base_mode(&st)) < 0 ||
		    futimens(out, times) < 0)
			return volt_error_set_errno(errno, "set owner, mode or times of %s", path);
		return 0;
	}

	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

		if (n < 0)
			return volt_error_set_errno(errno, "readlink %s", path);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return volt_error_set_errno(errno, "symlink %s", path);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		volt_log(VOLT_LOG_INFO, "base: not copying device node %s (%c %u:%u)", path,
			 S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev), minor(st.st_rdev));
		return 0;
	} else if (S_ISFIFO(st.st_mode)) {
		if (mknodat(dst, name, S_IFIFO | 0600, 0) < 0)
			return volt_error_set_errno(errno, "mknod %s", path);
	} else {
		/* Sockets are only meaningful while their server runs. */
		volt_log(VOLT_LOG_DEBUG, "base: skipping socket %s", path);
		return 0;
	}
	if (fchownat(dst, name, shift(st.st_uid), shift(st.st_gid), AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "set owner or times of %s", path);
	if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, base_mode(&st), AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "chmod %s", path);
	return 0;
}

/*
 * A directory stream over a duplicate of DIR, for one level of a walk at
 * DEPTH, rewound: a dup shares the offset, and another walk of this
 * directory may have read it to its end.
 */
static int open_walk(int dir, const char *rel, unsigned depth, DIR **out)
{
	int fd;

	if (depth > MAX_DEPTH)
		return volt_error_set(ELOOP, "%s: directories nested deeper than %d", rel, MAX_DEPTH);
	fd = dup(dir);
	if (fd < 0 || !(*out = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return volt_error_set_errno(errno, "read directory %s", *rel ? rel : "/");
	}
	rewinddir(*out);
	return 0;
}

static int copy_tree(struct copy *c, int src, int dst, const char *rel, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	r = open_walk(src, rel, depth, &d);
	if (r < 0)
		return r;
	while ((errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = copy_entry(c, src, dst, e->d_name, rel, depth);
		if (r < 0)
			return r;
	}
	if (errno)
		return volt_error_set_errno(errno, "read directory %s", *rel ? rel : "/");
	return 0;
}

/*
 * What systemd-nspawn needs of a tree that a FROM-scratch image lacks:
 * it refuses a directory without /usr (its test of an OS tree), so an
 * empty one is made, owned by the container's root. Everything else it
 * mounts or creates itself (/proc, /sys, /dev, /run, /tmp, /etc's files
 * are optional). A symlink or file named usr is the image's business.
 */
int ctr_base_complete(const char *base)
{
	_cleanup_close_ int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return volt_error_set_errno(errno, "open %s", base);
	if (faccessat(fd, "usr", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (mkdirat(fd, "usr", 0755) < 0 && errno != EEXIST)
		return volt_error_set_errno(errno, "mkdir %s/usr", base);
	if (fchownat(fd, "usr", VOLT_CTR_UID_BASE, VOLT_CTR_UID_BASE, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "chown %s/usr", base);
	volt_log(VOLT_LOG_INFO, "%s has no /usr (a FROM-scratch image): an empty one was added", base);
	return 0;
}

/* FNV-1a: names a base after its source; not a security boundary. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * A fingerprint of a whole tree: every entry's path, type and mode, size,
 * owner, inode, modification and change times. Any edit anywhere in the
 * tree changes some entry's mtime or ctime (ctime cannot be set back by
 * the editor), so a changed tree gets a new base and an unchanged one
 * reuses its base. No file is read.
 */
static int fingerprint_tree(int dir, const char *rel, unsigned depth, uint64_t *h)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	r = open_walk(dir, rel, depth, &d);
	if (r < 0)
		return r;
	while ((errno = 0, e = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		struct stat st;
		uint64_t fields[9];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return volt_error_set_errno(errno, "stat %s/%s", rel, e->d_name);
		if (asprintf(&path, "%s/%s", rel, e->d_name) < 0)
			return volt_error_set(ENOMEM, NULL);
		fields[0] = st.st_mode;
		fields[1] = (uint64_t)st.st_size;
		fields[2] = (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
		fields[3] = (uint64_t)st.st_ctim.tv_sec * 1000000000ULL + (uint64_t)st.st_ctim.tv_nsec;
		fields[4] = st.st_ino;
		fields[5] = st.st_dev;
		fields[6] = st.st_uid;
		fields[7] = st.st_gid;
		fields[8] = st.st_rdev;
		*h = fnv1a(*h, path, strlen(path) + 1);
		*h = fnv1a(*h, fields, sizeof(fields));
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				return volt_error_set_errno(errno, "open %s", path);
			r = fingerprint_tree(sub, path, depth + 1, h);
			if (r < 0)
				return r;
		}
	}
	if (errno)
		return volt_error_set_errno(errno, "read directory %s", *rel ? rel : "/");
	return 0;
}

/*
 * A tree holding the state root (/, or a directory above it) is no image:
 * its copy would hold the bases being written, and every container's
 * state. Refused before any walk.
 */
static int check_not_state(const volt_ctr *ctr, const char *real)
{
	_cleanup_free_ char *state = realpath(ctr->root, NULL);
	const char *s = state ? state : ctr->root;
	size_t n = strlen(real);

	if (strcmp(real, "/") == 0 || (strncmp(s, real, n) == 0 && (s[n] == '/' || s[n] == '\0')))
		return volt_error_set(EINVAL, "image directory %s holds Volt's state root %s: not an OS tree", real, s);
	return 0;
}

/* The base's key: the directory's path and the fingerprint of everything in it. */
static int rootfs_key(int src, const char *real, const struct stat *st, uint64_t *out)
{
	uint64_t key = 0xcbf29ce484222325ULL;
	uint64_t self[4] = { st->st_mode, st->st_uid, st->st_gid, st->st_ino };

	key = fnv1a(key, real, strlen(real) + 1);
	key = fnv1a(key, self, sizeof(self));
	*out = key;
	return fingerprint_tree(src, "", 0, out);
}

int ctr_base_prepare(const volt_ctr *ctr, const char *rootfs, char **out_base)
{
	_cleanup_free_ char *real = NULL, *base = NULL, *tmp = NULL;
	_cleanup_close_ int src = -1, dst = -1, lock = -1;
	struct copy c = { .base_fd = -1 };
	struct stat st;
	uint64_t key, after;
	int r;

	real = realpath(rootfs, NULL);
	if (!real)
		return volt_error_set_errno(errno, "image directory %s", rootfs);
	src = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return volt_error_set_errno(errno, "image directory %s", real);
	r = check_not_state(ctr, real);
	if (r < 0)
		return r;
	r = rootfs_key(src, real, &st, &key);
	if (r < 0)
		return volt_error_prefix(r, "image directory %s", real);
	r = volt_mkdir_p(ctr->bases, 0700);
	if (r < 0)
		return r;
	if (asprintf(&base, "%s/%016llx", ctr->bases, (unsigned long long)key) < 0 ||
	    asprintf(&tmp, "%s/.tmp-%016llx-%d", ctr->bases, (unsigned long long)key, (int)getpid()) < 0)
		return volt_error_set(ENOMEM, NULL);

	/* Held from here: gc (volt_cas_bases_gc) neither deletes it now nor before our record names it. */
	lock = volt_cas_bases_hold(ctr->bases, base + strlen(ctr->bases) + 1);
	if (lock < 0)
		return lock;
	if (access(base, F_OK) == 0) {
		*out_base = TAKE_PTR(base);
		return 0;
	}

	/* Copy into a temporary name, then rename: a base is complete or absent. */
	if (mkdir(tmp, 0700) < 0)
		return volt_error_set_errno(errno, "mkdir %s", tmp);
	dst = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0) {
		r = volt_error_set_errno(errno, "open %s", tmp);
		goto fail;
	}
	c.base_fd = dst;
	volt_log(VOLT_LOG_INFO, "preparing the shared base of %s", real);
	r = copy_tree(&c, src, dst, "", 0);
	if (r < 0) {
		volt_error_prefix(r, "copying %s", real);
		goto fail;
	}
	/* An edit during the copy would leave a base that matches neither state. */
	r = rootfs_key(src, real, &st, &after);
	if (r == 0 && after != key)
		r = volt_error_set(EAGAIN, "image directory %s changed while it was being copied: try again", real);
	if (r < 0)
		goto fail;
	if (fchown(dst, shift(st.st_uid), shift(st.st_gid)) < 0 || fchmod(dst, st.st_mode & 07777) < 0) {
		r = volt_error_set_errno(errno, "chown %s", tmp);
		goto fail;
	}
	r = ctr_base_complete(tmp);
	if (r < 0) {
		volt_error_prefix(r, "image directory %s", real);
		goto fail;
	}
	if (rename(tmp, base) < 0) {
		/* Another process finished the same base first: use theirs. */
		if (errno != ENOTEMPTY && errno != EEXIST) {
			r = volt_error_set_errno(errno, "rename %s", tmp);
			goto fail;
		}
		volt_log(VOLT_LOG_DEBUG, "base %s was prepared concurrently", base);
		goto discard;
	}
	for (size_t i = 0; i < c.n_links; i++)
		free(c.links[i].path);
	free(c.links);
	*out_base = TAKE_PTR(base);
	return 0;

fail:
discard:
	for (size_t i = 0; i < c.n_links; i++)
		free(c.links[i].path);
	free(c.links);
	/* A failed or redundant copy must not stay behind. */
	common_rm_rf(tmp);
	if (r == 0) {
		*out_base = TAKE_PTR(base);
		return 0;
	}
	return r;
}
