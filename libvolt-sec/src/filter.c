/*
 * Seccomp filters from allow lists, compiled by libseccomp.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>
#include <volt/core.h>

#include "filter-internal.h"
#include "shared/macro.h"
#include "syscall-lists.h"

/* Native syscall numbers are below this on every architecture Linux has. */
#define SYSCALL_SLOTS 1024
#define IOCTLS_MAX 256

/*
 * Guards of the default profile: requests and flags that defeat other
 * layers. Compared on the low 32 bits where the kernel reads an int.
 */
#define TIOCSTI_REQ 0x5412u   /* types into the controlling terminal: keystrokes for the caller's shell */
#define TIOCLINUX_REQ 0x541cu /* the same on a virtual console, and more */
#define AF_VSOCK_DOMAIN 40u   /* the host's vsock port space, past any network namespace */
#define AT_EMPTY_PATH_FLAG 0x1000u /* execveat of an fd: memfds have no path Landlock can check */
#define MFD_NOEXEC_SEAL_FLAG 0x0008u

/* Namespace flags that clone and unshare may not carry under a guard. */
#define NAMESPACE_FLAGS                                                                                 \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
		    CLONE_NEWCGROUP | 0x00000080 /* CLONE_NEWTIME */))

struct volt_sec_filter {
	volt_sec_action action;
	int optimize;
	bool compat_arches;
	bool allowed[SYSCALL_SLOTS];
	/* clone/unshare allowed only without namespace flags. */
	bool guard_clone, guard_unshare;
	/* clone3 answered with ENOSYS, so that libc falls back to clone. */
	bool clone3_enosys;
	/* ioctl without TIOCSTI/TIOCLINUX; socket without AF_VSOCK;
	 * execveat without AT_EMPTY_PATH; memfd_create only sealed
	 * non-executable (ENOSYS otherwise, so that callers fall back). */
	bool guard_tty, guard_vsock, guard_fd_exec, guard_memfd;
	uint32_t ioctls[IOCTLS_MAX];
	size_t n_ioctls;
};

static int nr_clone, nr_clone3, nr_unshare, nr_ioctl, nr_socket, nr_execveat, nr_memfd_create;

static int resolve(const char *name)
{
	int nr;

	if (!name)
		return -1;
	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
	if (nr < 0 || nr >= SYSCALL_SLOTS)
		return -1;
	return nr;
}

static void resolve_special(void)
{
	nr_clone = resolve("clone");
	nr_clone3 = resolve("clone3");
	nr_unshare = resolve("unshare");
	nr_ioctl = resolve("ioctl");
	nr_socket = resolve("socket");
	nr_execveat = resolve("execveat");
	nr_memfd_create = resolve("memfd_create");
}

VOLT_API int volt_sec_filter_new(volt_sec_filter **out, volt_sec_action action)
{
	volt_sec_filter *f;

	assert_return(out, -EINVAL);
	if (action != VOLT_SEC_ACTION_ERRNO && action != VOLT_SEC_ACTION_KILL)
		return volt_error_set(EINVAL, "seccomp: unknown action %d", (int)action);
	f = calloc(1, sizeof(*f));
	if (!f)
		return volt_error_set(ENOMEM, NULL);
	resolve_special();
	f->action = action;
	f->optimize = 2;
	*out = f;
	return 0;
}

VOLT_API int volt_sec_filter_new_default(volt_sec_filter **out, volt_sec_action action)
{
	volt_sec_filter *f;
	int r;

	r = volt_sec_filter_new(&f, action);
	if (r < 0)
		return r;
	for (const char *const *name = default_allowed_syscalls; *name; name++) {
		int nr = resolve(*name);

		/* A libseccomp older than the kernel may not know the newest calls. */
		if (nr < 0) {
			volt_log(VOLT_LOG_DEBUG, "seccomp: '%s' unknown to libseccomp, not in the filter", *name);
			continue;
		}
		f->allowed[nr] = true;
	}
	f->guard_clone = nr_clone >= 0;
	f->guard_unshare = nr_unshare >= 0;
	f->clone3_enosys = nr_clone3 >= 0;
	f->guard_tty = nr_ioctl >= 0;
	f->guard_vsock = nr_socket >= 0;
	f->guard_fd_exec = nr_execveat >= 0;
	f->guard_memfd = nr_memfd_create >= 0;
	*out = f;
	return 0;
}

