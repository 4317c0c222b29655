/*
 * The systemd-nspawn command line of a container.
 *
 * Both ways of running (a unit, or a child in the foreground) use this
 * one command line, so they give the same security and storage.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

/* Overridable for tests and odd installs; the default is the installed one. */
const char *ctr_launcher_path(void)
{
	const char *p = secure_getenv("VOLT_CTR_LAUNCHER");

	return p && *p ? p : VOLT_CTR_LAUNCHER_DEFAULT;
}

const char *ctr_nspawn_path(void)
{
	const char *p = secure_getenv("VOLT_CTR_NSPAWN");

	return p && *p ? p : "/usr/bin/systemd-nspawn";
}

int ctr_overlay_options(const ctr_record *rec, char **out)
{
	/* overlayfs separates its options with ',' and layers with ':'. */
	if (strpbrk(rec->base, ",:") || strpbrk(rec->upper, ",:") || strpbrk(rec->work, ",:"))
		return volt_error_set(EINVAL, "state paths must not contain ',' or ':' (state root %s)", rec->dir);
	if (asprintf(out, "lowerdir=%s,upperdir=%s,workdir=%s", rec->base, rec->upper, rec->work) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

struct argv_builder {
	char **v;
	size_t n, cap;
	int failed;
};

static void add(struct argv_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv_builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->failed)
		return;
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char **v = realloc(b->v, cap * sizeof(char *));

		if (!v) {
			b->failed = 1;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		b->failed = 1;
		va_end(ap);
		return;
	}
	va_end(ap);
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

/*
 * Which of HOME, USER and LOGNAME the launcher should set for a user
 * other than root: those the container's environment (the image's Env
 * and -e) leaves out, as Docker does. *out is NULL when none is left.
 */
int ctr_user_env_vars(const json_t *env, char **out)
{
	static const char *const names[] = { "HOME", "USER", "LOGNAME" };
	char buf[32] = "";
	json_t *v;
	size_t i;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t len = strlen(names[k]);
		bool given = false;

		json_array_foreach(env, i, v) {
			const char *e = json_string_value(v);

			if (e && strncmp(e, names[k], len) == 0 && e[len] == '=')
				given = true;
		}
		if (!given) {
			if (buf[0])
				strcat(buf, ",");
			strcat(buf, names[k]);
		}
	}
	*out = NULL;
	if (buf[0] && !(*out = strdup(buf)))
		return -ENOMEM;
	return 0;
}

/*
 * The lists and the index below come from config.json, which a bug or a
 * hand edit can leave of the wrong types: check them before any becomes
 * an argument, so that none is ever "(null)", an empty command or the
 * bridge's own address.
 */
static int config_check(const ctr_record *rec, bool private_net)
{
	json_t *argv = json_object_get(rec->config, "argv");
	json_t *env = json_object_get(rec->config, "env");
	json_t *volumes = json_object_get(rec->config, "volumes");
	json_t *v;
	size_t i;

	if (!json_is_array(argv) || json_array_size(argv) == 0)
		return volt_error_set(EINVAL, "container '%s': config.json: argv is not a non-empty list", rec->name);
	json_array_foreach(argv, i, v)
		if (!json_is_string(v))
			return volt_error_set(EINVAL, "container '%s': config.json: argv[%zu] is not a string",
					      rec->name, i);
	if (env && !json_is_array(env))
		return volt_error_set(EINVAL, "container '%s': config.json: env is not a list", rec->name);
	json_array_foreach(env, i, v)
		if (!json_is_string(v))
			return volt_error_set(EINVAL, "container '%s': config.json: env[%zu] is not a string",
					      rec->name, i);
	if (volumes && !json_is_array(volumes))
		return volt_error_set(EINVAL, "container '%s': config.json: volumes is not a list", rec->name);
	json_array_foreach(volumes, i, v)
		if (!json_is_string(json_object_get(v, "source")) || !json_is_string(json_object_get(v, "target")))
			return volt_error_set(EINVAL,
					      "container '%s': config.json: volume %zu lacks a string source and target",
					      rec->name, i);
	if (private_net) {
		long long idx;

		if (volt_json_get_int(&idx, rec->config, "network_index", true, "config.json", 1, COMMON_NET_MAX) < 0)
			return volt_error_prefix(-EINVAL, "container '%s'", rec->name);
	}
	return 0;
}

int ctr_nspawn_argv(const ctr_record *rec, bool interactive, const char *resolv, char ***out)
{
	struct argv_builder b = {};
	const char *hostname, *workdir, *user, *network;
	json_t *volumes, *v, *argv, *env;
	bool strict;
	size_t i;

	if (volt_json_get_string(&hostname, rec->config, "hostname", true, "config.json") < 0 ||
	    volt_json_get_string(&workdir, rec->config, "workdir", true, "config.json") < 0 ||
	    volt_json_get_string(&user, rec->config, "user", true, "config.json") < 0 ||
	    volt_json_get_string(&network, rec->config, "network", true, "config.json") < 0 ||
	    volt_json_get_bool(&strict, rec->config, "policy_strict", true, "config.json") < 0)
		return volt_error_prefix(-EINVAL, "container '%s'", rec->name);
	if (config_check(rec, strcmp(network, "private") == 0) < 0)
		return -EINVAL;
	argv = json_object_get(rec->config, "argv");
	env = json_object_get(rec->config, "env");
	volumes = json_object_get(rec->config, "volumes");

	add(&b, "%s", ctr_nspawn_path());
	add(&b, "--quiet");
	/* No machined here: the unit (or our child) is the container's home. */
	add(&b, "--register=no");
	add(&b, "--keep-unit");
	add(&b, "--machine=%s", rec->name);
	add(&b, "--hostname=%s", hostname);
	add(&b, "--directory=%s", rec->rootfs);
	add(&b, "--console=%s", interactive ? "interactive" : "pipe");
	add(&b, "--link-journal=no");
	/* This command line is the whole container: no .nspawn file (in
	 * /etc, /run or beside the rootfs) is looked for or applied. */
	add(&b, "--settings=no");
	/* The image's own /etc/localtime, as in Docker: no bind mount of the host's. */
	add(&b, "--timezone=off");
	/* Root inside is VOLT_CTR_UID_BASE outside; the base is already shifted. */
	add(&b, "--private-users=%u:%u", VOLT_CTR_UID_BASE, VOLT_CTR_UID_COUNT);
	add(&b, "--private-users-ownership=off");
	/* SIGTERM reaches the workload; the caller escalates to SIGKILL. */
	add(&b, "--kill-signal=SIGTERM");
	/* No --as-pid2: the launcher is the container's PID 1, and its watcher
	 * (launcher/supervise.c) stays as the init that reaps, so the workload
	 * is PID 2 and gets SIGTERM like any process. nspawn's stub init would
	 * be one more process to fork at every start, and one more to keep. */
	/* nspawn's own filter predates Landlock: let the launcher use it. */
	add(&b, "--system-call-filter=landlock_create_ruleset landlock_add_rule landlock_restrict_self");
	if (strcmp(network, "none") == 0 || strcmp(network, "private") == 0)
		add(&b, "--private-network");
	if (strcmp(network, "private") == 0) {
		common_net_lease l;

		common_net_lease_for(&l, COMMON_NET_VETH,
				     (unsigned)json_integer_value(json_object_get(rec->config, "network_index")));
		add(&b, "--network-veth-extra=%s:host0", l.ifname);
		/* Volt's own resolv.conf (network.c), never nspawn's copy of the
		 * host's, whose loopback stub the container cannot reach. */
		add(&b, "--resolv-conf=off");
		if (resolv)
			add(&b, "--bind-ro=%s:/etc/resolv.conf", resolv);
	}
	json_array_foreach(env, i, v)
		add(&b, "--setenv=%s", json_string_value(v));
	json_array_foreach(volumes, i, v) {
		/* idmap: the container's uid N is the host's N on this mount (nspawn 250+). */
		add(&b, "--bind%s=%s:%s%s", json_is_true(json_object_get(v, "read_only")) ? "-ro" : "",
		    json_string_value(json_object_get(v, "source")), json_string_value(json_object_get(v, "target")),
		    json_is_true(json_object_get(v, "idmap")) ? ":idmap" : "");
	}
	add(&b, "--bind-ro=%s:%s", ctr_launcher_path(), CTR_LAUNCH_PATH);
	add(&b, "--bind-ro=%s:%s", rec->policy, CTR_POLICY_PATH);
	add(&b, "--");
	add(&b, "%s", CTR_LAUNCH_PATH);
	if (strict)
		add(&b, "--strict");
	if (strcmp(network, "private") == 0) {
		common_net_lease l;

		common_net_lease_for(&l, COMMON_NET_VETH,
				     (unsigned)json_integer_value(json_object_get(rec->config, "network_index")));
		add(&b, "--net=host0,%s/%d,%s", l.guest, COMMON_NET_PREFIX_LEN, COMMON_NET_GATEWAY);
	}
	if (strcmp(user, "root") != 0) {
		_cleanup_free_ char *vars = NULL;

		add(&b, "--user=%s", user);
		if (ctr_user_env_vars(env, &vars) < 0)
			b.failed = 1;
		else if (vars)
			add(&b, "--user-env=%s", vars);
	}
	/* The launcher makes a missing one (Docker does); nspawn's --chdir would fail. */
	if (strcmp(workdir, "/") != 0)
		add(&b, "--workdir=%s", workdir);
	add(&b, "%s", CTR_POLICY_PATH);
	add(&b, "--");
	json_array_foreach(argv, i, v)
		add(&b, "%s", json_string_value(v));

	if (b.failed) {
		volt_strv_free(b.v);
		return volt_error_set(ENOMEM, NULL);
	}
	*out = b.v;
	return 0;
}

int ctr_host_argv(const ctr_record *rec, bool interactive, char ***out)
{
	_cleanup_strv_ char **nspawn = NULL;
	_cleanup_free_ char *overlay = NULL, *resolv = NULL;
	struct argv_builder b = {};
	const char *network = "none";
	int r;

	(void)volt_json_get_string(&network, rec->config, "network", false, "config.json");
	/* Written now, just before each start: the host's servers may have changed. */
	if (strcmp(network, "private") == 0 && (r = ctr_net_resolv_conf(rec, &resolv)) < 0)
		return volt_error_prefix(r, "container '%s': resolv.conf", rec->name);
	r = ctr_nspawn_argv(rec, interactive, resolv, &nspawn);
	if (r < 0 || (r = ctr_overlay_options(rec, &overlay)) < 0)
		return r;

	add(&b, "%s", ctr_launcher_path());
	add(&b, "--mount-overlay=%s", overlay);
	add(&b, "--target=%s", rec->rootfs);
	if (strcmp(network, "private") == 0) {
		common_net_lease l;
		json_t *port;
		size_t i;

		common_net_lease_for(&l, COMMON_NET_VETH,
				     (unsigned)json_integer_value(json_object_get(rec->config, "network_index")));
		add(&b, "--host-veth=%s,%s,%s", l.ifname, COMMON_NET_BRIDGE_CIDR, COMMON_NET_SUBNET);
		json_array_foreach(json_object_get(rec->config, "ports"), i, port) {
			const char *ip = json_string_value(json_object_get(port, "host_ip"));
			const char *proto = json_string_value(json_object_get(port, "protocol"));

			add(&b, "--publish=%s:%lld:%s:%lld/%s", ip ? ip : "0.0.0.0",
			    (long long)json_integer_value(json_object_get(port, "host")), l.guest,
			    (long long)json_integer_value(json_object_get(port, "container")), proto ? proto : "tcp");
		}
	}
	add(&b, "--");
	for (char **a = nspawn; *a; a++)
		add(&b, "%s", *a);
	if (b.failed) {
		volt_strv_free(b.v);
		return volt_error_set(ENOMEM, NULL);
	}
	*out = b.v;
	return 0;
}
