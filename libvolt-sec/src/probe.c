/*
 * What this kernel can enforce, and what of a policy it cannot.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <volt/core.h>

#include "shared/json-cleanup.h"
#include "landlock.h"
#include "shared/macro.h"
#include "policy-internal.h"

static bool probe_user_namespaces(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* 0 when seccomp filters can be installed, else the positive errno that says why not. */
static int probe_seccomp_errno(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	/* The kill-process action is what Volt's filters rely on for other ABIs. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return errno ? errno : EINVAL;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0)
		return errno ? errno : EINVAL;
	return 0;
}

static bool probe_seccomp(void)
{
	return probe_seccomp_errno() == 0;
}

/*
 * Why seccomp is unavailable: ENOSYS and EINVAL come from the kernel
 * itself, EPERM/EACCES from a filter or security module above us.
 */
static const char *seccomp_reason(int err)
{
	switch (err) {
	case 0:
		return "seccomp is not usable here";
	case ENOSYS:
	case EOPNOTSUPP:
		return "the kernel lacks seccomp filters";
	case EINVAL:
		return "the kernel lacks seccomp filters or the kill-process action (Linux 4.14)";
	case EPERM:
	case EACCES:
		return "an outer seccomp filter or the container manager forbids seccomp(2) (the kernel has it)";
	default:
		return strerror(err);
	}
}

void probe_fill(volt_sec_support *out, bool user_namespaces)
{
	out->landlock_abi = landlock_probe_abi(&out->landlock_errno);
	out->seccomp = probe_seccomp();
	/* The only probe that costs a fork. */
	out->user_namespaces = user_namespaces && probe_user_namespaces();
}

VOLT_API int volt_sec_probe(volt_sec_support *out)
{
	assert_return(out, -EINVAL);
	assert_return(VERSION_SUPPORTED(out->version, VOLT_SEC_SUPPORT_VERSION), -EINVAL);
	probe_fill(out, true);
	return 0;
}

static const char *landlock_reason(int err)
{
	switch (err) {
	case ENOSYS:
		return "the kernel was built without Landlock";
	case EOPNOTSUPP:
		return "Landlock is disabled (boot with lsm=...,landlock)";
	case EPERM:
		return "an outer seccomp filter or the container manager forbids it, though the kernel may have it "
		       "(systemd-nspawn needs "
		       "--system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self')";
	default:
		return strerror(err);
	}
}

static int add_gap(json_t *gaps, const char *fmt, ...) VOLT_PRINTF(2, 3);
static int add_gap(json_t *gaps, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_array_append_new(gaps, json_string(buf)) < 0 ? -ENOMEM : 0;
}

VOLT_API int volt_sec_policy_gaps(json_t **out, const volt_sec_policy *p, const volt_sec_support *s)
{
	_cleanup_json_ json_t *gaps = json_array();
	int abi, r = 0;

	assert_return(p, -EINVAL);
	assert_return(s && VERSION_SUPPORTED(s->version, VOLT_SEC_SUPPORT_VERSION), -EINVAL);
	assert_return(out, -EINVAL);
	if (!gaps)
		return volt_error_set(ENOMEM, NULL);
	abi = s->landlock_abi;

	if (abi < 1 && p->fs_restricted)
		r |= add_gap(gaps, "fs_read/fs_write/fs_execute cannot be enforced: %s", landlock_reason(s->landlock_errno));
	if (abi >= 1 && abi < 4 && (p->bind_restricted || p->connect_restricted))
		r |= add_gap(gaps, "net_bind/net_connect need Landlock ABI 4 (Linux 6.7); this kernel has ABI %d", abi);
	if (abi < 1 && (p->bind_restricted || p->connect_restricted))
		r |= add_gap(gaps, "net_bind/net_connect cannot be enforced: %s", landlock_reason(s->landlock_errno));
	if (abi >= 1 && abi < 6 && p->scope)
		r |= add_gap(gaps, "scope (signals, abstract unix sockets) needs Landlock ABI 6 (Linux 6.12); "
				   "this kernel has ABI %d", abi);
	if (abi < 1 && p->scope)
		r |= add_gap(gaps, "scope (signals, abstract unix sockets) cannot be enforced: %s",
			     landlock_reason(s->landlock_errno));
	if (abi >= 1 && abi < 3 && p->fs_restricted)
		r |= add_gap(gaps, "truncating files outside fs_write cannot be prevented below Landlock ABI 3 "
				   "(this kernel has ABI %d)", abi);
	if (abi >= 1 && abi < 5 && p->fs_restricted)
		r |= add_gap(gaps, "ioctl on device files outside fs_write cannot be prevented below Landlock ABI 5 "
				   "(this kernel has ABI %d)", abi);
	if (!s->seccomp && p->profile != SECCOMP_PROFILE_NONE)
		r |= add_gap(gaps, "the seccomp profile cannot be enforced: %s", seccomp_reason(probe_seccomp_errno()));
	if (!s->user_namespaces && p->userns)
		r |= add_gap(gaps, "user_namespace cannot be enforced: user namespaces are not available");
	if (r < 0)
		return volt_error_set(ENOMEM, NULL);
	*out = TAKE_PTR(gaps);
	return 0;
}
