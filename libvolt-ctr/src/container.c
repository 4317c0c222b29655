/*
 * Creating, removing, listing and inspecting containers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include <volt/cas.h>

#include "ctr-internal.h"
#include "record.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

VOLT_API int volt_ctr_open(volt_ctr **out, const char *root)
{
	_cleanup_free_ char *norm = NULL;
	volt_ctr *c;
	int r;

	assert_return(out, EINVAL);
	assert_return(root, EINVAL);

	if (root[0] != '/')
		return volt_error_set(EINVAL, "state root '%s' must be absolute", root);
	r = volt_path_normalize(&norm, root);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return volt_error_set(ENOMEM, NULL);
	if (asprintf(&c->containers, "%s/containers", norm) < 0 || asprintf(&c->bases, "%s/ctr-bases", norm) < 0) {
		volt_ctr_close(c);
		return volt_error_set(ENOMEM, NULL);
	}
	c->root = TAKE_PTR(norm);
	*out = c;
	return 0;
}

VOLT_API volt_ctr *volt_ctr_close(volt_ctr *ctr)
{
	if (!ctr)
		return NULL;
	free(ctr->created);
	free(ctr->root);
	free(ctr->containers);
	free(ctr->bases);
	free(ctr);
	return NULL;
}

VOLT_API const char *volt_ctr_state_to_string(volt_ctr_state state)
{
	switch (state) {
	case VOLT_CTR_CREATED:
		return "created";
	case VOLT_CTR_RUNNING:
		return "running";
	case VOLT_CTR_EXITED:
		return "exited";
	case VOLT_CTR_FAILED:
		return "failed";
	}
	return "unknown";
}

/*
 * The policy's paths are the container's, and the image decides what
 * they lead to: an image whose /var/tmp is a link to "/" would turn the
 * default rule "write /var/tmp" into "write everything". So each rule is
 * resolved at create time inside the container's base, as the launcher
 * will see it, following the image's links but never out of the tree.
 */
enum rule_kind {
	RULE_MISSING,  /* not in the image: the launcher skips it */
	RULE_PLAIN,    /* a real directory or file, no link on the way */
	RULE_LINKED,   /* reached through a link: target holds where to */
	RULE_BROKEN,   /* a link loop or another error: not granted */
};

/* *@out: what @path (absolute, normalised) names inside @base_fd, as an in-container path. */
static int rule_target(char **out, int base_fd, const char *base_real, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	_cleanup_close_ int fd = -1;
	size_t blen = strlen(base_real);
	char proc[64], real[PATH_MAX];
	ssize_t n;

	if (strcmp(path, "/") == 0) {
		*out = strdup("/");
		return *out ? 0 : -ENOMEM;
	}
	fd = (int)syscall(SYS_openat2, base_fd, path + 1, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, real, sizeof(real) - 1);
	if (n < 0)
		return -errno;
	real[n] = '\0';
	/* RESOLVE_IN_ROOT keeps it inside; checked all the same. */
	if (strncmp(real, base_real, blen) != 0 || (real[blen] != '\0' && real[blen] != '/'))
		return -EXDEV;
	*out = strdup(real[blen] ? real + blen : "/");
	return *out ? 0 : -ENOMEM;
}

static enum rule_kind rule_resolve(char **out, int base_fd, const char *base_real, const char *path)
{
	int r = rule_target(out, base_fd, base_real, path);

	if (r == -ENOENT || r == -ENOTDIR)
		return RULE_MISSING;
	if (r < 0) {
		volt_log(VOLT_LOG_DEBUG, "policy: '%s' in the image: %s", path, strerror(-r));
		return RULE_BROKEN;
	}
	return strcmp(*out, path) == 0 ? RULE_PLAIN : RULE_LINKED;
}

/* @path is @dir or below it. */
bool ctr_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

struct rule {
	char *path, *target;
	enum rule_kind kind;
};

/*
 * One list of paths resolved in the image. A rule reached through a link
 * is replaced by where it leads, so that the launcher opens a path that
 * held no link when the container was made, and is dropped when the link
 * would widen it: to "/" or a parent of the rule, or, for the default
 * policy, to a place the same list does not already grant by a plain
 * path (the image's /bin -> usr/bin is fine, its /opt -> /etc is not).
 */
