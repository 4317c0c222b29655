/*
 * Containers in the foreground, and starting and stopping them.
 *
 * A foreground container is a child of the caller: the child enters a
 * mount namespace of its own, mounts the overlay there (so it vanishes
 * with the container, even after a crash) and executes nspawn. Its pid
 * sits in run.pid while it runs, for list, stop and exec, with its start
 * time and the boot's id: a pid is trusted only while all of them, and
 * nspawn's command line, still match (a stale or copied file is not).
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
#include <linux/magic.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "cgroup-warm.h"
#include "ctr-internal.h"
#include "shared/macro.h"
#include "../launcher/host-mount.h"

/* In the record: the precompiled seccomp program of a unit's start. */
#define CTR_BPF_FILE "seccomp.bpf"

/* What the launcher recognises on descriptor 3 (volt-launch.c). */
#define CTR_BPF_MAGIC "VOLT-CTR-BPF-1\n"

/*
 * The container's seccomp program, compiled here on the host (from the
 * cache in ROOT/cache/seccomp after the first time), with the magic the
 * launcher wants in front. NULL (and 0) when the policy has no filter or
 * it cannot be compiled here: the launcher then compiles it inside,
 * where the same errors are reported.
 */
static void *ctr_bpf_image(const volt_ctr *ctr, const ctr_record *rec, size_t *out_len)
{
	_cleanup_free_ char *cache = NULL, *text = NULL;
	volt_sec_policy *policy = NULL;
	void *bpf = NULL, *image = NULL;
	size_t len = 0, tlen = 0, mlen = strlen(CTR_BPF_MAGIC);
	int r;

	*out_len = 0;
	if (ctr_record_read(&text, &tlen, rec, CTR_POLICY_FILE, VOLT_SEC_POLICY_FILE_MAX) < 0 ||
	    volt_sec_policy_parse(&policy, text, tlen) < 0)
		goto out;
	if (asprintf(&cache, "%s/cache/seccomp", strcmp(ctr->root, "/") == 0 ? "" : ctr->root) < 0)
		goto out;
	r = volt_sec_policy_seccomp_compile(&bpf, &len, policy, cache);
	if (r == -EPERM) {
		/* An unsafe cache is never used; compiling without it is safe. */
		volt_log(VOLT_LOG_WARNING, "%s", volt_error_message());
		r = volt_sec_policy_seccomp_compile(&bpf, &len, policy, NULL);
	}
	if (r < 0 || !bpf)
		goto out;
	image = malloc(mlen + len);
	if (!image)
		goto out;
	memcpy(image, CTR_BPF_MAGIC, mlen);
	memcpy((char *)image + mlen, bpf, len);
	*out_len = mlen + len;
out:
	volt_error_clear();
	free(bpf);
	volt_sec_policy_free(policy);
	return image;
}

