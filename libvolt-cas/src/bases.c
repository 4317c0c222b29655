/*
 * Container bases (volt/cas/bases.h): holding one while it is made or
 * reused, and deleting those nothing references.
 *
 * Locking: STATE_ROOT/ctr-bases.lock (beside the bases directory, which
 * holds nothing but bases and partial ones). A creator holds it shared from
 * before it looks for its base until the base is in place, and leaves a
 * hold file ctr-bases.holds/NAME.PID, which stands for the container record it is
 * about to write (config.json is written after the base is made). gc holds
 * the lock exclusively from before it reads the records and hold files
 * until its last deletion. So a base that gc deletes is one that no record
 * names and no live creator found or made: a creator that comes after gc
 * makes the base again. flock locks die with their process; hold files of
 * dead processes are removed by gc.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cas-internal.h"
#include "shared/json-cleanup.h"

#define BASES_MAX_DEPTH 512

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *s, const char *name, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return volt_error_set(ENOMEM, NULL);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strndup(name, len);
	if (!s->v[s->n])
		return volt_error_set(ENOMEM, NULL);
	s->n++;
	return 0;
}

static bool names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

static void names_clear(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct names){};
}

static int lock_bases(const char *dir, bool exclusive, bool wait)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

	if (asprintf(&path, "%s.lock", dir) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return volt_error_set_errno(errno, "open %s", path);
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return volt_error_set(EBUSY, "the container bases in %s are busy (a container is being created)", dir);
		return volt_error_set_errno(errno, "lock %s", path);
	}
	return TAKE_FD(fd);
}

VOLT_API int volt_cas_bases_hold(const char *bases_dir, const char *name)
{
	_cleanup_free_ char *holds = NULL, *file = NULL;
	_cleanup_close_ int lock = -1, hold = -1;
	size_t len;
	int r;

	assert_return(bases_dir && *bases_dir, EINVAL);
	assert_return(name && *name && name[0] != '.' && !strchr(name, '/') && strlen(name) < NAME_MAX - 12, EINVAL);
	len = strlen(bases_dir);
	assert_return(bases_dir[len - 1] != '/', EINVAL);

	r = volt_mkdir_p(bases_dir, 0700);
	if (r < 0)
		return r;
	lock = lock_bases(bases_dir, false, true);
	if (lock < 0)
		return lock;
	if (asprintf(&holds, "%s.holds", bases_dir) < 0 || asprintf(&file, "%s/%s.%d", holds, name, (int)getpid()) < 0)
		return volt_error_set(ENOMEM, NULL);
	if (mkdir(holds, 0700) < 0 && errno != EEXIST)
		return volt_error_set_errno(errno, "mkdir %s", holds);
	hold = open(file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (hold < 0)
		return volt_error_set_errno(errno, "create %s", file);
	return TAKE_FD(lock);
}

/* Whether the process that named a file after itself may still run. */
static bool pid_alive(const char *s)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(s, &end, 10);
	if (errno || end == s || pid <= 0 || pid > 0x3fffffff)
		return true; /* not a pid we wrote: not ours to judge */
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* The bases that container records name (their last component). */
static int read_records(const char *state_root, struct names *used)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (asprintf(&dir, "%s/containers", state_root) < 0)
		return volt_error_set(ENOMEM, NULL);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "open %s", dir);
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_json_ json_t *j = NULL;
		const char *base, *slash;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s/config.json", dir, de->d_name) < 0)
			return volt_error_set(ENOMEM, NULL);
		/* A record without config.json is being made (its creator holds its base) or was never made. */
		if (access(path, F_OK) < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		r = volt_json_load_file(&j, path);
		if (r < 0 || !json_is_object(j))
			return volt_error_set(EBADMSG, "container record %s cannot be read: no base removed", path);
		base = json_string_value(json_object_get(j, "base"));
		if (!base)
			continue;
		slash = strrchr(base, '/');
		base = slash ? slash + 1 : base;
		r = names_add(used, base, strlen(base));
		if (r < 0)
			return r;
	}
	if (errno)
		return volt_error_set_errno(errno, "read %s", dir);
	return 0;
}

/* Live holds join @used; those of dead processes go. */
static int read_holds(const char *bases_dir, bool dry_run, struct names *used)
{
	_cleanup_free_ char *holds = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (asprintf(&holds, "%s.holds", bases_dir) < 0)
		return volt_error_set(ENOMEM, NULL);
	d = opendir(holds);
	if (!d)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "open %s", holds);
	while ((errno = 0, de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');

		if (de->d_name[0] == '.' || !dot)
			continue;
		if (pid_alive(dot + 1)) {
			r = names_add(used, de->d_name, (size_t)(dot - de->d_name));
			if (r < 0)
				return r;
		} else if (!dry_run) {
			(void)unlinkat(dirfd(d), de->d_name, 0);
		}
	}
	return errno ? volt_error_set_errno(errno, "read %s", holds) : 0;
}

