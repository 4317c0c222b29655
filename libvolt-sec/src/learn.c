/*
 * Learn mode: run a program under ptrace, record what it did, and turn
 * that into a least-privilege policy (see docs/sec-learn.md).
 *
 * Why ptrace: the tracer sees every syscall of every thread and child,
 * which are attached by the kernel before they run (TRACEFORK, VFORK,
 * CLONE), a tracee cannot detach itself or be traced by another tracer,
 * and PTRACE_O_EXITKILL kills all tracees if the tracer dies, so the
 * program can neither escape nor outlive the observation.
 *
 * Syscalls are recorded at syscall-entry (PTRACE_GET_SYSCALL_INFO), not at
 * exit: exit() and exit_group() never return, and a policy without exit
 * leaves a joined thread spinning forever. Paths are resolved at entry
 * too (whether a file existed decides between "write this file" and
 * "create in this directory"), results are read at exit.
 *
 * One way out of ptrace remains by design: clone(CLONE_UNTRACED) makes a
 * child the tracer is not attached to. The tracer refuses such a clone
 * (EPERM), and answers clone3 with ENOSYS (its flags sit in memory that
 * another thread could change after the tracer read it), so that the C
 * library falls back to clone, whose flags are in a register. The
 * learned policy does the same: it is built on the default seccomp
 * profile, which answers clone3 with ENOSYS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>
#include <volt/core.h>

#include "shared/json-cleanup.h"
#include "shared/macro.h"
#include "policy-internal.h"
#include "syscall-lists.h"

#define NR_SLOTS 1024

/* A directory of a system tree in which this many files were read is granted whole (read-only). */
#define COLLAPSE_MIN_FILES 4

/* How many example accesses --explain keeps per rule. */
#define EXAMPLES_MAX 4

enum op { OP_NONE, OP_OPEN, OP_CHANGE, OP_TRUNCATE, OP_EXEC };

/* One path argument of the current syscall, as seen at entry. */
struct pending {
	enum op op;
	unsigned long flags;    /* open flags */
	char *name;             /* absolute, as the program named it (in its root) */
	char *real;             /* canonical, if it existed at entry */
	char *parent;           /* canonical parent directory (OP_CHANGE, or an open that may create) */
	bool is_dir;
};

struct tracee {
	pid_t tid;
	bool started;           /* its initial SIGSTOP was seen */
	long nr;
	long forced_ret;        /* if not 0, the result to give the skipped syscall */
	struct pending p[2];
	int port;               /* bind/connect port of the current syscall, or -1 */
	bool is_bind;
	int cap;                /* the capability the current syscall needs if it succeeds, or -1 */
};

/* What a grant is for. */
enum use {
	USE_READ_FILE,          /* a file opened for reading */
	USE_LIST_DIR,           /* a directory opened for reading (listed) */
	USE_WRITE_FILE,         /* an existing file opened for writing, or truncated */
	USE_CHANGE_DIR,         /* an entry created, removed or renamed in this directory */
	USE_EXEC,               /* a file executed, or mapped as the ELF interpreter */
	USE_PROBE,              /* a failed open: nothing granted */
	USE__MAX,
};

struct access {
	enum use use;
	char *path;             /* the file or directory (canonical) */
	char *examples[EXAMPLES_MAX];
	size_t n_examples, count;
};

struct learner {
	struct tracee *t;
	size_t n;
	pid_t main_pid;
	bool used[NR_SLOTS];
	struct access *acc;
	size_t n_acc;
	struct strv created;    /* paths the run created */
	struct portv bind, connect;
	bool abstract_unix;     /* it connected to an abstract unix socket */
	int root_fd;            /* the program's / */
	char *root;             /* its path ("/" on the host) */
	bool same_ids;          /* applied with the run's own ids (VOLT_SEC_LEARN_SAME_IDS) */
	bool learn_caps;        /* VOLT_SEC_LEARN_CAPABILITIES */
	uint64_t caps;          /* capabilities successful calls needed */
	int oom;
};

static const char *const use_names[USE__MAX] = {
	[USE_READ_FILE] = "read", [USE_LIST_DIR] = "list", [USE_WRITE_FILE] = "write",
	[USE_CHANGE_DIR] = "create/remove in", [USE_EXEC] = "execute", [USE_PROBE] = "probe",
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
	*t = (struct tracee){ .tid = tid, .port = -1, .cap = -1 };
	return t;
}

static void tracee_clear(struct tracee *t)
{
	for (int i = 0; i < 2; i++) {
		free(t->p[i].name);
		free(t->p[i].real);
		free(t->p[i].parent);
		t->p[i] = (struct pending){ 0 };
	}
	t->port = -1;
	t->cap = -1;
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

/* A host path as the program sees it: relative to its root, or NULL if outside. */
static char *in_root(const struct learner *l, const char *host)
{
	size_t len = strlen(l->root);

	/* "pipe:[123]", "socket:[...]", "anon_inode:...": nothing a rule can name. */
	if (host[0] != '/' || strstr(host, " (deleted)"))
		return NULL;
	if (strcmp(l->root, "/") == 0)
		return strdup(host);
	if (strncmp(host, l->root, len) != 0 || (host[len] != '/' && host[len]))
		return NULL;
	return strdup(host[len] ? host + len : "/");
}

/* The process (thread group) a thread belongs to, from /proc, or 0. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	int tgid = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	return tgid;
}

/* Field @field (0 real, 1 effective) of the @key ("Uid", "Gid") line of /proc/TID/status, or -1. */
static long id_of(pid_t tid, const char *key, int field)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	long ids[4] = { -1, -1, -1, -1 };
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':' &&
		    sscanf(line + klen + 1, "%ld %ld %ld %ld", &ids[0], &ids[1], &ids[2], &ids[3]) == 4)
			break;
	return ids[field];
}

static long uid_of(pid_t tid, int field)
{
	return id_of(tid, "Uid", field);
}

/*
 * VOLT_SEC_LEARN_CAPABILITIES: the capability a call of root's needs, to
 * be granted if it succeeds. Only what a service's setup does as root
 * (Docker's set for entrypoints, docs/ctr-policy.md): changing ids,
 * chown, ports below 1024, signalling another user's process.
 */
