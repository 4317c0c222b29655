/*
 * User namespaces: root inside, an unprivileged id range outside.
 *
 * A process that has just entered a new user namespace cannot write a
 * map of more than its own id: that takes CAP_SETUID in the parent
 * namespace. So a helper is forked first; it stays in the parent
 * namespace, waits until the caller has unshared, writes the caller's
 * uid_map and gid_map, reports and exits. The caller then becomes the
 * first mapping's inside ids (usually 0) with no supplementary groups.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <volt/core.h>

#include "caps.h"
#include "shared/macro.h"

static int write_map(pid_t pid, const char *file, const struct id_range *r, size_t n)
{
	char path[64], buf[ID_RANGES_MAX * 36];
	size_t len = 0;
	_cleanup_close_ int fd = -1;

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", r[i].inside, r[i].outside,
					r[i].count);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The kernel wants the whole map in one write. */
	if (write(fd, buf, len) != (ssize_t)len)
		return -errno;
	return 0;
}

struct maps {
	const struct id_range *uid;
	size_t n_uid;
	const struct id_range *gid;
	size_t n_gid;
};

static _Noreturn void helper_main(pid_t target, int go_fd, int result_fd, const struct maps *m)
{
	char c;
	int r;

	if (read(go_fd, &c, 1) != 1)
		_exit(1);
	r = write_map(target, "uid_map", m->uid, m->n_uid);
	if (r == 0)
		r = write_map(target, "gid_map", m->gid, m->n_gid);
	(void)!write(result_fd, &r, sizeof(r));
	_exit(0);
}

int userns_enter(const volt_sec_policy *p)
{
	return userns_enter_maps(p->uid_map, p->n_uid_map, p->gid_map, p->n_gid_map);
}

int userns_enter_maps(const struct id_range *uid_map, size_t n_uid, const struct id_range *gid_map, size_t n_gid)
{
	const struct maps m = { uid_map, n_uid, gid_map, n_gid };
	int go[2], result[2], status, helper_r = 0, r = 0;
	pid_t self = getpid(), helper;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) < 0)
		return volt_error_set_errno(errno, "user namespace: pipe");
	if (pipe2(result, O_CLOEXEC) < 0) {
		r = volt_error_set_errno(errno, "user namespace: pipe");
		close(go[0]);
		close(go[1]);
		return r;
	}
	helper = fork();
	if (helper < 0) {
		r = volt_error_set_errno(errno, "user namespace: fork the map writer");
		goto out;
	}
	if (helper == 0) {
		close(go[1]);
		close(result[0]);
		helper_main(self, go[0], result[1], &m);
	}
	close(go[0]);
	go[0] = -1;
	close(result[1]);
	result[1] = -1;

	if (unshare(CLONE_NEWUSER) < 0)
		r = volt_error_set_errno(errno, "user namespace: unshare");
	/* Wake the helper either way; closing without a byte makes it exit. */
	if (r == 0 && write(go[1], "x", 1) != 1)
		r = volt_error_set_errno(errno, "user namespace: signal the map writer");
	close(go[1]);
	go[1] = -1;
	n = r == 0 ? read(result[0], &helper_r, sizeof(helper_r)) : 0;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		goto out;
	if (n != sizeof(helper_r)) {
		r = volt_error_set(EIO, "user namespace: the map writer died");
		goto out;
	}
	if (helper_r < 0) {
		r = volt_error_set_errno(-helper_r, "user namespace: write uid_map/gid_map");
		goto out;
	}
	if (setgroups(0, NULL) < 0) {
		r = volt_error_set_errno(errno, "user namespace: setgroups");
		goto out;
	}
	if (setresgid(gid_map[0].inside, gid_map[0].inside, gid_map[0].inside) < 0 ||
	    setresuid(uid_map[0].inside, uid_map[0].inside, uid_map[0].inside) < 0) {
		r = volt_error_set_errno(errno, "user namespace: become uid %u gid %u", uid_map[0].inside,
					 gid_map[0].inside);
		goto out;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (result[i] >= 0)
			close(result[i]);
	}
	return r;
}
