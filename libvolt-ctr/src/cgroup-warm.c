/*
 * The grace period of a cgroup move, started while the container is
 * being prepared rather than in the middle of nspawn's start.
 *
 * A write to any cgroup.procs takes the kernel's global threadgroup lock
 * for writing (cgroup_threadgroup_rwsem, a percpu rw-semaphore), whose
 * rcu_sync waits a whole RCU grace period when no writer was there in the
 * last one: about 10 ms here, every start, in nspawn's move of the
 * container into its payload cgroup (which bare nspawn pays too), while
 * nothing else of the start runs. A writer that comes while a grace
 * period is already under way waits only for what is left of it, and one
 * that comes within a grace period after the last writer's end waits for
 * none.
 *
 * So volt moves itself, in a thread, into the cgroup it is already in, as
 * the first thing of a foreground run: nothing changes place (a move into
 * the same cgroup migrates no task), but the grace period runs while volt
 * writes the record, forks, and nspawn starts and mounts the container's
 * file systems. The sandbox is untouched: this is volt's own process, in
 * its own cgroup, before any container exists. Errors are ignored: the
 * start is only as slow as before.
 *
 * The thread blocks every signal (those for the workload stay pending for
 * volt's signalfd) and calls nothing but open, write and close, so a fork
 * of the main thread meanwhile is safe.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <volt/core.h>

#include "cgroup-warm.h"
#include "shared/macro.h"

struct ctr_cgroup_warm {
	pthread_t thread;
	char *procs; /* the cgroup.procs of this process's own cgroup */
};

static bool is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/*
 * The cgroup.procs file of this process's cgroup, in the unified
 * hierarchy where there is one (all of /sys/fs/cgroup, or beside v1 ones
 * at /sys/fs/cgroup/unified), else in systemd's v1 one. Any hierarchy
 * does: the lock is the same for all.
 */
static char *own_procs(void)
{
	_cleanup_free_ char *text = NULL;
	const char *v2 = is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)		? "/sys/fs/cgroup"
			 : is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC) ? "/sys/fs/cgroup/unified"
										: NULL;
	bool v1 = is_fs("/sys/fs/cgroup/systemd", CGROUP_SUPER_MAGIC);
	char *line, *save = NULL, *out = NULL;

	if ((!v2 && !v1) || volt_file_read(&text, NULL, "/proc/self/cgroup", 65536) < 0) {
		volt_error_clear();
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line && !out; line = strtok_r(NULL, "\n", &save)) {
		const char *path;

		if (v2 && strncmp(line, "0::/", 4) == 0)
			path = line + 3;
		else if (!v2 && v1 && (path = strstr(line, ":name=systemd:/")))
			path += strlen(":name=systemd:");
		else
			continue;
		if (asprintf(&out, "%s%s/cgroup.procs", v2 ? v2 : "/sys/fs/cgroup/systemd",
			     strcmp(path, "/") == 0 ? "" : path) < 0)
			out = NULL;
	}
	return out;
}

static void *warm(void *userdata)
{
	const char *procs = userdata;
	int fd = open(procs, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	/* "0": this process, into the cgroup it is in. */
	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
	return NULL;
}

ctr_cgroup_warm *ctr_cgroup_warm_start(void)
{
	ctr_cgroup_warm *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int r;

	if (!w)
		return NULL;
	w->procs = own_procs();
	if (!w->procs) {
		free(w);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&w->thread, NULL, warm, w->procs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		free(w->procs);
		free(w);
		return NULL;
	}
	return w;
}

void ctr_cgroup_warm_done(ctr_cgroup_warm *w)
{
	if (!w)
		return;
	pthread_join(w->thread, NULL);
	free(w->procs);
	free(w);
}