static const struct {
	int cap;
	const char *name;
} learnable_caps[] = {
	{ CAP_CHOWN, "CAP_CHOWN" }, { CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" }, { CAP_KILL, "CAP_KILL" }, { CAP_SETGID, "CAP_SETGID" },
	{ CAP_SETUID, "CAP_SETUID" }, { CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE" },
};

static void note_capability(struct learner *l, struct tracee *t, long nr, const uint64_t *args)
{
	int cap = -1;

	if (!l->learn_caps)
		return;
	switch (nr) {
	case SYS_setuid:
	case SYS_setreuid:
	case SYS_setresuid:
		cap = CAP_SETUID;
		break;
	case SYS_setgid:
	case SYS_setregid:
	case SYS_setresgid:
	case SYS_setgroups:
		cap = CAP_SETGID;
		break;
	case SYS_chown:
	case SYS_fchown:
	case SYS_lchown:
	case SYS_fchownat:
		cap = CAP_CHOWN;
		break;
	case SYS_kill:
	case SYS_tkill:
	case SYS_tgkill: {
		/* Only another user's process needs it: the target's real uid at entry. */
		long target = nr == SYS_tgkill ? (long)args[1] : (long)args[0];

		if (target > 0 && uid_of((pid_t)target, 0) != uid_of(t->tid, 0))
			cap = CAP_KILL;
		break;
	}
	default:
		break;
	}
	if (cap >= 0 && uid_of(t->tid, 1) == 0)
		t->cap = cap;
}

/*
 * The absolute form of @path as the tracee names it (relative to @dirfd),
 * with /proc/self and /proc/thread-self replaced by the tracee's pid.
 */
static char *absolute_path(struct learner *l, pid_t tid, int dirfd, const char *path)
{
	_cleanup_free_ char *base = NULL, *host = NULL;
	char *joined = NULL;
	size_t len;

	if (!path || !*path)
		return NULL;
	if (strncmp(path, "/proc/self", 10) == 0 && (path[10] == '/' || !path[10])) {
		if (asprintf(&joined, "/proc/%d%s", (int)tgid_of(tid), path + 10) < 0)
			return NULL;
		return joined;
	}
	if (strncmp(path, "/proc/thread-self", 17) == 0 && (path[17] == '/' || !path[17])) {
		if (asprintf(&joined, "/proc/%d/task/%d%s", (int)tgid_of(tid), (int)tid, path + 17) < 0)
			return NULL;
		return joined;
	}
	if (path[0] == '/') {
		joined = strdup(path);
	} else {
		if (dirfd == AT_FDCWD) {
			host = read_link(tid, "cwd");
		} else {
			char fd[32];

			snprintf(fd, sizeof(fd), "fd/%d", dirfd);
			host = read_link(tid, fd);
		}
		base = host ? in_root(l, host) : NULL;
		if (!base || asprintf(&joined, "%s/%s", strcmp(base, "/") == 0 ? "" : base, path) < 0)
			return NULL;
	}
	/* mkdir("dir/") names "dir". */
	len = strlen(joined);
	while (len > 1 && joined[len - 1] == '/')
		joined[--len] = 0;
	return joined;
}

/*
 * The canonical form of @path (absolute, in the program's root), symlinks
 * resolved inside that root as the program would (RESOLVE_IN_ROOT), or
 * NULL when it does not exist. Landlock rules attach to what a path
 * resolves to, so rules name canonical paths.
 */
static char *canonical(const struct learner *l, const char *path, bool *is_dir)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	_cleanup_free_ char *host = NULL;
	_cleanup_close_ int fd = -1;
	char fdpath[64];
	struct stat st;

	/*
	 * On the host, a plain open, which also follows /proc/PID/fd/N to the
	 * file a program reopens through it (Landlock checks that file);
	 * RESOLVE_IN_ROOT refuses such magic links.
	 */
	if (strcmp(l->root, "/") == 0)
		fd = open(path, O_PATH | O_CLOEXEC);
	else
		fd = (int)syscall(SYS_openat2, l->root_fd, path, &how, sizeof(how));
	if (fd < 0)
		return NULL;
	if (is_dir)
		*is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	snprintf(fdpath, sizeof(fdpath), "fd/%d", fd);
	host = read_link(getpid(), fdpath);
	return host ? in_root(l, host) : NULL;
}

/* The canonical parent of @path joined with its last component. */
static char *canonical_parent(const struct learner *l, const char *path, char **out_full)
{
	_cleanup_free_ char *copy = strdup(path);
	char *slash, *parent;

	*out_full = NULL;
	if (!copy)
		return NULL;
	slash = strrchr(copy, '/');
	if (!slash || !slash[1])
		return NULL;
	*slash = 0;
	parent = canonical(l, slash == copy ? "/" : copy, NULL);
	if (parent && asprintf(out_full, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, slash + 1) < 0)
		*out_full = NULL;
	return parent;
}

static void note_path(struct learner *l, struct tracee *t, int slot, int dirfd, unsigned long addr, enum op op,
		      unsigned long flags)
{
	_cleanup_free_ char *raw = read_string(t->tid, addr);
	struct pending *p = &t->p[slot];

	p->name = absolute_path(l, t->tid, dirfd, raw);
	if (!p->name)
		return;
	p->op = op;
	p->flags = flags;
	p->real = canonical(l, p->name, &p->is_dir);
	if (op == OP_CHANGE || (op == OP_OPEN && !p->real && (flags & O_CREAT))) {
		_cleanup_free_ char *full = NULL;

		p->parent = canonical_parent(l, p->name, &full);
		if (full) {
			/* Keep the full canonical name of what will be created. */
			free(p->real);
			p->real = op == OP_CHANGE ? TAKE_PTR(full) : NULL;
		}
	}
}

static void note_sockaddr(struct learner *l, struct tracee *t, unsigned long addr, unsigned long len, bool is_bind)
{
	struct sockaddr_un un;
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	memset(&un, 0, sizeof(un));
	if (!is_bind && len > offsetof(struct sockaddr_un, sun_path) + 1 &&
	    read_mem(t->tid, addr, &un, len < sizeof(un) ? len : sizeof(un)) && un.sun_family == AF_UNIX &&
	    un.sun_path[0] == 0)
		l->abstract_unix = true;
	if (len < sizeof(struct sockaddr_in) || !read_mem(t->tid, addr, &sa, len < sizeof(sa) ? len : sizeof(sa)))
		return;
	if (sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6)
		return;
	/* sin_port and sin6_port sit at the same offset. */
	t->port = ntohs(sa.sin6_port);
	t->is_bind = is_bind;
}

/* Refuse the syscall at entry: it is skipped, and at exit gets @err. */
static void skip_syscall(struct tracee *t, int err)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &regs) == 0) {
		regs.orig_rax = (unsigned long long)-1;
		if (ptrace(PTRACE_SETREGS, t->tid, NULL, &regs) == 0) {
			t->forced_ret = -err;
			return;
		}
	}
	/* Cannot refuse it: kill the program rather than lose it. */
	kill(t->tid, SIGKILL);
}

