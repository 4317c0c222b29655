/*
 * Reading and checking policies. The format is documented in
 * docs/sec-policy.md; every refusal names the key (and list index) at
 * fault, because a policy that silently means something else is a hole.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>
#include <volt/core.h>

#include "shared/json-cleanup.h"
#include "shared/macro.h"
#include "policy-internal.h"

volt_sec_policy *policy_alloc(void)
{
	volt_sec_policy *p = calloc(1, sizeof(*p));

	if (p) {
		p->profile = SECCOMP_PROFILE_DEFAULT;
		p->action = VOLT_SEC_ACTION_ERRNO;
		p->no_new_privs = true;
	}
	return p;
}

VOLT_API volt_sec_policy *volt_sec_policy_free(volt_sec_policy *p)
{
	if (!p)
		return NULL;
	strv_done(&p->fs_read);
	strv_done(&p->fs_write);
	strv_done(&p->fs_execute);
	strv_done(&p->fs_deny);
	free(p->net_bind.items);
	free(p->net_connect.items);
	strv_done(&p->sc_allow);
	strv_done(&p->sc_deny);
	strv_done(&p->caps);
	free(p);
	return NULL;
}

static void policy_freep(volt_sec_policy **p)
{
	volt_sec_policy_free(*p);
}

int capability_from_name(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	if (!*name)
		return -1;
	return capng_name_to_capability(name);
}

/* Fetch an array member; 1 when absent or null, 0 with *out set, -EINVAL otherwise. */
static int get_array(const json_t *obj, const char *key, const char *where, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 1;
	if (!json_is_array(v))
		return volt_error_set(EINVAL, "%s: '%s' must be an array", where, key);
	*out = v;
	return 0;
}