VOLT_API volt_sec_filter *volt_sec_filter_free(volt_sec_filter *f)
{
	free(f);
	return NULL;
}

/*
 * Put @name on (or take it off) the allow list. An explicit choice about
 * clone, unshare or clone3 replaces the default profile's special rule
 * for it; denying ioctl drops its request list.
 */
static int set_syscall(volt_sec_filter *f, const char *name, bool allow)
{
	int nr = resolve(name);

	assert_return(f, -EINVAL);
	if (nr < 0)
		return volt_error_set(EINVAL, "seccomp: '%s' is not a syscall of this architecture", name ? name : "(null)");
	f->allowed[nr] = allow;
	if (nr == nr_clone)
		f->guard_clone = false;
	if (nr == nr_unshare)
		f->guard_unshare = false;
	if (nr == nr_clone3)
		f->clone3_enosys = false;
	/* TIOCSTI has no use worth its risk: allowing ioctl keeps that guard. */
	if (nr == nr_socket)
		f->guard_vsock = false;
	if (nr == nr_execveat)
		f->guard_fd_exec = false;
	if (nr == nr_memfd_create)
		f->guard_memfd = false;
	if (!allow && nr == nr_ioctl)
		f->n_ioctls = 0;
	return 0;
}

VOLT_API int volt_sec_filter_allow(volt_sec_filter *f, const char *name)
{
	return set_syscall(f, name, true);
}

VOLT_API int volt_sec_filter_deny(volt_sec_filter *f, const char *name)
{
	return set_syscall(f, name, false);
}

VOLT_API int volt_sec_filter_allow_ioctl(volt_sec_filter *f, unsigned long request)
{
	assert_return(f, -EINVAL);
	if (nr_ioctl < 0)
		return volt_error_set(ENOSYS, "seccomp: no ioctl syscall on this architecture");
	for (size_t i = 0; i < f->n_ioctls; i++)
		if (f->ioctls[i] == (uint32_t)request)
			return 0;
	if (f->n_ioctls >= IOCTLS_MAX)
		return volt_error_set(E2BIG, "seccomp: more than %d ioctl requests", IOCTLS_MAX);
	f->ioctls[f->n_ioctls++] = (uint32_t)request;
	f->allowed[nr_ioctl] = true;
	return 0;
}

VOLT_API bool volt_sec_filter_allows(const volt_sec_filter *f, const char *name)
{
	int nr = resolve(name);

	if (!f || nr < 0)
		return false;
	return f->allowed[nr] || (nr == nr_clone && f->guard_clone) || (nr == nr_unshare && f->guard_unshare);
}

void filter_set_optimize(volt_sec_filter *f, int level)
{
	f->optimize = level;
}

void filter_set_guard_tty(volt_sec_filter *f, bool on)
{
	f->guard_tty = on && nr_ioctl >= 0;
}

void filter_set_compat_arches(volt_sec_filter *f, bool on)
{
	f->compat_arches = on;
}

size_t filter_count_allowed(const volt_sec_filter *f)
{
	size_t n = 0;

	for (size_t i = 0; i < SYSCALL_SLOTS; i++)
		n += f->allowed[i];
	return n + f->guard_clone + f->guard_unshare;
}

char *filter_describe(const volt_sec_filter *f)
{
	size_t cap = 64 + SYSCALL_SLOTS * 5 + IOCTLS_MAX * 11, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len, "seccomp %u.%u.%u action=%d opt=%d compat=%d guards=%d%d%d%d%d%d%d ioctls=",
				seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
				(int)f->action, f->optimize, f->compat_arches, f->guard_clone, f->guard_unshare, f->clone3_enosys,
				f->guard_tty, f->guard_vsock, f->guard_fd_exec, f->guard_memfd);
	for (size_t i = 0; i < f->n_ioctls; i++)
		len += (size_t)snprintf(s + len, cap - len, "%x,", f->ioctls[i]);
	len += (size_t)snprintf(s + len, cap - len, " allow=");
	for (int i = 0; i < SYSCALL_SLOTS; i++)
		if (f->allowed[i])
			len += (size_t)snprintf(s + len, cap - len, "%d,", i);
	return s;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static bool is_tty_inject(uint32_t request)
{
	return request == TIOCSTI_REQ || request == TIOCLINUX_REQ;
}