static void syscall_entry(struct learner *l, struct tracee *t, long nr, const uint64_t *args)
{
	unsigned long a0 = args[0], a1 = args[1], a2 = args[2], a3 = args[3];
	int d0 = (int)a0, d2 = (int)a2;

	tracee_clear(t);
	t->nr = nr;
	/* clone3 is answered ENOSYS, here and under the learned policy: it is never granted. */
	if (nr >= 0 && nr < NR_SLOTS && nr != SYS_clone3)
		l->used[nr] = true;
	note_capability(l, t, nr, args);
	switch (nr) {
	case SYS_clone:
		if (a0 & CLONE_UNTRACED)
			skip_syscall(t, EPERM);
		break;
	case SYS_clone3:
		skip_syscall(t, ENOSYS);
		break;
	case SYS_open:
		note_path(l, t, 0, AT_FDCWD, a0, OP_OPEN, a1);
		break;
	case SYS_creat:
		note_path(l, t, 0, AT_FDCWD, a0, OP_OPEN, O_CREAT | O_WRONLY | O_TRUNC);
		break;
	case SYS_truncate:
		note_path(l, t, 0, AT_FDCWD, a0, OP_TRUNCATE, 0);
		break;
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink:
	case SYS_mknod:
		note_path(l, t, 0, AT_FDCWD, a0, OP_CHANGE, 0);
		break;
	case SYS_openat:
		note_path(l, t, 0, d0, a1, OP_OPEN, a2);
		break;
	case SYS_openat2: {
		struct open_how how = { 0 };

		if (read_mem(t->tid, a2, &how, sizeof(how.flags)))
			note_path(l, t, 0, d0, a1, OP_OPEN, how.flags);
		break;
	}
	case SYS_mkdirat:
	case SYS_unlinkat:
	case SYS_mknodat:
		note_path(l, t, 0, d0, a1, OP_CHANGE, 0);
		break;
	case SYS_rename:
	case SYS_link:
		note_path(l, t, 0, AT_FDCWD, a0, SYS_rename == nr ? OP_CHANGE : OP_NONE, 0);
		note_path(l, t, 1, AT_FDCWD, a1, OP_CHANGE, 0);
		break;
	case SYS_renameat:
	case SYS_renameat2:
	case SYS_linkat:
		note_path(l, t, 0, d0, a1, nr == SYS_linkat ? OP_NONE : OP_CHANGE, 0);
		note_path(l, t, 1, d2, a3, OP_CHANGE, 0);
		break;
	case SYS_symlink:
		note_path(l, t, 0, AT_FDCWD, a1, OP_CHANGE, 0);
		break;
	case SYS_symlinkat:
		note_path(l, t, 0, (int)a1, a2, OP_CHANGE, 0);
		break;
	case SYS_execve:
		note_path(l, t, 0, AT_FDCWD, a0, OP_EXEC, 0);
		break;
	case SYS_execveat:
		note_path(l, t, 0, d0, a1, OP_EXEC, 0);
		break;
	case SYS_bind:
	case SYS_connect:
		note_sockaddr(l, t, a1, a2, nr == SYS_bind);
		break;
	default:
		break;
	}
}

/* Record that @path was used as @use, with @fmt describing the access. */
static void record(struct learner *l, enum use use, const char *path, const char *fmt, ...) VOLT_PRINTF(4, 5);
static void record(struct learner *l, enum use use, const char *path, const char *fmt, ...)
{
	struct access *a = NULL;
	char *example = NULL;
	va_list ap;

	if (!path)
		return;
	for (size_t i = l->n_acc; i-- > 0;)
		if (l->acc[i].use == use && strcmp(l->acc[i].path, path) == 0) {
			a = &l->acc[i];
			break;
		}
	if (!a) {
		struct access *grown = realloc(l->acc, (l->n_acc + 1) * sizeof(*grown));
		char *copy = strdup(path);

		if (!grown || !copy) {
			free(copy);
			if (grown)
				l->acc = grown;
			l->oom = 1;
			return;
		}
		l->acc = grown;
		a = &l->acc[l->n_acc++];
		*a = (struct access){ .use = use, .path = copy };
	}
	a->count++;
	if (a->n_examples >= EXAMPLES_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&example, fmt, ap) < 0)
		example = NULL;
	va_end(ap);
	if (!example) {
		l->oom = 1;
		return;
	}
	for (size_t i = 0; i < a->n_examples; i++)
		if (strcmp(a->examples[i], example) == 0) {
			free(example);
			return;
		}
	a->examples[a->n_examples++] = example;
}

static const char *syscall_name(long nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);

	snprintf(buf, size, "%s", name ? name : "syscall");
	free(name);
	return buf;
}

/*
 * VOLT_SEC_LEARN_CAPABILITIES: root opened an existing file that its mode
 * bits refuse root (nginx's master appending to www-data's 0640
 * error.log): CAP_DAC_OVERRIDE let it. Supplementary groups are not
 * looked at, which can only grant it where a group would have done.
 */
