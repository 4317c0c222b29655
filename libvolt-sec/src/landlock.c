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
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
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

static int add_path_rules(int ruleset, const struct strv *paths, uint64_t rights, const char *list)
{
	for (size_t i = 0; i < paths->n; i++) {
		struct ll_path_beneath_attr attr = { 0 };
		_cleanup_close_ int fd = -1;
		struct stat st;

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
		if (fstat(fd, &st) < 0)
			return volt_error_set_errno(errno, "landlock: %s: stat '%s'", list, paths->items[i]);
		attr.allowed_access = S_ISDIR(st.st_mode) ? rights : rights & FILE_RIGHTS;
		attr.parent_fd = fd;
		if (attr.allowed_access == 0)
			continue;
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) < 0)
			return volt_error_set_errno(errno, "landlock: %s: add rule for '%s'", list, paths->items[i]);
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
		if ((r = add_path_rules(fd, &p->fs_read, landlock_fs_read_rights(abi), "fs_read")) < 0 ||
		    (r = add_path_rules(fd, &p->fs_write, landlock_fs_write_rights(abi), "fs_write")) < 0 ||
		    (r = add_path_rules(fd, &p->fs_execute, landlock_fs_execute_rights(abi), "fs_execute")) < 0)
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
