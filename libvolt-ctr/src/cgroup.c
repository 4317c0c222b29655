/*
 * Resource limits of a foreground run: cgroups of its own.
 *
 * A unit gets its limits from systemd (MemoryMax=, ...); a foreground run
 * has no unit, so volt makes a cgroup "volt-ctr-NAME" below the caller's
 * own, writes the limits into it and moves its child (the launcher, then
 * nspawn, then the whole container) in before it executes. On a unified
 * (v2) hierarchy that is one cgroup, and a controller works only where
 * the caller's cgroup delegates it (cgroup.subtree_control); on a hybrid
 * host the controllers have v1 hierarchies of their own, one cgroup in
 * each. A limit no hierarchy here can enforce is reported, not silently
 * dropped (as Docker warns). The memory limit includes swap: an
 * allocation past it is the OOM killer's (exit status 137).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

#define CG_MAX 5

struct ctr_cgroup {
	char *dirs[CG_MAX];
	size_t n;
	char *memory_events;   /* where the OOM kills are counted, or NULL */
};

/* Does the comma-separated @list name @controller? "" names v2's empty list. */
static bool list_has(const char *list, const char *controller)
{
	size_t n = strlen(controller);

	if (!n)
		return !*list;
	for (const char *w = list; w; w = strchr(w, ',') ? strchr(w, ',') + 1 : NULL)
		if (strncmp(w, controller, n) == 0 && (w[n] == ',' || w[n] == '\0'))
			return true;
	return false;
}

/* The caller's cgroup in the hierarchy of @controller (v1), or of v2 for "". */
static char *own_path(const char *controller)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	if (volt_file_read(&text, NULL, "/proc/self/cgroup", 65536) < 0) {
		volt_error_clear();
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *list = strchr(line, ':'), *path;

		if (!list || !(path = strchr(list + 1, ':')))
			continue;
		*path++ = '\0';
		if (list_has(list + 1, controller))
			return strdup(path);
	}
	return NULL;
}

static bool is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