static int resolve_list(json_t *policy, const char *list, int base_fd, const char *base_real, bool is_default)
{
	json_t *in = json_object_get(policy, list);
	_cleanup_json_ json_t *out = NULL;
	struct rule *rules;
	size_t n;
	int r = 0;

	if (!json_is_array(in))
		return 0;
	n = json_array_size(in);
	rules = calloc(n ? n : 1, sizeof(*rules));
	out = json_array();
	if (!rules || !out) {
		free(rules);
		return volt_error_set(ENOMEM, NULL);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *p = json_string_value(json_array_get(in, i));

		if (!p || p[0] != '/') {
			/* Not a path the launcher opens from "/": the policy's parser judges it. */
			rules[i].kind = RULE_MISSING;
			rules[i].path = p ? strdup(p) : NULL;
			if (p && !rules[i].path)
				r = volt_error_set(ENOMEM, NULL);
			continue;
		}
		r = volt_path_normalize(&rules[i].path, p);
		if (r == 0)
			rules[i].kind = rule_resolve(&rules[i].target, base_fd, base_real, rules[i].path);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct rule *u = &rules[i];
		const char *why = NULL;
		bool covered = false;

		if (!u->path)
			continue;
		if (u->kind == RULE_BROKEN) {
			why = "it does not resolve (a link loop?)";
		} else if (u->kind == RULE_LINKED) {
			for (size_t k = 0; k < n && !covered; k++)
				covered = rules[k].kind == RULE_PLAIN && strcmp(rules[k].path, "/") != 0 &&
					  ctr_path_within(u->target, rules[k].path);
			if (strcmp(u->target, "/") == 0)
				why = "the image's links lead it to '/'";
			else if (ctr_path_within(u->path, u->target))
				why = "the image's links lead it up to a parent";
			else if (is_default && !covered)
				why = "the image's links lead it out of the places the default policy grants";
		}
		if (why) {
			volt_log(VOLT_LOG_WARNING, "policy: %s rule '%s' (in the image: '%s') dropped: %s", list,
				 u->path, u->target ? u->target : "?", why);
			continue;
		}
		if (json_array_append_new(out, json_string(u->kind == RULE_LINKED ? u->target : u->path)) < 0)
			r = volt_error_set(ENOMEM, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		free(rules[i].path);
		free(rules[i].target);
	}
	free(rules);
	if (r < 0)
		return r;
	if (json_object_set_new(policy, list, TAKE_PTR(out)) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

/* Append @path to each of @lists of @policy that exists. */
static int grant_to(json_t *policy, const char *const *lists, size_t n_lists, const char *path)
{
	for (size_t i = 0; i < n_lists; i++) {
		json_t *a = json_object_get(policy, lists[i]);

		if (json_is_array(a) && json_array_append_new(a, json_string(path)) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

/*
 * The default policy is the sandbox's, written for a host command: it
 * keeps it out of /var, /home, /root, /run, /dev/pts (the host's state,
 * other users and sessions) and withholds /etc's credentials. In a
 * container all of these are the container's own: its root is an overlay
 * of the image, nspawn mounts a fresh tmpfs on /run and a private devpts,
 * and /etc/shadow is the image's (which su, login and useradd need). So
 * the workload may read its whole root, "/" included (the overlay is the
 * container's own; /proc, /sys and /dev are the container's mounts, which
 * the default already lets it read) and
 * write its state; the system trees (/usr, /bin, /sbin, /lib*, /opt)
 * stay read and execute only. See docs/ctr-policy.md.
 */
static int grant_container_own(json_t *policy)
{
	static const char *const own[] = { "/etc", "/home", "/mnt", "/root", "/run", "/srv", "/tmp", "/var", "/dev/pts" };
	static const char *const rw[] = { "fs_read", "fs_write" };
	static const char *const ro[] = { "fs_read" };
	int r;

	for (size_t k = 0; k < ELEMENTSOF(own); k++)
		if ((r = grant_to(policy, rw, ELEMENTSOF(rw), own[k])) < 0)
			return r;
	/* The image's credentials are its own, not the host's. */
	if (json_object_set_new(policy, "fs_deny", json_array()) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* Reading only: "/" is never written or executed (docs/ctr-policy.md). */
	return grant_to(policy, ro, ELEMENTSOF(ro), "/");
}

/*
 * Whether a policy rule may name @path (a working directory or a volume
 * target, resolved in the image): never "/" (which is every path), nor
 * the kernel's and the devices' trees.
 */
bool ctr_path_grantable(const char *path)
{
	static const char *const never[] = { "/proc", "/sys", "/dev" };

	if (strcmp(path, "/") == 0)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(never); i++)
		if (ctr_path_within(path, never[i]))
			return false;
	return true;
}

/*
 * Every -v target is the workload's: a read-write one to read and write
 * (not to execute: write and execute stay apart, as in the default), a
 * read-only one to read. Added before the lists are resolved, so that an
 * image's links move or drop them like any other rule.
 */
static int grant_volumes(json_t *policy, json_t *volumes)
{
	static const char *const rw[] = { "fs_read", "fs_write" };
	static const char *const ro[] = { "fs_read" };
	json_t *v;
	size_t i;
	int r;

	json_array_foreach(volumes, i, v) {
		const char *target = json_string_value(json_object_get(v, "target"));
		bool read_only = json_is_true(json_object_get(v, "read_only"));

		if (!target)
			continue;
		if (!ctr_path_grantable(target)) {
			volt_log(VOLT_LOG_WARNING, "policy: volume target '%s' is not granted", target);
			continue;
		}
		r = read_only ? grant_to(policy, ro, ELEMENTSOF(ro), target) : grant_to(policy, rw, ELEMENTSOF(rw), target);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The default policy knows the usual system paths, not where a workload
 * keeps its own files: the working directory (-w, or an image's
 * WorkingDir such as /app) is the workload's to read, write and run from.
 * Never "/" (which is every path), nor the kernel's and the devices'
 * trees, however the image's links lead there. A policy the user gave
 * is taken as written.
 */
static int grant_workdir(json_t *policy, const char *workdir, int base_fd, const char *base_real)
{
	static const char *const lists[] = { "fs_read", "fs_write", "fs_execute" };
	_cleanup_free_ char *target = NULL;
	const char *grant = workdir;

	if (!workdir || strcmp(workdir, "/") == 0)
		return 0;
	switch (rule_resolve(&target, base_fd, base_real, workdir)) {
	case RULE_MISSING:
		break;
	case RULE_BROKEN:
		volt_log(VOLT_LOG_WARNING, "policy: working directory '%s' does not resolve in the image: not granted",
			 workdir);
		return 0;
	case RULE_PLAIN:
	case RULE_LINKED:
		grant = target;
		break;
	}
	if (!ctr_path_grantable(grant)) {
		volt_log(VOLT_LOG_WARNING, "policy: working directory '%s' (in the image: '%s') is not granted", workdir,
			 grant);
		return 0;
	}
	return grant_to(policy, lists, ELEMENTSOF(lists), grant);
}

/*
 * The command is the image's to run wherever the image keeps it (an
 * entrypoint such as /docker-entrypoint.sh or /app/server): its first
 * word, when it is an absolute path to a file of the image, is granted
 * read and execute (that file only, not its directory).
 */
static int grant_command(json_t *policy, const char *const *argv, int base_fd, const char *base_real)
{
	static const char *const lists[] = { "fs_read", "fs_execute" };
	_cleanup_free_ char *norm = NULL, *target = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (!argv || !argv[0] || argv[0][0] != '/')
		return 0;
	r = volt_path_normalize(&norm, argv[0]);
	if (r < 0)
		return r;
	if (rule_resolve(&target, base_fd, base_real, norm) == RULE_MISSING || !target || !ctr_path_grantable(target))
		return 0;
	fd = openat(base_fd, target + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return grant_to(policy, lists, ELEMENTSOF(lists), target);
}

/* @user (a name or uid[:gid], NULL for root) is the container's root. */
static bool user_is_root(const char *user)
{
	size_t n;

	if (!user || !*user)
		return true;
	n = strcspn(user, ":");
	return (n == 4 && strncmp(user, "root", 4) == 0) || (n == 1 && user[0] == '0');
}

/*
 * What an OCI image's entrypoint needs to set up its service as the
 * container's root: chown its data directories, drop to a service user
 * (gosu, su-exec, su, nginx's workers), kill its children, bind ports
 * below 1024 (in its own network namespace). They are capabilities in the container's user namespace,
 * which holds only the container's uids: they give nothing over host
 * files (a host file's owner is not mapped there). Never CAP_SYS_ADMIN,
 * CAP_MKNOD, CAP_NET_ADMIN, CAP_SYS_PTRACE or the like. A non-root user
 * gets none (the kernel would clear them at the first setuid anyway);
 * a --rootfs tree keeps Volt's own default of none (its policy adds them).
 */
static int grant_image_capabilities(json_t *policy, const char *user, volt_ctr_network network)
{
	static const char *const caps[] = { "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETUID", "CAP_SETGID",
					    "CAP_KILL" };
	json_t *a;

	if (!user_is_root(user))
		return 0;
	a = json_object_get(policy, "capabilities");
	if (!json_is_array(a)) {
		a = json_array();
		if (!a || json_object_set_new(policy, "capabilities", a) < 0)
			return volt_error_set(ENOMEM, NULL);
	}
	for (size_t i = 0; i < ELEMENTSOF(caps); i++)
		if (json_array_append_new(a, json_string(caps[i])) < 0)
			return volt_error_set(ENOMEM, NULL);
	/* Ports below 1024 of its own network namespace; nspawn withholds it on the host's. */
	if (network != VOLT_CTR_NETWORK_HOST && json_array_append_new(a, json_string("CAP_NET_BIND_SERVICE")) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

/*
 * A volume's ":U": its source tree is given to the container's users,
 * Podman-style: host uid/gid N (below VOLT_CTR_UID_COUNT) becomes
 * VOLT_CTR_UID_BASE + N, so that the container's root owns what the
 * host's root owned. Destructive, hence only on request. The walk opens
 * each directory by descriptor without following links and stays on the
 * source's file system: a link planted in the tree is re-owned itself,
 * never what it points to.
 */
static uid_t shift_id(uint32_t id)
{
	return id < VOLT_CTR_UID_COUNT ? VOLT_CTR_UID_BASE + id : id;
}

static int chown_tree(int dfd, const char *where, dev_t dev, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	struct stat st;
	int r;

	if (depth > 256) {
		close(dfd);
		return volt_error_set(ELOOP, "volume %s: too deep to re-own", where);
	}
	if (fstat(dfd, &st) < 0 || fchown(dfd, shift_id(st.st_uid), shift_id(st.st_gid)) < 0) {
		r = volt_error_set_errno(errno, "volume %s: re-own", where);
		close(dfd);
		return r;
	}
	d = fdopendir(dfd);
	if (!d) {
		r = volt_error_set_errno(errno, "volume %s: read", where);
		close(dfd);
		return r;
	}
	while ((e = readdir(d))) {
		int sub;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return volt_error_set_errno(errno, "volume %s: stat %s", where, e->d_name);
		if (st.st_dev != dev)
			continue; /* another file system mounted inside: not ours to re-own */
		if (!S_ISDIR(st.st_mode)) {
			if (fchownat(dirfd(d), e->d_name, shift_id(st.st_uid), shift_id(st.st_gid), AT_SYMLINK_NOFOLLOW) < 0)
				return volt_error_set_errno(errno, "volume %s: chown %s", where, e->d_name);
			continue;
		}
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return volt_error_set_errno(errno, "volume %s: open %s", where, e->d_name);
		r = chown_tree(sub, where, dev, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int chown_volumes(json_t *volumes)
{
	json_t *v;
	size_t i;

	json_array_foreach(volumes, i, v) {
		const char *src = json_string_value(json_object_get(v, "source"));
		struct stat st;
		int fd, r;

		if (!src || !json_is_true(json_object_get(v, "chown")))
			continue;
		fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return volt_error_set_errno(errno, "volume %s", src);
		if (fstat(fd, &st) < 0) {
			r = volt_error_set_errno(errno, "volume %s", src);
			close(fd);
			return r;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = 0;
			if (fchown(fd, shift_id(st.st_uid), shift_id(st.st_gid)) < 0)
				r = volt_error_set_errno(errno, "volume %s: chown", src);
			close(fd);
		} else {
			r = chown_tree(fd, src, st.st_dev, 0);
		}
		if (r < 0)
			return r;
		volt_log(VOLT_LOG_INFO, "volume %s: re-owned for the container's users (:U)", src);
	}
	return 0;
}

/* The effective policy is fixed at create time and shown to the launcher as a file. */
static int write_policy(const volt_ctr *ctr, const ctr_record *rec, const char *base, const volt_ctr_spec *spec,
			json_t *volumes)
{
	const char *policy_file = spec->policy_file, *workdir = spec->workdir;
	bool strict = spec->policy_strict;
	static const char *const lists[] = { "fs_read", "fs_write", "fs_execute" };
	_cleanup_json_ json_t *j = NULL, *gaps = NULL;
	volt_sec_support support = VOLT_SEC_SUPPORT_INIT;
	_cleanup_free_ char *base_real = NULL;
	_cleanup_close_ int base_fd = -1;
	volt_sec_policy *p = NULL;
	int r;

	r = policy_file ? volt_sec_policy_load_file(&p, policy_file) : volt_sec_policy_new_default(&p);
	if (r < 0)
		return volt_error_prefix(r, "policy");
	/* Strict containers fail at create time, not at every start. */
	if (strict && volt_sec_probe(&support) == 0 && volt_sec_policy_gaps(&gaps, p, &support) == 0 &&
	    json_array_size(gaps) > 0) {
		volt_sec_policy_free(p);
		return volt_error_set(EOPNOTSUPP, "policy: this kernel cannot enforce: %s",
				      json_string_value(json_array_get(gaps, 0)));
	}
	r = volt_sec_policy_to_json(&j, p);
	volt_sec_policy_free(p);
	if (r < 0)
		return r;
	base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base_fd < 0)
		return volt_error_set_errno(errno, "open the base %s", base);
	base_real = realpath(base, NULL);
	if (!base_real)
		return volt_error_set_errno(errno, "resolve the base %s", base);
	/* Resolved in the image like every other rule: a link there drops them. */
	if (!policy_file && ((r = grant_container_own(j)) < 0 || (r = grant_volumes(j, volumes)) < 0 ||
			     (spec->image && (r = grant_image_capabilities(j, spec->user, spec->network)) < 0)))
		return r;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		r = resolve_list(j, lists[i], base_fd, base_real, !policy_file);
		if (r < 0)
			return volt_error_prefix(r, "policy");
	}
	if (!policy_file && ((r = grant_workdir(j, workdir, base_fd, base_real)) < 0 ||
			     (r = grant_command(j, spec->argv, base_fd, base_real)) < 0))
		return r;
	return volt_json_write_file(rec->policy, j, VOLT_JSON_PRETTY | ctr->json_sync, 0644);
}

static void image_config_clearp(struct ctr_image_config *ic)
{
	ctr_image_config_clear(ic);
}

VOLT_API int volt_ctr_create(volt_ctr *ctr, const char *name, const volt_ctr_spec *user_spec)
{
	struct ctr_image_config ic __attribute__((cleanup(image_config_clearp))) = {};
	volt_ctr_spec eff;
	const volt_ctr_spec *spec = &eff;
	_cleanup_record_ ctr_record rec = {};
	_cleanup_json_ json_t *config = NULL;
	_cleanup_free_ char *base = NULL, *config_path = NULL, *workdir = NULL, *attached = NULL;
	const char *policy_source;
	_cleanup_close_ int net_lock = -1;
	unsigned net_index = 0;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(user_spec, EINVAL);

	r = ctr_record_paths(&rec, ctr, name);
	if (r < 0)
		return r;
	eff = *user_spec;
	if (!spec->rootfs == !spec->image)
		return volt_error_set(EINVAL, "container '%s': give an image or a root directory (one of them)", name);
	if (access(rec.dir, F_OK) == 0)
		return volt_error_set(EEXIST, "a container named '%s' already exists", name);

	/* An OCI image's config completes the spec (see image-config.c). */
	if (user_spec->image) {
		r = ctr_image_config_apply(ctr, user_spec, &eff, &ic);
		if (r < 0)
			return volt_error_prefix(r, "container '%s'", name);
	}
	/* "//" or "/proc/.." is "/": every check below sees the normal form. */
	if (eff.workdir && eff.workdir[0] == '/') {
		r = volt_path_normalize(&workdir, eff.workdir);
		if (r < 0)
			return volt_error_prefix(r, "container '%s': working directory", name);
		eff.workdir = workdir;
	}
	/* --policy default: the container default even where the image has a policy attached. */
	policy_source = eff.policy_file ? "file" : "default";
	if (eff.policy_file && strcmp(eff.policy_file, VOLT_CTR_POLICY_DEFAULT) == 0)
		eff.policy_file = NULL;
	/* Check everything that can be checked before anything is written. */
	r = ctr_spec_to_json(&config, name, spec, "(pending)");
	if (r < 0)
		return volt_error_prefix(r, "container '%s'", name);
	if (spec->image) {
		_cleanup_free_ char *tree = NULL;

		r = ctr_base_prepare_image(ctr, spec->image, &base, &tree);
		if (r < 0)
			return r;
		json_object_set_new(config, "image_tree", json_string(tree));
		/* Without --policy, the image's attached one (host state Volt wrote, image-policy.c). */
		if (!user_spec->policy_file && (r = ctr_image_policy_find(ctr, tree, &attached)) < 0)
			return volt_error_prefix(r, "container '%s'", name);
		if (attached) {
			eff.policy_file = attached;
			policy_source = "image";
		}
	} else {
		r = ctr_base_prepare(ctr, spec->rootfs, &base);
		if (r < 0)
			return r;
	}
	json_object_set_new(config, "base", json_string(base));
	json_object_set_new(config, "image", json_string(ic.img ? ic.img->name : spec->image ? spec->image : spec->rootfs));
	if (ic.record)
		json_object_set(config, "image_config", ic.record);
	r = ctr_image_volumes_add(config, &rec, &ic);
	if (r < 0)
		return volt_error_prefix(r, "container '%s'", name);
	json_object_set_new(config, "policy_source", json_string(policy_source));

	r = volt_mkdir_p(ctr->containers, 0700);
	if (r < 0)
		return r;
	if (spec->network == VOLT_CTR_NETWORK_PRIVATE) {
		/* Held until config.json names the network: no two get one. */
		r = common_net_lock(ctr->root, &net_lock);
		if (r < 0 || (r = common_net_allocate(ctr->root, &net_index)) < 0)
			return r;
		json_object_set_new(config, "network_index", json_integer(net_index));
	}
	/* mkdir is the lock: of two creators of one name, one gets EEXIST. */
	if (mkdir(rec.dir, 0700) < 0) {
		if (errno == EEXIST)
			return volt_error_set(EEXIST, "a container named '%s' already exists", name);
		return volt_error_set_errno(errno, "mkdir %s", rec.dir);
	}
	if (mkdir(rec.upper, 0755) < 0 || mkdir(rec.work, 0700) < 0 || mkdir(rec.rootfs, 0755) < 0) {
		r = volt_error_set_errno(errno, "create the layers of '%s'", name);
		goto fail;
	}
	/* The upper layer's root is the container's "/": owned by its root. */
	if (chown(rec.upper, VOLT_CTR_UID_BASE, VOLT_CTR_UID_BASE) < 0) {
		r = volt_error_set_errno(errno, "chown %s", rec.upper);
		goto fail;
	}
	r = chown_volumes(json_object_get(config, "volumes"));
	if (r < 0 || (r = ctr_image_volumes_make(json_object_get(config, "volumes"), &rec, base)) < 0)
		goto fail;
	r = write_policy(ctr, &rec, base, spec, json_object_get(config, "volumes"));
	if (r < 0)
		goto fail;
	if (asprintf(&config_path, "%s/config.json", rec.dir) < 0) {
		r = volt_error_set(ENOMEM, NULL);
		goto fail;
	}
	/* config.json last: a container without it was never created. */
	r = volt_json_write_file(config_path, config, VOLT_JSON_PRETTY | ctr->json_sync, 0600);
	if (r < 0)
		goto fail;
	free(ctr->created);
	ctr->created = strdup(name); /* only a shortcut: NULL asks systemd as before */
	return 0;

fail:
	common_rm_rf(rec.dir);
	return r;
}

bool ctr_created_here(const volt_ctr *ctr, const char *name)
{
	return ctr->created && strcmp(ctr->created, name) == 0;
}

/*
 * Live state from the unit, or from the foreground pid file. A container
 * this handle has just made never had a unit (starting one takes a
 * volt_ctr_start() of this handle, which forgets it): systemd is not asked.
 */
static int live_state(const volt_ctr *ctr, const ctr_record *rec, volt_ctr_info *info)
{
	ctr_state fg;
	char unit[128];
	pid_t pid = 0;
	int r;

	info->state = VOLT_CTR_CREATED;
	info->memory_bytes = UINT64_MAX;
	if (ctr_run_pid(rec, &pid) == 0 && pid > 0) {
		struct stat st;
		char proc[64];

		info->state = VOLT_CTR_RUNNING;
		info->main_pid = pid;
		snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
		if (stat(proc, &st) == 0)
			info->started_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
		return 0;
	}
	/* The last foreground run's end, unless a unit has run since. */
	if (ctr_state_load(rec, &fg) == 0 && fg.exited) {
		info->state = VOLT_CTR_EXITED;
		info->exit_status = fg.exit_status;
	}
	if (!volt_ctr_have_systemd() || ctr_created_here(ctr, rec->name))
		return 0;
	r = ctr_unit_name(unit, sizeof(unit), rec->name);
	if (r < 0)
		return r;
	ctr_unit_status st;
	r = common_unit_status_get(unit, &st);
	if (r < 0 || !st.loaded)
		return r;
	info->unit = true;
	info->memory_bytes = st.memory;
	/* A workload that exited non-zero fails its unit; to us it has exited
	 * with that status. Only a unit whose main process never ran failed. */
	if (strcmp(st.sub, "exited") == 0 ||
	    (strcmp(st.active, "failed") == 0 && (st.exec_code == CLD_EXITED || st.exec_code == CLD_KILLED ||
						  st.exec_code == CLD_DUMPED))) {
		info->state = VOLT_CTR_EXITED;
		info->exit_status = st.exec_code == CLD_EXITED ? st.exec_status : 128 + st.exec_status;
	} else if (strcmp(st.active, "failed") == 0) {
		info->state = VOLT_CTR_FAILED;
	} else if (strcmp(st.active, "active") == 0 || strcmp(st.active, "activating") == 0 ||
		   strcmp(st.active, "deactivating") == 0) {
		info->state = VOLT_CTR_RUNNING;
		info->main_pid = st.main_pid;
		info->started_ns = st.active_enter_us * 1000;
	}
	return 0;
}

static int info_of(const volt_ctr *ctr, const char *name, volt_ctr_info *info)
{
	_cleanup_record_ ctr_record rec = {};
	const char *image = "";
	int r;

	memset(info, 0, sizeof(*info));
	r = ctr_record_load(&rec, ctr, name);
	/* One unreadable record (a crash, a hand) must not hide every other container. */
	if (r < 0 && r != -ENOENT && r != -ENOMEM) {
		volt_log(VOLT_LOG_WARNING, "%s: not listed ('volt rm --force %s' removes it)", volt_error_message(), name);
		volt_error_clear();
		return -ENOENT;
	}
	if (r < 0)
		return r;
	(void)volt_json_get_string(&image, rec.config, "image", false, "config.json");
	info->name = strdup(name);
	info->image = strdup(image);
	if (!info->name || !info->image)
		return volt_error_set(ENOMEM, NULL);
	return live_state(ctr, &rec, info);
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(volt_ctr_info *const *)a)->name, (*(volt_ctr_info *const *)b)->name);
}

static void info_free(volt_ctr_info *info)
{
	if (!info)
		return;
	free(info->name);
	free(info->image);
	free(info);
}

VOLT_API int volt_ctr_list(volt_ctr_info ***out, size_t *out_n, volt_ctr *ctr)
{
	_cleanup_closedir_ DIR *d = NULL;
	volt_ctr_info **list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(out, EINVAL);

	d = opendir(ctr->containers);
	if (!d && errno != ENOENT)
		return volt_error_set_errno(errno, "open %s", ctr->containers);
	while (d && (e = readdir(d))) {
		volt_ctr_info *info;

		if (e->d_name[0] == '.' || !volt_name_is_valid(e->d_name))
			continue;
		if (n + 1 >= cap) {
			volt_ctr_info **nl = realloc(list, (cap = cap ? cap * 2 : 16) * sizeof(*nl));

			if (!nl) {
				volt_ctr_info_list_free(list);
				return volt_error_set(ENOMEM, NULL);
			}
			list = nl;
		}
		info = calloc(1, sizeof(*info));
		if (!info) {
			volt_ctr_info_list_free(list);
			return volt_error_set(ENOMEM, NULL);
		}
		r = info_of(ctr, e->d_name, info);
		if (r == -ENOENT) {
			/* Being created or removed right now: not a container yet (or any more). */
			info_free(info);
			continue;
		}
		list[n++] = info;
		list[n] = NULL;
		if (r < 0) {
			volt_ctr_info_list_free(list);
			return r;
		}
	}
	if (!list && !(list = calloc(1, sizeof(*list))))
		return volt_error_set(ENOMEM, NULL);
	if (n > 1)
		qsort(list, n, sizeof(*list), by_name);
	*out = list;
	if (out_n)
		*out_n = n;
	return 0;
}

VOLT_API volt_ctr_info **volt_ctr_info_list_free(volt_ctr_info **list)
{
	if (!list)
		return NULL;
	for (volt_ctr_info **i = list; *i; i++)
		info_free(*i);
	free(list);
	return NULL;
}

VOLT_API int volt_ctr_inspect(json_t **out, volt_ctr *ctr, const char *name)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_json_ json_t *o = NULL, *policy = NULL;
	volt_ctr_info info = {};
	ctr_state fg;
	char unit[128];
	int r;

	assert_return(ctr, EINVAL);
	assert_return(out, EINVAL);

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0)
		return r;
	r = live_state(ctr, &rec, &info);
	if (r < 0)
		return r;
	r = ctr_unit_name(unit, sizeof(unit), name);
	if (r < 0)
		return r;
	if (common_record_load_json(&policy, rec.dir_fd, rec.dir, CTR_POLICY_FILE) < 0) {
		volt_error_clear();
		policy = json_null();
	}
	o = json_pack("{s:s, s:O, s:O, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:I, s:b}}", "name", name, "config",
		      rec.config, "policy", policy, "paths", "directory", rec.dir, "upper", rec.upper, "base",
		      rec.base, "rootfs", rec.rootfs, "state", "status", volt_ctr_state_to_string(info.state), "unit",
		      unit, "main_pid", (json_int_t)info.main_pid, "systemd_unit", info.unit);
	if (!o)
		return volt_error_set(ENOMEM, NULL);
	if (info.state == VOLT_CTR_EXITED)
		json_object_set_new(json_object_get(o, "state"), "exit_status", json_integer(info.exit_status));
	if (info.started_ns)
		json_object_set_new(json_object_get(o, "state"), "started_ns", json_integer((json_int_t)info.started_ns));
	if (info.memory_bytes != UINT64_MAX)
		json_object_set_new(json_object_get(o, "state"), "memory_bytes",
				    json_integer((json_int_t)info.memory_bytes));
	/* The last foreground run's times (a unit's come from systemd). */
	if (!info.unit && ctr_state_load(&rec, &fg) == 0 && fg.known) {
		json_t *state = json_object_get(o, "state");

		if (fg.started_ns && !info.started_ns)
			json_object_set_new(state, "started_ns", json_integer((json_int_t)fg.started_ns));
		if (fg.exited && info.state != VOLT_CTR_RUNNING) {
			json_object_set_new(state, "finished_ns", json_integer((json_int_t)fg.finished_ns));
			json_object_set_new(state, "oom_killed", json_boolean(fg.oom_killed));
		}
		for (int k = 0; k < 2; k++) {
			uint64_t ns = k == 0 ? fg.started_ns : fg.finished_ns;
			char when[64];
			time_t t = (time_t)(ns / 1000000000ULL);
			struct tm tm;

			if (!ns || (k == 1 && (!fg.exited || info.state == VOLT_CTR_RUNNING)) || !gmtime_r(&t, &tm))
				continue;
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			json_object_set_new(state, k == 0 ? "started_at" : "finished_at", json_string(when));
		}
	}
	*out = TAKE_PTR(o);
	return 0;
}

VOLT_API int volt_ctr_remove(volt_ctr *ctr, const char *name, bool force)
{
	_cleanup_record_ ctr_record rec = {};
	volt_ctr_info info = {};
	char unit[128];
	int r;

	assert_return(ctr, EINVAL);

	r = ctr_record_load(&rec, ctr, name);
	/* A record a crash left unreadable: with @force, what its paths name goes all the same. */
	if (r < 0 && r != -ENOENT && r != -ENOMEM && force) {
		volt_log(VOLT_LOG_WARNING, "%s: removing it all the same (--force)", volt_error_message());
		ctr_record_done(&rec);
		r = ctr_record_paths(&rec, ctr, name);
	}
	if (r < 0)
		return r;
	r = live_state(ctr, &rec, &info);
	if (r < 0)
		return r;
	if (info.state == VOLT_CTR_RUNNING) {
		if (!force)
			return volt_error_set(EBUSY, "container '%s' is running: stop it first, or use --force", name);
		r = volt_ctr_stop(ctr, name, 0);
		if (r < 0 && r != -ESRCH)
			return r;
	}
	if (info.unit) {
		r = ctr_unit_name(unit, sizeof(unit), name);
		if (r < 0 || (r = common_unit_reset(unit)) < 0)
			return r;
	}
	/* A boot unit would start a container that is no more. */
	r = ctr_unit_disable(name);
	if (r < 0)
		return r;
	/* The writable layer and the state go; the shared base stays. */
	r = common_rm_rf(rec.dir);
	if (r < 0)
		return volt_error_prefix(r, "remove container '%s'", name);
	return 0;
}
