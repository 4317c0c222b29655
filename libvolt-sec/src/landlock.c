/*
 * Landlock: filesystem and TCP port rules.
 *
 * Policy lists map onto Landlock rights:
 *   fs_read    -> READ_FILE, READ_DIR
 *   fs_write   -> WRITE_FILE, REMOVE_*, MAKE_*, REFER (2), TRUNCATE (3), IOCTL_DEV (5)
 *   fs_execute -> EXECUTE, READ_FILE (the kernel opens what it executes,
 *                 the ELF interpreter too, for reading)
 *   scope      -> SCOPED signal and abstract unix sockets (ABI 6): no
 *                 signals to, no connections to abstract sockets of,
 *                 processes outside the sandbox
 * Once any fs_* list is given, every filesystem right the ABI knows is
 * handled, so whatever is not granted is denied. Rules attach to opened
 * paths; a path that does not exist grants nothing and is skipped.
 * fs_deny withholds paths from the grants that cover them (see
 * add_expanded()), evaluated when the policy is applied, in the
 * sandboxed process's own view of the filesystem.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <volt/core.h>

#include "landlock-abi.h"
#include "landlock.h"
#include "shared/macro.h"

#define FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

int landlock_probe_abi(int *err)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	if (abi < 1) {
		*err = abi < 0 ? errno : EOPNOTSUPP;
		return 0;
	}
	*err = 0;
	return (int)abi;
}

uint64_t landlock_fs_read_rights(int abi)
{
	return abi >= 1 ? LL_FS_READ_FILE | LL_FS_READ_DIR : 0;
}

uint64_t landlock_fs_write_rights(int abi)
{
	uint64_t r = 0;

	if (abi >= 1)
		r |= LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR |
		     LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM;
	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

uint64_t landlock_fs_execute_rights(int abi)
{
	return abi >= 1 ? LL_FS_EXECUTE | LL_FS_READ_FILE : 0;
}

static int add_rule(int ruleset, int fd, uint64_t rights, const char *list, const char *path)
{
	struct ll_path_beneath_attr attr = { 0 };
	struct stat st;

	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "landlock: %s: stat '%s'", list, path);
	attr.allowed_access = S_ISDIR(st.st_mode) ? rights : rights & FILE_RIGHTS;
	attr.parent_fd = fd;
	if (attr.allowed_access == 0)
		return 0;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) < 0)
		return volt_error_set_errno(errno, "landlock: %s: add rule for '%s'", list, path);
	return 0;
}

static bool matches_any(const struct strv *deny, const char *path)
{
	for (size_t i = 0; i < deny->n; i++)
		if (fnmatch(deny->items[i], path, FNM_PATHNAME | FNM_PERIOD) == 0)
			return true;
	return false;
}

/* Whether @path is withheld, itself or as part of a withheld tree (fs_deny entries may end in a glob). */
static bool is_denied(const struct strv *deny, const char *path)
{
	_cleanup_free_ char *prefix = strdup(path);
	char *slash;

	if (!prefix)
		return true; /* the safe side */
	for (;;) {
		if (matches_any(deny, prefix))
			return true;
		slash = strrchr(prefix, '/');
		if (!slash || (slash == prefix && !prefix[1]))
			return false;
		/* The parent; "/x" becomes "/". */
		slash[slash == prefix ? 1 : 0] = '\0';
	}
}

/* Whether something strictly below directory @path is withheld. */
static bool has_denied_below(const struct strv *deny, const char *path)
{
	size_t len = strcmp(path, "/") == 0 ? 0 : strlen(path);

	for (size_t i = 0; i < deny->n; i++)
		if (strncmp(deny->items[i], path, len) == 0 && deny->items[i][len] == '/' && deny->items[i][len + 1])
			return true;
	return false;
}

/*
 * Grant @rights on directory @path except what fs_deny withholds below
 * it. Landlock has no deny rules, so the directory itself only gets
 * READ_DIR (its names stay listable) and each entry gets the rights on
 * its own, recursing towards the withheld ones; symbolic links are left
 * out (what they point to has rules of its own). Entries made later
 * directly in an expanded directory get nothing.
 */
