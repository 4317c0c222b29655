/*
 * Pause and Resume: the cgroup v2 freezer of a cgroup of the task's own.
 *
 * A foreground Volt container has no cgroup of its own unless it has
 * limits (nspawn's "payload" cgroup sits below its caller's, which may be
 * shared with every other foreground container of the host), so the
 * shim makes one, "volt-shim-NAME" below its own cgroup in the unified
 * hierarchy, and its runner enters it before it starts the container:
 * nspawn, the container and every exec (which join the container's
 * cgroups) are below it, and freezing it freezes exactly the task. On a
 * host without a unified hierarchy there is none, and Pause says so.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <volt/core.h>

#include "shared/macro.h"
#include "shim.h"

/* Where the unified hierarchy is mounted: a v2 host's /sys/fs/cgroup, a hybrid one's unified/. */
static const char *unified_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct statfs st;

	for (size_t i = 0; i < ELEMENTSOF(roots); i++)
		if (statfs(roots[i], &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
			return roots[i];
	return NULL;
}

int shim_cgroup_create(shim_task *t)
{
	_cleanup_free_ char *text = NULL;
	const char *root = unified_root(), *own = NULL;
	char *line, *save = NULL;

	if (!root)
		return -EOPNOTSUPP;
	if (volt_file_read(&text, NULL, "/proc/self/cgroup", 65536) < 0) {
		volt_error_clear();
		return -EOPNOTSUPP;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "0::", 3) == 0)
			own = line + 3;
	if (!own || strstr(own, ".."))
		return -EOPNOTSUPP;
	if (asprintf(&t->cgroup, "%s%s/volt-shim-%s", root, strcmp(own, "/") == 0 ? "" : own, t->name) < 0) {
		t->cgroup = NULL;
		return -ENOMEM;
	}
	if (mkdir(t->cgroup, 0755) < 0 && errno != EEXIST) {
		int r = -errno;

		free(t->cgroup);
		t->cgroup = NULL;
		return r;
	}
	return 0;
}

static int write_file(const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write(fd, value, len) == (ssize_t)len ? 0 : -errno;
}

int shim_cgroup_enter(const shim_task *t)
{
	return t->cgroup ? write_file(t->cgroup, "cgroup.procs", "0") : 0;
}

/* Whether cgroup.events says "frozen @want" (the kernel's word that every process is stopped, or none). */
static bool events_say(const char *dir, bool want)
{
	_cleanup_free_ char *path = NULL, *text = NULL;

	if (asprintf(&path, "%s/cgroup.events", dir) < 0 || volt_file_read(&text, NULL, path, 4096) < 0) {
		volt_error_clear();
		return false;
	}
	return strstr(text, want ? "frozen 1" : "frozen 0") != NULL;
}

int shim_cgroup_freeze(const shim_task *t, bool frozen)
{
	int r;

	if (!t->cgroup)
		return -EOPNOTSUPP;
	r = write_file(t->cgroup, "cgroup.freeze", frozen ? "1" : "0");
	if (r < 0)
		return r;
	/* Freezing completes asynchronously; containerd expects it done at the answer (5 s at most). */
	for (int i = 0; i < 500 && !events_say(t->cgroup, frozen); i++)
		usleep(10000);
	return events_say(t->cgroup, frozen) ? 0 : -ETIMEDOUT;
}

/* rmdir @dir and the cgroups below it, deepest first (cgroupfs removes only empty ones). */
static void remove_tree(const char *dir, int depth)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	if (d && depth < 16)
		while ((e = readdir(d))) {
			_cleanup_free_ char *sub = NULL;

			if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (asprintf(&sub, "%s/%s", dir, e->d_name) >= 0)
				remove_tree(sub, depth + 1);
		}
	(void)rmdir(dir);
}

void shim_cgroup_remove(shim_task *t)
{
	if (!t->cgroup)
		return;
	(void)write_file(t->cgroup, "cgroup.freeze", "0");
	remove_tree(t->cgroup, 0);
	free(t->cgroup);
	t->cgroup = NULL;
}