static int parse_paths(const json_t *obj, const char *key, struct strv *out, bool *present)
{
	bool globs = strcmp(key, "fs_deny") == 0;
	json_t *arr = NULL, *item;
	size_t i;
	int r;

	r = get_array(obj, key, "policy", &arr);
	if (r != 0)
		return r < 0 ? r : 0;
	*present = true;
	json_array_foreach(arr, i, item) {
		_cleanup_free_ char *norm = NULL;
		const char *s;

		if (!json_is_string(item))
			return volt_error_set(EINVAL, "policy: %s[%zu] must be a string", key, i);
		s = json_string_value(item);
		r = volt_path_check(s, json_string_length(item));
		if (r < 0)
			return volt_error_prefix(r, "policy: %s[%zu]", key, i);
		if (s[0] != '/')
			return volt_error_set(EINVAL, "policy: %s[%zu]: path '%s' must be absolute", key, i, s);
		/* Only fs_deny takes patterns, and only in the last component. */
		if (globs && strpbrk(s, "*?[") && ( strpbrk(strrchr(s, '/'), "*?[") != strpbrk(s, "*?[")))
			return volt_error_set(EINVAL, "policy: %s[%zu]: '%s': wildcards are only allowed in the last "
					      "component of fs_deny paths", key, i, s);
		r = volt_path_normalize(&norm, s);
		if (r < 0)
			return volt_error_prefix(r, "policy: %s[%zu]", key, i);
		if (strv_add(out, norm) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

static int parse_ports(const json_t *obj, const char *key, long long min, struct portv *out, bool *present)
{
	json_t *arr = NULL, *item;
	size_t i;
	int r;

	r = get_array(obj, key, "policy", &arr);
	if (r != 0)
		return r < 0 ? r : 0;
	*present = true;
	json_array_foreach(arr, i, item) {
		json_int_t port;

		if (!json_is_integer(item))
			return volt_error_set(EINVAL, "policy: %s[%zu] must be an integer port", key, i);
		port = json_integer_value(item);
		if (port < min || port > 65535)
			return volt_error_set(ERANGE, "policy: %s[%zu]: port %lld out of range %lld..65535", key,
					      i, (long long)port, min);
		if (portv_add(out, (uint16_t)port) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

static int parse_syscalls(const json_t *obj, const char *key, struct strv *out)
{
	json_t *arr = NULL, *item;
	size_t i;
	int r;

	r = get_array(obj, key, "policy: seccomp", &arr);
	if (r != 0)
		return r < 0 ? r : 0;
	json_array_foreach(arr, i, item) {
		const char *s;

		if (!json_is_string(item))
			return volt_error_set(EINVAL, "policy: seccomp: %s[%zu] must be a string", key, i);
		s = json_string_value(item);
		if (strlen(s) != json_string_length(item) ||
		    seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, s) < 0)
			return volt_error_set(EINVAL, "policy: seccomp: %s[%zu]: '%s' is not a syscall of this architecture",
					      key, i, s);
		if (strv_add(out, s) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

static int parse_seccomp(volt_sec_policy *p, const json_t *obj)
{
	static const char *const keys[] = { "profile", "action", "allow", "deny", NULL };
	const json_t *sc = json_object_get(obj, "seccomp");
	const char *profile = "default", *action = "errno";
	int r;

	if (!sc || json_is_null(sc))
		return 0;
	if (!json_is_object(sc))
		return volt_error_set(EINVAL, "policy: 'seccomp' must be an object");
	r = volt_json_check_keys(sc, keys, "policy: seccomp");
	if (r < 0)
		return r;
	r = volt_json_get_string(&profile, sc, "profile", false, "policy: seccomp");
	if (r < 0)
		return r;
	r = volt_json_get_string(&action, sc, "action", false, "policy: seccomp");
	if (r < 0)
		return r;

	if (strcmp(profile, "default") == 0)
		p->profile = SECCOMP_PROFILE_DEFAULT;
	else if (strcmp(profile, "custom") == 0)
		p->profile = SECCOMP_PROFILE_CUSTOM;
	else if (strcmp(profile, "none") == 0)
		p->profile = SECCOMP_PROFILE_NONE;
	else
		return volt_error_set(EINVAL, "policy: seccomp: profile '%s' is not one of default, custom, none",
				      profile);
	if (strcmp(action, "errno") == 0)
		p->action = VOLT_SEC_ACTION_ERRNO;
	else if (strcmp(action, "kill") == 0)
		p->action = VOLT_SEC_ACTION_KILL;
	else
		return volt_error_set(EINVAL, "policy: seccomp: action '%s' is not one of errno, kill", action);

	r = parse_syscalls(sc, "allow", &p->sc_allow);
	if (r < 0)
		return r;
	r = parse_syscalls(sc, "deny", &p->sc_deny);
	if (r < 0)
		return r;
	if (p->profile == SECCOMP_PROFILE_NONE && (p->sc_allow.n || p->sc_deny.n))
		return volt_error_set(EINVAL, "policy: seccomp: profile 'none' takes no allow or deny list");
	for (size_t i = 0; i < p->sc_deny.n; i++)
		if (strv_contains(&p->sc_allow, p->sc_deny.items[i]))
			return volt_error_set(EINVAL, "policy: seccomp: '%s' is both allowed and denied",
					      p->sc_deny.items[i]);
	return 0;
}

static int parse_scope(volt_sec_policy *p, const json_t *obj)
{
	json_t *arr = NULL, *item;
	size_t i;
	int r;

	r = get_array(obj, "scope", "policy", &arr);
	if (r != 0)
		return r < 0 ? r : 0;
	json_array_foreach(arr, i, item) {
		const char *s = json_string_value(item);

		if (!s)
			return volt_error_set(EINVAL, "policy: scope[%zu] must be a string", i);
		if (strcmp(s, "signal") == 0)
			p->scope |= SCOPE_SIGNAL;
		else if (strcmp(s, "abstract_unix_socket") == 0)
			p->scope |= SCOPE_ABSTRACT_UNIX_SOCKET;
		else
			return volt_error_set(EINVAL, "policy: scope[%zu]: '%s' is not one of signal, abstract_unix_socket",
					      i, s);
	}
	return 0;
}

static int parse_capabilities(volt_sec_policy *p, const json_t *obj)
{
	json_t *arr = NULL, *item;
	size_t i;
	int r;

	r = get_array(obj, "capabilities", "policy", &arr);
	if (r != 0)
		return r < 0 ? r : 0;
	json_array_foreach(arr, i, item) {
		char name[64] = "CAP_";
		const char *s, *cname;
		int cap;

		if (!json_is_string(item))
			return volt_error_set(EINVAL, "policy: capabilities[%zu] must be a string", i);
		s = json_string_value(item);
		cap = strlen(s) == json_string_length(item) ? capability_from_name(s) : -1;
		if (cap < 0 || cap > 63 || !(cname = capng_capability_to_name((unsigned)cap)))
			return volt_error_set(EINVAL, "policy: capabilities[%zu]: unknown capability '%s'", i, s);
		for (size_t k = 0; cname[k] && k + 5 < sizeof(name); k++)
			name[4 + k] = (char)(cname[k] >= 'a' && cname[k] <= 'z' ? cname[k] - 'a' + 'A' : cname[k]);
		if (strv_add(&p->caps, name) < 0)
			return volt_error_set(ENOMEM, NULL);
		p->caps_mask |= 1ULL << cap;
	}
	return 0;
}

static int parse_id_map(const json_t *ns, const char *key, struct id_range *ranges, size_t *n)
{
	static const char *const keys[] = { "inside", "outside", "count", NULL };
	json_t *arr = NULL, *item;
	size_t i;
	int r;

	r = get_array(ns, key, "policy: user_namespace", &arr);
	if (r != 0)
		return r < 0 ? r : 1;
	if (json_array_size(arr) == 0)
		return volt_error_set(EINVAL, "policy: user_namespace: '%s' must not be empty", key);
	if (json_array_size(arr) > ID_RANGES_MAX)
		return volt_error_set(EINVAL, "policy: user_namespace: '%s' has more than %d ranges", key,
				      ID_RANGES_MAX);
	json_array_foreach(arr, i, item) {
		char where[96];
		long long inside, outside, count;

		snprintf(where, sizeof(where), "policy: user_namespace: %s[%zu]", key, i);
		r = volt_json_check_keys(item, keys, where);
		if (r < 0)
			return r;
		if ((r = volt_json_get_int(&inside, item, "inside", true, where, 0, UINT32_MAX - 1)) < 0 ||
		    (r = volt_json_get_int(&outside, item, "outside", true, where, 0, UINT32_MAX - 1)) < 0 ||
		    (r = volt_json_get_int(&count, item, "count", true, where, 1, UINT32_MAX - 1)) < 0) {
			if (r == -ENOENT)
				return volt_error_set(EINVAL, "%s: needs 'inside', 'outside' and 'count'", where);
			return r;
		}
		if (inside + count > UINT32_MAX || outside + count > UINT32_MAX)
			return volt_error_set(ERANGE, "%s: range ends beyond id %u", where, UINT32_MAX - 1);
		for (size_t k = 0; k < i; k++) {
			const struct id_range *o = &ranges[k];

			if ((uint64_t)inside < (uint64_t)o->inside + o->count && o->inside < inside + count)
				return volt_error_set(EINVAL, "%s: inside range overlaps %s[%zu]", where, key, k);
			if ((uint64_t)outside < (uint64_t)o->outside + o->count && o->outside < outside + count)
				return volt_error_set(EINVAL, "%s: outside range overlaps %s[%zu]", where, key, k);
		}
		ranges[i] = (struct id_range){ (uint32_t)inside, (uint32_t)outside, (uint32_t)count };
	}
	*n = json_array_size(arr);
	return 0;
}

static int parse_userns(volt_sec_policy *p, const json_t *obj)
{
	static const char *const keys[] = { "uid_map", "gid_map", NULL };
	const json_t *ns = json_object_get(obj, "user_namespace");
	int r;

	if (!ns || json_is_null(ns))
		return 0;
	if (json_is_false(ns)) {
		p->userns_off = true;
		return 0;
	}
	if (!json_is_object(ns))
		return volt_error_set(EINVAL, "policy: 'user_namespace' must be an object, false or null");
	r = volt_json_check_keys(ns, keys, "policy: user_namespace");
	if (r < 0)
		return r;
	r = parse_id_map(ns, "uid_map", p->uid_map, &p->n_uid_map);
	if (r < 0)
		return r;
	if (r > 0)
		return volt_error_set(EINVAL, "policy: user_namespace: 'uid_map' is required");
	r = parse_id_map(ns, "gid_map", p->gid_map, &p->n_gid_map);
	if (r < 0)
		return r;
	if (r > 0) {
		/* Without a gid_map, groups map like users. */
		memcpy(p->gid_map, p->uid_map, p->n_uid_map * sizeof(p->uid_map[0]));
		p->n_gid_map = p->n_uid_map;
	}
	p->userns = true;
	return 0;
}

/* Combinations that cannot work, refused now rather than at apply time. */
static int check_consistency(const volt_sec_policy *p)
{
	bool confines = p->fs_restricted || p->bind_restricted || p->connect_restricted || p->scope ||
			p->profile != SECCOMP_PROFILE_NONE;

	if (p->fs_deny.n && p->fs_read.n + p->fs_write.n + p->fs_execute.n == 0)
		return volt_error_set(EINVAL, "policy: 'fs_deny' withholds paths from fs_read, fs_write and "
					      "fs_execute, which grant nothing here");
	if (!p->no_new_privs && confines && !(p->caps_mask & (1ULL << CAP_SYS_ADMIN)))
		return volt_error_set(EINVAL,
				      "policy: 'no_new_privs' false needs CAP_SYS_ADMIN kept in 'capabilities' "
				      "for Landlock and seccomp to be applied");
	return 0;
}

static int policy_from_json(volt_sec_policy **out, const json_t *root)
{
	static const char *const keys[] = { "fs_read", "fs_write", "fs_execute", "fs_deny", "net_bind", "net_connect",
					    "scope", "seccomp", "capabilities", "user_namespace", "no_new_privs",
					    NULL };
	_cleanup_(policy_freep) volt_sec_policy *p = NULL;
	bool deny_present = false;
	int r;

	if (!json_is_object(root))
		return volt_error_set(EINVAL, "policy: must be a JSON object");
	r = volt_json_check_keys(root, keys, "policy");
	if (r < 0)
		return r;
	p = policy_alloc();
	if (!p)
		return volt_error_set(ENOMEM, NULL);

	if ((r = parse_paths(root, "fs_read", &p->fs_read, &p->fs_restricted)) < 0 ||
	    (r = parse_paths(root, "fs_write", &p->fs_write, &p->fs_restricted)) < 0 ||
	    (r = parse_paths(root, "fs_execute", &p->fs_execute, &p->fs_restricted)) < 0 ||
	    (r = parse_paths(root, "fs_deny", &p->fs_deny, &deny_present)) < 0 ||
	    (r = parse_ports(root, "net_bind", 0, &p->net_bind, &p->bind_restricted)) < 0 ||
	    (r = parse_ports(root, "net_connect", 1, &p->net_connect, &p->connect_restricted)) < 0 ||
	    (r = parse_scope(p, root)) < 0 || (r = parse_seccomp(p, root)) < 0 || (r = parse_capabilities(p, root)) < 0 ||
	    (r = parse_userns(p, root)) < 0)
		return r;
	r = volt_json_get_bool(&p->no_new_privs, root, "no_new_privs", false, "policy");
	if (r < 0)
		return r;
	r = check_consistency(p);
	if (r < 0)
		return r;
	*out = TAKE_PTR(p);
	return 0;
}

VOLT_API int volt_sec_policy_parse(volt_sec_policy **out, const char *text, size_t len)
{
	_cleanup_json_ json_t *root = NULL;
	int r;

	assert_return(out, -EINVAL);
	assert_return(text || len == 0, -EINVAL);
	r = volt_json_parse(&root, text ? text : "", len);
	if (r < 0)
		return volt_error_prefix(r, "policy");
	return policy_from_json(out, root);
}

/*
 * Read a policy file: opened without blocking (a FIFO or a device would
 * otherwise hang the caller) and refused unless it is a regular file.
 */
static int read_policy_file(const char *path, char **out, size_t *out_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "open");
	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "stat");
	if (!S_ISREG(st.st_mode))
		return volt_error_set(EINVAL, "not a regular file (a policy must be a file, not a %s)",
				      S_ISDIR(st.st_mode) ? "directory" : S_ISFIFO(st.st_mode) ? "FIFO" :
				      S_ISSOCK(st.st_mode) ? "socket" : "device");
	if (st.st_size > (off_t)VOLT_SEC_POLICY_FILE_MAX)
		return volt_error_set(EFBIG, "larger than %u bytes", VOLT_SEC_POLICY_FILE_MAX);
	buf = malloc(VOLT_SEC_POLICY_FILE_MAX + 1);
	if (!buf)
		return volt_error_set(ENOMEM, NULL);
	for (;;) {
		ssize_t n = read(fd, buf + len, VOLT_SEC_POLICY_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "read");
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > VOLT_SEC_POLICY_FILE_MAX)
			return volt_error_set(EFBIG, "larger than %u bytes", VOLT_SEC_POLICY_FILE_MAX);
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	*out_len = len;
	return 0;
}

VOLT_API int volt_sec_policy_load_file(volt_sec_policy **out, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	assert_return(out, -EINVAL);
	assert_return(path, -EINVAL);
	r = read_policy_file(path, &text, &len);
	if (r < 0)
		return volt_error_prefix(r, "%s", path);
	r = volt_sec_policy_parse(out, text, len);
	if (r < 0)
		return volt_error_prefix(r, "%s", path);
	return 0;
}