/* @image in a sealed memfd, or -1. */
static int bpf_memfd(const void *image, size_t len)
{
	int fd = memfd_create("volt-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (write(fd, image, len) != (ssize_t)len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * For a unit: the program in the record, where the launcher finds it
 * (VOLT_CTR_SECCOMP_BPF, set by systemd.c). Derived data, rewritten at
 * each start: no fsync. Without it, the launcher compiles inside.
 */
static void ctr_bpf_write(const volt_ctr *ctr, const ctr_record *rec)
{
	_cleanup_free_ void *image = NULL;
	size_t len;

	image = ctr_bpf_image(ctr, rec, &len);
	if (!image || ctr_record_write(rec, CTR_BPF_FILE, image, len) < 0) {
		volt_error_clear();
		ctr_record_unlink(rec, CTR_BPF_FILE);
	}
}

/* Signal every descendant of @pid (not @pid itself), deepest last. */
void ctr_signal_descendants(pid_t pid, int sig)
{
	_cleanup_free_ char *text = NULL;
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (volt_file_read(&text, NULL, path, 65536) < 0) {
		volt_error_clear();
		return;
	}
	for (char *p = text, *end; *p; p = end) {
		long child = strtol(p, &end, 10);

		if (end == p)
			break;
		if (child > 1) {
			kill((pid_t)child, sig);
			ctr_signal_descendants((pid_t)child, sig);
		}
	}
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
static int proc_start_time(pid_t pid, unsigned long long *out)
{
	_cleanup_free_ char *text = NULL;
	char path[64], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (volt_file_read(&text, NULL, path, 4096) < 0)
		return -ESRCH;
	/* The name (field 2) may hold anything but ends at the last ')'. */
	p = strrchr(text, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 out) != 1)
		return -EINVAL;
	return 0;
}

static int boot_id(char out[static 40])
{
	_cleanup_free_ char *text = NULL;

	if (volt_file_read(&text, NULL, "/proc/sys/kernel/random/boot_id", 64) < 0)
		return -ENOENT;
	snprintf(out, 40, "%.36s", text);
	return 0;
}

/* The line run.pid holds for @pid: "PID STARTTIME BOOTID". */
static int run_pid_line(pid_t pid, char *buf, size_t size)
{
	unsigned long long start;
	char boot[40];

	if (proc_start_time(pid, &start) < 0 || boot_id(boot) < 0)
		return -ESRCH;
	snprintf(buf, size, "%d %llu %s\n", (int)pid, start, boot);
	return 0;
}

/* The word of NUL-separated @cmdline that starts with @prefix, past it; NULL if none. */
static const char *find_arg(const char *cmdline, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i < len; i += strlen(cmdline + i) + 1)
		if (strncmp(cmdline + i, prefix, n) == 0)
			return cmdline + i + n;
	return NULL;
}

/* Do @a and @b name the same directory (however spelt)? */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Is @pid, now, the nspawn this container's run.pid was written for?
 * The pid and its start time (so a reused pid is not it), the boot,
 * and nspawn's own command line naming this container and its root
 * (so a pid file copied from another container is not it either).
 */
static bool is_our_nspawn(const ctr_record *rec, pid_t pid, const char *recorded)
{
	_cleanup_free_ char *text = NULL;
	const char *machine, *directory;
	char line[128], proc[64];
	size_t len = 0;

	if (run_pid_line(pid, line, sizeof(line)) < 0 || strcmp(line, recorded) != 0)
		return false;
	snprintf(proc, sizeof(proc), "/proc/%d/comm", (int)pid);
	if (volt_file_read(&text, NULL, proc, 64) < 0 || strncmp(text, "systemd-nspawn\n", 15) != 0)
		return false;
	free(text);
	text = NULL;
	snprintf(proc, sizeof(proc), "/proc/%d/cmdline", (int)pid);
	if (volt_file_read(&text, &len, proc, 1 << 20) < 0)
		return false;
	machine = find_arg(text, len, "--machine=");
	directory = find_arg(text, len, "--directory=");
	return machine && directory && strcmp(machine, rec->name) == 0 && same_dir(directory, rec->rootfs);
}

int ctr_run_pidfd(const ctr_record *rec, pid_t *out, int *out_pidfd)
{
	_cleanup_free_ char *text = NULL;
	long pid;
	int fd;

	*out = 0;
	*out_pidfd = -1;
	if (ctr_record_read(&text, NULL, rec, CTR_RUN_FILE, 256) < 0) {
		volt_error_clear();
		return 0;
	}
	pid = strtol(text, NULL, 10);
	if (pid <= 1 || pid > INT32_MAX)
		return 0;
	/* Pin the process first, then check it is ours: after that its pid
	 * cannot go to another process while we hold the pidfd. */
	fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd < 0)
		return 0;
	if (!is_our_nspawn(rec, (pid_t)pid, text)) {
		volt_error_clear();
		close(fd);
		return 0;
	}
	*out = (pid_t)pid;
	*out_pidfd = fd;
	return 0;
}

int ctr_run_pid(const ctr_record *rec, pid_t *out)
{
	int fd;
	int r = ctr_run_pidfd(rec, out, &fd);

	if (fd >= 0)
		close(fd);
	return r;
}

