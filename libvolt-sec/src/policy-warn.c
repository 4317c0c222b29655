/*
 * Policies that defeat themselves: valid, but one part opens what
 * another part closes. `volt policy validate` prints these.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <volt/core.h>

#include "shared/json-cleanup.h"
#include "shared/macro.h"
#include "policy-internal.h"

static int warn(json_t *list, const char *fmt, ...) VOLT_PRINTF(2, 3);
static int warn(json_t *list, const char *fmt, ...)
{
	char buf[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_array_append_new(list, json_string(buf)) < 0 ? -ENOMEM : 0;
}

VOLT_API int volt_sec_policy_warnings(json_t **out, const volt_sec_policy *p)
{
	static const char *const io_uring[] = { "io_uring_setup", "io_uring_enter", "io_uring_register" };
	static const char *const reach_out[] = { "ptrace", "process_vm_writev", "process_vm_readv", "pidfd_getfd" };
	static const char *const anon_exec[] = { "memfd_create", "execveat" };
	_cleanup_json_ json_t *list = json_array();
	bool landlock = p && (p->fs_restricted || p->scope);
	int r = 0;

	assert_return(p, -EINVAL);
	assert_return(out, -EINVAL);
	if (!list)
		return volt_error_set(ENOMEM, NULL);
	if (p->profile != SECCOMP_PROFILE_NONE) {
		for (size_t i = 0; i < ELEMENTSOF(io_uring); i++)
			if (strv_contains(&p->sc_allow, io_uring[i]))
				r |= warn(list, "seccomp: allowing %s defeats the syscall filter: operations submitted "
						"through io_uring (open, read, write, connect, ...) are never seen by seccomp, "
						"so the deny list no longer holds", io_uring[i]);
		for (size_t i = 0; i < ELEMENTSOF(reach_out); i++)
			if (strv_contains(&p->sc_allow, reach_out[i]) && !landlock)
				r |= warn(list, "seccomp: allowing %s lets the sandbox take over processes of its own "
						"user outside the sandbox (the process that started it included), which "
						"no filter binds; Landlock rules or a scope would confine it to the "
						"sandbox's own processes", reach_out[i]);
		for (size_t i = 0; i < ELEMENTSOF(anon_exec); i++)
			if (p->profile == SECCOMP_PROFILE_DEFAULT && p->fs_restricted &&
			    strv_contains(&p->sc_allow, anon_exec[i]))
				r |= warn(list, "seccomp: allowing %s lifts the default profile's guard on executing "
						"anonymous files (memfds), which fs_execute cannot see", anon_exec[i]);
	}
	if (p->userns_off)
		r |= warn(list, "user_namespace: false: a sandbox started as root stays host root; Landlock does not "
				"mediate connect() to unix sockets nor chmod, chown or utime, so it reaches root's "
				"daemons and can change root's files");
	if (r < 0)
		return volt_error_set(ENOMEM, NULL);
	*out = TAKE_PTR(list);
	return 0;
}
