/*
 * Learn mode: run a program under ptrace and record what it did.
 *
 * Why ptrace: the tracer sees every syscall of every thread and child,
 * which are attached by the kernel before they run (TRACEFORK, VFORK,
 * CLONE), a tracee cannot detach itself or be traced by another tracer,
 * and PTRACE_O_EXITKILL kills all tracees if the tracer dies, so the
 * program can neither escape nor outlive the observation. Seccomp user
 * notification would see only syscalls chosen in advance and cannot read
 * the results; SECCOMP_RET_TRACE still needs a ptrace tracer.
 *
 * What is recorded, from syscall-entry arguments and exit results:
 *   - paths opened for reading (and failed with ENOENT: under Landlock
 *     they would fail with EACCES instead) -> fs_read, by directory;
 *   - paths opened for writing, created, removed, renamed -> fs_write, by
 *     directory;
 *   - executed programs and their ELF interpreter (from /proc/PID/exe and
 *     /proc/PID/maps at the exec event; Landlock checks both) ->
 *     fs_execute, by directory;
 *   - IPv4/IPv6 ports passed to bind and connect -> net_bind, net_connect;
 *   - every syscall number -> a "custom" seccomp allow list.
 *
 * One way out of ptrace remains by design: clone(CLONE_UNTRACED) makes a
 * child the tracer is not attached to. The tracer refuses such a clone
 * (EPERM), and answers clone3 with ENOSYS (its flags sit in memory that
 * another thread could change after the tracer read it), so that the C
 * library falls back to clone, whose flags are in a register.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>
#include <volt/core.h>

#include "shared/macro.h"
#include "policy-internal.h"

#define NR_SLOTS 1024

enum access_kind { ACCESS_NONE, ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC, ACCESS_READ_OR_WRITE };

struct tracee {
	pid_t tid;
	bool started;           /* its initial SIGSTOP was seen */
	bool in_syscall;
	long nr;
	long forced_ret;        /* if not 0, the result to give the skipped syscall */
	/* Up to two paths of the current syscall, resolved at entry. */
	char *path[2];
	enum access_kind kind[2];
	int port;               /* bind/connect port of the current syscall, or -1 */
	bool is_bind;
};

struct learner {
	struct tracee *t;
	size_t n;
	bool used[NR_SLOTS];
	struct strv read, write, exec;
	struct portv bind, connect;
	int oom;
};

static struct tracee *tracee_get(struct learner *l, pid_t tid)
{
	struct tracee *t;

	for (size_t i = 0; i < l->n; i++)
		if (l->t[i].tid == tid)
			return &l->t[i];
	t = realloc(l->t, (l->n + 1) * sizeof(*t));
	if (!t)
		return NULL;
	l->t = t;
	t = &l->t[l->n++];
	*t = (struct tracee){ .tid = tid, .port = -1 };
	return t;
}

static void tracee_clear(struct tracee *t)
{
	for (int i = 0; i < 2; i++) {
		free(t->path[i]);
		t->path[i] = NULL;
		t->kind[i] = ACCESS_NONE;
	}
	t->port = -1;
}

static void tracee_remove(struct learner *l, pid_t tid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->t[i].tid == tid) {
			tracee_clear(&l->t[i]);
			l->t[i] = l->t[--l->n];
			return;
		}
}

static bool read_mem(pid_t tid, unsigned long addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };

	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* A NUL-terminated string from the tracee, read page by page. */
static char *read_string(pid_t tid, unsigned long addr)
{
	char *buf = malloc(PATH_MAX);
	size_t got = 0;

	if (!buf || !addr) {
		free(buf);
		return NULL;
	}
	while (got < PATH_MAX) {
		size_t chunk = 4096 - ((addr + got) % 4096);
		struct iovec local, remote;
		ssize_t n;

		if (chunk > PATH_MAX - got)
			chunk = PATH_MAX - got;
		local = (struct iovec){ buf + got, chunk };
		remote = (struct iovec){ (void *)(addr + got), chunk };
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			break;
		if (memchr(buf + got, 0, (size_t)n))
			return buf;
		got += (size_t)n;
	}
	free(buf);
	return NULL;
}

/* readlink("/proc/TID/@what"), e.g. "cwd", "exe", "fd/3". */
static char *read_link(pid_t tid, const char *what)
{
	char proc[64], *target = malloc(PATH_MAX);
	ssize_t len;

	if (!target)
		return NULL;
	snprintf(proc, sizeof(proc), "/proc/%d/%s", (int)tid, what);
	len = readlink(proc, target, PATH_MAX - 1);
	if (len <= 0) {
		free(target);
		return NULL;
	}
	target[len] = 0;
	return target;
}