static void note_dac_override(struct learner *l, const struct tracee *t, const char *path, unsigned long acc)
{
	_cleanup_free_ char *host = NULL;
	mode_t need = 0, have;
	struct stat st;

	if (!l->learn_caps || (l->caps & (1ULL << CAP_DAC_OVERRIDE)) || uid_of(t->tid, 1) != 0)
		return;
	if (acc == O_RDONLY || acc == O_RDWR)
		need |= 4;
	if (acc == O_WRONLY || acc == O_RDWR)
		need |= 2;
	if (asprintf(&host, "%s%s", strcmp(l->root, "/") == 0 ? "" : l->root, path) < 0 || stat(host, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	have = st.st_uid == 0 ? (st.st_mode >> 6) & 7
	       : (long)st.st_gid == id_of(t->tid, "Gid", 1) ? (st.st_mode >> 3) & 7 : st.st_mode & 7;
	if ((have & need) != need)
		l->caps |= 1ULL << CAP_DAC_OVERRIDE;
}

static void syscall_exit(struct learner *l, struct tracee *t, long ret)
{
	char sc[32];

	syscall_name(t->nr, sc, sizeof(sc));
	for (int i = 0; i < 2; i++) {
		struct pending *p = &t->p[i];
		unsigned long acc = p->flags & O_ACCMODE;

		if (p->op == OP_NONE || !p->name)
			continue;
		if (ret < 0) {
			/*
			 * A failed call needs no grant: a missing file stays ENOENT
			 * under Landlock (it checks files that exist), and the
			 * program coped with the failure.
			 */
			if (p->op == OP_OPEN || p->op == OP_EXEC)
				record(l, USE_PROBE, p->name, "%s %s: %s", sc, p->name, strerror((int)-ret));
			continue;
		}
		switch (p->op) {
		case OP_OPEN:
			/* O_PATH opens nothing Landlock checks. */
			if (p->flags & O_PATH)
				break;
			if (!p->real) {
				_cleanup_free_ char *made = canonical(l, p->name, NULL);

				record(l, USE_CHANGE_DIR, p->parent, "%s %s (created)", sc, p->name);
				if (made && strv_add(&l->created, made) < 0)
					l->oom = 1;
				/* O_RDWR|O_CREAT (a pid file): opening it needs reading it too. */
				if (made && acc == O_RDWR)
					record(l, USE_READ_FILE, made, "%s %s (created, read-write)", sc, p->name);
				break;
			}
			if (p->is_dir) {
				record(l, USE_LIST_DIR, p->real, "%s %s (directory)", sc, p->name);
				break;
			}
			note_dac_override(l, t, p->real, acc);
			if (acc == O_RDONLY || acc == O_RDWR)
				record(l, USE_READ_FILE, p->real, "%s %s (read)", sc, p->name);
			if (acc == O_WRONLY || acc == O_RDWR || (p->flags & O_TRUNC))
				record(l, USE_WRITE_FILE, p->real, "%s %s (write)", sc, p->name);
			break;
		case OP_CHANGE:
			record(l, USE_CHANGE_DIR, p->parent, "%s %s", sc, p->name);
			if (t->nr != SYS_unlink && t->nr != SYS_unlinkat && t->nr != SYS_rmdir && p->real &&
			    !(i == 0 && (t->nr == SYS_rename || t->nr == SYS_renameat || t->nr == SYS_renameat2)) &&
			    strv_add(&l->created, p->real) < 0)
				l->oom = 1;
			break;
		case OP_TRUNCATE:
			record(l, USE_WRITE_FILE, p->real, "%s %s", sc, p->name);
			break;
		case OP_EXEC:
			/* The path given to execve: a script, where /proc/PID/exe shows its interpreter. */
			record(l, USE_EXEC, p->real, "%s %s", sc, p->name);
			break;
		default:
			break;
		}
	}
	if (t->port >= 0 && (ret >= 0 || ret == -EINPROGRESS || ret == -ECONNREFUSED))
		if (portv_add(t->is_bind ? &l->bind : &l->connect, (uint16_t)t->port) < 0)
			l->oom = 1;
	/* A port below 1024 that root bound. */
	if (l->learn_caps && t->port > 0 && t->port < 1024 && t->is_bind && ret == 0 && uid_of(t->tid, 1) == 0)
		l->caps |= 1ULL << CAP_NET_BIND_SERVICE;
	if (t->cap >= 0 && ret == 0)
		l->caps |= 1ULL << t->cap;
	tracee_clear(t);
}

/* At the exec event: the program and its ELF interpreter need execute access. */
static void exec_event(struct learner *l, pid_t tid)
{
	_cleanup_free_ char *exe = read_link(tid, "exe"), *exe_in = exe ? in_root(l, exe) : NULL;
	char maps[64], line[PATH_MAX + 128];
	_cleanup_fclose_ FILE *f = NULL;

	record(l, USE_EXEC, exe_in, "execve: the program (/proc/PID/exe)");
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)tid);
	f = fopen(maps, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char perms[8], *path = strchr(line, '/');

		if (sscanf(line, "%*s %7s", perms) == 1 && perms[2] == 'x' && path) {
			_cleanup_free_ char *mapped = NULL;

			path[strcspn(path, "\n")] = 0;
			mapped = in_root(l, path);
			if (mapped && (!exe_in || strcmp(mapped, exe_in) != 0))
				record(l, USE_EXEC, mapped, "execve: its ELF interpreter (mapped at exec)");
		}
	}
}

/* ------------------------------------------------------------------ */
/* From accesses to rules */

enum list { LIST_READ, LIST_WRITE, LIST_EXEC, LIST__MAX };

static const char *const list_keys[LIST__MAX] = { "fs_read", "fs_write", "fs_execute" };

struct rule {
	enum list list;
	char *path;
	bool is_dir;
	char *reason;
	char *flag;             /* why a reviewer should look at it, or NULL */
	struct access **from;   /* the accesses it covers */
	size_t n_from;
	bool dropped;           /* covered by another rule */
	bool unreachable;       /* flagged: uid 65534 cannot use it */
};

struct rules {
	struct rule *r;
	size_t n;
	json_t *not_granted;
	const char *home;
	int oom;
};

static bool is_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, len) == 0 && (path[len] == '/' || !path[len]);
}

static char *parent_of(const char *path)
{
	char *copy = strdup(path), *slash;

	if (!copy)
		return NULL;
	slash = strrchr(copy, '/');
	if (slash == copy)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	return copy;
}

static struct rule *rule_add(struct rules *rs, enum list list, const char *path, bool is_dir, struct access *from,
			     const char *fmt, ...) VOLT_PRINTF(6, 7);