static int wait_status(pid_t pid, int *exit_status)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return volt_error_set_errno(errno, "wait for the container");
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/* What the foreground child sets up before it becomes the launcher. */
struct child_setup {
	int out_fd, err_fd;      /* the relay's pipes, or -1 */
	bool own_group;          /* a process group of its own */
	const ctr_cgroup *cgroup;
	const sigset_t *mask;    /* the caller's signal mask, restored */
	int ready_fd;            /* closes on exec; a child_failure before that */
};

/* What the child says in place of its exec: the library prints nothing. */
struct child_failure {
	int err;
	char what[120];
};

/* In the child: tell the parent what failed (errno is the cause), end. */
static _Noreturn void child_fail(const struct child_setup *cs, const char *what)
{
	struct child_failure f = { .err = errno ? errno : EIO };

	snprintf(f.what, sizeof(f.what), "%s", what);
	(void)!write(cs->ready_fd, &f, sizeof(f));
	_exit(125);
}

/*
 * The launcher's host side, when it has nothing to do but the overlay
 * (no veth to attach, no port to relay): its command line is
 * "LAUNCHER --mount-overlay=OPTIONS --target=DIR -- NSPAWN ...". The
 * child mounts the overlay itself and executes nspawn: one exec fewer.
 * NULL when the launcher has more to do.
 */
static char **direct_nspawn(char **argv, const char **options, const char **target)
{
	if (!argv[0] || !argv[1] || strncmp(argv[1], "--mount-overlay=", 16) != 0 || !argv[2] ||
	    strncmp(argv[2], "--target=", 9) != 0 || !argv[3] || strcmp(argv[3], "--") != 0 || !argv[4])
		return NULL;
	*options = argv[1] + 16;
	*target = argv[2] + 9;
	return argv + 4;
}

/*
 * In the child: a private mount namespace, then the launcher's host side
 * (overlay, then nspawn), as in a unit, or that work itself when the
 * launcher would do nothing else. Never returns. @ready closes on exec
 * (O_CLOEXEC), which tells the parent nspawn (or the launcher) runs.
 */
static _Noreturn void child_exec(char **argv, int bpf_fd, const struct child_setup *cs)
{
	const char *options, *target;
	char pid[32], **nspawn;

	if (cs->out_fd >= 0 && (dup2(cs->out_fd, STDOUT_FILENO) < 0 || dup2(cs->err_fd, STDERR_FILENO) < 0))
		child_fail(cs, "cannot connect the container's output");
	/* Without a terminal of its own, a terminal's ^C is volt's to pass on
	 * to the workload; nspawn would only try to halt the container. */
	if (cs->own_group)
		(void)setpgid(0, 0);
	if (ctr_cgroup_enter(cs->cgroup) < 0)
		child_fail(cs, "cannot enter the container's cgroup");
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(cs, "cannot make a private mount namespace");
	/* Volt's filter, installed by the launcher inside, is the container's
	 * only one: nspawn's own costs most of its start (docs/ctr-start.md). */
	if (setenv("SYSTEMD_SECCOMP", "0", 1) < 0)
		child_fail(cs, "cannot set the environment");
	/* The precompiled program, for nspawn to pass in like a socket
	 * (the launcher becomes nspawn with this pid). */
	if (bpf_fd >= 0 && (bpf_fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(bpf_fd, 3)) >= 0) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (setenv("LISTEN_FDS", "1", 1) < 0 || setenv("LISTEN_PID", pid, 1) < 0)
			child_fail(cs, "cannot set the environment");
		unsetenv("LISTEN_FDNAMES");
	}
	unsetenv("VOLT_CTR_SECCOMP_BPF");
	nspawn = direct_nspawn(argv, &options, &target);
	if (nspawn && ctr_host_mount(target, options) < 0)
		child_fail(cs, "cannot mount the container's root");
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, cs->mask, NULL);
	if (nspawn) {
		execv(nspawn[0], nspawn);
		child_fail(cs, "cannot execute systemd-nspawn");
	}
	execv(argv[0], argv);
	child_fail(cs, "cannot execute the launcher");
}

