/*
 * Containers as transient systemd units: what is particular to
 * containers; the sd-bus work is shared with VMs (common/unit.c).
 *
 * KillMode=control-group: a stop sends SIGTERM to every process of the
 * container, since its PID 1 (the launcher's watcher, launcher/supervise.c)
 * would not pass it on. DevicePolicy=closed: the device cgroup lets nothing open
 * but the harmless pseudo devices and ptys (as nspawn@.service does,
 * without its tun and loop devices, which Volt does not pass in).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

VOLT_API bool volt_ctr_have_systemd(void)
{
	return common_have_systemd();
}

struct unit_props {
	const json_t *limits;
	const char *bpf_env;
	const char *restart;       /* "no", "on-failure" or "always" */
	json_int_t restart_max;    /* on-failure:N; 0: no bound */
};

/* A limit's option, and the cgroup controller that enforces it (v2 name, v1 hierarchy). */
static const struct limit_controller {
	const char *key, *option, *v2, *v1;
} controllers[] = {
	{ "memory_max", "--memory (MemoryMax=)", "memory", "memory" },
	{ "tasks_max", "--pids-limit (TasksMax=)", "pids", "pids" },
	{ "cpu_quota_percent", "--cpus (CPUQuota=)", "cpu", "cpu" },
	{ "io_weight", "--io-weight (IOWeight=)", "io", "blkio" },
};

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/*
 * systemd sets a limit it cannot enforce without a word: warn, naming
 * the option, when the host's cgroups lack its controller. Unified
 * hierarchy: the controllers the root offers its children (inside a
 * container, what was delegated to it). Legacy or hybrid: the
 * controller's own hierarchy, mounted and writable.
 */
void ctr_limits_warn(const json_t *limits, const char *name)
{
	_cleanup_free_ char *list = NULL;
	size_t len;
	bool unified = volt_file_read(&list, &len, "/sys/fs/cgroup/cgroup.controllers", 4096) == 0;

	volt_error_clear();
	for (size_t i = 0; i < ELEMENTSOF(controllers); i++) {
		const struct limit_controller *c = &controllers[i];
		char dir[64];

		if (json_integer_value(json_object_get(limits, c->key)) <= 0)
			continue;
		if (unified) {
			if (!has_word(list, c->v2))
				volt_log(VOLT_LOG_WARNING,
					 "container '%s': %s is not enforced: this host's cgroups offer no %s controller (/sys/fs/cgroup/cgroup.controllers)",
					 name, c->option, c->v2);
			continue;
		}
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", c->v1);
		if (access(dir, W_OK) < 0)
			volt_log(VOLT_LOG_WARNING, "container '%s': %s is not enforced: this host's %s cgroup controller is %s (%s)",
				 name, c->option, c->v1, errno == EROFS ? "read-only" : "not mounted", dir);
	}
}

