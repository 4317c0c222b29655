/*
 * The default policy and the effective policy as JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>

#include <volt/core.h>

#include "shared/json-cleanup.h"
#include "shared/macro.h"
#include "policy-internal.h"

/*
 * The default is meant for a typical service: it can read the system,
 * write its scratch space and a few harmless devices, and execute system
 * programs (with /usr/lib, where the dynamic loader lives: Landlock
 * checks the ELF interpreter for execute access too). Whole /dev is not
 * writable: uid 0 without capabilities still owns /dev/sda. It can
 * neither signal processes outside its sandbox nor reach abstract unix
 * sockets made outside it.
 *
 * It exposes no secrets and no other sessions: nothing of /var but
 * /var/tmp (/var/lib holds Volt's own state and every daemon's), nothing
 * of /run but the resolver's directory (a resolv.conf may point there),
 * no /dev/pts (a sandbox gets its terminal as open descriptors; opening
 * another session's /dev/pts/N must fail), and /etc without the
 * password hashes, host keys and other credentials listed in
 * default_deny.
 */
static const char *const default_read[] = {
	"/bin", "/etc", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/run/systemd/resolve", "/sbin", "/sys",
	"/tmp", "/usr", "/var/tmp", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty", "/dev/shm", NULL,
};
static const char *const default_write[] = {
	"/tmp", "/var/tmp", "/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/shm", NULL,
};
static const char *const default_execute[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr", "/opt", NULL,
};
static const char *const default_deny[] = {
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd",
	"/etc/ssh/ssh_host_*_key", "/etc/ssl/private", "/etc/sudoers", "/etc/sudoers.d",
	"/etc/credstore", "/etc/credstore.encrypted", "/etc/krb5.keytab", "/etc/wireguard",
	"/etc/NetworkManager/system-connections", "/etc/ipsec.secrets", "/etc/ppp/chap-secrets",
	"/etc/ppp/pap-secrets", "/etc/letsencrypt", NULL,
};

static int add_all(struct strv *v, const char *const *list)
{
	for (; *list; list++)
		if (strv_add(v, *list) < 0)
			return -ENOMEM;
	return 0;
}

VOLT_API int volt_sec_policy_new_default(volt_sec_policy **out)
{
	volt_sec_policy *p;

	assert_return(out, -EINVAL);
	p = policy_alloc();
	if (!p)
		return volt_error_set(ENOMEM, NULL);
	p->fs_restricted = true;
	p->scope = SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET;
	if (add_all(&p->fs_read, default_read) < 0 || add_all(&p->fs_write, default_write) < 0 ||
	    add_all(&p->fs_execute, default_execute) < 0 || add_all(&p->fs_deny, default_deny) < 0) {
		volt_sec_policy_free(p);
		return volt_error_set(ENOMEM, NULL);
	}
	*out = p;
	return 0;
}

static json_t *strv_to_json(const struct strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < v->n; i++)
		if (json_array_append_new(a, json_string(v->items[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *ports_to_json(bool restricted, const struct portv *v)
{
	json_t *a;

	if (!restricted)
		return json_null();
	a = json_array();
	for (size_t i = 0; a && i < v->n; i++)
		if (json_array_append_new(a, json_integer(v->items[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *paths_to_json(bool restricted, const struct strv *v)
{
	return restricted ? strv_to_json(v) : json_null();
}

static json_t *ranges_to_json(const struct id_range *r, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "inside", (json_int_t)r[i].inside,
						       "outside", (json_int_t)r[i].outside, "count",
						       (json_int_t)r[i].count)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *scope_to_json(unsigned scope)
{
	json_t *a = json_array();

	if (a && (scope & SCOPE_ABSTRACT_UNIX_SOCKET) && json_array_append_new(a, json_string("abstract_unix_socket")) < 0)
		goto fail;
	if (a && (scope & SCOPE_SIGNAL) && json_array_append_new(a, json_string("signal")) < 0)
		goto fail;
	return a;
fail:
	json_decref(a);
	return NULL;
}

static const char *const profile_names[] = {
	[SECCOMP_PROFILE_DEFAULT] = "default",
	[SECCOMP_PROFILE_CUSTOM] = "custom",
	[SECCOMP_PROFILE_NONE] = "none",
};

VOLT_API int volt_sec_policy_to_json(json_t **out, const volt_sec_policy *p)
{
	_cleanup_json_ json_t *o = NULL;
	json_t *userns;

	assert_return(p, -EINVAL);
	assert_return(out, -EINVAL);

	if (p->userns)
		userns = json_pack("{s:o, s:o}", "uid_map", ranges_to_json(p->uid_map, p->n_uid_map), "gid_map",
				   ranges_to_json(p->gid_map, p->n_gid_map));
	else
		userns = p->userns_off ? json_false() : json_null();
	/* "o" steals references, and json_pack frees them all when it fails. */
	o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:s, s:s, s:o, s:o}, s:o, s:o, s:b}",
		      "fs_read", paths_to_json(p->fs_restricted, &p->fs_read),
		      "fs_write", paths_to_json(p->fs_restricted, &p->fs_write),
		      "fs_execute", paths_to_json(p->fs_restricted, &p->fs_execute),
		      "fs_deny", strv_to_json(&p->fs_deny),
		      "net_bind", ports_to_json(p->bind_restricted, &p->net_bind),
		      "net_connect", ports_to_json(p->connect_restricted, &p->net_connect),
		      "scope", scope_to_json(p->scope),
		      "seccomp",
		      "profile", profile_names[p->profile],
		      "action", p->action == VOLT_SEC_ACTION_KILL ? "kill" : "errno",
		      "allow", strv_to_json(&p->sc_allow),
		      "deny", strv_to_json(&p->sc_deny),
		      "capabilities", strv_to_json(&p->caps),
		      "user_namespace", userns,
		      "no_new_privs", p->no_new_privs);
	if (!o)
		return volt_error_set(ENOMEM, "cannot build the policy's JSON");
	*out = TAKE_PTR(o);
	return 0;
}
