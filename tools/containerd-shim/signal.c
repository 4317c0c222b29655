/*
 * Signals to the container's side of a process: the command an exec
 * runs, or (Kill with all) every process in the container's PID
 * namespace, sent directly rather than passed along the runner's chain,
 * so that any signal reaches them and at once.
 *
 * The container's processes are hostile and their pids may be reused:
 * each is opened as a pidfd first and only then checked (its PID
 * namespace, read through /proc after the pidfd pins the process), and
 * the signal goes through that pidfd, never to a pid read earlier.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shared/macro.h"
#include "shim.h"

#define WALK_MAX 1024

/* The PID namespace of @pid ("pid:[N]"), or "" when it is gone. */
static void pid_ns(pid_t pid, char out[64])
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	n = readlink(path, out, 63);
	out[n > 0 ? n : 0] = '\0';
}

/* The processes below @pid, level by level (children before grandchildren). */
static size_t below(pid_t pid, pid_t *out, size_t max)
{
	size_t n = 0;

	out[n++] = pid;
	for (size_t i = 0; i < n && n < max; i++) {
		char path[64];
		FILE *f;
		int child;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)out[i], (int)out[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (n < max && fscanf(f, "%d", &child) == 1)
			out[n++] = child;
		fclose(f);
	}
	return n;
}

/* A pidfd of @pid if it is (still, once pinned) in namespace @ns; else -1. */
static int pidfd_in(pid_t pid, const char *ns)
{
	char now[64];
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -1;
	pid_ns(pid, now);
	if (strcmp(now, ns) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The first process below @runner in another PID namespace than the
 * shim's: the container's end of it (an exec's command, or the
 * container's PID 1 under nspawn). Its namespace goes to @ns.
 */
static pid_t container_end(pid_t runner, char ns[64])
{
	pid_t pids[WALK_MAX];
	char own[64];
	size_t n = below(runner, pids, WALK_MAX);

	pid_ns(getpid(), own);
	for (size_t i = 1; i < n; i++) {
		pid_ns(pids[i], ns);
		if (*ns && strcmp(ns, own) != 0)
			return pids[i];
	}
	*ns = '\0';
	return 0;
}

int shim_signal_exec(pid_t runner, int sig)
{
	char ns[64];
	pid_t cmd = container_end(runner, ns);
	int fd, r = 0;

	if (cmd <= 0 || (fd = pidfd_in(cmd, ns)) < 0)
		return -ESRCH;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * Every process in the namespace of the container below @runner (the task's
 * own runner). Those outside its tree (execs and theirs) go first: once the
 * container's PID 1 ends, the kernel kills the rest with SIGKILL, and a
 * process must have got @sig by then for its status to say so.
 */
int shim_signal_all(pid_t runner, int sig)
{
	_cleanup_closedir_ DIR *d = NULL;
	pid_t tree[WALK_MAX];
	struct dirent *e;
	char ns[64];
	size_t n_tree;
	int sent = 0;

	if (container_end(runner, ns) <= 0)
		return -ESRCH;
	n_tree = below(runner, tree, WALK_MAX);
	for (int pass = 0; pass < 2; pass++) {
		d = opendir("/proc");
		if (!d)
			return -errno;
		while ((e = readdir(d))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			bool in_tree = false;
			int fd;

			if (*end || pid <= 0)
				continue;
			for (size_t i = 0; i < n_tree && !in_tree; i++)
				in_tree = tree[i] == (pid_t)pid;
			if (in_tree != (pass == 1) || (fd = pidfd_in((pid_t)pid, ns)) < 0)
				continue;
			if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0)
				sent++;
			close(fd);
		}
		closedir(d);
		d = NULL;
	}
	return sent ? 0 : -ESRCH;
}