static int append_properties(sd_bus_message *m, void *userdata)
{
	static const struct {
		const char *key, *prop;
		uint64_t scale;
	} map[] = {
		{ "memory_max", "MemoryMax", 1 },
		{ "tasks_max", "TasksMax", 1 },
		/* CPUQuota=100% is one CPU's worth of time each second. */
		{ "cpu_quota_percent", "CPUQuotaPerSecUSec", 10000 },
		{ "io_weight", "IOWeight", 1 },
	};
	const struct unit_props *u = userdata;
	const json_t *limits = u->limits;
	int r;

	r = sd_bus_message_append(m, "(sv)(sv)", "PrivateMounts", "b", 1, "Delegate", "b", 1);
	if (r < 0)
		return r;
	/* nspawn installs no filter of its own: Volt's, from the launcher, is
	 * the only one (it denies all nspawn's would: docs/ctr-start.md); the
	 * launcher gets it precompiled from the record (run.c). */
	r = sd_bus_message_append(m, "(sv)", "Environment", "as", 2, "SYSTEMD_SECCOMP=0", u->bpf_env);
	if (r < 0)
		return r;
	/* No device but the pseudo ones "closed" allows (null, zero, full,
	 * random, urandom, tty, ptmx) and ptys: a device node in the container
	 * (its root is nodev too) or in a volume does not open. */
	r = sd_bus_message_append(m, "(sv)(sv)", "DevicePolicy", "s", "closed", "DeviceAllow", "a(ss)", 1, "char-pts",
				  "rw");
	if (r < 0)
		return r;
	/* Docker's policies; systemd's default start limit (5 in 10 s) would
	 * end an unbounded one, so it goes, or counts N restarts for ever. */
	if (strcmp(u->restart, "no") != 0) {
		r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Restart", "s", u->restart, "RestartUSec", "t",
					  (uint64_t)500000, "StartLimitIntervalUSec", "t",
					  u->restart_max > 0 ? UINT64_MAX : (uint64_t)0);
		if (r >= 0 && u->restart_max > 0)
			r = sd_bus_message_append(m, "(sv)", "StartLimitBurst", "u", (uint32_t)u->restart_max + 1);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		json_int_t v = json_integer_value(json_object_get(limits, map[i].key));

		if (v <= 0)
			continue;
		r = common_unit_prop_u64(m, map[i].prop, (uint64_t)v * map[i].scale);
		if (r < 0)
			return r;
	}
	return 0;
}

int ctr_unit_start(const ctr_record *rec)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *desc = NULL, *bpf_env = NULL;
	struct unit_props props;
	char unit[128];
	int r;

	if ((r = ctr_unit_name(unit, sizeof(unit), rec->name)) < 0 || (r = ctr_host_argv(rec, false, &argv)) < 0)
		return r;
	if (asprintf(&desc, "Volt container %s", rec->name) < 0 ||
	    asprintf(&bpf_env, "VOLT_CTR_SECCOMP_BPF=%s/seccomp.bpf", rec->dir) < 0)
		return volt_error_set(ENOMEM, NULL);
	props = (struct unit_props){ json_object_get(rec->config, "limits"), bpf_env, "no", 0 };
	(void)volt_json_get_string(&props.restart, rec->config, "restart", false, "config.json");
	props.restart_max = json_integer_value(json_object_get(rec->config, "restart_max"));
	if (strcmp(props.restart, "no") != 0 && strcmp(props.restart, "on-failure") != 0 &&
	    strcmp(props.restart, "always") != 0)
		return volt_error_set(EINVAL, "container '%s': unknown restart policy '%s' in its record", rec->name,
				      props.restart);
	ctr_limits_warn(props.limits, rec->name);
	/* The launcher mounts the overlay in the unit's private mount namespace
	 * and then executes nspawn: a mount by ExecStartPre= would happen in
	 * a namespace of its own and be lost. Restart=always ignores a clean
	 * exit that RemainAfterExit keeps. */
	return common_unit_start_full(unit, "container", desc, argv, "control-group",
				      strcmp(props.restart, "always") != 0, append_properties, &props);
}

VOLT_API int volt_ctr_set_restart(volt_ctr *ctr, const char *name, const char *policy)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_free_ char *path = NULL;
	int r;

	assert_return(ctr, EINVAL);
	r = ctr_record_load(&rec, ctr, name);
	if (r < 0)
		return r;
	r = ctr_restart_to_json(rec.config, policy);
	if (r < 0)
		return volt_error_prefix(r, "container '%s'", name);
	if (asprintf(&path, "%s/config.json", rec.dir) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = volt_json_write_file(path, rec.config, VOLT_JSON_PRETTY, 0600);
	if (r < 0)
		return volt_error_prefix(r, "write %s", path);
	return 0;
}

/* ---- Starting at boot ---- */

static int boot_unit_name(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "volt-boot-%s.service", name);

	if (n < 0 || (size_t)n >= size)
		return volt_error_set(ENAMETOOLONG, "unit name for '%s' is too long", name);
	return 0;
}