/* Remove (or only measure) @name under @dir_fd, without following links or crossing mounts. */
static int remove_tree(int dir_fd, const char *name, dev_t dev, bool dry_run, unsigned depth, uint64_t *bytes)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "stat %s", name);
	if (st.st_dev != dev)
		return volt_error_set(EXDEV, "%s is a mount point: not removed", name);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;
		int fd, r;

		if (depth > BASES_MAX_DEPTH)
			return volt_error_set(ELOOP, "%s: nested deeper than %d", name, BASES_MAX_DEPTH);
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return volt_error_set_errno(errno, "open %s", name);
		}
		while ((errno = 0, de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = remove_tree(dirfd(d), de->d_name, dev, dry_run, depth + 1, bytes);
			if (r < 0)
				return volt_error_prefix(r, "%s", name);
		}
		if (errno)
			return volt_error_set_errno(errno, "read %s", name);
	}
	/* A file linked several times frees its blocks with its last link. */
	*bytes += (uint64_t)st.st_blocks * 512 / (S_ISDIR(st.st_mode) || st.st_nlink < 1 ? 1 : st.st_nlink);
	if (!dry_run && unlinkat(dir_fd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove %s", name);
	return 0;
}

/* ".tmp-checkout-PID-N" (checkout), ".tmp-cas-HEX-PID", ".tmp-KEY-PID" (creators). */
static const char *temp_pid(const char *name)
{
	if (strncmp(name, ".tmp-checkout-", 14) == 0)
		return name + 14;
	if (strncmp(name, ".tmp-", 5) == 0 && strrchr(name, '-') > name + 4)
		return strrchr(name, '-') + 1;
	return NULL;
}

VOLT_API int volt_cas_bases_gc(volt_cas_bases_result *out, const char *state_root, unsigned int flags)
{
	volt_cas_bases_result res = VOLT_CAS_BASES_RESULT_INIT;
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dir_fd = -1, lock = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct names used = {};
	bool dry_run = flags & VOLT_CAS_BASES_DRY_RUN;
	struct dirent *de;
	struct stat st;
	int fd, r;

	assert_return(state_root, EINVAL);
	assert_return(!out || VERSION_SUPPORTED(out->version, VOLT_CAS_BASES_RESULT_VERSION), EINVAL);
	assert_return(!(flags & ~(VOLT_CAS_BASES_DRY_RUN | VOLT_CAS_BASES_NO_WAIT)), EINVAL);

	if (asprintf(&dir, "%s/ctr-bases", state_root) < 0)
		return volt_error_set(ENOMEM, NULL);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0 && errno == ENOENT) {
		if (out)
			*out = res;
		return 0;
	}
	if (dir_fd < 0 || fstat(dir_fd, &st) < 0)
		return volt_error_set_errno(errno, "open %s", dir);
	lock = lock_bases(dir, true, !(flags & VOLT_CAS_BASES_NO_WAIT));
	if (lock < 0)
		return lock;
	/* Under the lock: a creator has either left its hold file or not begun. */
	r = read_records(state_root, &used);
	if (r >= 0)
		r = read_holds(dir, dry_run, &used);
	if (r < 0)
		goto out;

	fd = dup(dir_fd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		r = volt_error_set_errno(errno, "read %s", dir);
		goto out;
	}
	while ((errno = 0, de = readdir(d))) {
		const char *pid;
		uint64_t bytes = 0;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.') {
			pid = temp_pid(de->d_name);
			if (!pid || pid_alive(pid))
				continue;
			r = remove_tree(dir_fd, de->d_name, st.st_dev, dry_run, 0, &bytes);
			if (r < 0)
				goto out;
			res.temp_removed++;
			res.bytes_removed += bytes;
			continue;
		}
		if (names_has(&used, de->d_name)) {
			res.bases_kept++;
			continue;
		}
		volt_log(VOLT_LOG_INFO, "%s %s/%s: no container uses it", dry_run ? "would remove" : "removing", dir,
			 de->d_name);
		if (dry_run) {
			r = remove_tree(dir_fd, de->d_name, st.st_dev, true, 0, &bytes);
		} else {
			char doomed[64];

			/* Out of its name first: a gc killed midway leaves no half base for a create to reuse. */
			snprintf(doomed, sizeof(doomed), ".tmp-gc-%d", (int)getpid());
			r = renameat(dir_fd, de->d_name, dir_fd, doomed) < 0
				    ? volt_error_set_errno(errno, "rename %s/%s", dir, de->d_name)
				    : remove_tree(dir_fd, doomed, st.st_dev, false, 0, &bytes);
		}
		if (r < 0) {
			volt_error_prefix(r, "remove base %s/%s", dir, de->d_name);
			goto out;
		}
		res.bases_removed++;
		res.bytes_removed += bytes;
	}
	r = errno ? volt_error_set_errno(errno, "read %s", dir) : 0;
out:
	names_clear(&used);
	if (out)
		*out = res;
	return r < 0 ? r : 0;
}