/*
 * Allow syscall @nr unless (argument @arg & @mask) is one of @values.
 * libseccomp only compares for equality under a mask, and its rules for
 * one syscall are alternatives: so allow when the argument differs from
 * all values on a bit where they agree (one rule per such bit), and list
 * the remaining combinations of the bits where they differ one by one.
 */
static int allow_unless(scmp_filter_ctx ctx, int nr, unsigned arg, uint64_t mask, const uint64_t *values, size_t n)
{
	uint64_t common = mask, spread, sub;
	int r;

	for (size_t i = 1; i < n; i++)
		common &= ~(values[i] ^ values[0]);
	spread = mask & ~common;
	if (__builtin_popcountll(spread) > 6)
		return volt_error_set(E2BIG, "seccomp: argument guard of syscall %d is too wide", nr);
	for (int bit = 0; bit < 64; bit++) {
		uint64_t b = 1ULL << bit;
		struct scmp_arg_cmp c = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, b, ~values[0] & b);

		if (!(common & b))
			continue;
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &c);
		if (r < 0)
			return volt_error_set(-r, "seccomp: cannot add an argument rule for syscall %d", nr);
	}
	sub = spread;
	for (;;) {
		uint64_t v = (values[0] & common) | sub;
		bool denied = false;

		for (size_t i = 0; i < n; i++)
			denied |= (values[i] & mask) == v;
		if (!denied) {
			struct scmp_arg_cmp c = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, v);

			r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &c);
			if (r < 0)
				return volt_error_set(-r, "seccomp: cannot add an argument rule for syscall %d", nr);
		}
		if (sub == 0)
			break;
		sub = (sub - 1) & spread;
	}
	return 0;
}

/* The default profile's argument guards, in place of an unconditional allow; 1 if @nr has none. */
static int add_guarded(const volt_sec_filter *f, scmp_filter_ctx ctx, int nr)
{
	static const uint64_t tty[] = { TIOCSTI_REQ, TIOCLINUX_REQ }, vsock[] = { AF_VSOCK_DOMAIN },
			      fd_exec[] = { AT_EMPTY_PATH_FLAG }, unsealed[] = { 0 };
	int r;

	if (nr == nr_ioctl && f->guard_tty)
		return allow_unless(ctx, nr, 1, 0xffffffffu, tty, ELEMENTSOF(tty));
	if (nr == nr_socket && f->guard_vsock)
		return allow_unless(ctx, nr, 0, 0xffffffffu, vsock, ELEMENTSOF(vsock));
	if (nr == nr_execveat && f->guard_fd_exec)
		return allow_unless(ctx, nr, 4, AT_EMPTY_PATH_FLAG, fd_exec, ELEMENTSOF(fd_exec));
	if (nr == nr_memfd_create && f->guard_memfd) {
		r = allow_unless(ctx, nr, 1, MFD_NOEXEC_SEAL_FLAG, unsealed, ELEMENTSOF(unsealed));
		if (r < 0)
			return r;
		/* ENOSYS rather than EPERM: callers then fall back to files, which Landlock sees. */
		struct scmp_arg_cmp c = SCMP_CMP(1, SCMP_CMP_MASKED_EQ, MFD_NOEXEC_SEAL_FLAG, 0);

		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 1, &c);
		if (r < 0)
			return volt_error_set(-r, "seccomp: cannot add the memfd_create rule");
		return 0;
	}
	return 1;
}

