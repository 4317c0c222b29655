/*
 * Running a command in a running container.
 *
 * The command joins the cgroups of the container's first process (so the
 * container's limits cover it) and every namespace of it
 * (user, mount, PID, UTS, IPC, network, cgroup) in one setns() on a
 * pidfd, and is then started through the same launcher as the workload,
 * so it runs as the container's user under the container's policy.
 *
 * Nothing inside the container is trusted: the launcher binary and the
 * policy are opened on the host before the namespaces are entered, the
 * launcher is executed from its descriptor and the policy reaches it as
 * a sealed memfd (the container could have replaced /run/volt). The
 * command runs in a new session: with a pty of its own when the caller
 * has a terminal (relayed by the caller), with no controlling terminal
 * otherwise, so it can never push input (TIOCSTI) into the caller's
 * terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec/policy.h>

#include "ctr-internal.h"
#include "shared/macro.h"

/* Where the policy memfd and the launcher sit in the command's process. */
#define EXEC_POLICY_FD 3
#define EXEC_LAUNCHER_FD 4
/* Where the command's process keeps the failure pipe until its exec closes it. */
#define EXEC_FAIL_FD 5

/* Is @pid in another PID namespace than @other, and has it a child? */
static bool set_up(pid_t pid, pid_t other)
{
	_cleanup_free_ char *children = NULL;
	char a[64], b[64], ns_a[64] = "", ns_b[64] = "";

	snprintf(a, sizeof(a), "/proc/%d/ns/pid", (int)pid);
	snprintf(b, sizeof(b), "/proc/%d/ns/pid", (int)other);
	if (readlink(a, ns_a, sizeof(ns_a) - 1) < 0 || readlink(b, ns_b, sizeof(ns_b) - 1) < 0 ||
	    strcmp(ns_a, ns_b) == 0)
		return false;
	snprintf(a, sizeof(a), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (volt_file_read(&children, NULL, a, 4096) < 0) {
		volt_error_clear();
		return false;
	}
	return strtol(children, NULL, 10) > 0;
}

/*
 * The container's PID 1: nspawn's child in the container's PID namespace
 * once it has started the payload (before that, nspawn's children are
 * its helpers, and the namespaces are still being set up).
 */
static int container_leader(pid_t nspawn, pid_t *out)
{
	_cleanup_free_ char *text = NULL;
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)nspawn, (int)nspawn);
	/* Just after a start, nspawn may still be setting the container up. */
	for (int tries = 0; tries < 500; tries++) {
		free(text);
		text = NULL;
		if (volt_file_read(&text, NULL, path, 4096) < 0)
			return volt_error_prefix(-ESRCH, "find the container's processes");
		for (char *p = text, *end;; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0 && set_up((pid_t)pid, nspawn)) {
				*out = (pid_t)pid;
				return 0;
			}
		}
		usleep(10000);
	}
	return volt_error_set(ESRCH, "the container has no process after 5s");
}

