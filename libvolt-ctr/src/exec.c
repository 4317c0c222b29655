/*
 * Running a command in a running container.
 *
 * The command joins the cgroups of the container's first process (so the
 * container's limits cover it) and every namespace of it
 * (user, mount, PID, UTS, IPC, network, cgroup) in one setns() on a
 * pidfd, and is then started through the same launcher as the workload,
 * so it runs as the container's user under the container's policy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

/* The container's PID 1: nspawn's child. */
static int container_leader(pid_t nspawn, pid_t *out)
{
	_cleanup_free_ char *text = NULL;
	char path[96];
	long pid;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)nspawn, (int)nspawn);
	/* Just after a start, nspawn may still be setting the container up. */
	for (int tries = 0; tries < 500; tries++) {
		free(text);
		text = NULL;
		if (volt_file_read(&text, NULL, path, 4096) < 0)
			return volt_error_prefix(-ESRCH, "find the container's processes");
		pid = strtol(text, NULL, 10);
		if (pid > 0) {
			*out = (pid_t)pid;
			return 0;
		}
		usleep(10000);
	}
	return volt_error_set(ESRCH, "the container has no process after 5s");
}

static int running_nspawn(const volt_ctr *ctr, const ctr_record *rec, pid_t *out)
{
	ctr_unit_status st;
	char unit[128];
	int r;

	(void)ctr;
	if (ctr_run_pid(rec, out) == 0 && *out > 0)
		return 0;
	if (volt_ctr_have_systemd() && ctr_unit_name(unit, sizeof(unit), rec->name) == 0 &&
	    (r = common_unit_status_get(unit, &st)) == 0 && st.loaded && st.main_pid > 0) {
		*out = st.main_pid;
		return 0;
	}
	return volt_error_set(ESRCH, "container '%s' is not running", rec->name);
}

/* Write "0" (the writer itself) to a cgroup.procs file. */
static int write_procs(const char *procs)
{
	_cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write(fd, "0", 1) == 1 ? 0 : -errno;
}

/*
 * Move the calling process into the cgroups of @leader, in every
 * hierarchy this host has (cgroup v2, and the v1 ones of a hybrid host),
 * so that the container's limits and its unit cover an exec'd command
 * too. Best effort: a hierarchy that refuses (read-only v1 controllers
 * inside nspawn) is skipped.
 */
static void join_cgroups(pid_t leader)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	char *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)leader);
	if (volt_file_read(&text, NULL, path, 65536) < 0) {
		volt_error_clear();
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *controllers = strchr(line, ':'), *cg;
		_cleanup_free_ char *procs = NULL;
		int r;

		if (!controllers || !(cg = strchr(controllers + 1, ':')))
			continue;
		*cg++ = '\0';
		controllers++;
		if (!*controllers) /* cgroup v2: unified/ on a hybrid host */
			r = asprintf(&procs, "/sys/fs/cgroup%s%s/cgroup.procs",
				     access("/sys/fs/cgroup/unified", F_OK) == 0 ? "/unified" : "", cg);
		else
			r = asprintf(&procs, "/sys/fs/cgroup/%s%s/cgroup.procs",
				     strncmp(controllers, "name=", 5) == 0 ? controllers + 5 : controllers, cg);
		if (r < 0)
			return;
		if (write_procs(procs) < 0)
			volt_log(VOLT_LOG_DEBUG, "exec: cannot join %s", procs);
	}
}

static char **exec_argv(const ctr_record *rec, char *const argv[])
{
	const char *user = "root";
	size_t n = ctr_strv_len(argv), i = 0;
	char **v = calloc(n + 6, sizeof(char *));

	if (!v)
		return NULL;
	(void)volt_json_get_string(rec->config, "user", false, "config.json", &user);
	v[i++] = strdup(CTR_LAUNCH_PATH);
	if (strcmp(user, "root") != 0 && asprintf(&v[i++], "--user=%s", user) < 0)
		v[i - 1] = NULL;
	v[i++] = strdup(CTR_POLICY_PATH);
	v[i++] = strdup("--");
	for (size_t j = 0; j < n; j++)
		v[i++] = strdup(argv[j]);
	for (size_t j = 0; j < i; j++)
		if (!v[j]) {
			ctr_strv_free(v);
			return NULL;
		}
	return v;
}

/* The environment of the container's workload, plus a PATH. */
static char **exec_env(const ctr_record *rec)
{
	json_t *env = json_object_get(rec->config, "env");
	size_t n = json_array_size(env), i;
	char **v = calloc(n + 2, sizeof(char *));
	bool have_path = false;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i] = strdup(json_string_value(json_array_get(env, i)));
		if (!v[i]) {
			ctr_strv_free(v);
			return NULL;
		}
		have_path |= strncmp(v[i], "PATH=", 5) == 0;
	}
	if (!have_path && !(v[i] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))) {
		ctr_strv_free(v);
		return NULL;
	}
	return v;
}

VOLT_API int volt_ctr_exec(volt_ctr *ctr, const char *name, char *const argv[], int *exit_status)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_strv_ char **args = NULL, **env = NULL;
	_cleanup_close_ int pidfd = -1;
	const char *workdir = "/";
	pid_t nspawn = 0, leader = 0, child;
	int r, status;

	assert_return(ctr, EINVAL);
	assert_return(exit_status, EINVAL);
	if (!argv || !argv[0] || !argv[0][0])
		return volt_error_set(EINVAL, "exec: no command given");

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0 || (r = running_nspawn(ctr, &rec, &nspawn)) < 0 || (r = container_leader(nspawn, &leader)) < 0)
		return r;
	(void)volt_json_get_string(rec.config, "workdir", false, "config.json", &workdir);
	args = exec_argv(&rec, argv);
	env = exec_env(&rec);
	if (!args || !env)
		return volt_error_set(ENOMEM, NULL);
	pidfd = (int)syscall(SYS_pidfd_open, leader, 0);
	if (pidfd < 0)
		return volt_error_set_errno(errno, "open the container's process %d", (int)leader);

	child = fork();
	if (child < 0)
		return volt_error_set_errno(errno, "fork");
	if (child == 0) {
		pid_t inner;

		join_cgroups(leader);
		/* One call joins all namespaces, in the order the kernel needs. */
		if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
					 CLONE_NEWNET | CLONE_NEWCGROUP) < 0) {
			fprintf(stderr, "volt: cannot enter the container's namespaces: %m\n");
			_exit(125);
		}
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			fprintf(stderr, "volt: cannot become root inside the container: %m\n");
			_exit(125);
		}
		/* A new PID namespace applies to children only. */
		inner = fork();
		if (inner < 0)
			_exit(125);
		if (inner == 0) {
			if (chdir(workdir) < 0 && chdir("/") < 0)
				_exit(125);
			execve(CTR_LAUNCH_PATH, args, env);
			fprintf(stderr, "volt: cannot execute the launcher in the container: %m\n");
			_exit(125);
		}
		while (waitpid(inner, &status, 0) < 0)
			if (errno != EINTR)
				_exit(125);
		if (WIFSIGNALED(status))
			_exit(128 + WTERMSIG(status));
		_exit(WEXITSTATUS(status));
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return volt_error_set_errno(errno, "wait for the command");
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
