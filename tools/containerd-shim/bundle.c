/*
 * The OCI bundle containerd prepares: config.json (what of it Volt runs)
 * and the root file system from containerd's snapshotter, which the shim
 * mounts at BUNDLE/rootfs as runc's shim does.
 *
 * Everything here comes from the image and its user (the spec's args, env
 * and annotations): bounded and type-checked, never trusted as paths on
 * the host.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <jansson.h>

#include <volt/core.h>

#include "shared/macro.h"
#include "shim.h"

/* Far more than a real spec holds; a bigger one is refused, not read. */
#define CONFIG_MAX (4u << 20)
#define STRV_MAX 4096

void shim_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* A JSON array of strings as a NULL-terminated list; NULL @a gives NULL. */
static int strv_from_json(char ***out, const json_t *a, const char *what)
{
	size_t n, i;
	char **v;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || (n = json_array_size(a)) > STRV_MAX) {
		shim_log("config.json: %s is not an array of at most %u strings", what, STRV_MAX);
		return -EINVAL;
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (!s || !(v[i] = strdup(s))) {
			shim_strv_free(v);
			if (!s)
				shim_log("config.json: %s[%zu] is not a string", what, i);
			return s ? -ENOMEM : -EINVAL;
		}
	}
	*out = v;
	return 0;
}

static int dup_string(char **out, const json_t *j)
{
	const char *s = json_string_value(j);

	*out = NULL;
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* process.user as a Volt user: the name, else the uid (with @with_gid, "uid:gid"). */
static int user_from_json(char **out, const json_t *user, bool with_gid)
{
	const char *name = json_string_value(json_object_get(user, "username"));
	json_int_t uid, gid;

	*out = NULL;
	if (!user)
		return 0;
	if (name && *name)
		return (*out = strdup(name)) ? 0 : -ENOMEM;
	uid = json_integer_value(json_object_get(user, "uid"));
	gid = json_integer_value(json_object_get(user, "gid"));
	if (uid < 0 || uid > 65535 || gid < 0 || gid > 65535) {
		shim_log("config.json: process.user %lld:%lld is outside the container's id range", (long long)uid,
			 (long long)gid);
		return -EINVAL;
	}
	if (with_gid)
		return asprintf(out, "%lld:%lld", (long long)uid, (long long)gid) < 0 ? -ENOMEM : 0;
	return asprintf(out, "%lld", (long long)uid) < 0 ? -ENOMEM : 0;
}

int shim_bundle_spec_load(shim_bundle_spec *out, const char *bundle)
{
	_cleanup_free_ char *path = NULL;
	json_t *config, *process, *ns;
	json_error_t err;
	struct stat st;
	size_t i;
	int r;

	*out = (shim_bundle_spec){};
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return -ENOMEM;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX) {
		shim_log("%s: not a regular file of at most %u bytes", path, CONFIG_MAX);
		return -EINVAL;
	}
	config = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!config) {
		shim_log("%s: %s (line %d)", path, err.text, err.line);
		return -EINVAL;
	}
	process = json_object_get(config, "process");
	if (!json_is_object(process)) {
		shim_log("%s: no process object", path);
		json_decref(config);
		return -EINVAL;
	}
	r = strv_from_json(&out->argv, json_object_get(process, "args"), "process.args");
	if (r >= 0)
		r = strv_from_json(&out->env, json_object_get(process, "env"), "process.env");
	if (r >= 0)
		r = dup_string(&out->cwd, json_object_get(process, "cwd"));
	if (r >= 0)
		r = user_from_json(&out->user, json_object_get(process, "user"), false);
	if (r >= 0)
		r = dup_string(&out->hostname, json_object_get(config, "hostname"));
	if (r >= 0)
		r = dup_string(&out->runtime, json_object_get(json_object_get(config, "annotations"), "io.volt.runtime"));
	out->terminal = json_is_true(json_object_get(process, "terminal"));
	ns = json_object_get(json_object_get(config, "linux"), "namespaces");
	for (i = 0; i < json_array_size(ns); i++) {
		const char *type = json_string_value(json_object_get(json_array_get(ns, i), "type"));

		if (type && strcmp(type, "network") == 0)
			out->own_network = true;
	}
	json_decref(config);
	if (r >= 0 && (!out->argv || !out->argv[0])) {
		shim_log("%s: process.args is empty", path);
		r = -EINVAL;
	}
	if (r < 0)
		shim_bundle_spec_clear(out);
	return r;
}