/*
 * A signal for the workload: to every process below the container's PID 1
 * (nspawn's stub init, which would take SIGINT for a reboot request), as
 * a terminal sends ^C to a whole process group.
 */
static void signal_workload(pid_t nspawn, int sig)
{
	_cleanup_free_ char *text = NULL;
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)nspawn, (int)nspawn);
	if (volt_file_read(&text, NULL, path, 65536) < 0) {
		volt_error_clear();
		return;
	}
	for (char *p = text, *end; *p; p = end) {
		long child = strtol(p, &end, 10);

		if (end == p)
			break;
		if (child > 1)
			ctr_signal_descendants((pid_t)child, sig);
	}
}

/* Copy what is in @fd to @to and the log: 1, then 0 at its end, -1 when nothing is there yet. */
static int relay(int fd, int to, ctr_log *log)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? -1 : 0;
	if (n == 0)
		return 0;
	ctr_log_write(log, buf, (size_t)n);
	/* A reader of volt that went away costs the copy, not the run. */
	if (volt_write_all(to, buf, (size_t)n) < 0)
		volt_error_clear();
	return 1;
}

/*
 * Until the child ends: its output to ours and to the log, and the
 * signals that would end volt (SIGINT, SIGTERM, SIGHUP, SIGQUIT) to the
 * workload instead, as Docker's sig-proxy does. Then what is left in the
 * pipes (the container's processes are gone with nspawn).
 */
static int supervise(pid_t pid, int sig_fd, int out_fd, int err_fd, ctr_log *log, int *exit_status)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool out_open = out_fd >= 0, err_open = err_fd >= 0;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = out_open ? out_fd : -1, .events = POLLIN },
			{ .fd = err_open ? err_fd : -1, .events = POLLIN },
		};
		siginfo_t end = {};

		/* Without a pidfd, look for its end (not reaping it) every 50 ms. */
		if (pidfd < 0 && waitid(P_PID, (id_t)pid, &end, WEXITED | WNOHANG | WNOWAIT) == 0 && end.si_pid == pid)
			break;
		if (poll(p, 4, pidfd < 0 ? 50 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si))
				signal_workload(pid, (int)si.ssi_signo);
		}
		if (p[2].revents)
			out_open = relay(out_fd, STDOUT_FILENO, log) != 0;
		if (p[3].revents)
			err_open = relay(err_fd, STDERR_FILENO, log) != 0;
		if (p[0].revents & POLLIN)
			break;
	}
	/* Non-blocking: a process that kept a pipe's write end cannot hold us. */
	if (out_fd >= 0)
		fcntl(out_fd, F_SETFL, O_NONBLOCK);
	if (err_fd >= 0)
		fcntl(err_fd, F_SETFL, O_NONBLOCK);
	while (out_open && relay(out_fd, STDOUT_FILENO, log) > 0)
		;
	while (err_open && relay(err_fd, STDERR_FILENO, log) > 0)
		;
	return wait_status(pid, exit_status);
}

/*
 * nspawn's --console= for @console. The launcher's own options before
 * nspawn's never start with "--console=", so the first such element is
 * nspawn's.
 */
static int set_console(char **argv, volt_ctr_console console)
{
	const char *mode = console == VOLT_CTR_CONSOLE_INTERACTIVE ? "interactive"
			   : console == VOLT_CTR_CONSOLE_READ_ONLY ? "read-only"
								     : "pipe";

	for (char **a = argv; *a; a++)
		if (strncmp(*a, "--console=", 10) == 0) {
			char *s = NULL;

			if (asprintf(&s, "--console=%s", mode) < 0)
				return volt_error_set(ENOMEM, NULL);
			free(*a);
			*a = s;
			return 0;
		}
	return volt_error_set(EINVAL, "no --console in the nspawn command line");
}