/* @s as one word of ExecStart= or Environment=: quoted, with systemd's specifiers and variables escaped. */
static int unit_quote(FILE *f, const char *word)
{
	fputc('"', f);
	for (const char *s = word; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		else if (*s == '%' || *s == '$')
			fputc(*s, f); /* %% and $$ are the character itself */
		else if ((unsigned char)*s < 0x20)
			return volt_error_set(EINVAL, "a control character in '%s' does not go into a unit file", word);
		fputc(*s, f);
	}
	fputc('"', f);
	return 0;
}

/*
 * The boot unit only runs `volt container start NAME`: the container
 * itself stays the transient unit of every other start, with the same
 * properties, network set-up and checks, and nothing about it is written
 * twice (in a unit file, and over the bus).
 */
VOLT_API int volt_ctr_enable(volt_ctr *ctr, const char *name, const char *program)
{
	_cleanup_record_ ctr_record rec = {};
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f;
	char unit[128], ctr_unit[128];
	int r;

	assert_return(ctr, EINVAL);
	assert_return(program, EINVAL);
	if (program[0] != '/')
		return volt_error_set(EINVAL, "the program that starts containers must be an absolute path, not '%s'",
				      program);
	r = ctr_record_load(&rec, ctr, name);
	if (r < 0 || (r = boot_unit_name(unit, sizeof(unit), name)) < 0 ||
	    (r = ctr_unit_name(ctr_unit, sizeof(ctr_unit), name)) < 0)
		return r;
	if (!common_have_systemd())
		return volt_error_set(EOPNOTSUPP, "starting container '%s' at boot needs systemd as PID 1 (it is not here)",
				      name);
	f = open_memstream(&text, &len);
	if (!f)
		return volt_error_set(ENOMEM, NULL);
	fprintf(f,
		"# Written by 'volt container enable %s'; 'volt container disable %s' or\n"
		"# 'volt rm %s' removes it. The container runs as %s.\n"
		"[Unit]\n"
		"Description=Start Volt container %s at boot\n"
		"After=network.target\n"
		"\n"
		"[Service]\n"
		"Type=oneshot\n"
		"Environment=",
		name, name, name, ctr_unit, name);
	r = 0;
	{
		_cleanup_free_ char *env = NULL;

		if (asprintf(&env, "VOLT_CTR_LAUNCHER=%s", ctr_launcher_path()) < 0)
			r = volt_error_set(ENOMEM, NULL);
		else
			r = unit_quote(f, env);
	}
	if (r == 0) {
		const char *words[] = { program, "--root", ctr->root, "container", "start", name };

		fputs("\nExecStart=", f);
		for (size_t i = 0; i < ELEMENTSOF(words) && r == 0; i++) {
			if (i)
				fputc(' ', f);
			r = unit_quote(f, words[i]);
		}
	}
	fputs("\n\n[Install]\nWantedBy=multi-user.target\n", f);
	if (fclose(f) != 0 && r == 0)
		r = volt_error_set(ENOMEM, NULL);
	if (r < 0)
		return r;
	r = common_unit_file_install(unit, text);
	if (r < 0)
		return volt_error_prefix(r, "enable container '%s'", name);
	return 0;
}

VOLT_API int volt_ctr_disable(volt_ctr *ctr, const char *name)
{
	char unit[128];
	int r;

	assert_return(ctr, EINVAL);
	r = volt_name_validate(name);
	if (r < 0 || (r = boot_unit_name(unit, sizeof(unit), name)) < 0)
		return r;
	r = common_unit_file_remove(unit);
	if (r < 0)
		return volt_error_prefix(r, "disable container '%s'", name);
	return r;
}

int ctr_unit_disable(const char *name)
{
	char unit[128];
	int r = boot_unit_name(unit, sizeof(unit), name);

	return r < 0 ? r : common_unit_file_remove(unit);
}