static int build_ctx(const volt_sec_filter *f, scmp_filter_ctx *out)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	uint32_t deny = f->action == VOLT_SEC_ACTION_KILL ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
	int r;

	ctx = seccomp_init(deny);
	if (!ctx)
		return volt_error_set(ENOMEM, "seccomp: cannot create a filter");
	/*
	 * Only the native ABI: a syscall through another one (int 0x80, x32
	 * numbers) would bypass the rules, so it kills the process. Volt sets
	 * no_new_privs itself, as the policy says.
	 */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)f->optimize)) < 0)
		return volt_error_set(-r, "seccomp: cannot set filter attributes");
	if (f->compat_arches && seccomp_arch_native() == SCMP_ARCH_X86_64 &&
	    ((r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 || (r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0))
		return volt_error_set(-r, "seccomp: cannot add the x86 and x32 ABIs");

	for (int nr = 0; nr < SYSCALL_SLOTS; nr++) {
		if (!f->allowed[nr])
			continue;
		if (nr == nr_ioctl && f->n_ioctls > 0) {
			for (size_t i = 0; i < f->n_ioctls; i++) {
				if (f->guard_tty && is_tty_inject(f->ioctls[i]))
					continue;
				r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, f->ioctls[i]));
				if (r < 0)
					return volt_error_set(-r, "seccomp: cannot add ioctl rule %#x", f->ioctls[i]);
			}
			continue;
		}
		r = add_guarded(f, ctx, nr);
		if (r <= 0) {
			if (r < 0)
				return r;
			continue;
		}
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return volt_error_set(-r, "seccomp: cannot allow syscall %d", nr);
	}
	if (f->guard_clone && !f->allowed[nr_clone]) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr_clone, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, NAMESPACE_FLAGS, 0));
		if (r < 0)
			return volt_error_set(-r, "seccomp: cannot add the clone rule");
	}
	if (f->guard_unshare && !f->allowed[nr_unshare]) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr_unshare, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, NAMESPACE_FLAGS, 0));
		if (r < 0)
			return volt_error_set(-r, "seccomp: cannot add the unshare rule");
	}
	if (f->clone3_enosys && !f->allowed[nr_clone3]) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr_clone3, 0);
		if (r < 0)
			return volt_error_set(-r, "seccomp: cannot add the clone3 rule");
	}
	*out = TAKE_PTR(ctx);
	return 0;
}

VOLT_API int volt_sec_filter_compile(void **out, size_t *out_len, const volt_sec_filter *f)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	off_t size;
	int r;

	assert_return(f, -EINVAL);
	assert_return(out, -EINVAL);
	assert_return(out_len, -EINVAL);
	r = build_ctx(f, &ctx);
	if (r < 0)
		return r;
	/*
	 * libseccomp 2.5 exports only to a file descriptor. Sealed
	 * non-executable first: that is what the default profile allows
	 * (a sandbox may build a filter of its own); kernels before 6.3
	 * do not know the flag.
	 */
	fd = memfd_create("volt-seccomp", MFD_CLOEXEC | MFD_NOEXEC_SEAL_FLAG);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("volt-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return volt_error_set(EIO, "seccomp: libseccomp cannot compile the filter (error %d)", r);
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter) != 0)
		return volt_error_set(EIO, "seccomp: compiled filter has a bad size %lld", (long long)size);
	buf = malloc((size_t)size);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	if (pread(fd, buf, (size_t)size, 0) != size)
		return volt_error_set_errno(errno ? errno : EIO, "seccomp: read back the compiled filter");
	*out = TAKE_PTR(buf);
	*out_len = (size_t)size;
	return 0;
}

VOLT_API int volt_sec_bpf_load(const void *bpf, size_t len, unsigned int flags)
{
	struct sock_fprog prog;
	unsigned long kflags = 0;

	assert_return(bpf, -EINVAL);
	if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return volt_error_set(EINVAL, "seccomp: %zu bytes is not a valid BPF program length", len);
	if (flags & ~VOLT_SEC_LOAD_TSYNC)
		return volt_error_set(EINVAL, "seccomp: unknown load flags %#x", flags);
	if (flags & VOLT_SEC_LOAD_TSYNC)
		kflags |= SECCOMP_FILTER_FLAG_TSYNC;
	prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	prog.filter = (struct sock_filter *)bpf;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, kflags, &prog) != 0) {
		if (errno == EACCES)
			return volt_error_set(EACCES, "seccomp: loading a filter needs no_new_privs or CAP_SYS_ADMIN");
		return volt_error_set_errno(errno, "seccomp: load filter");
	}
	return 0;
}

VOLT_API int volt_sec_filter_load(const volt_sec_filter *f, unsigned int flags)
{
	_cleanup_free_ void *bpf = NULL;
	size_t len;
	int r;

	assert_return(f, -EINVAL);
	r = volt_sec_filter_compile(&bpf, &len, f);
	if (r < 0)
		return r;
	return volt_sec_bpf_load(bpf, len, flags);
}