/*
 * A throw-away container (made by this handle with durability off: `volt
 * run --rm`) gets a volatile overlay: its writable layer is never synced.
 * Without it, the overlay's unmount at the end of every run syncs the
 * whole file system under the state root (sync_filesystem() of the upper
 * layer's), everyone's dirty data included. After a crash of the host
 * such a layer cannot be mounted again (overlayfs refuses it); the
 * container is only for removal then, as its record may be empty too.
 */
static bool is_throwaway(const volt_ctr *ctr, const char *name)
{
	return ctr->json_sync == VOLT_JSON_NO_SYNC && ctr_created_here(ctr, name);
}

/*
 * The mark a volatile mount leaves in the work directory, which makes
 * overlayfs refuse the layer from then on. This process made the
 * container and has run since, so the host has not crashed in between:
 * the layer is intact, and a second run (or a unit) may mount it.
 */
static int clear_volatile_mark(const ctr_record *rec)
{
	_cleanup_free_ char *mark = NULL;

	if (asprintf(&mark, "%s/work/incompat", rec->work) < 0)
		return volt_error_set(ENOMEM, NULL);
	return common_rm_rf(mark);
}

static int set_volatile(char **argv)
{
	for (char **a = argv; *a; a++)
		if (strncmp(*a, "--mount-overlay=", 16) == 0) {
			char *s = NULL;

			if (asprintf(&s, "%s,volatile", *a) < 0)
				return volt_error_set(ENOMEM, NULL);
			free(*a);
			*a = s;
			return 0;
		}
	return volt_error_set(EINVAL, "no --mount-overlay in the launcher's command line");
}

/*
 * A learning launcher traces the workload instead of watching it: it is
 * no init that reaps orphans, so nspawn's stub init is PID 1 for it
 * (--as-pid2, as nspawn's first option).
 */
static int learn_init(char ***argv)
{
	size_t n = volt_strv_length(*argv), at;
	char **grown, *opt;

	/* The launcher's host options end at the first "--"; nspawn follows. */
	for (at = 0; at < n && strcmp((*argv)[at], "--") != 0; at++)
		;
	at++;
	if (at + 1 >= n)
		return volt_error_set(EINVAL, "no nspawn in the launcher's command line");
	opt = strdup("--as-pid2");
	grown = realloc(*argv, (n + 2) * sizeof(*grown));
	if (!opt || !grown) {
		free(opt);
		if (grown)
			*argv = grown;
		return volt_error_set(ENOMEM, NULL);
	}
	memmove(grown + at + 2, grown + at + 1, (n - at) * sizeof(*grown));
	grown[at + 1] = opt;
	*argv = grown;
	return 0;
}

VOLT_API int volt_ctr_run(int *exit_status, volt_ctr *ctr, const char *name)
{
	return volt_ctr_run_console(exit_status, ctr, name, VOLT_CTR_CONSOLE_AUTO);
}

VOLT_API int volt_ctr_run_console(int *exit_status, volt_ctr *ctr, const char *name, volt_ctr_console console)
{
	return ctr_run_foreground(ctr, name, console, -1, exit_status);
}