static struct rule *rule_add(struct rules *rs, enum list list, const char *path, bool is_dir, struct access *from,
			     const char *fmt, ...)
{
	struct rule *r = NULL;
	struct access **f;
	va_list ap;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].list == list && strcmp(rs->r[i].path, path) == 0) {
			r = &rs->r[i];
			break;
		}
	if (!r) {
		struct rule *grown = realloc(rs->r, (rs->n + 1) * sizeof(*grown));

		if (!grown) {
			rs->oom = 1;
			return NULL;
		}
		rs->r = grown;
		r = &rs->r[rs->n++];
		*r = (struct rule){ .list = list, .is_dir = is_dir, .path = strdup(path) };
		va_start(ap, fmt);
		if (vasprintf(&r->reason, fmt, ap) < 0)
			r->reason = NULL;
		va_end(ap);
		if (!r->path || !r->reason)
			rs->oom = 1;
	}
	if (!from)
		return r;
	f = realloc(r->from, (r->n_from + 1) * sizeof(*f));
	if (!f) {
		rs->oom = 1;
		return r;
	}
	r->from = f;
	r->from[r->n_from++] = from;
	return r;
}

static void not_granted(struct rules *rs, const struct access *a, const char *why)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "path", a->path, "use", use_names[a->use], "reason", why), *ex;

	ex = json_array();
	for (size_t i = 0; ex && i < a->n_examples; i++)
		json_array_append_new(ex, json_string(a->examples[i]));
	if (!e || !ex || json_object_set_new(e, "accesses", ex) < 0 || json_array_append_new(rs->not_granted, e) < 0)
		rs->oom = 1;
}

/* A directory whose grant is a whole tree no workload should get by accident. */
static const char *broad_dir(const struct rules *rs, const char *dir)
{
	if (strcmp(dir, "/") == 0)
		return "/ (the whole filesystem)";
	if (strcmp(dir, "/etc") == 0)
		return "/etc (all of the host's configuration)";
	if (rs->home && strcmp(rs->home, "/") != 0 && is_under(rs->home, dir))
		return "$HOME (a home directory)";
	if (strcmp(dir, "/proc") == 0)
		return "/proc (every process's entry; Landlock cannot name a child's pid in advance)";
	return NULL;
}

/* A directory of a system tree, where collapsing many read files into the directory is harmless. */
static bool system_tree(const char *dir)
{
	static const char *const trees[] = { "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", NULL };

	for (const char *const *t = trees; *t; t++)
		if (is_under(dir, *t) && strcmp(dir, *t) != 0)
			return true;
	return false;
}

/*
 * /dev/pts/N is /dev/pts. /proc/PID paths: the program's own entry (its process or a thread of
 * it) is "/proc/self", which Landlock resolves when the policy is
 * applied, in the process that then executes the program; another
 * process's entry (a child's) can only be granted as /proc.
 */
static char *proc_grant(const struct learner *l, const char *path, bool *is_dir)
{
	char *end;
	long pid;

	/* Terminals: the next run gets another number. */
	if (strncmp(path, "/dev/pts/", 9) == 0) {
		*is_dir = true;
		return strdup("/dev/pts");
	}
	if (strncmp(path, "/proc/", 6) != 0 || path[6] < '0' || path[6] > '9')
		return NULL;
	pid = strtol(path + 6, &end, 10);
	if (*end && *end != '/')
		return NULL;
	*is_dir = true;
	if (pid == l->main_pid || tgid_of((pid_t)pid) == l->main_pid)
		return strdup("/proc/self");
	return strdup("/proc");
}

/*
 * Whether uid 65534 (others) can use @path as @list grants it: as root,
 * `volt sandbox run` runs the program as root of a user namespace and
 * uid 65534 outside, so a grant it cannot use means the program fails
 * there although it worked while learned (as host root).
 */
static bool others_can(const struct learner *l, const char *path, enum list list, bool is_dir)
{
	_cleanup_free_ char *copy = NULL;
	mode_t need = list == LIST_EXEC ? S_IXOTH : list == LIST_WRITE ? S_IWOTH : S_IROTH;
	struct stat st;
	char *slash;

	if (asprintf(&copy, "%s%s", strcmp(l->root, "/") == 0 ? "" : l->root, path) < 0)
		return true;
	if (strncmp(path, "/proc", 5) == 0 || strncmp(path, "/dev/", 5) == 0)
		return true;
	if (stat(copy, &st) < 0)
		return true;
	if (is_dir)
		need |= S_IXOTH;
	if ((st.st_mode & need) != need)
		return false;
	/* Every directory on the way must be searchable. */
	while ((slash = strrchr(copy, '/')) && slash != copy) {
		*slash = 0;
		if (stat(copy, &st) == 0 && !(st.st_mode & S_IXOTH))
			return false;
	}
	return true;
}

/*
 * @dir, or its nearest ancestor the run did not create: Landlock skips a
 * rule whose path is missing when the policy is applied, and a directory
 * the run made (mkdir -p /srv/www) does not exist yet at the next start.
 * Takes @dir (may be NULL); returns it or a new string.
 */
static char *existing_dir(const struct learner *l, char *dir)
{
	while (dir && strcmp(dir, "/") != 0 && strv_contains(&l->created, dir)) {
		char *up = parent_of(dir);

		free(dir);
		dir = up;
	}
	return dir;
}

