/*
 * An OCI image's "Volumes" (Docker's VOLUME): each path gets a directory
 * of the container's own, ROOT/containers/NAME/volumes/N, bound there
 * read-write. It lives and goes with the container (kept across runs,
 * removed by volt rm) and starts as Docker's does: a copy of what the
 * image holds at that path, with its owners and modes (the base is
 * already in the container's uid range), or empty and the container
 * root's when the image has nothing there. A -v on the same path
 * wins, as in Docker. Added to the record's volumes before the policy is
 * written, so that the default policy grants them like any -v.
 *
 * The copy is made from the base by descriptors: never following a link
 * (links are copied as links), staying on the base's file system, and
 * leaving out device nodes, FIFOs and sockets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

#define CTR_ANON_MAX 64

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A control character in a path (a newline in a mount table, an escape on a terminal). */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool volume_targets(json_t *volumes, const char *path)
{
	json_t *v;
	size_t i;

	json_array_foreach(volumes, i, v) {
		_cleanup_free_ char *t = NULL;
		const char *target = json_string_value(json_object_get(v, "target"));

		if (target && volt_path_normalize(&t, target) == 0 && strcmp(t, path) == 0)
			return true;
		volt_error_clear();
	}
	return false;
}

int ctr_image_volumes_add(json_t *config, const ctr_record *rec, const struct ctr_image_config *ic)
{
	_cleanup_json_ json_t *cfg = NULL;
	json_t *vols, *volumes = json_object_get(config, "volumes");
	const char *keys[CTR_ANON_MAX];
	const char *key;
	json_t *value;
	size_t n = 0;

	if (!ic->img || !ic->img->config_json || !json_is_array(volumes))
		return 0;
	cfg = json_loadb(ic->img->config_json, ic->img->config_len, JSON_REJECT_DUPLICATES, NULL);
	vols = json_object_get(json_object_get(cfg, "config"), "Volumes");
	if (!json_is_object(vols))
		return 0;
	json_object_foreach(vols, key, value) {
		if (n == CTR_ANON_MAX)
			return volt_error_set(E2BIG, "the image declares more than %d volumes", CTR_ANON_MAX);
		keys[n++] = key;
	}
	/* In a fixed order: volumes/N is the same path for the same image. */
	qsort(keys, n, sizeof(keys[0]), by_string);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *target = NULL, *source = NULL;
		json_t *v;

		/* The image's word: nspawn's --bind takes ':' (and ',') as option
		 * separators, and /run/volt holds the launcher and the policy. */
		if (keys[i][0] != '/' || strpbrk(keys[i], ":,") || volt_path_normalize(&target, keys[i]) < 0 ||
		    !ctr_path_grantable(target) || ctr_path_within(target, "/run/volt") || has_control(target)) {
			volt_error_clear();
			volt_log(VOLT_LOG_WARNING, "image volume '%s' is not a path a volume may take: skipped", keys[i]);
			continue;
		}
		if (volume_targets(volumes, target))
			continue;
		if (asprintf(&source, "%s/volumes/%zu", rec->dir, i) < 0)
			return volt_error_set(ENOMEM, NULL);
		v = json_pack("{s:s, s:s, s:b, s:b}", "source", source, "target", target, "read_only", 0, "anonymous", 1);
		if (!v || json_array_append_new(volumes, v) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

static int copy_tree(int src, int dst, const char *where, dev_t dev, unsigned depth);

/* Copy entry @name of directory @src into @dst, owner and mode kept. */
static int copy_entry(int src, int dst, const char *name, const char *where, dev_t dev, unsigned depth)
{
	_cleanup_close_ int in = -1, out = -1;
	struct stat st;
	char buf[65536];
	ssize_t n;
	int r;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return volt_error_set_errno(errno, "volume %s: stat %s", where, name);
	if (st.st_dev != dev)
		return 0; /* another file system mounted in the base: not the image's */
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];

		n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return volt_error_set_errno(errno, "volume %s: readlink %s", where, name);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0 || fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return volt_error_set_errno(errno, "volume %s: link %s", where, name);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst, name, 0700) < 0)
			return volt_error_set_errno(errno, "volume %s: mkdir %s", where, name);
		in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0 || out < 0)
			return volt_error_set_errno(errno, "volume %s: open %s", where, name);
		r = copy_tree(TAKE_FD(in), out, where, dev, depth + 1);
		if (r < 0)
			return r;
	} else if (S_ISREG(st.st_mode)) {
		in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			return volt_error_set_errno(errno, "volume %s: open %s", where, name);
		while ((n = read(in, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return volt_error_set_errno(errno, "volume %s: read %s", where, name);
			if ((r = volt_write_all(out, buf, (size_t)n)) < 0)
				return volt_error_prefix(r, "volume %s: %s", where, name);
		}
	} else {
		return 0; /* devices, FIFOs, sockets: not a volume's content */
	}
	/* Owner and mode last: a read-only directory is filled first. */
	if (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0)
		return volt_error_set_errno(errno, "volume %s: chown %s", where, name);
	return 0;
}

/* Copy what directory @src holds into @dst; @src is closed. */
static int copy_tree(int src, int dst, const char *where, dev_t dev, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	if (depth > 256) {
		close(src);
		return volt_error_set(ELOOP, "volume %s: the image's tree is too deep", where);
	}
	d = fdopendir(src);
	if (!d) {
		r = volt_error_set_errno(errno, "volume %s: read the image's tree", where);
		close(src);
		return r;
	}
	while ((errno = 0, e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		r = copy_entry(dirfd(d), dst, e->d_name, where, dev, depth);
		if (r < 0)
			return r;
	}
	if (errno)
		return volt_error_set_errno(errno, "volume %s: read the image's tree", where);
	return 0;
}

/* The directories of the anonymous volumes, once the container's directory exists. */
int ctr_image_volumes_make(json_t *volumes, const ctr_record *rec, const char *base)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int base_fd = -1;
	json_t *v;
	size_t i;

	json_array_foreach(volumes, i, v) {
		const char *source = json_string_value(json_object_get(v, "source"));
		const char *target = json_string_value(json_object_get(v, "target"));
		struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
		_cleanup_close_ int image_dir = -1, vol = -1;
		uid_t uid = VOLT_CTR_UID_BASE;
		gid_t gid = VOLT_CTR_UID_BASE;
		mode_t mode = 0755;
		struct stat st;
		int r;

		if (!json_is_true(json_object_get(v, "anonymous")) || !source || !target)
			continue;
		if (!dir) {
			if (asprintf(&dir, "%s/volumes", rec->dir) < 0)
				return volt_error_set(ENOMEM, NULL);
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return volt_error_set_errno(errno, "mkdir %s", dir);
			base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (base_fd < 0)
				return volt_error_set_errno(errno, "open the base %s", base);
		}
		/* The image's directory there, found inside the base as the container sees it. */
		image_dir = (int)syscall(SYS_openat2, base_fd, target + 1, &how, sizeof(how));
		if (image_dir >= 0 && fstat(image_dir, &st) == 0) {
			uid = st.st_uid;
			gid = st.st_gid;
			mode = st.st_mode & 07777;
		} else if (image_dir >= 0) {
			close(TAKE_FD(image_dir));
		}
		if (mkdir(source, 0700) < 0)
			return volt_error_set_errno(errno, "volume %s for %s", source, target);
		vol = open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (vol < 0)
			return volt_error_set_errno(errno, "volume %s for %s", source, target);
		if (image_dir >= 0 && (r = copy_tree(TAKE_FD(image_dir), vol, target, st.st_dev, 0)) < 0)
			return r;
		if (fchown(vol, uid, gid) < 0 || fchmod(vol, mode) < 0)
			return volt_error_set_errno(errno, "volume %s for %s", source, target);
	}
	return 0;
}
