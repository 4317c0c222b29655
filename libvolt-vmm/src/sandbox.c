/*
 * The VMM sandboxes itself before the first KVM_RUN, with libvolt-sec.
 * By then /dev/kvm, the VM, the vCPUs, guest memory and the console are
 * open, so the run loop needs no new file. In this order:
 *   1. capabilities dropped, no_new_privs, and Landlock with an empty
 *      filesystem ruleset and no TCP (volt_sec_policy_apply(), which
 *      uses the best Landlock ABI and warns about what the kernel lacks);
 *   2. seccomp last: an allow-list of the syscalls the run loop, vCPU
 *      and console threads, exit paths and the C library make, and of
 *      the ioctl requests they use. Anything else fails with EPERM, so a
 *      missing entry shows up as an error message, not a dead process.
 * The kernel's own view (/proc/self/status) and the Landlock ABI are
 * logged at info level.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <linux/landlock.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <seccomp.h>
#include <volt/core.h>
#include <volt/sec.h>

#include "devices.h"
#include "sandbox.h"
#include "shared/macro.h"
#include "vm-internal.h"

const char *const vmm_sandbox_syscalls[] = {
	/* run loop and devices: KVM ioctls, console output, locks, the kick signal */
	"ioctl", "read", "write", "writev", "futex", "rt_sigreturn", "rt_sigaction",
	"rt_sigprocmask", "tgkill", "getpid", "gettid", "nanosleep", "clock_nanosleep",
	"clock_gettime", "sched_yield",
	/* console input thread */
	"poll", "ppoll", "pipe2",
	/* device I/O thread: its epoll loop, TAP frames, disk files (eventfds are read and written) */
	"epoll_wait", "epoll_pwait", "epoll_ctl", "readv", "pread64", "pwrite64", "preadv", "pwritev", "fdatasync",
	/* threads: stacks, start, exit, join (clone is checked for namespace flags) */
	"clone", "mmap", "munmap", "mprotect", "madvise", "set_robust_list", "rseq",
	"sigaltstack", "exit", "exit_group",
	/* the C library: malloc, stdio on already open descriptors, stats */
	"brk", "mremap", "close", "lseek", "fcntl", "fstat", "newfstatat", "getrandom",
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's thread start calls pthread_getattr_np(), which asks for the affinity. */
	"sched_getaffinity",
#endif
	NULL,
};

/* Requests ioctl may carry once the VM runs (see run.c and io-bus.c). */
static const unsigned long allowed_ioctls[] = {
	KVM_RUN,
	KVM_GET_REGS,  /* the guest's rip in error messages */
	KVM_IRQ_LINE,  /* UART interrupts */
	TCGETS,        /* isatty() and tcgetattr() on the console */
	TCSETS,        /* voltvm restores the terminal at exit */
	TIOCGWINSZ,    /* stdio on a terminal */
};

/*
 * With a Stellarium disk, the I/O thread opens block files on demand:
 * openat is allowed then, and Landlock limits it to reading the store's
 * blocks/ directory. Without one, it stays denied.
 */
static const char *const store_read_syscalls[] = { "openat", NULL };

static bool listed(const char *name)
{
	for (const char *const *p = vmm_sandbox_syscalls; *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

int vmm_sandbox_filter(volt_sec_filter **out, bool store_reads)
{
	volt_sec_filter *f = NULL;
	int r;

	/*
	 * Start from the default profile, which checks clone's flags and
	 * answers clone3 with ENOSYS, and take off every syscall that is not
	 * on our list: a custom filter would have to allow clone3 outright
	 * (glibc falls back to clone only on ENOSYS), and clone3's flags are
	 * out of seccomp's reach.
	 */
	r = volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO);
	if (r < 0)
		return r;
	for (int nr = 0; nr < 1024; nr++) {
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (!name || listed(name) || strcmp(name, "clone3") == 0)
			continue;
		if (volt_sec_filter_allows(f, name) && (r = volt_sec_filter_deny(f, name)) < 0)
			goto fail;
	}
	for (const char *const *p = vmm_sandbox_syscalls; *p; p++)
		if (strcmp(*p, "clone") != 0 && !volt_sec_filter_allows(f, *p) &&
		    (r = volt_sec_filter_allow(f, *p)) < 0)
			goto fail;
	for (const char *const *p = store_read_syscalls; store_reads && *p; p++)
		if (!volt_sec_filter_allows(f, *p) && (r = volt_sec_filter_allow(f, *p)) < 0)
			goto fail;
	for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
		if ((r = volt_sec_filter_allow_ioctl(f, allowed_ioctls[i])) < 0)
			goto fail;
	*out = f;
	return 0;
fail:
	volt_sec_filter_free(f);
	return r;
}

/* The Landlock ABI of this kernel, 0 without Landlock. */
static int landlock_abi(void)
{
#ifdef __NR_landlock_create_ruleset
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
#else
	return 0;
#endif
}

/*
 * Capabilities none, no_new_privs, Landlock: no file access; no TCP and
 * scoped signals and abstract sockets where the kernel has them (ABI 4,
 * ABI 6). On older kernels those keys are left out rather than warned
 * about on every start: seccomp already denies socket() and kill().
 */
/* "dir1", "dir2" as JSON strings; directories with quotes, backslashes or control characters are refused. */
static int json_dirs(char *buf, size_t size, char *const *dirs, unsigned int n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		for (const char *c = dirs[i]; *c; c++)
			if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
				return volt_error_set(EINVAL, "store path %s cannot go into the sandbox policy",
						      dirs[i]);
		int k = snprintf(buf + used, size - used, "%s\"%s\"", i ? ", " : "", dirs[i]);
		if (k < 0 || (size_t)k >= size - used)
			return volt_error_set(EOVERFLOW, "sandbox policy too long");
		used += (size_t)k;
	}
	return 0;
}