/* The absolute form of @path as the tracee sees it (relative to @dirfd). */
static char *absolute_path(pid_t tid, int dirfd, const char *path)
{
	_cleanup_free_ char *base = NULL;
	char *joined = NULL;

	if (!path || !*path)
		return NULL;
	if (strncmp(path, "/proc/self", 10) == 0 && (path[10] == '/' || !path[10])) {
		if (asprintf(&joined, "/proc/%d%s", (int)tid, path + 10) < 0)
			return NULL;
		return joined;
	}
	if (path[0] == '/')
		return strdup(path);
	if (dirfd == AT_FDCWD) {
		base = read_link(tid, "cwd");
	} else {
		char fd[32];

		snprintf(fd, sizeof(fd), "fd/%d", dirfd);
		base = read_link(tid, fd);
	}
	if (!base || asprintf(&joined, "%s/%s", base, path) < 0)
		return NULL;
	return joined;
}

static void note_path(struct tracee *t, int slot, pid_t tid, int dirfd, unsigned long addr, enum access_kind kind)
{
	_cleanup_free_ char *raw = read_string(tid, addr);

	t->path[slot] = absolute_path(tid, dirfd, raw);
	t->kind[slot] = t->path[slot] ? kind : ACCESS_NONE;
}

static enum access_kind open_kind(unsigned long flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
		return ACCESS_WRITE;
	return ACCESS_READ;
}

static void note_sockaddr(struct tracee *t, pid_t tid, unsigned long addr, unsigned long len, bool is_bind)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	if (len < sizeof(struct sockaddr_in) || !read_mem(tid, addr, &sa, len < sizeof(sa) ? len : sizeof(sa)))
		return;
	if (sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6)
		return;
	/* sin_port and sin6_port sit at the same offset. */
	t->port = ntohs(sa.sin6_port);
	t->is_bind = is_bind;
}

/* Refuse the syscall at entry: it is skipped, and at exit gets @err. */
static void skip_syscall(struct tracee *t, struct user_regs_struct *regs, int err)
{
	regs->orig_rax = (unsigned long long)-1;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, regs) == 0)
		t->forced_ret = -err;
	else
		/* Cannot refuse it: kill the program rather than lose it. */
		kill(t->tid, SIGKILL);
}

static void syscall_entry(struct tracee *t, struct user_regs_struct *regs)
{
	pid_t tid = t->tid;
	unsigned long a0 = regs->rdi, a1 = regs->rsi, a2 = regs->rdx, a3 = regs->r10;
	int d0 = (int)a0, d2 = (int)a2;

	tracee_clear(t);
	t->nr = (long)regs->orig_rax;
	switch (t->nr) {
	case SYS_clone:
		if (a0 & CLONE_UNTRACED)
			skip_syscall(t, regs, EPERM);
		break;
	case SYS_clone3:
		skip_syscall(t, regs, ENOSYS);
		break;
	case SYS_open:
		note_path(t, 0, tid, AT_FDCWD, a0, open_kind(a1));
		break;
	case SYS_creat:
	case SYS_truncate:
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink:
	case SYS_mknod:
		note_path(t, 0, tid, AT_FDCWD, a0, ACCESS_WRITE);
		break;
	case SYS_openat:
		note_path(t, 0, tid, d0, a1, open_kind(a2));
		break;
	case SYS_openat2: {
		struct open_how how = { 0 };

		if (read_mem(tid, a2, &how, sizeof(how.flags)))
			note_path(t, 0, tid, d0, a1, open_kind(how.flags));
		break;
	}
	case SYS_mkdirat:
	case SYS_unlinkat:
	case SYS_mknodat:
		note_path(t, 0, tid, d0, a1, ACCESS_WRITE);
		break;
	case SYS_rename:
	case SYS_link:
		note_path(t, 0, tid, AT_FDCWD, a0, ACCESS_WRITE);
		note_path(t, 1, tid, AT_FDCWD, a1, ACCESS_WRITE);
		break;
	case SYS_renameat:
	case SYS_renameat2:
	case SYS_linkat:
		note_path(t, 0, tid, d0, a1, ACCESS_WRITE);
		note_path(t, 1, tid, d2, a3, ACCESS_WRITE);
		break;
	case SYS_symlink:
		note_path(t, 0, tid, AT_FDCWD, a1, ACCESS_WRITE);
		break;
	case SYS_symlinkat:
		note_path(t, 0, tid, (int)a1, a2, ACCESS_WRITE);
		break;
	case SYS_execve:
		note_path(t, 0, tid, AT_FDCWD, a0, ACCESS_EXEC);
		break;
	case SYS_execveat:
		note_path(t, 0, tid, d0, a1, ACCESS_EXEC);
		break;
	case SYS_bind:
	case SYS_connect:
		note_sockaddr(t, tid, a1, a2, t->nr == SYS_bind);
		break;
	default:
		break;
	}
}

