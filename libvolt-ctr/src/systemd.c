/*
 * Containers as transient systemd units: what is particular to
 * containers; the sd-bus work is shared with VMs (common/unit.c).
 *
 * KillMode=control-group: a stop sends SIGTERM to every process of the
 * container, since its PID 1 (nspawn's stub init, --as-pid2) would not
 * pass it on. DevicePolicy=closed: the device cgroup lets nothing open
 * but the harmless pseudo devices and ptys (as nspawn@.service does,
 * without its tun and loop devices, which Volt does not pass in).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
};

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
	props = (struct unit_props){ json_object_get(rec->config, "limits"), bpf_env };
	/* The launcher mounts the overlay in the unit's private mount namespace
	 * and then executes nspawn: a mount by ExecStartPre= would happen in
	 * a namespace of its own and be lost. */
	return common_unit_start(unit, "container", desc, argv, "control-group", append_properties, &props);
}