void shim_bundle_spec_clear(shim_bundle_spec *spec)
{
	shim_strv_free(spec->argv);
	shim_strv_free(spec->env);
	free(spec->cwd);
	free(spec->user);
	free(spec->hostname);
	free(spec->runtime);
	*spec = (shim_bundle_spec){};
}

int shim_exec_spec_parse(shim_exec_spec *out, const uint8_t *data, size_t len)
{
	json_error_t err;
	json_t *p = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);
	const json_t *env;
	int r;

	*out = (shim_exec_spec){};
	if (!p || !json_is_object(p)) {
		json_decref(p);
		return -EINVAL;
	}
	env = json_object_get(p, "env");
	out->has_env = json_is_array(env);
	r = strv_from_json(&out->argv, json_object_get(p, "args"), "exec process.args");
	if (r >= 0)
		r = strv_from_json(&out->env, env, "exec process.env");
	if (r >= 0)
		r = dup_string(&out->cwd, json_object_get(p, "cwd"));
	if (r >= 0)
		r = user_from_json(&out->user, json_object_get(p, "user"), true);
	out->terminal = json_is_true(json_object_get(p, "terminal"));
	json_decref(p);
	if (r >= 0 && (!out->argv || !out->argv[0])) {
		shim_log("exec process.args is empty");
		r = -EINVAL;
	}
	if (r >= 0 && out->cwd && out->cwd[0] != '/') {
		shim_log("exec process.cwd '%s' is not absolute", out->cwd);
		r = -EINVAL;
	}
	if (r < 0)
		shim_exec_spec_clear(out);
	return r;
}

void shim_exec_spec_clear(shim_exec_spec *spec)
{
	shim_strv_free(spec->argv);
	shim_strv_free(spec->env);
	free(spec->cwd);
	free(spec->user);
	*spec = (shim_exec_spec){};
}

/* Mount options that are flags; the rest go to the file system as data. */
static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{ "ro", MS_RDONLY, 0 },       { "rw", 0, MS_RDONLY },       { "nosuid", MS_NOSUID, 0 },
	{ "nodev", MS_NODEV, 0 },     { "noexec", MS_NOEXEC, 0 },   { "bind", MS_BIND, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 }, { "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 },
	{ "defaults", 0, 0 },
};

int shim_rootfs_mount(const char *target, const char *type, const char *source, char *const *options, size_t n)
{
	_cleanup_free_ char *data = NULL;
	size_t data_len = 0;
	unsigned long flags = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k, len = strlen(options[i]);
		char *d;

		for (k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++)
			if (strcmp(options[i], mount_flags[k].name) == 0)
				break;
		if (k < sizeof(mount_flags) / sizeof(mount_flags[0])) {
			flags = (flags | mount_flags[k].set) & ~mount_flags[k].clear;
			continue;
		}
		if (data_len + len + 2 > 65536)
			return -E2BIG;
		d = realloc(data, data_len + len + 2);
		if (!d)
			return -ENOMEM;
		data = d;
		if (data_len)
			data[data_len++] = ',';
		memcpy(data + data_len, options[i], len + 1);
		data_len += len;
	}
	if (mount(source, target, type, (flags & MS_BIND) ? flags & ~MS_RDONLY : flags, data) < 0)
		return -errno;
	/* A bind mount takes MS_RDONLY only on a remount. */
	if ((flags & MS_BIND) && (flags & MS_RDONLY) &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		int e = errno;

		umount2(target, MNT_DETACH);
		return -e;
	}
	return 0;
}

int shim_rootfs_unmount(const char *target)
{
	if (umount2(target, 0) == 0 || errno == EINVAL || errno == ENOENT)
		return 0;
	/* Busy (a process of the host looking in): let it go lazily. */
	return umount2(target, MNT_DETACH) < 0 ? -errno : 0;
}