/*
 * The directory a path's access should be granted on, canonical
 * (symlinks resolved, since Landlock rules attach to inodes), device
 * files themselves rather than /dev, with
 * per-process names folded: /proc/1234/... -> /proc, /dev/pts/3 -> /dev/pts.
 */
static char *grant_dir(const char *path, bool dir_itself)
{
	char resolved[PATH_MAX], *slash;
	struct stat st;

	if (realpath(path, resolved)) {
		bool is_dir = stat(resolved, &st) == 0 && S_ISDIR(st.st_mode);

		/* Devices are granted one by one: all of /dev would include disks. */
		if (strncmp(resolved, "/dev/", 5) == 0 && !is_dir && strncmp(resolved, "/dev/pts/", 9) != 0)
			return strdup(resolved);
		if (!(dir_itself && is_dir)) {
			slash = strrchr(resolved, '/');
			if (slash == resolved)
				slash[1] = 0;
			else if (slash)
				*slash = 0;
		}
	} else {
		/* Not there (yet): grant on the existing parent. */
		_cleanup_free_ char *copy = strdup(path);

		if (!copy)
			return NULL;
		slash = strrchr(copy, '/');
		if (!slash)
			return NULL;
		if (slash == copy)
			slash[1] = 0;
		else
			*slash = 0;
		if (!realpath(copy, resolved))
			return NULL;
	}
	if (strncmp(resolved, "/proc/", 6) == 0 && resolved[6] >= '0' && resolved[6] <= '9')
		resolved[5] = 0;
	if (strncmp(resolved, "/dev/pts/", 9) == 0)
		resolved[8] = 0;
	return strdup(resolved);
}

static void grant(struct learner *l, struct strv *v, const char *path, bool dir_itself)
{
	_cleanup_free_ char *dir = grant_dir(path, dir_itself);

	if (dir && strv_add(v, dir) < 0)
		l->oom = 1;
}

static void syscall_exit(struct learner *l, struct tracee *t, long ret)
{
	if (t->nr >= 0 && t->nr < NR_SLOTS)
		l->used[t->nr] = true;
	for (int i = 0; i < 2; i++) {
		if (t->kind[i] == ACCESS_NONE)
			continue;
		/* A read of a missing file must stay ENOENT, not become EACCES. */
		if (ret < 0 && !(ret == -ENOENT && t->kind[i] == ACCESS_READ))
			continue;
		switch (t->kind[i]) {
		case ACCESS_READ:
			grant(l, &l->read, t->path[i], true);
			break;
		case ACCESS_WRITE:
			grant(l, &l->write, t->path[i], false);
			grant(l, &l->read, t->path[i], false);
			break;
		case ACCESS_EXEC:
			/* The path given to execve: a script, where /proc/PID/exe shows its interpreter. */
			if (ret == 0)
				grant(l, &l->exec, t->path[i], false);
			break;
		default:
			break;
		}
	}
	if (t->port >= 0 && (ret >= 0 || ret == -EINPROGRESS || ret == -ECONNREFUSED))
		if (portv_add(t->is_bind ? &l->bind : &l->connect, (uint16_t)t->port) < 0)
			l->oom = 1;
	tracee_clear(t);
}

/* At the exec event: the program and its ELF interpreter need execute access. */
static void exec_event(struct learner *l, pid_t tid)
{
	_cleanup_free_ char *exe = read_link(tid, "exe");
	char maps[64], line[PATH_MAX + 128];
	_cleanup_fclose_ FILE *f = NULL;

	if (exe)
		grant(l, &l->exec, exe, false);
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)tid);
	f = fopen(maps, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char perms[8], *path = strchr(line, '/');

		if (sscanf(line, "%*s %7s", perms) == 1 && perms[2] == 'x' && path) {
			path[strcspn(path, "\n")] = 0;
			grant(l, &l->exec, path, false);
		}
	}
}