/* The parent of @pid, from /proc/PID/stat; 0 when unknown. */
static pid_t parent_of(pid_t pid)
{
	_cleanup_free_ char *text = NULL;
	char path[64], *p;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (volt_file_read(&text, NULL, path, 4096) < 0) {
		volt_error_clear();
		return 0;
	}
	p = strrchr(text, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* nspawn of a running container: the checked pid file, or the unit's main process. */
static int running_nspawn(const ctr_record *rec, pid_t *out, int *out_pidfd)
{
	ctr_unit_status st;
	char unit[128];
	int r;

	if (ctr_run_pidfd(rec, out, out_pidfd) == 0 && *out > 0)
		return 0;
	if (volt_ctr_have_systemd() && ctr_unit_name(unit, sizeof(unit), rec->name) == 0 &&
	    (r = common_unit_status_get(unit, &st)) == 0 && st.loaded && st.main_pid > 0) {
		*out = st.main_pid;
		*out_pidfd = (int)syscall(SYS_pidfd_open, st.main_pid, 0);
		if (*out_pidfd >= 0)
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
		/* The kernel writes these lines; still, never climb out of the hierarchy. */
		if (strstr(cg, "/../") || strncmp(cg, "../", 3) == 0)
			continue;
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

/* Is @var ("NAME=...") the variable @name? */
static bool env_is(const char *var, const char *name)
{
	size_t len = strlen(name);

	return strncmp(var, name, len) == 0 && var[len] == '=';
}

/* The length of @entry's "NAME=", or 0 when it is not a variable. */
static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq && eq != entry ? (size_t)(eq - entry) + 1 : 0;
}

/* HOME, USER and LOGNAME as far as @env does not give them: the launcher sets those from /etc/passwd. */
static int user_env_vars(char *const *env, char **out)
{
	static const char *const names[] = { "HOME", "USER", "LOGNAME" };
	char buf[32] = "";

	for (size_t k = 0; k < ELEMENTSOF(names); k++) {
		bool given = false;

		for (size_t i = 0; env && env[i]; i++)
			given |= env_is(env[i], names[k]);
		if (!given) {
			if (*buf)
				strcat(buf, ",");
			strcat(buf, names[k]);
		}
	}
	*out = NULL;
	if (!*buf)
		return 0;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static char **exec_argv(const ctr_record *rec, char *const argv[], const char *user, char *const *env)
{
	size_t n = volt_strv_length(argv), i = 0;
	char **v = calloc(n + 7, sizeof(char *));
	_cleanup_free_ char *vars = NULL;

	if (!v)
		return NULL;
	if (!user)
		(void)volt_json_get_string(&user, rec->config, "user", false, "config.json");
	v[i++] = strdup(CTR_LAUNCH_PATH);
	if (user && strcmp(user, "root") != 0) {
		if (asprintf(&v[i++], "--user=%s", user) < 0)
			v[i - 1] = NULL;
		if (user_env_vars(env, &vars) < 0)
			v[i++] = NULL;
		else if (vars && asprintf(&v[i++], "--user-env=%s", vars) < 0)
			v[i - 1] = NULL;
	}
	if (asprintf(&v[i++], "--policy-fd=%d", EXEC_POLICY_FD) < 0)
		v[i - 1] = NULL;
	v[i++] = strdup("--");
	for (size_t j = 0; j < n; j++)
		v[i++] = strdup(argv[j]);
	for (size_t j = 0; j < i; j++)
		if (!v[j]) {
			volt_strv_free(v);
			return NULL;
		}
	return v;
}

/* Append a copy of @var to @v (of @n entries, room for it), replacing one of the same name. */
static int env_put(char **v, size_t *n, const char *var)
{
	size_t len = env_name_len(var);
	char *copy = strdup(var);

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if (strncmp(v[i], var, len) == 0) {
			free(v[i]);
			v[i] = copy;
			return 0;
		}
	v[(*n)++] = copy;
	return 0;
}

/*
 * The environment of the container's workload (none with
 * VOLT_CTR_EXEC_ENV_ONLY), then the caller's @extra, plus a PATH (and
 * TERM with a pty) where none is set.
 */
static char **exec_env(const ctr_record *rec, bool pty, char *const *extra, bool only_extra)
{
	json_t *env = only_extra ? NULL : json_object_get(rec->config, "env");
	size_t n = json_array_size(env) + volt_strv_length(extra), i = 0;
	char **v = calloc(n + 3, sizeof(char *));
	bool have_path = false, have_term = false;
	const char *term = getenv("TERM");

	if (!v)
		return NULL;
	for (size_t j = 0; j < json_array_size(env); j++) {
		const char *e = json_string_value(json_array_get(env, j));

		if (e && env_name_len(e) && env_put(v, &i, e) < 0)
			goto fail;
	}
	for (size_t j = 0; extra && extra[j]; j++)
		if (env_put(v, &i, extra[j]) < 0)
			goto fail;
	for (size_t j = 0; j < i; j++) {
		have_path |= env_is(v[j], "PATH");
		have_term |= env_is(v[j], "TERM");
	}
	if (!have_path && !(v[i++] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")))
		goto fail;
	if (pty && !have_term && asprintf(&v[i], "TERM=%s", term && *term ? term : "xterm") < 0) {
		v[i] = NULL;
		goto fail;
	}
	return v;
fail:
	volt_strv_free(v);
	return NULL;
}

/* What a caller's options may hold: the rest is the launcher's to refuse, inside. */
static int exec_options_check(const volt_ctr_exec_options *opts)
{
	if (!VERSION_SUPPORTED(opts->version, VOLT_CTR_EXEC_OPTIONS_VERSION))
		return volt_error_set(EINVAL, "exec options version %u is not supported (expected 1..%u)",
				      opts->version, VOLT_CTR_EXEC_OPTIONS_VERSION);
	if (opts->flags & ~VOLT_CTR_EXEC_ENV_ONLY)
		return volt_error_set(EINVAL, "exec: unknown flags 0x%x", opts->flags & ~VOLT_CTR_EXEC_ENV_ONLY);
	for (size_t i = 0; opts->env && opts->env[i]; i++)
		if (!env_name_len(opts->env[i]))
			return volt_error_set(EINVAL, "exec: environment entry '%s' is not NAME=VALUE", opts->env[i]);
	if (opts->workdir && opts->workdir[0] != '/')
		return volt_error_set(EINVAL, "exec: working directory '%s' must be absolute", opts->workdir);
	if (opts->user && (!opts->user[0] || strlen(opts->user) > 255))
		return volt_error_set(EINVAL, "exec: user '%s' is empty or too long", opts->user);
	return 0;
}

/* The container's policy, read on the host into a sealed memfd. */
static int policy_memfd(const ctr_record *rec)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int fd, r;

	r = ctr_record_read(&text, &len, rec, CTR_POLICY_FILE, VOLT_SEC_POLICY_FILE_MAX);
	if (r < 0)
		return volt_error_prefix(r, "container '%s': policy", rec->name);
	fd = memfd_create("volt-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return volt_error_set_errno(errno, "memfd_create");
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			r = -errno;
			close(fd);
			return volt_error_set_errno(-r, "write the policy");
		}
		off += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		close(fd);
		return volt_error_set_errno(-r, "seal the policy");
	}
	return fd;
}

/* The launcher, opened on the host: a regular file we can execute. */
static int launcher_open(void)
{
	const char *path = ctr_launcher_path();
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return volt_error_set_errno(errno, "open the launcher %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return volt_error_set(EINVAL, "the launcher %s is not a regular file", path);
	}
	return fd;
}

/* A copy of @fd above the numbers the command's descriptors get, so
 * that placing those overwrites none of ours. */
static int fd_high(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

static pid_t forward_to;

static void forward_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static const int forwarded_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };

struct exec_child {
	int pidfd, launcher, policy, slave; /* slave: -1 without a pty */
	bool slave_err;                     /* stderr to the pty too */
	const char *workdir;
	bool workdir_given;                 /* by the caller: no fallback to / */
	char **args, **env;
	pid_t leader;
	sigset_t mask;                      /* to restore */
	int fail;                           /* closes on the command's exec; an exec_failure before */
};

/* What the forked children say when they fail before the exec: the
 * library prints nothing; the parent makes it volt_ctr_exec's error. */
struct exec_failure {
	int err;
	char what[120];
};

static _Noreturn void exec_fail(int fd, const char *what)
{
	struct exec_failure f = { .err = errno ? errno : EIO };

	snprintf(f.what, sizeof(f.what), "%s", what);
	(void)!write(fd, &f, sizeof(f));
	_exit(125);
}

/*
 * In the forked child (signals still blocked as the parent blocked them):
 * enter the container, fork the command's process, pass signals on to it
 * and exit with its status. Never returns.
 */
static void enter_and_exec(const struct exec_child *c) __attribute__((noreturn));
static void enter_and_exec(const struct exec_child *c)
{
	int pidfd, launcher, policy, slave = -1, fail, status;
	pid_t inner;

	/* Not dumpable: the container's root must not ptrace a process that
	 * still holds host descriptors. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	join_cgroups(c->leader);
	pidfd = fd_high(c->pidfd);
	launcher = fd_high(c->launcher);
	policy = fd_high(c->policy);
	fail = fd_high(c->fail);
	if (fail < 0)
		exec_fail(c->fail, "cannot prepare the command's descriptors");
	close(c->fail); /* one copy: the pipe ends when the command's process execs */
	if (c->slave >= 0)
		slave = fd_high(c->slave);
	if (pidfd < 0 || launcher < 0 || policy < 0 || (c->slave >= 0 && slave < 0))
		exec_fail(fail, "cannot prepare the command's descriptors");
	/* One call joins all namespaces, in the order the kernel needs. */
	if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
				 CLONE_NEWCGROUP) < 0)
		exec_fail(fail, "cannot enter the container's namespaces");
	close(pidfd);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		exec_fail(fail, "cannot become root inside the container");
	/* A new PID namespace applies to children only. */
	inner = fork();
	if (inner < 0)
		exec_fail(fail, "cannot fork the command's process");
	if (inner == 0) {
		sigprocmask(SIG_SETMASK, &c->mask, NULL);
		/* A session of its own: no way to the caller's terminal. */
		if (setsid() < 0)
			exec_fail(fail, "cannot give the command a session of its own");
		if (slave >= 0) {
			if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
			    (c->slave_err && dup2(slave, 2) < 0))
				exec_fail(fail, "cannot give the command its terminal");
		}
		/* Only 0-2, the policy and the launcher go in; nothing else of the host. */
		if (dup2(policy, EXEC_POLICY_FD) < 0 || dup3(launcher, EXEC_LAUNCHER_FD, O_CLOEXEC) < 0 ||
		    dup3(fail, EXEC_FAIL_FD, O_CLOEXEC) < 0)
			exec_fail(fail, "cannot prepare the command's descriptors");
		if (close_range(EXEC_FAIL_FD + 1, ~0U, 0) < 0)
			exec_fail(EXEC_FAIL_FD, "cannot close descriptors");
		/* Inside the container, as its root: this path is the container's business. */
		if (chdir(c->workdir) < 0 && (c->workdir_given || chdir("/") < 0))
			exec_fail(EXEC_FAIL_FD, "cannot change to the command's working directory");
		syscall(SYS_execveat, EXEC_LAUNCHER_FD, "", c->args, c->env, AT_EMPTY_PATH);
		exec_fail(EXEC_FAIL_FD, "cannot execute the launcher in the container");
	}
	/* Only the command's process holds it now: it closes at its exec. */
	close(fail);
	if (slave >= 0)
		close(slave);
	close(launcher);
	close(policy);
	forward_to = inner;
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaction(forwarded_signals[i], &(struct sigaction){ .sa_handler = forward_signal }, NULL);
	sigprocmask(SIG_SETMASK, &c->mask, NULL);
	while (waitpid(inner, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

/* Keystrokes on their way from the caller's terminal to the pty. */
struct input_buf {
	char data[4096];
	size_t len;
	bool eof;
};

/* All of @len bytes to @fd, which may be non-blocking (stdout shares the
 * caller's terminal with stdin). False when the terminal is gone. */
static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EAGAIN) {
			(void)poll(&(struct pollfd){ .fd = fd, .events = POLLOUT }, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* What the pty has for the caller, now; false once it is closed (EIO). */
static bool pty_output(int master)
{
	char buf[8192];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n > 0) {
			(void)write_all(STDOUT_FILENO, buf, (size_t)n);
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

/*
 * Wait for @child, forwarding signals; with a pty (@master >= 0) relay
 * the caller's terminal and the pty both ways and pass window sizes on.
 * Returns the wait status.
 */
static int supervise(pid_t child, int sigfd, int master)
{
	struct input_buf in = {};
	bool master_open = master >= 0;
	int status = 0;

	for (;;) {
		struct pollfd p[3] = { { .fd = sigfd, .events = POLLIN }, { .fd = -1 }, { .fd = -1 } };

		if (master_open) {
			if (!in.eof && in.len < sizeof(in.data))
				p[1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
			p[2] = (struct pollfd){ .fd = master, .events = (short)(POLLIN | (in.len ? POLLOUT : 0)) };
		}
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH) {
					if (master_open)
						copy_winsize(STDIN_FILENO, master);
				} else if (si.ssi_signo != SIGCHLD) {
					kill(child, (int)si.ssi_signo);
				}
			}
			if (waitpid(child, &status, WNOHANG) == child) {
				/* What the command wrote last is still in the pty. */
				if (master_open)
					(void)pty_output(master);
				return status;
			}
		}
		if (!master_open)
			continue;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(STDIN_FILENO, in.data + in.len, sizeof(in.data) - in.len);

			if (n > 0)
				in.len += (size_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				in.eof = true;
		}
		if (in.len && p[2].revents & POLLOUT) {
			ssize_t n = write(master, in.data, in.len);

			if (n > 0) {
				memmove(in.data, in.data + n, in.len - (size_t)n);
				in.len -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				in.len = 0;
			}
		}
		/* EIO: no one holds the pty any more; the child's exit comes next. */
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR) && !pty_output(master))
			master_open = false;
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* A pty pair for the command: the master stays with us, non-blocking. */
static int open_pty(int *master, int *slave)
{
	struct termios tio;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s;

	if (m < 0)
		return volt_error_set_errno(errno, "open a pty");
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    (s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		int e = errno;

		close(m);
		return volt_error_set_errno(e, "set up a pty");
	}
	/* The command's terminal starts as the caller's is now. */
	if (tcgetattr(STDIN_FILENO, &tio) == 0)
		(void)tcsetattr(s, TCSANOW, &tio);
	copy_winsize(STDIN_FILENO, s);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	*master = m;
	*slave = s;
	return 0;
}

VOLT_API int volt_ctr_exec(int *exit_status, volt_ctr *ctr, const char *name, char *const argv[])
{
	return volt_ctr_exec_with_options(exit_status, ctr, name, argv, NULL);
}

VOLT_API int volt_ctr_exec_with_options(int *exit_status, volt_ctr *ctr, const char *name, char *const argv[],
					const volt_ctr_exec_options *opts)
{
	static const volt_ctr_exec_options defaults = VOLT_CTR_EXEC_OPTIONS_INIT;
	_cleanup_record_ ctr_record rec = {};
	_cleanup_strv_ char **args = NULL, **env = NULL;
	_cleanup_close_ int nspawn_fd = -1, pidfd = -1, launcher = -1, policy = -1, master = -1, slave = -1,
			    sigfd = -1;
	struct exec_child c = { .workdir = "/" };
	struct exec_failure failure = {};
	int fail[2];
	ssize_t n;
	struct termios saved;
	bool raw = false, use_pty;
	sigset_t block;
	pid_t nspawn = 0, leader = 0, child;
	int r, status, stdin_flags = -1;

	assert_return(ctr, EINVAL);
	assert_return(exit_status, EINVAL);
	if (!argv || !argv[0] || !argv[0][0])
		return volt_error_set(EINVAL, "exec: no command given");
	if (!opts)
		opts = &defaults;
	if ((r = exec_options_check(opts)) < 0)
		return r;

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0 || (r = running_nspawn(&rec, &nspawn, &nspawn_fd)) < 0 ||
	    (r = container_leader(nspawn, &leader)) < 0)
		return r;
	if (opts->workdir) {
		c.workdir = opts->workdir;
		c.workdir_given = true;
	} else
		(void)volt_json_get_string(&c.workdir, rec.config, "workdir", false, "config.json");
	use_pty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	env = exec_env(&rec, use_pty, (char *const *)opts->env, opts->flags & VOLT_CTR_EXEC_ENV_ONLY);
	args = env ? exec_argv(&rec, argv, opts->user, env) : NULL;
	if (!args || !env)
		return volt_error_set(ENOMEM, NULL);
	pidfd = (int)syscall(SYS_pidfd_open, leader, 0);
	if (pidfd < 0)
		return volt_error_set_errno(errno, "open the container's process %d", (int)leader);
	/* With both pidfds held, the pids cannot be reused: check that the
	 * leader is still nspawn's child and nspawn still the container's. */
	if (parent_of(leader) != nspawn || (poll(&(struct pollfd){ .fd = nspawn_fd, .events = POLLIN }, 1, 0) != 0))
		return volt_error_set(ESRCH, "container '%s' is not running", name);
	if ((launcher = launcher_open()) < 0 || (policy = policy_memfd(&rec)) < 0)
		return launcher < 0 ? launcher : policy;
	if (use_pty && (r = open_pty(&master, &slave)) < 0)
		return r;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGWINCH);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&block, forwarded_signals[i]);
	if (sigprocmask(SIG_BLOCK, &block, &c.mask) < 0)
		return volt_error_set_errno(errno, "block signals");
	sigfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		r = volt_error_set_errno(errno, "signalfd");
		goto out;
	}

	c.pidfd = pidfd;
	c.launcher = launcher;
	c.policy = policy;
	c.slave = slave;
	c.slave_err = use_pty && isatty(STDERR_FILENO);
	c.args = args;
	c.env = env;
	c.leader = leader;
	if (pipe2(fail, O_CLOEXEC) < 0) {
		r = volt_error_set_errno(errno, "pipe");
		goto out;
	}
	c.fail = fail[1];
	child = fork();
	if (child < 0) {
		close(fail[0]);
		close(fail[1]);
		r = volt_error_set_errno(errno, "fork");
		goto out;
	}
	if (child == 0) {
		close(fail[0]);
		enter_and_exec(&c);
	}
	/* EOF when the command's process has exec'd the launcher; a report
	 * if a child failed before (they print nothing themselves). */
	close(fail[1]);
	while ((n = read(fail[0], &failure, sizeof(failure))) < 0 && errno == EINTR)
		;
	close(fail[0]);
	if (n > 0) {
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		failure.what[sizeof(failure.what) - 1] = '\0';
		r = volt_error_set_errno(n == (ssize_t)sizeof(failure) ? failure.err : EIO, "exec in container '%s': %s",
					 name, n == (ssize_t)sizeof(failure) ? failure.what : "the command did not start");
		goto out;
	}
	if (slave >= 0) {
		close(slave);
		slave = -1;
	}
	if (use_pty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios tio = saved;

		cfmakeraw(&tio);
		raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &tio) == 0;
		stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
		if (stdin_flags >= 0)
			fcntl(STDIN_FILENO, F_SETFL, stdin_flags | O_NONBLOCK);
	}
	status = supervise(child, sigfd, master);
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r = 0;
out:
	if (stdin_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	sigprocmask(SIG_SETMASK, &c.mask, NULL);
	return r;
}