static void build_rules(struct learner *l, struct rules *rs)
{
	/* Files read directly in each directory of a system tree: count them first. */
	struct strv dirs = { 0 };
	size_t *counts = NULL;

	for (size_t i = 0; i < l->n_acc; i++) {
		struct access *a = &l->acc[i];
		_cleanup_free_ char *dir = NULL;

		if (a->use != USE_READ_FILE || strv_contains(&l->created, a->path))
			continue;
		dir = parent_of(a->path);
		if (dir && system_tree(dir) && strv_add(&dirs, dir) < 0)
			rs->oom = 1;
	}
	counts = calloc(dirs.n + 1, sizeof(*counts));
	if (!counts) {
		rs->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < l->n_acc; i++) {
		_cleanup_free_ char *dir = NULL;

		if (l->acc[i].use != USE_READ_FILE)
			continue;
		dir = parent_of(l->acc[i].path);
		for (size_t k = 0; dir && k < dirs.n; k++)
			if (strcmp(dirs.items[k], dir) == 0)
				counts[k]++;
	}

	for (size_t i = 0; i < l->n_acc; i++) {
		struct access *a = &l->acc[i];
		_cleanup_free_ char *dir = NULL, *proc = NULL;
		bool created = strv_contains(&l->created, a->path), proc_dir = false;
		const char *broad;

		proc = proc_grant(l, a->path, &proc_dir);
		switch (a->use) {
		case USE_PROBE:
			not_granted(rs, a, "the call failed (a missing file stays ENOENT under Landlock): nothing to grant");
			break;
		case USE_EXEC:
			rule_add(rs, LIST_EXEC, a->path, false, a, "executed (a file rule)");
			break;
		case USE_READ_FILE:
			if (proc) {
				rule_add(rs, LIST_READ, proc, true, a, "a per-process or per-terminal file (granted as %s)", proc);
				break;
			}
			if (created) {
				/* It may not exist when the policy is applied: Landlock would skip a file rule. */
				dir = existing_dir(l, parent_of(a->path));
				if (dir)
					rule_add(rs, LIST_READ, dir, true, a,
						 "a file the run created, read back (it may not exist when the policy is "
						 "applied, so the directory it was made in)");
				break;
			}
			dir = parent_of(a->path);
			for (size_t k = 0; dir && k < dirs.n; k++)
				if (strcmp(dirs.items[k], dir) == 0 && counts[k] >= COLLAPSE_MIN_FILES) {
					rule_add(rs, LIST_READ, dir, true, a,
						 "%zu files read in this directory of a system tree (rule: %d or more "
						 "files directly in a directory below /usr, /lib*, /bin or /sbin are "
						 "granted as the directory, read-only)",
						 counts[k], COLLAPSE_MIN_FILES);
					goto next;
				}
			rule_add(rs, LIST_READ, a->path, false, a, "read (a file rule)");
			break;
		case USE_LIST_DIR:
			if (proc) {
				rule_add(rs, LIST_READ, proc, true, a, "a per-process directory (granted as %s)", proc);
				break;
			}
			dir = existing_dir(l, strdup(a->path));
			broad = dir ? broad_dir(rs, dir) : NULL;
			if (broad && strcmp(dir, "/proc") != 0) {
				not_granted(rs, a,
					    "listed, but a rule on it would grant reading everything below: not granted "
					    "(listing it fails under the policy; add it by hand if the program needs it)");
				break;
			}
			if (dir)
				rule_add(rs, LIST_READ, dir, true, a,
					 "listed (a directory rule: it grants reading everything below it; one the run made "
					 "itself is granted where it was made)");
			break;
		case USE_WRITE_FILE:
			if (proc) {
				rule_add(rs, LIST_WRITE, proc, true, a, "a per-process or per-terminal file written (granted as %s)", proc);
				break;
			}
			if (created) {
				dir = existing_dir(l, parent_of(a->path));
				if (dir)
					rule_add(rs, LIST_WRITE, dir, true, a,
						 "a file the run created, written again (the directory it was made in)");
				break;
			}
			rule_add(rs, LIST_WRITE, a->path, false, a, "written (a file rule)");
			break;
		case USE_CHANGE_DIR:
			dir = existing_dir(l, strdup(a->path));
			if (dir)
				rule_add(rs, LIST_WRITE, dir, true, a,
					 "the run created, removed or renamed entries here (a directory rule: creating a "
					 "file needs the directory; one the run made itself is granted where it was made)");
			break;
		default:
			break;
		}
next:;
	}
out:
	strv_done(&dirs);
	free(counts);

	/* Drop rules covered by a directory rule of the same list; flag the broad ones. */
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->r[i];
		const char *broad;

		if (!r->path)
			continue;
		for (size_t k = 0; k < rs->n && !r->dropped; k++) {
			struct rule *c = &rs->r[k];

			if (k != i && c->list == r->list && c->is_dir && c->path && strcmp(c->path, r->path) != 0 &&
			    is_under(r->path, c->path))
				r->dropped = true;
		}
		/* fs_execute grants READ_FILE too. */
		for (size_t k = 0; k < rs->n && !r->dropped && r->list == LIST_READ && !r->is_dir; k++)
			if (rs->r[k].list == LIST_EXEC && rs->r[k].path && strcmp(rs->r[k].path, r->path) == 0)
				r->dropped = true;
		broad = r->is_dir ? broad_dir(rs, r->path) : NULL;
		if (broad && !r->dropped && asprintf(&r->flag, "grants all of %s", broad) < 0) {
			r->flag = NULL;
			rs->oom = 1;
		}
		if (!r->flag && !r->dropped && !l->same_ids && geteuid() == 0 && !others_can(l, r->path, r->list, r->is_dir)) {
			r->flag = strdup("not usable by uid 65534: run as root, 'volt sandbox run' runs the program as "
					 "uid 65534 outside its user namespace, where this grant does not help");
			r->unreachable = true;
			if (!r->flag)
				rs->oom = 1;
		}
	}
}

static void rules_done(struct rules *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i].path);
		free(rs->r[i].reason);
		free(rs->r[i].flag);
		free(rs->r[i].from);
	}
	free(rs->r);
	json_decref(rs->not_granted);
}