int ctr_run_foreground(volt_ctr *ctr, const char *name, volt_ctr_console console, int learn_fd, int *exit_status)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ void *image = NULL;
	_cleanup_close_ int bpf_fd = -1, sig_fd = -1;
	struct sigaction old_pipe;
	sigset_t proxied, old_mask;
	char pidbuf[128], unit[128];
	size_t image_len = 0;
	int ready[2], out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct child_failure failure = {};
	ssize_t n;
	struct child_setup cs = { .out_fd = -1, .err_fd = -1 };
	ctr_cgroup *cgroup = NULL;
	_cleanup_(ctr_cgroup_warm_donep) ctr_cgroup_warm *warm = NULL;
	ctr_log *log = NULL;
	bool oom;
	uint64_t started = 0;
	ctr_unit_status st;
	pid_t pid, running;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(exit_status, EINVAL);

	/* First: nspawn's cgroup moves then find their grace period passed (cgroup-warm.c). */
	warm = ctr_cgroup_warm_start();
	r = ctr_record_load(&rec, ctr, name);
	if (r < 0)
		return r;
	if (ctr_run_pid(&rec, &running) == 0 && running > 0)
		return volt_error_set(EALREADY, "container '%s' is already running (pid %d)", name, (int)running);
	if (volt_ctr_have_systemd() && !ctr_created_here(ctr, name) && ctr_unit_name(unit, sizeof(unit), name) == 0 &&
	    common_unit_status_get(unit, &st) == 0 && st.loaded && strcmp(st.active, "active") == 0 &&
	    strcmp(st.sub, "exited") != 0)
		return volt_error_set(EALREADY, "container '%s' is already running as %s", name, unit);

	if (console == VOLT_CTR_CONSOLE_AUTO)
		console = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? VOLT_CTR_CONSOLE_INTERACTIVE
									 : VOLT_CTR_CONSOLE_PIPE;
	if (console > VOLT_CTR_CONSOLE_READ_ONLY)
		return volt_error_set(EINVAL, "unknown console mode %d", (int)console);
	r = ctr_host_argv(&rec, console == VOLT_CTR_CONSOLE_INTERACTIVE, &argv);
	if (r < 0 || (console == VOLT_CTR_CONSOLE_READ_ONLY && (r = set_console(argv, console)) < 0))
		return r;
	if (is_throwaway(ctr, name) && ((r = clear_volatile_mark(&rec)) < 0 || (r = set_volatile(argv)) < 0))
		return r;
	if (learn_fd >= 0) {
		/* Observed, not sandboxed: the launcher gives the policy back on 3 (learn.c). */
		r = ctr_learn_argv(&argv);
		if (r < 0 || (r = learn_init(&argv)) < 0)
			return r;
		bpf_fd = fcntl(learn_fd, F_DUPFD_CLOEXEC, 0);
		if (bpf_fd < 0)
			return volt_error_set_errno(errno, "learn: dup");
	} else {
		image = ctr_bpf_image(ctr, &rec, &image_len);
		if (image)
			bpf_fd = bpf_memfd(image, image_len);
	}

	/* The output is kept (volt logs) unless nspawn needs the terminal itself. */
	if (console != VOLT_CTR_CONSOLE_INTERACTIVE) {
		if (ctr_log_open(&log, &rec) < 0) {
			volt_log(VOLT_LOG_WARNING, "container '%s': its output is not kept: %s", name,
				 volt_error_message());
			volt_error_clear();
		} else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
			r = volt_error_set_errno(errno, "pipe");
			goto out;
		}
	}
	r = ctr_cgroup_prepare(&cgroup, &rec);
	if (r < 0)
		goto out;

	/* Held until read from sig_fd: they are for the workload (supervise()). */
	sigemptyset(&proxied);
	sigaddset(&proxied, SIGINT);
	sigaddset(&proxied, SIGTERM);
	sigaddset(&proxied, SIGHUP);
	sigaddset(&proxied, SIGQUIT);
	sigprocmask(SIG_BLOCK, &proxied, &old_mask);
	sig_fd = signalfd(-1, &proxied, SFD_CLOEXEC);
	if (sig_fd < 0) {
		r = volt_error_set_errno(errno, "signalfd");
		goto restore;
	}
	cs = (struct child_setup){ .out_fd = out[1], .err_fd = err[1], .cgroup = cgroup, .mask = &old_mask,
				   .own_group = console != VOLT_CTR_CONSOLE_INTERACTIVE };

	if (pipe2(ready, O_CLOEXEC) < 0) {
		r = volt_error_set_errno(errno, "pipe");
		goto restore;
	}
	cs.ready_fd = ready[1];
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		r = volt_error_set_errno(errno, "fork");
		goto restore;
	}
	if (pid == 0) {
		close(ready[0]);
		child_exec(argv, bpf_fd, &cs);
	}
	if (bpf_fd >= 0)
		close(TAKE_FD(bpf_fd));
	/* Only the child writes into the relay's pipes: their ends go at its exit. */
	if (out[1] >= 0)
		close(TAKE_FD(out[1]));
	if (err[1] >= 0)
		close(TAKE_FD(err[1]));
	/* Wait for the exec (or the child's death); the launcher then becomes
	 * nspawn with the same pid, which run.pid names. */
	close(ready[1]);
	while ((n = read(ready[0], &failure, sizeof(failure))) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (n > 0) {
		/* It never ran: the child's own words, as this library's error. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		failure.what[sizeof(failure.what) - 1] = '\0';
		r = volt_error_set_errno(n == (ssize_t)sizeof(failure) ? failure.err : EIO, "container '%s': %s",
					 name, n == (ssize_t)sizeof(failure) ? failure.what : "its start failed");
		goto restore;
	}

	/* A reader of volt's output that goes away must not kill volt mid-run. */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &old_pipe);
	/* The launcher becomes nspawn in place: same pid, same start time. */
	r = run_pid_line(pid, pidbuf, sizeof(pidbuf));
	if (r == 0)
		/* Atomic (a reader never sees half a line) but not durable: it only
		 * means something while this boot's process runs, and every
		 * reader checks the boot id. */
		r = ctr_record_write(&rec, CTR_RUN_FILE, pidbuf, strlen(pidbuf));
	else
		volt_error_set(-r, "no /proc/%d/stat", (int)pid);
	if (r < 0)
		volt_log(VOLT_LOG_WARNING, "cannot record the container's pid: %s", volt_error_message());
	started = ctr_now_ns();
	r = supervise(pid, sig_fd, out[0], err[0], log, exit_status);
	oom = ctr_cgroup_done(TAKE_PTR(cgroup));
	if (oom)
		volt_log(VOLT_LOG_WARNING, "container '%s': out of memory: the kernel killed a process past the memory "
			 "limit (-m)", name);
	/* The end state first: whoever sees run.pid gone (volt stop) finds it. */
	if (r == 0 && ctr_state_record(&rec, *exit_status, oom, started) < 0)
		volt_log(VOLT_LOG_WARNING, "cannot record the container's state: %s", volt_error_message());
	ctr_record_unlink(&rec, CTR_RUN_FILE);
	sigaction(SIGPIPE, &old_pipe, NULL);
restore:
	{
		/* What came for the workload after it ended is not volt's to die of. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&proxied, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	ctr_cgroup_done(cgroup);
	ctr_log_close(log);
	return r;
}

VOLT_API int volt_ctr_start(volt_ctr *ctr, const char *name)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_(ctr_cgroup_warm_donep) ctr_cgroup_warm *warm = NULL;
	ctr_unit_status st;
	char unit[128];
	pid_t running;
	int r;

	assert_return(ctr, EINVAL);

	/* systemd's move of the unit's first process, and nspawn's in it,
	 * then find their grace period under way or passed (cgroup-warm.c). */
	warm = ctr_cgroup_warm_start();
	r = ctr_record_load(&rec, ctr, name);
	if (r < 0)
		return r;
	/* The unit mounts the layer without "volatile": a foreground run of
	 * this handle may have left the mark. */
	if (is_throwaway(ctr, name) && (r = clear_volatile_mark(&rec)) < 0)
		return r;
	/* From now on it may have a unit: ask systemd about it. */
	if (ctr_created_here(ctr, name)) {
		free(ctr->created);
		ctr->created = NULL;
	}
	r = ctr_unit_name(unit, sizeof(unit), name);
	if (r < 0)
		return r;
	if (ctr_run_pid(&rec, &running) == 0 && running > 0)
		return volt_error_set(EALREADY, "container '%s' is already running in the foreground (pid %d)", name,
				      (int)running);
	r = common_unit_status_get(unit, &st);
	if (r < 0)
		return r;
	if (st.loaded && strcmp(st.active, "active") == 0 && strcmp(st.sub, "exited") != 0)
		return volt_error_set(EALREADY, "container '%s' is already running", name);
	/* A unit left over from a previous run (exited or failed) goes first. */
	if (st.loaded && (r = common_unit_reset(unit)) < 0)
		return r;
	ctr_bpf_write(ctr, &rec);
	r = ctr_unit_start(&rec);
	if (r < 0)
		return volt_error_prefix(r, "start container '%s'", name);
	ctr_state_clear(&rec);
	return 0;
}

/* A pidfd of @pid's parent, or -1. */
static int parent_pidfd(pid_t pid)
{
	_cleanup_free_ char *text = NULL;
	char path[64], *p;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (volt_file_read(&text, NULL, path, 4096) < 0) {
		volt_error_clear();
		return -1;
	}
	p = strrchr(text, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid <= 1)
		return -1;
	return (int)syscall(SYS_pidfd_open, (pid_t)ppid, 0);
}

/*
 * Once nspawn has ended, the volt run that started it records the end
 * state and then removes run.pid: wait for that (while that process
 * lives; 30 s at most), so that what follows a stop (volt ps, volt
 * start -a) sees the container exited.
 */
static int wait_recorded(const ctr_record *rec, int parent)
{
	for (int i = 0; i < 3000 && ctr_record_has(rec, CTR_RUN_FILE); i++)
		if (parent < 0 || poll(&(struct pollfd){ .fd = parent, .events = POLLIN }, 1, 10) != 0)
			break;
	return 0;
}

VOLT_API int volt_ctr_stop(volt_ctr *ctr, const char *name, uint64_t timeout_ns)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_close_ int pidfd = -1, parent = -1;
	ctr_unit_status st, after;
	char unit[128];
	pid_t pid;
	int r;

	assert_return(ctr, EINVAL);

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0)
		return r;
	if (ctr_run_pidfd(&rec, &pid, &pidfd) == 0 && pid > 0) {
		struct timespec start, now;

		parent = parent_pidfd(pid);
		/* PID 1 of the container (nspawn's stub init) ignores SIGTERM:
		 * the workload and its children get it directly, as under a
		 * unit with KillMode=control-group. */
		ctr_signal_descendants(pid, SIGTERM);
		clock_gettime(CLOCK_MONOTONIC, &start);
		for (;;) {
			/* The pidfd becomes readable when nspawn has exited. */
			if (poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 5) != 0)
				return wait_recorded(&rec, parent);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((uint64_t)(now.tv_sec - start.tv_sec) * 1000000000ULL + (uint64_t)now.tv_nsec -
				    (uint64_t)start.tv_nsec >= timeout_ns)
				break;
		}
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 10000);
		return wait_recorded(&rec, parent);
	}
	if (!volt_ctr_have_systemd())
		return volt_error_set(ESRCH, "container '%s' is not running", name);
	r = ctr_unit_name(unit, sizeof(unit), name);
	if (r < 0 || (r = common_unit_status_get(unit, &st)) < 0)
		return r;
	if (!st.loaded || strcmp(st.active, "inactive") == 0)
		return volt_error_set(ESRCH, "container '%s' is not running", name);
	if (strcmp(st.sub, "exited") == 0 || strcmp(st.active, "failed") == 0) {
		/* Nothing runs; tidy the leftover unit, but say so. */
		r = common_unit_reset(unit);
		if (r < 0)
			return r;
		return volt_error_set(ESRCH, "container '%s' is not running (its workload has ended)", name);
	}
	r = common_unit_stop(unit, timeout_ns);
	if (r < 0)
		return r;
	/* A unit that failed keeps its exit status (live state shows it); one
	 * that is gone ended cleanly: the launcher turns signals into 128+N,
	 * so only the workload's exit 0 lets nspawn succeed. */
	if (common_unit_status_get(unit, &after) == 0 && !after.loaded &&
	    ctr_state_record(&rec, 0, false, st.active_enter_us * 1000) < 0)
		volt_log(VOLT_LOG_WARNING, "cannot record the container's state: %s", volt_error_message());
	volt_error_clear();
	return 0;
}