static int write_file(const char *dir, const char *leaf, const char *value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;

	if (asprintf(&path, "%s/%s", dir, leaf) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		return -errno;
	return 0;
}

static bool has_file(const char *dir, const char *leaf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	return access(path, F_OK) == 0;
}

/* Remove @dir and the empty cgroups nspawn may have made below it. */
static void remove_tree(const char *dir, unsigned depth)
{
	static const char *const subs[] = { "payload", "supervisor" };

	if (depth < 2)
		for (size_t i = 0; i < ELEMENTSOF(subs); i++) {
			char sub[PATH_MAX];

			snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
			if (access(sub, F_OK) == 0)
				remove_tree(sub, depth + 1);
		}
	(void)rmdir(dir);
}

/* The cgroup below the caller's in the hierarchy at @mount for @controller (NULL: none). */
static char *make_dir(const char *mount, const char *controller, const char *name)
{
	_cleanup_free_ char *own = own_path(controller);
	char *dir = NULL;

	if (!own || !is_fs(mount, *controller ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC))
		return NULL;
	if (asprintf(&dir, "%s%s/volt-ctr-%s", mount, strcmp(own, "/") == 0 ? "" : own, name) < 0)
		return NULL;
	/* Left over from a run that died: empty, so it goes. */
	remove_tree(dir, 0);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		volt_log(VOLT_LOG_DEBUG, "cgroup %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static void add_dir(ctr_cgroup *cg, char *dir)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->dirs[i], dir) == 0) {
			free(dir);
			return;
		}
	if (cg->n < CG_MAX)
		cg->dirs[cg->n++] = dir;
	else
		free(dir);
}

static void not_enforced(const char *name, const char *option, const char *why)
{
	volt_log(VOLT_LOG_WARNING, "container '%s': %s is not enforced in the foreground: %s", name, option, why);
}

int ctr_cgroup_prepare(ctr_cgroup **out, const ctr_record *rec)
{
	json_t *limits = json_object_get(rec->config, "limits");
	uint64_t memory = (uint64_t)json_integer_value(json_object_get(limits, "memory_max"));
	uint64_t tasks = (uint64_t)json_integer_value(json_object_get(limits, "tasks_max"));
	uint64_t cpu = (uint64_t)json_integer_value(json_object_get(limits, "cpu_quota_percent"));
	uint64_t io = (uint64_t)json_integer_value(json_object_get(limits, "io_weight"));
	ctr_cgroup *cg;
	char *v2 = NULL, value[64];
	const char *v2_mount;

	*out = NULL;
	if (!memory && !tasks && !cpu && !io)
		return 0;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return volt_error_set(ENOMEM, NULL);
	/* The unified hierarchy: all of /sys/fs/cgroup, or beside v1 ones. */
	v2_mount = is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
	v2 = make_dir(v2_mount, "", rec->name);

	if (memory) {
		char *d;

		snprintf(value, sizeof(value), "%llu", (unsigned long long)memory);
		if (v2 && has_file(v2, "memory.max") && write_file(v2, "memory.max", value) == 0) {
			(void)write_file(v2, "memory.swap.max", "0");
			if (asprintf(&cg->memory_events, "%s/memory.events", v2) < 0)
				cg->memory_events = NULL;
			add_dir(cg, strdup(v2));
		} else if ((d = make_dir("/sys/fs/cgroup/memory", "memory", rec->name)) &&
			   write_file(d, "memory.limit_in_bytes", value) == 0) {
			(void)write_file(d, "memory.memsw.limit_in_bytes", value);
			if (asprintf(&cg->memory_events, "%s/memory.oom_control", d) < 0)
				cg->memory_events = NULL;
			add_dir(cg, d);
		} else {
			if (d)
				remove_tree(d, 0);
			free(d);
			not_enforced(rec->name, "--memory", "the memory controller is not delegated to volt's cgroup");
		}
	}
	if (tasks) {
		char *d;

		/* The limit is the workload's, as in Docker: nspawn and the
		 * launcher's watcher, the container's PID 1 (and the port relay),
		 * come on top. */
		snprintf(value, sizeof(value), "%llu",
			 (unsigned long long)tasks + 2 + (json_array_size(json_object_get(rec->config, "ports")) ? 1 : 0));
		if (v2 && has_file(v2, "pids.max") && write_file(v2, "pids.max", value) == 0) {
			add_dir(cg, strdup(v2));
		} else if ((d = make_dir("/sys/fs/cgroup/pids", "pids", rec->name)) &&
			   write_file(d, "pids.max", value) == 0) {
			add_dir(cg, d);
		} else {
			if (d)
				remove_tree(d, 0);
			free(d);
			not_enforced(rec->name, "--pids-limit", "the pids controller is not delegated to volt's cgroup");
		}
	}
	if (cpu) {
		char *d;

		snprintf(value, sizeof(value), "%llu 100000", (unsigned long long)cpu * 1000);
		if (v2 && has_file(v2, "cpu.max") && write_file(v2, "cpu.max", value) == 0) {
			add_dir(cg, strdup(v2));
		} else if ((d = make_dir("/sys/fs/cgroup/cpu", "cpu", rec->name)) &&
			   write_file(d, "cpu.cfs_period_us", "100000") == 0 &&
			   (snprintf(value, sizeof(value), "%llu", (unsigned long long)cpu * 1000),
			    write_file(d, "cpu.cfs_quota_us", value) == 0)) {
			add_dir(cg, d);
		} else {
			if (d)
				remove_tree(d, 0);
			free(d);
			not_enforced(rec->name, "--cpus", "the cpu controller is not delegated to volt's cgroup");
		}
	}
	if (io) {
		char *d;

		snprintf(value, sizeof(value), "default %llu", (unsigned long long)io);
		if (v2 && has_file(v2, "io.weight") && write_file(v2, "io.weight", value) == 0) {
			add_dir(cg, strdup(v2));
		} else if ((d = make_dir("/sys/fs/cgroup/blkio", "blkio", rec->name)) && has_file(d, "blkio.weight") &&
			   /* v1's range is 10..1000 */
			   (snprintf(value, sizeof(value), "%llu", (unsigned long long)(io < 100 ? 10 : io / 10)),
			    write_file(d, "blkio.weight", value) == 0)) {
			add_dir(cg, d);
		} else {
			if (d)
				remove_tree(d, 0);
			free(d);
			not_enforced(rec->name, "--io-weight",
				     "no IO weight here (the io controller is not delegated, or the disk's scheduler has none)");
		}
	}
	/* The unified cgroup holds no limit here: not worth a move. */
	if (v2) {
		bool used = false;

		for (size_t i = 0; i < cg->n; i++)
			used |= strcmp(cg->dirs[i], v2) == 0;
		if (!used)
			remove_tree(v2, 0);
		free(v2);
	}
	if (cg->n == 0) {
		free(cg->memory_events);
		free(cg);
		return 0;
	}
	*out = cg;
	return 0;
}

int ctr_cgroup_enter(const ctr_cgroup *cg)
{
	for (size_t i = 0; cg && i < cg->n; i++) {
		int r = write_file(cg->dirs[i], "cgroup.procs", "0");

		if (r < 0)
			return r;
	}
	return 0;
}

/* "oom_kill N" of memory.events (v2) or memory.oom_control (v1). */
static bool oom_killed(const ctr_cgroup *cg)
{
	_cleanup_free_ char *text = NULL;
	const char *p;

	if (!cg->memory_events || volt_file_read(&text, NULL, cg->memory_events, 4096) < 0) {
		volt_error_clear();
		return false;
	}
	for (p = text; (p = strstr(p, "oom_kill ")); p++)
		if ((p == text || p[-1] == '\n') && strtoull(p + 9, NULL, 10) > 0)
			return true;
	return false;
}

/*
 * The run has ended, and what is left in its cgroup is left over from
 * it (a process the kernel has not finished killing, a helper of the
 * launcher): killed, then the cgroup removed once it is empty (a second
 * at most).
 */
static void empty_and_remove(const char *dir)
{
	for (int i = 0; i < 100; i++) {
		_cleanup_free_ char *procs = NULL, *path = NULL;

		remove_tree(dir, 0);
		if (access(dir, F_OK) < 0)
			return;
		if (asprintf(&path, "%s/cgroup.procs", dir) >= 0 && volt_file_read(&procs, NULL, path, 1 << 20) == 0)
			for (char *p = procs, *end; *p; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				if (pid > 1)
					kill((pid_t)pid, SIGKILL);
			}
		volt_error_clear();
		(void)poll(NULL, 0, 10);
	}
	volt_log(VOLT_LOG_WARNING, "cgroup %s is left: it does not empty", dir);
}

bool ctr_cgroup_done(ctr_cgroup *cg)
{
	bool oom;

	if (!cg)
		return false;
	oom = oom_killed(cg);
	for (size_t i = 0; i < cg->n; i++) {
		empty_and_remove(cg->dirs[i]);
		free(cg->dirs[i]);
	}
	free(cg->memory_events);
	free(cg);
	return oom;
}
