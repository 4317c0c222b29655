/* Private: the policy object and helpers shared by the sec sources. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_POLICY_INTERNAL_H
#define VOLT_SEC_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <volt/sec.h>

/* A sorted list of unique strings. */
struct strv {
	char **items;
	size_t n;
};

/* A sorted list of unique ports. */
struct portv {
	uint16_t *items;
	size_t n;
};

/* One line of /proc/PID/uid_map. */
struct id_range {
	uint32_t inside, outside, count;
};

/* Landlock scopes a policy can ask for. */
#define SCOPE_ABSTRACT_UNIX_SOCKET (1u << 0)
#define SCOPE_SIGNAL (1u << 1)

/* The kernel accepts at most this many lines in uid_map. */
#define ID_RANGES_MAX 340

enum seccomp_profile {
	SECCOMP_PROFILE_DEFAULT,
	SECCOMP_PROFILE_CUSTOM,
	SECCOMP_PROFILE_NONE,
};

struct volt_sec_policy {
	/* Landlock filesystem: off when no fs_* key was given. */
	bool fs_restricted;
	struct strv fs_read, fs_write, fs_execute;
	/* Withheld from every grant above that covers them (last component may be a glob). */
	struct strv fs_deny;
	/* Landlock TCP: each off when its key was not given (or null). */
	bool bind_restricted, connect_restricted;
	struct portv net_bind, net_connect;
	/* Landlock scoping (ABI 6): SCOPE_* bits. */
	unsigned scope;

	enum seccomp_profile profile;
	volt_sec_action action;
	struct strv sc_allow, sc_deny;

	/* Capability names kept, as "CAP_X", and their bit mask. */
	struct strv caps;
	uint64_t caps_mask;

	bool userns;
	/* "user_namespace": false: never a user namespace, not even the one given to root by default. */
	bool userns_off;
	struct id_range uid_map[ID_RANGES_MAX], gid_map[ID_RANGES_MAX];
	size_t n_uid_map, n_gid_map;

	bool no_new_privs;
};

void strv_done(struct strv *v);
/* Insert a copy of @s keeping the list sorted and unique. -ENOMEM. */
int strv_add(struct strv *v, const char *s);
bool strv_contains(const struct strv *v, const char *s);
int portv_add(struct portv *v, uint16_t port);

/* Allocate an empty policy (everything off, no_new_privs on). */
volt_sec_policy *policy_alloc(void);

/* Probe the kernel; user namespaces only if @user_namespaces (it forks). */
void probe_fill(volt_sec_support *out, bool user_namespaces);

/* Build the seccomp filter a policy asks for, or NULL with 0 for profile "none". */
int policy_build_filter(const volt_sec_policy *p, volt_sec_filter **out);

/* Enter a new user namespace with these maps (see userns.c). */
int userns_enter_maps(const struct id_range *uid_map, size_t n_uid, const struct id_range *gid_map, size_t n_gid);

/* "CAP_NET_ADMIN" / "net_admin" -> capability number, or -1. */
int capability_from_name(const char *name);

#endif