static int sandbox_policy(volt_sec_policy **out, int abi, char *const *read_dirs,
			  unsigned int n_read_dirs)
{
	char text[8192], dirs[6144];
	int n;

	n = json_dirs(dirs, sizeof(dirs), read_dirs, n_read_dirs);
	if (n < 0)
		return n;
	n = snprintf(text, sizeof(text),
		     "{\"fs_read\": [%s], \"fs_write\": [], \"fs_execute\": [],%s%s"
		     " \"seccomp\": {\"profile\": \"none\"}, \"capabilities\": [], \"no_new_privs\": true}",
		     dirs, abi >= 4 ? " \"net_bind\": [], \"net_connect\": []," : "",
		     abi >= 6 ? " \"scope\": [\"signal\", \"abstract_unix_socket\"]," : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		return volt_error_set(EOVERFLOW, "sandbox policy too long");
	volt_log(VOLT_LOG_DEBUG, "vmm: Landlock ABI %d, sandbox policy %s", abi, text);
	return volt_sec_policy_parse(out, text, (size_t)n);
}

static void policy_freep(volt_sec_policy **p)
{
	volt_sec_policy_free(*p);
}

static void filter_freep(volt_sec_filter **f)
{
	volt_sec_filter_free(*f);
}

/* "Seccomp: 2, NoNewPrivs: 1, CapEff: 0000000000000000": what the kernel enforces now. */
static void log_status(int status_fd, int abi)
{
	_cleanup_fclose_ FILE *f = proc_file_reopen(status_fd, "/proc/self/status");
	char line[128], seccomp[32] = "?", nnp[32] = "?", capeff[32] = "?";

	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %31s", seccomp);
		sscanf(line, "NoNewPrivs: %31s", nnp);
		sscanf(line, "CapEff: %31s", capeff);
	}
	volt_log(VOLT_LOG_INFO, "vmm: sandbox on: Seccomp: %s, NoNewPrivs: %s, CapEff: %s, Landlock ABI %d",
		 seccomp, nnp, capeff, abi);
}

int vm_sandbox(struct volt_vmm *vm)
{
	_cleanup_(policy_freep) volt_sec_policy *policy = NULL;
	_cleanup_(filter_freep) volt_sec_filter *filter = NULL;
	_cleanup_close_ int status_fd = -1;
	_cleanup_free_ void *bpf = NULL;
	size_t bpf_len;
	int abi = landlock_abi(), r;

	/* Everything that can fail without changing the process comes first. */
	r = sandbox_policy(&policy, abi, vm->devices ? vm->devices->read_dirs : NULL,
			   vm->devices ? vm->devices->n_read_dirs : 0);
	if (r < 0)
		return r;
	r = vmm_sandbox_filter(&filter, vm->devices && vm->devices->n_read_dirs > 0);
	if (r < 0)
		return r;
	r = volt_sec_filter_compile(&bpf, &bpf_len, filter);
	if (r < 0)
		return r;
	/* The stats and the check below read these after Landlock closes the filesystem. */
	if (vm->proc_statm_fd < 0)
		vm->proc_statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (vm->proc_smaps_fd < 0)
		vm->proc_smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	r = volt_sec_policy_apply(policy, NULL);
	if (r < 0)
		return r;
	r = volt_sec_bpf_load(bpf, bpf_len, VOLT_SEC_LOAD_TSYNC);
	if (r < 0)
		return r;
	log_status(status_fd, abi);
	return 0;
}
