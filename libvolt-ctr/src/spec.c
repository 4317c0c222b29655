/*
 * Validating a container spec and turning it into config.json.
 *
 * Everything a container needs at run time is decided here, at create
 * time, so that start and run never meet a bad value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

/* Control characters: never in a user name, and an image's way to drive a terminal. */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * The command and environment reach the workload through execve(), here
 * as nspawn's arguments: refused now, with the reason, rather than as an
 * E2BIG at every start. An image's config can hold megabytes of Env.
 */
#define EXEC_ARG_MAX (128u * 1024 - 1) /* the kernel's MAX_ARG_STRLEN, less the NUL */
#define EXEC_TOTAL_MAX (1024u * 1024)  /* well under the 2 MiB minimum of ARG_MAX */

static int check_exec_size(const char *const *argv, const char *const *env)
{
	const char *const *lists[] = { argv, env };
	size_t total = 0;

	for (size_t l = 0; l < 2; l++)
		for (const char *const *a = lists[l]; a && *a; a++) {
			size_t n = strlen(*a);

			/* "--setenv=" is nspawn's, on each entry. */
			if (n + 9 > EXEC_ARG_MAX)
				return volt_error_set(E2BIG, "%s entry %zu is %zu bytes, over the kernel's %u per argument",
						      l ? "environment" : "command", (size_t)(a - lists[l]) + 1, n,
						      EXEC_ARG_MAX);
			total += n + 9 + 1 + sizeof(char *);
		}
	if (total > EXEC_TOTAL_MAX)
		return volt_error_set(E2BIG, "the command and environment take %zu bytes, over the limit of %u", total,
				      EXEC_TOTAL_MAX);
	return 0;
}

static int check_env(const char *const *env)
{
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');

		if (!eq || eq == *env)
			return volt_error_set(EINVAL, "environment entry '%s' is not NAME=VALUE", *env);
		for (const char *p = *env; p < eq; p++)
			if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (p > *env && *p >= '0' && *p <= '9')))
				return volt_error_set(EINVAL, "environment name in '%s' is not valid", *env);
	}
	return 0;
}

/*
 * "HOST:CONTAINER[:OPTIONS]" into {"source","target","read_only","idmap","chown"}.
 * OPTIONS, comma-separated: ro or rw (the default), idmap (the
 * container's uids are the host's on this volume: its root writes as the
 * host's root) and U (the source is re-owned to the container's uids at
 * create time, Podman's ":U").
 */