static int add_expanded(int ruleset, const char *path, uint64_t rights, const struct strv *deny, const char *list,
			unsigned depth)
{
	_cleanup_close_ int fd = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 32)
		return volt_error_set(ELOOP, "landlock: %s: '%s' is nested too deep", list, path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return 0;
		return volt_error_set_errno(errno, "landlock: %s: open '%s'", list, path);
	}
	if ((rights & LL_FS_READ_DIR) && (r = add_rule(ruleset, fd, LL_FS_READ_DIR, list, path)) < 0)
		return r;
	d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return volt_error_set_errno(errno, "landlock: %s: list '%s'", list, path);
	while (r == 0 && (errno = 0, de = readdir(d))) {
		_cleanup_free_ char *child = NULL;
		_cleanup_close_ int cfd = -1;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, de->d_name) < 0) {
			r = volt_error_set(ENOMEM, NULL);
			break;
		}
		if (is_denied(deny, child)) {
			volt_log(VOLT_LOG_DEBUG, "landlock: %s: '%s' withheld by fs_deny", list, child);
			continue;
		}
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode) && has_denied_below(deny, child)) {
			r = add_expanded(ruleset, child, rights, deny, list, depth + 1);
			continue;
		}
		cfd = openat(fd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			r = add_rule(ruleset, cfd, rights, list, child);
	}
	closedir(d);
	return r;
}

static int add_path_rules(int ruleset, const struct strv *paths, uint64_t rights, const struct strv *deny,
			  const char *list)
{
	for (size_t i = 0; i < paths->n; i++) {
		_cleanup_close_ int fd = -1;
		int r;

		if (is_denied(deny, paths->items[i])) {
			volt_log(VOLT_LOG_INFO, "landlock: %s: '%s' is withheld by fs_deny, skipped", list,
				 paths->items[i]);
			continue;
		}
		if (has_denied_below(deny, paths->items[i])) {
			r = add_expanded(ruleset, paths->items[i], rights, deny, list, 0);
			if (r < 0)
				return r;
			continue;
		}
		fd = open(paths->items[i], O_PATH | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				/* Granting nothing is the safe side of a missing path. */
				volt_log(VOLT_LOG_INFO, "landlock: %s: '%s' does not exist, skipped", list,
					 paths->items[i]);
				continue;
			}
			return volt_error_set_errno(errno, "landlock: %s: open '%s'", list, paths->items[i]);
		}
		r = add_rule(ruleset, fd, rights, list, paths->items[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_port_rules(int ruleset, const struct portv *ports, uint64_t right, const char *list)
{
	for (size_t i = 0; i < ports->n; i++) {
		struct ll_net_port_attr attr = { .allowed_access = right, .port = ports->items[i] };

		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &attr, 0) < 0)
			return volt_error_set_errno(errno, "landlock: %s: add rule for port %u", list,
						    (unsigned)ports->items[i]);
	}
	return 0;
}

int landlock_prepare(const volt_sec_policy *p, int abi, int *out_fd)
{
	struct ll_ruleset_attr attr = { 0 };
	_cleanup_close_ int fd = -1;
	/* Older kernels refuse a larger attribute with non-zero fields they do not know. */
	size_t attr_size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
	int r;

	*out_fd = -1;
	if (p->fs_restricted)
		attr.handled_access_fs = landlock_fs_read_rights(abi) | landlock_fs_write_rights(abi) |
					 landlock_fs_execute_rights(abi);
	if (abi >= 4) {
		if (p->bind_restricted)
			attr.handled_access_net |= LL_NET_BIND_TCP;
		if (p->connect_restricted)
			attr.handled_access_net |= LL_NET_CONNECT_TCP;
	}
	if (abi >= 6) {
		if (p->scope & SCOPE_SIGNAL)
			attr.scoped |= LL_SCOPE_SIGNAL;
		if (p->scope & SCOPE_ABSTRACT_UNIX_SOCKET)
			attr.scoped |= LL_SCOPE_ABSTRACT_UNIX_SOCKET;
	}
	if (!attr.handled_access_fs && !attr.handled_access_net && !attr.scoped)
		return 0;

	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (fd < 0)
		return volt_error_set_errno(errno, "landlock: create ruleset (ABI %d)", abi);
	if (p->fs_restricted) {
		if ((r = add_path_rules(fd, &p->fs_read, landlock_fs_read_rights(abi), &p->fs_deny, "fs_read")) < 0 ||
		    (r = add_path_rules(fd, &p->fs_write, landlock_fs_write_rights(abi), &p->fs_deny, "fs_write")) < 0 ||
		    (r = add_path_rules(fd, &p->fs_execute, landlock_fs_execute_rights(abi), &p->fs_deny,
					"fs_execute")) < 0)
			return r;
	}
	if (attr.handled_access_net & LL_NET_BIND_TCP) {
		r = add_port_rules(fd, &p->net_bind, LL_NET_BIND_TCP, "net_bind");
		if (r < 0)
			return r;
	}
	if (attr.handled_access_net & LL_NET_CONNECT_TCP) {
		r = add_port_rules(fd, &p->net_connect, LL_NET_CONNECT_TCP, "net_connect");
		if (r < 0)
			return r;
	}
	*out_fd = TAKE_FD(fd);
	return 0;
}

int landlock_enforce(int fd)
{
	_cleanup_close_ int ruleset = fd;

	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return volt_error_set_errno(errno, "landlock: restrict_self");
	return 0;
}