static json_t *rule_json(const struct rule *r)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "key", list_keys[r->list], "path", r->path, "type",
			      r->is_dir ? "directory" : "file", "reason", r->reason);
	json_t *acc = json_array();

	for (size_t i = 0; j && acc && i < r->n_from; i++)
		for (size_t e = 0; e < r->from[i]->n_examples; e++)
			json_array_append_new(acc, json_string(r->from[i]->examples[e]));
	if (!j || !acc || json_object_set_new(j, "accesses", acc) < 0 ||
	    (r->flag && json_object_set_new(j, "flag", json_string(r->flag)) < 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/*
 * The seccomp part: the default profile (so its guards stay: TIOCSTI,
 * AF_VSOCK, memfd exec, namespace flags of clone/unshare, clone3 ENOSYS)
 * with every syscall the run did not make denied, and the ones it made
 * beyond the default profile allowed.
 */
static int build_seccomp(struct learner *l, volt_sec_policy *p, json_t *explain)
{
	static const char *const guarded[] = { "clone", "unshare" };
	bool in_default[NR_SLOTS] = { false };
	json_t *extra = json_array(), *used = json_array();
	int r = 0;

	if (!extra || !used) {
		json_decref(extra);
		json_decref(used);
		return -ENOMEM;
	}
	p->profile = SECCOMP_PROFILE_DEFAULT;
	/*
	 * clone and unshare are the default profile's too, allowed without
	 * namespace flags: naming them in "allow" would lift that guard.
	 * clone3 keeps its ENOSYS: naming it in "deny" would make it EPERM,
	 * which the C library does not fall back from.
	 */
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(guarded); i++) {
		int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, guarded[i]);

		if (nr < 0 || nr >= NR_SLOTS)
			continue;
		in_default[nr] = true;
		if (!l->used[nr])
			r = strv_add(&p->sc_deny, guarded[i]);
	}
	for (const char *const *name = default_allowed_syscalls; *name && r == 0; name++) {
		int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, *name);

		if (nr < 0 || nr >= NR_SLOTS)
			continue;
		in_default[nr] = true;
		if (!l->used[nr] && strcmp(*name, "clone3") != 0)
			r = strv_add(&p->sc_deny, *name);
	}
	for (int nr = 0; r == 0 && nr < NR_SLOTS; nr++) {
		char *name;

		if (!l->used[nr])
			continue;
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (!name)
			continue;
		json_array_append_new(used, json_string(name));
		if (!in_default[nr]) {
			r = strv_add(&p->sc_allow, name);
			json_array_append_new(extra, json_string(name));
		}
		free(name);
	}
	if (r == 0 && explain &&
	    json_object_set_new(explain, "seccomp",
				json_pack("{s:o, s:o, s:i}", "used", used, "beyond_default", extra, "denied",
					  (int)p->sc_deny.n)) < 0)
		r = -ENOMEM;
	else if (!explain || r < 0) {
		json_decref(used);
		json_decref(extra);
	}
	return r;
}

static int build_policy(struct learner *l, volt_sec_policy **out, json_t **explain_out)
{
	_cleanup_json_ json_t *explain = json_object(), *rules_j = json_array();
	struct rules rs = { .not_granted = json_array(), .home = getenv("HOME") };
	volt_sec_policy *p = policy_alloc(), *def = NULL;
	const struct rule *first_unreachable = NULL;
	struct strv *lists[LIST__MAX];
	size_t n_unreachable = 0;
	int r = 0;

	if (!p || !explain || !rules_j || !rs.not_granted) {
		r = -ENOMEM;
		goto out;
	}
	r = volt_sec_policy_new_default(&def);
	if (r < 0)
		goto out;
	lists[LIST_READ] = &p->fs_read;
	lists[LIST_WRITE] = &p->fs_write;
	lists[LIST_EXEC] = &p->fs_execute;
	p->fs_restricted = p->bind_restricted = p->connect_restricted = true;
	/* What volt itself needs between applying the policy and the program's start, and exit always. */
	l->used[SYS_execve] = l->used[SYS_exit] = l->used[SYS_exit_group] = true;

	build_rules(l, &rs);
	for (size_t i = 0; r == 0 && i < rs.n; i++) {
		const struct rule *ru = &rs.r[i];
		json_t *j;

		if (ru->dropped || !ru->path)
			continue;
		r = strv_add(lists[ru->list], ru->path);
		j = rule_json(ru);
		if (r == 0 && (!j || json_array_append_new(rules_j, j) < 0))
			r = -ENOMEM;
		if (r == 0 && ru->flag && !ru->unreachable)
			volt_log(VOLT_LOG_WARNING, "learned policy: %s '%s' %s: %s", list_keys[ru->list], ru->path,
				 ru->flag, ru->reason);
		if (ru->unreachable && !first_unreachable)
			first_unreachable = ru;
		n_unreachable += ru->unreachable;
	}
	if (first_unreachable)
		volt_log(VOLT_LOG_WARNING,
			 "learned policy: %zu grant(s) not usable by uid 65534, e.g. %s '%s': run as root, 'volt sandbox "
			 "run' runs the program as uid 65534 outside its user namespace; make them readable to others, "
			 "or add \"user_namespace\": false (host root) to the policy (--explain lists them)",
			 n_unreachable, list_keys[first_unreachable->list], first_unreachable->path);
	/* The default policy's withheld secrets stay withheld. */
	for (size_t i = 0; r == 0 && i < def->fs_deny.n; i++)
		r = strv_add(&p->fs_deny, def->fs_deny.items[i]);
	/* Capabilities the run's successful calls needed (VOLT_SEC_LEARN_CAPABILITIES). */
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(learnable_caps); i++) {
		if (!(l->caps & (1ULL << learnable_caps[i].cap)))
			continue;
		r = strv_add(&p->caps, learnable_caps[i].name);
		p->caps_mask |= 1ULL << learnable_caps[i].cap;
	}
	/* Signals and abstract sockets stay inside, unless the run reached outside. */
	p->scope = SCOPE_SIGNAL | (l->abstract_unix ? 0 : SCOPE_ABSTRACT_UNIX_SOCKET);
	for (size_t i = 0; r == 0 && i < l->bind.n; i++)
		r = portv_add(&p->net_bind, l->bind.items[i]);
	for (size_t i = 0; r == 0 && i < l->connect.n; i++)
		r = portv_add(&p->net_connect, l->connect.items[i]);
	if (r == 0)
		r = build_seccomp(l, p, explain);
	if (r == 0 && (json_object_set(explain, "rules", rules_j) < 0 ||
		       json_object_set(explain, "not_granted", rs.not_granted) < 0 ||
		       json_object_set_new(explain, "abstract_unix_socket", json_boolean(l->abstract_unix)) < 0))
		r = -ENOMEM;
out:
	if (rs.oom || l->oom)
		r = -ENOMEM;
	rules_done(&rs);
	volt_sec_policy_free(def);
	if (r < 0) {
		volt_sec_policy_free(p);
		return volt_error_set(-r, NULL);
	}
	*out = p;
	if (explain_out)
		*explain_out = TAKE_PTR(explain);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Running the program */

/* Termination signals to volt: the first is forwarded, the second kills the program. */
static volatile sig_atomic_t signals_seen;
static volatile pid_t signal_target;