static int parse_volume(const char *s, json_t **out)
{
	_cleanup_free_ char *copy = strdup(s);
	_cleanup_free_ char *src = NULL, *dst = NULL;
	char *target, *mode;
	bool ro = false, idmap = false, chown_src = false;
	struct stat st;
	int r;

	if (!copy)
		return volt_error_set(ENOMEM, NULL);
	target = strchr(copy, ':');
	if (!target)
		return volt_error_set(EINVAL, "volume '%s' is not HOST:CONTAINER[:ro|rw][,idmap|,U]", s);
	*target++ = '\0';
	mode = strchr(target, ':');
	if (mode) {
		char *save = NULL;

		*mode++ = '\0';
		for (char *o = strtok_r(mode, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (strcmp(o, "ro") == 0)
				ro = true;
			else if (strcmp(o, "rw") == 0)
				ro = false;
			else if (strcmp(o, "idmap") == 0)
				idmap = true;
			else if (strcmp(o, "U") == 0)
				chown_src = true;
			else
				return volt_error_set(EINVAL, "volume '%s': mode must be ro or rw (and idmap or U), not '%s'", s, o);
		}
		if (idmap && chown_src)
			return volt_error_set(EINVAL, "volume '%s': idmap and U exclude each other", s);
	}
	if (copy[0] != '/' || target[0] != '/')
		return volt_error_set(EINVAL, "volume '%s': both paths must be absolute", s);
	if ((r = volt_path_normalize(&src, copy)) < 0 || (r = volt_path_normalize(&dst, target)) < 0)
		return volt_error_prefix(r, "volume '%s'", s);
	if (strcmp(dst, "/") == 0)
		return volt_error_set(EINVAL, "volume '%s': cannot replace the container's root", s);
	/* nspawn's --bind separates with ':' and treats ',' specially. */
	if (strpbrk(src, ":,") || strpbrk(dst, ":,"))
		return volt_error_set(EINVAL, "volume '%s': paths must not contain ':' or ','", s);
	if (stat(src, &st) < 0)
		return volt_error_set_errno(errno, "volume source %s", src);
	if (chown_src && strcmp(src, "/") == 0)
		return volt_error_set(EINVAL, "volume '%s': U would re-own the host's whole file system", s);
	/* Without a mapping the host's files are "nobody" inside: say so now. */
	if (!ro && !idmap && !chown_src &&
	    (st.st_uid < VOLT_CTR_UID_BASE || st.st_uid >= VOLT_CTR_UID_BASE + VOLT_CTR_UID_COUNT))
		volt_log(VOLT_LOG_WARNING,
			 "volume %s is owned by host uid %u, outside the container's uids: its root cannot write it "
			 "(add ':rw,idmap' or ':U', see volt(1))",
			 src, (unsigned)st.st_uid);
	*out = json_pack("{s:s, s:s, s:b, s:b, s:b}", "source", src, "target", dst, "read_only", ro, "idmap", idmap,
			 "chown", chown_src);
	if (!*out)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

/* "8080:80" into {"host": 8080, "container": 80}; "127.0.0.1:8080:80"
 * adds "host_ip": "127.0.0.1" (Docker's syntax; no IP means 0.0.0.0);
 * "8080:80/udp" adds "protocol": "udp" ("/tcp", the default, is left out). */
static int parse_port(const char *s, json_t **out)
{
	const char *ports = s, *colon = strchr(s, ':'), *slash = strrchr(s, '/');
	char ip[INET_ADDRSTRLEN] = "", num[16];
	const char *proto = NULL;
	unsigned long h, c;
	struct in_addr a;
	char *end;

	if (slash) {
		if (strcmp(slash, "/udp") == 0)
			proto = "udp";
		else if (strcmp(slash, "/tcp") != 0)
			return volt_error_set(EINVAL, "published port '%s': protocol '%s' is not tcp or udp", s, slash + 1);
	}
	if (colon && strchr(colon + 1, ':')) {
		if ((size_t)(colon - s) >= sizeof(ip))
			return volt_error_set(EINVAL, "published port '%s': bad IPv4 address", s);
		memcpy(ip, s, (size_t)(colon - s));
		ip[colon - s] = '\0';
		if (inet_pton(AF_INET, ip, &a) != 1)
			return volt_error_set(EINVAL, "published port '%s': '%s' is not an IPv4 address", s, ip);
		ports = colon + 1;
	}
	errno = 0;
	h = strtoul(ports, &end, 10);
	if (errno || end == ports || *end != ':' || !(*ports >= '0' && *ports <= '9'))
		return volt_error_set(EINVAL, "published port '%s' is not [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", s);
	if (h < 1 || h > 65535)
		return volt_error_set(EINVAL, "published port '%s': host port %lu is outside 1..65535 ([IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp])", s, h);
	/* The container's port: digits up to the protocol or the end. */
	ports = end + 1;
	if ((slash ? (size_t)(slash - ports) : strlen(ports)) >= sizeof(num) || !(*ports >= '0' && *ports <= '9'))
		return volt_error_set(EINVAL, "published port '%s' is not [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", s);
	snprintf(num, sizeof(num), "%.*s", (int)(slash ? (size_t)(slash - ports) : strlen(ports)), ports);
	c = strtoul(num, &end, 10);
	if (errno || *end || end == num)
		return volt_error_set(EINVAL, "published port '%s' is not [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", s);
	if (c < 1 || c > 65535)
		return volt_error_set(EINVAL, "published port '%s': container port %lu is outside 1..65535 ([IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp])", s, c);
	*out = json_pack("{s:i, s:i}", "host", (int)h, "container", (int)c);
	if (*out && ((*ip && json_object_set_new(*out, "host_ip", json_string(ip)) < 0) ||
		     (proto && json_object_set_new(*out, "protocol", json_string(proto)) < 0))) {
		json_decref(*out);
		*out = NULL;
	}
	return *out ? 0 : volt_error_set(ENOMEM, NULL);
}

/* "no", "on-failure[:N]" or "always" as "restart" and "restart_max" (0: no bound). */
int ctr_restart_to_json(json_t *o, const char *restart)
{
	const char *policy = restart ? restart : "no";
	unsigned long max = 0;

	if (strncmp(policy, "on-failure:", 11) == 0) {
		const char *n = policy + 11;
		char *end;

		errno = 0;
		max = strtoul(n, &end, 10);
		if (errno || *end || *n < '1' || *n > '9' || max > 1000000)
			return volt_error_set(EINVAL, "restart policy '%s': N of on-failure:N must be 1..1000000", policy);
		policy = "on-failure";
	} else if (strcmp(policy, "no") != 0 && strcmp(policy, "on-failure") != 0 && strcmp(policy, "always") != 0) {
		return volt_error_set(EINVAL, "restart policy '%s' is not no, on-failure, on-failure:N or always", policy);
	}
	if (json_object_set_new(o, "restart", json_string(policy)) < 0 ||
	    json_object_set_new(o, "restart_max", json_integer((json_int_t)max)) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

/* Two ports clash when they have one host port and one protocol. */
static bool same_host_port(const json_t *a, const json_t *b)
{
	const char *pa = json_string_value(json_object_get(a, "protocol")),
		   *pb = json_string_value(json_object_get(b, "protocol"));

	return json_integer_value(json_object_get(a, "host")) == json_integer_value(json_object_get(b, "host")) &&
	       strcmp(pa ? pa : "tcp", pb ? pb : "tcp") == 0;
}

int ctr_spec_to_json(json_t **out, const char *name, const volt_ctr_spec *spec, const char *base)
{
	_cleanup_json_ json_t *o = NULL;
	json_t *volumes, *limits;
	struct timespec now;
	int r;

	if (!VERSION_SUPPORTED(spec->version, VOLT_CTR_SPEC_VERSION))
		return volt_error_set(EINVAL, "container spec version %u is not supported (expected %u)",
				      spec->version, VOLT_CTR_SPEC_VERSION);
	if (spec->workdir && spec->workdir[0] != '/')
		return volt_error_set(EINVAL, "working directory '%s' must be absolute", spec->workdir);
	if (spec->hostname && volt_name_validate(spec->hostname) < 0)
		return volt_error_prefix(-EINVAL, "hostname");
	if (spec->user && (!spec->user[0] || strpbrk(spec->user, "/ ") || has_control(spec->user)))
		return volt_error_set(EINVAL, "user '%s' is not a user name or uid", spec->user);
	if (spec->network != VOLT_CTR_NETWORK_NONE && spec->network != VOLT_CTR_NETWORK_HOST &&
	    spec->network != VOLT_CTR_NETWORK_PRIVATE)
		return volt_error_set(EINVAL, "unknown network mode %d", (int)spec->network);
	if (spec->io_weight && (spec->io_weight < 1 || spec->io_weight > 10000))
		return volt_error_set(ERANGE, "IO weight %u is outside 1..10000", spec->io_weight);
	if (spec->cpu_quota_percent > 100000)
		return volt_error_set(ERANGE, "CPU quota %u%% is too large", spec->cpu_quota_percent);
	r = check_env(spec->env);
	if (r < 0)
		return r;
	for (const char *const *a = spec->argv; a && *a; a++)
		if (!**a && a == spec->argv)
			return volt_error_set(EINVAL, "the command is empty");
	r = check_exec_size(spec->argv, spec->env);
	if (r < 0)
		return r;

	clock_gettime(CLOCK_REALTIME, &now);
	o = json_pack("{s:i, s:s, s:s?, s:s, s:s, s:b, s:I}", "version", 1, "name", name, "rootfs", spec->rootfs,
		      "base", base, "network",
		      spec->network == VOLT_CTR_NETWORK_HOST ? "host" : spec->network == VOLT_CTR_NETWORK_PRIVATE ? "private" : "none",
		      "policy_strict", spec->policy_strict, "created_ns",
		      (json_int_t)now.tv_sec * 1000000000 + now.tv_nsec);
	if (!o)
		return volt_error_set(ENOMEM, NULL);
	if (spec->argv && spec->argv[0])
		r = common_strv_to_json(o, "argv", spec->argv, 0);
	else
		r = common_strv_to_json(o, "argv", (const char *const[]){ "/bin/sh", NULL }, 0);
	if (r < 0 || (r = common_strv_to_json(o, "env", spec->env, 0)) < 0)
		return r;
	if (json_object_set_new(o, "workdir", json_string(spec->workdir ? spec->workdir : "/")) < 0 ||
	    json_object_set_new(o, "hostname", json_string(spec->hostname ? spec->hostname : name)) < 0 ||
	    json_object_set_new(o, "user", json_string(spec->user ? spec->user : "root")) < 0)
		return volt_error_set(ENOMEM, NULL);

	volumes = json_array();
	if (!volumes || json_object_set_new(o, "volumes", volumes) < 0)
		return volt_error_set(ENOMEM, NULL);
	for (const char *const *v = spec->volumes; v && *v; v++) {
		json_t *vol;

		r = parse_volume(*v, &vol);
		if (r < 0)
			return r;
		json_array_append_new(volumes, vol);
	}

	if (spec->ports && spec->ports[0] && spec->network != VOLT_CTR_NETWORK_PRIVATE)
		return volt_error_set(EINVAL, "published ports need the private network (--network private)");
	{
		json_t *ports = json_array();

		if (!ports || json_object_set_new(o, "ports", ports) < 0)
			return volt_error_set(ENOMEM, NULL);
		for (const char *const *p = spec->ports; p && *p; p++) {
			json_t *port;

			r = parse_port(*p, &port);
			if (r < 0)
				return r;
			for (size_t i = 0; i < json_array_size(ports); i++)
				if (same_host_port(json_array_get(ports, i), port)) {
					json_decref(port);
					return volt_error_set(EINVAL, "host port of '%s' is published twice", *p);
				}
			json_array_append_new(ports, port);
		}
	}

	limits = json_pack("{s:I, s:I, s:I, s:I}", "memory_max", (json_int_t)spec->memory_max, "tasks_max",
			   (json_int_t)spec->tasks_max, "cpu_quota_percent", (json_int_t)spec->cpu_quota_percent,
			   "io_weight", (json_int_t)spec->io_weight);
	if (!limits || json_object_set_new(o, "limits", limits) < 0)
		return volt_error_set(ENOMEM, NULL);
	if (spec->memory_max > (uint64_t)INT64_MAX)
		return volt_error_set(ERANGE, "memory limit %" PRIu64 " is too large", spec->memory_max);
	if (spec->tasks_max > (uint64_t)INT64_MAX)
		return volt_error_set(ERANGE, "tasks limit %" PRIu64 " is too large", spec->tasks_max);
	ctr_limits_warn(limits, name);

	r = ctr_restart_to_json(o, NULL);
	if (r < 0)
		return r;

	*out = TAKE_PTR(o);
	return 0;
}