/* Keep only the outermost of nested directories. */
static int collapse(const struct strv *in, struct strv *out)
{
	for (size_t i = 0; i < in->n; i++) {
		bool covered = false;

		for (size_t k = 0; k < in->n && !covered; k++) {
			size_t len = strlen(in->items[k]);

			covered = k != i && strncmp(in->items[i], in->items[k], len) == 0 &&
				  (in->items[i][len] == '/' || strcmp(in->items[k], "/") == 0) &&
				  strlen(in->items[i]) > len;
		}
		if (!covered && strv_add(out, in->items[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int build_policy(struct learner *l, volt_sec_policy **out)
{
	volt_sec_policy *p = policy_alloc();
	int r = 0;

	if (!p)
		return volt_error_set(ENOMEM, NULL);
	p->fs_restricted = p->bind_restricted = p->connect_restricted = true;
	p->profile = SECCOMP_PROFILE_CUSTOM;
	/* What volt itself needs between applying the policy and the program's start. */
	l->used[SYS_execve] = l->used[SYS_exit_group] = true;
	if (collapse(&l->read, &p->fs_read) < 0 || collapse(&l->write, &p->fs_write) < 0 ||
	    collapse(&l->exec, &p->fs_execute) < 0)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < l->bind.n; i++)
		r = portv_add(&p->net_bind, l->bind.items[i]);
	for (size_t i = 0; r == 0 && i < l->connect.n; i++)
		r = portv_add(&p->net_connect, l->connect.items[i]);
	for (int nr = 0; r == 0 && nr < NR_SLOTS; nr++) {
		char *name;

		if (!l->used[nr])
			continue;
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (!name)
			continue;
		r = strv_add(&p->sc_allow, name);
		free(name);
	}
	if (r < 0 || l->oom) {
		volt_sec_policy_free(p);
		return volt_error_set(ENOMEM, NULL);
	}
	*out = p;
	return 0;
}

static _Noreturn void child_main(char *const argv[], int err_fd)
{
	int err;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
		err = errno;
		(void)!write(err_fd, &err, sizeof(err));
		_exit(127);
	}
	raise(SIGSTOP);
	execvp(argv[0], argv);
	err = errno;
	(void)!write(err_fd, &err, sizeof(err));
	_exit(127);
}

static int trace_loop(struct learner *l, pid_t main_pid, int *main_status)
{
	for (;;) {
		struct user_regs_struct regs;
		struct tracee *t;
		int status, sig = 0, event;
		pid_t tid = waitpid(-1, &status, __WALL);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return volt_error_set_errno(errno, "learn: waitpid");
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == main_pid)
				*main_status = status;
			tracee_remove(l, tid);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		t = tracee_get(l, tid);
		if (!t)
			return volt_error_set(ENOMEM, NULL);
		event = status >> 16;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0) {
				if (!t->in_syscall) {
					syscall_entry(t, &regs);
				} else if (t->forced_ret) {
					regs.rax = (unsigned long long)t->forced_ret;
					t->forced_ret = 0;
					if (ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0)
						kill(tid, SIGKILL);
					syscall_exit(l, t, (long)regs.rax);
				} else {
					syscall_exit(l, t, (long)regs.rax);
				}
				t->in_syscall = !t->in_syscall;
			}
		} else if (WSTOPSIG(status) == SIGTRAP && event) {
			if (event == PTRACE_EVENT_EXEC) {
				/* The thread that called execve now has the leader's id. */
				t->nr = SYS_execve;
				t->in_syscall = true;
				exec_event(l, tid);
			}
		} else if (WSTOPSIG(status) == SIGSTOP && !t->started) {
			/* The initial stop of a newly attached thread or child. */
			t->started = true;
		} else {
			sig = WSTOPSIG(status);
		}
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
	}
}

VOLT_API int volt_sec_learn_run(volt_sec_policy **out, int *exit_status, char *const argv[],
				const volt_sec_learn_options *options)
{
	struct learner l = { 0 };
	int pipefd[2], status, err = 0, main_status = 0, r;
	pid_t pid;
	ssize_t n;

	assert_return(out, -EINVAL);
	assert_return(argv && argv[0], -EINVAL);
	if (options && (options->version != VOLT_SEC_LEARN_OPTIONS_VERSION || options->flags != 0))
		return volt_error_set(EINVAL, "learn: bad options (version %u, flags %#x)", options->version,
				      options->flags);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return volt_error_set_errno(errno, "learn: pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return volt_error_set_errno(errno, "learn: fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_main(argv, pipefd[1]);
	}
	close(pipefd[1]);

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		n = read(pipefd[0], &err, sizeof(err));
		close(pipefd[0]);
		return volt_error_set(n == sizeof(err) ? err : ECHILD, "learn: cannot trace '%s'%s", argv[0],
				      n == sizeof(err) ? " (ptrace refused)" : "");
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
				  PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)) < 0) {
		r = volt_error_set_errno(errno, "learn: ptrace options");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pipefd[0]);
		return r;
	}
	{
		struct tracee *first = tracee_get(&l, pid);

		if (!first) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(pipefd[0]);
			return volt_error_set(ENOMEM, NULL);
		}
		first->started = true;
	}
	ptrace(PTRACE_SYSCALL, pid, NULL, NULL);
	r = trace_loop(&l, pid, &main_status);

	n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (r == 0 && n == sizeof(err))
		r = volt_error_set_errno(err, "learn: cannot execute '%s'", argv[0]);
	if (r == 0)
		r = build_policy(&l, out);
	for (size_t i = 0; i < l.n; i++)
		tracee_clear(&l.t[i]);
	free(l.t);
	strv_done(&l.read);
	strv_done(&l.write);
	strv_done(&l.exec);
	free(l.bind.items);
	free(l.connect.items);
	if (r == 0 && exit_status)
		*exit_status = main_status;
	return r;
}