static void on_signal(int sig)
{
	int saved = errno;

	/* The program may have left its process group: then at least the program itself. */
	if (signals_seen++ == 0) {
		if (kill(-signal_target, sig) < 0)
			kill(signal_target, sig);
	} else if (kill(-signal_target, SIGKILL) < 0) {
		kill(signal_target, SIGKILL);
	}
	errno = saved;
}

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP };

static _Noreturn void child_main(char *const argv[], int err_fd, bool new_session)
{
	int err;

	/* Like volt sandbox run: a session of its own, so terminal signals reach volt only, which forwards them. */
	if (new_session && setsid() < 0) {
		err = errno;
		(void)!write(err_fd, &err, sizeof(err));
		_exit(127);
	}
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
	bool killed_all = false;

	for (;;) {
		struct __ptrace_syscall_info info;
		struct tracee *t;
		int status, sig = 0, event;
		pid_t tid;

		if (signals_seen > 1 && !killed_all) {
			/* Also those that left the process group. */
			for (size_t i = 0; i < l->n; i++)
				kill(l->t[i].tid, SIGKILL);
			killed_all = true;
		}
		tid = waitpid(-1, &status, __WALL);
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
			if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) > 0) {
				if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
					syscall_entry(l, t, (long)info.entry.nr, info.entry.args);
				} else if (info.op == PTRACE_SYSCALL_INFO_EXIT && t->forced_ret) {
					struct user_regs_struct regs;

					if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0) {
						regs.rax = (unsigned long long)t->forced_ret;
						if (ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0)
							kill(tid, SIGKILL);
					}
					t->forced_ret = 0;
					tracee_clear(t);
				} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
					syscall_exit(l, t, (long)info.exit.rval);
				}
			}
		} else if (WSTOPSIG(status) == SIGTRAP && event) {
			if (event == PTRACE_EVENT_EXEC)
				exec_event(l, tid);
		} else if (WSTOPSIG(status) == SIGSTOP && !t->started) {
			/* The initial stop of a newly attached thread or child. */
			t->started = true;
		} else {
			sig = WSTOPSIG(status);
		}
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
	}
}

static void learner_done(struct learner *l)
{
	for (size_t i = 0; i < l->n; i++)
		tracee_clear(&l->t[i]);
	free(l->t);
	for (size_t i = 0; i < l->n_acc; i++) {
		free(l->acc[i].path);
		for (size_t e = 0; e < l->acc[i].n_examples; e++)
			free(l->acc[i].examples[e]);
	}
	free(l->acc);
	strv_done(&l->created);
	free(l->bind.items);
	free(l->connect.items);
	if (l->root_fd >= 0)
		close(l->root_fd);
	free(l->root);
}

VOLT_API int volt_sec_learn_run_explain(volt_sec_policy **out, json_t **explain, int *exit_status, char *const argv[],
					const char *root, const volt_sec_learn_options *options)
{
	struct learner l = { .root_fd = -1 };
	struct sigaction old[ELEMENTSOF(forwarded_signals)];
	unsigned flags = options ? options->flags : 0;
	int pipefd[2], status, err = 0, main_status = 0, r;
	bool forward = flags & VOLT_SEC_LEARN_FORWARD_SIGNALS;
	pid_t pid;
	ssize_t n;

	assert_return(out, -EINVAL);
	assert_return(argv && argv[0], -EINVAL);
	if (options && (!VERSION_SUPPORTED(options->version, VOLT_SEC_LEARN_OPTIONS_VERSION) ||
			(options->flags & ~(VOLT_SEC_LEARN_FORWARD_SIGNALS | VOLT_SEC_LEARN_SAME_IDS |
					    VOLT_SEC_LEARN_CAPABILITIES))))
		return volt_error_set(EINVAL, "learn: bad options (version %u, flags %#x)", options->version,
				      options->flags);
	l.same_ids = flags & VOLT_SEC_LEARN_SAME_IDS;
	l.learn_caps = flags & VOLT_SEC_LEARN_CAPABILITIES;
	if (!root)
		root = "/";
	if (root[0] != '/')
		return volt_error_set(EINVAL, "learn: root '%s' must be an absolute path", root);
	l.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l.root_fd < 0)
		return volt_error_set_errno(errno, "learn: root '%s'", root);
	l.root = realpath(root, NULL);
	if (!l.root) {
		r = volt_error_set_errno(errno, "learn: root '%s'", root);
		learner_done(&l);
		return r;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = volt_error_set_errno(errno, "learn: pipe");
		learner_done(&l);
		return r;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = volt_error_set_errno(errno, "learn: fork");
		close(pipefd[0]);
		close(pipefd[1]);
		learner_done(&l);
		return r;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_main(argv, pipefd[1], forward);
	}
	close(pipefd[1]);
	l.main_pid = pid;

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		n = read(pipefd[0], &err, sizeof(err));
		close(pipefd[0]);
		learner_done(&l);
		return volt_error_set(n == sizeof(err) ? err : ECHILD, "learn: cannot trace '%s'%s", argv[0],
				      n == sizeof(err) ? " (ptrace refused)" : "");
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
				  PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)) < 0 ||
	    !tracee_get(&l, pid)) {
		r = volt_error_set_errno(errno ? errno : ENOMEM, "learn: ptrace options");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pipefd[0]);
		learner_done(&l);
		return r;
	}
	l.t[0].started = true;
	if (forward) {
		/* No SA_RESTART: waitpid returns EINTR, so a second signal's kill-all is seen at once. */
		struct sigaction sa = { .sa_handler = on_signal };

		signals_seen = 0;
		signal_target = pid;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
			sigaction(forwarded_signals[i], &sa, &old[i]);
	}
	ptrace(PTRACE_SYSCALL, pid, NULL, NULL);
	r = trace_loop(&l, pid, &main_status);
	if (forward)
		for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
			sigaction(forwarded_signals[i], &old[i], NULL);

	n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (r == 0 && n == sizeof(err))
		r = volt_error_set_errno(err, "learn: cannot execute '%s'", argv[0]);
	if (r == 0)
		r = build_policy(&l, out, explain);
	learner_done(&l);
	if (r == 0 && exit_status)
		*exit_status = main_status;
	return r;
}

VOLT_API int volt_sec_learn_run(volt_sec_policy **out, int *exit_status, char *const argv[],
				const volt_sec_learn_options *options)
{
	return volt_sec_learn_run_explain(out, NULL, exit_status, argv, NULL, options);
}
