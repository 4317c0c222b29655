/*
 * Containers as transient systemd units, over sd-bus.
 *
 * Transient units rather than a unit file template: a container's whole
 * command line is decided at create time, so there is nothing to
 * template, no daemon-reload on the start path, and nothing left on disk
 * in /etc or /run once a container is gone. The unit is
 * volt-container-NAME.service; `systemctl status` and `journalctl -u`
 * see it like any other.
 *
 * Type=exec, not notify: nspawn sends STOPPING=1 when its container
 * ends, which would make systemd stop the unit and forget
 * RemainAfterExit, and with it the workload's exit status.
 *
 * KillMode=control-group: a stop sends SIGTERM to every process of the
 * container, since its PID 1 (nspawn's stub init, --as-pid2) would not
 * pass it on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static void bus_unrefp(sd_bus **b)
{
	sd_bus_flush_close_unref(*b);
}
static void msg_unrefp(sd_bus_message **m)
{
	sd_bus_message_unref(*m);
}
#define _cleanup_bus_ _cleanup_(bus_unrefp)
#define _cleanup_msg_ _cleanup_(msg_unrefp)

VOLT_API bool volt_ctr_have_systemd(void)
{
	return sd_booted() > 0;
}

static int bus_open(sd_bus **out)
{
	int r;

	if (!volt_ctr_have_systemd())
		return volt_error_set(EOPNOTSUPP,
				      "this needs systemd as PID 1 (it is not here); 'volt run' runs containers in the foreground without it");
	r = sd_bus_open_system(out);
	if (r < 0)
		return volt_error_set_errno(r, "connect to the system bus");
	return 0;
}

static int bus_fail(int r, const sd_bus_error *e, const char *what)
{
	if (e && sd_bus_error_is_set(e))
		return volt_error_set(r, "%s: %s", what, e->message ? e->message : e->name);
	return volt_error_set_errno(r, "%s", what);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int status_on(sd_bus *bus, const char *unit, ctr_unit_status *out)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;
	_cleanup_free_ char *active = NULL, *sub = NULL;
	const char *path;
	uint32_t pid = 0;
	int32_t code = 0, status = 0;
	uint64_t enter = 0, mem = UINT64_MAX;
	int r;

	memset(out, 0, sizeof(*out));
	out->memory = UINT64_MAX;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e, &reply, "s", unit);
	if (r < 0) {
		bool missing = sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit");

		sd_bus_error_free(&e);
		return missing ? 0 : bus_fail(r, NULL, "query systemd");
	}
	r = sd_bus_message_read(reply, "o", &path);
	if (r < 0)
		return volt_error_set_errno(r, "read systemd's reply");

#define GET(iface, prop, type, ptr)                                                         \
	sd_bus_get_property_trivial(bus, SD_DEST, path, "org.freedesktop.systemd1." iface, prop, \
				    NULL, type, ptr)
	if (sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "ActiveState",
				       NULL, &active) < 0 ||
	    sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "SubState", NULL,
				       &sub) < 0)
		return 0; /* the unit went away between the two calls */
	GET("Unit", "ActiveEnterTimestamp", 't', &enter);
	GET("Service", "MainPID", 'u', &pid);
	GET("Service", "ExecMainCode", 'i', &code);
	GET("Service", "ExecMainStatus", 'i', &status);
	GET("Service", "MemoryCurrent", 't', &mem);
#undef GET
	out->loaded = true;
	snprintf(out->active, sizeof(out->active), "%s", active);
	snprintf(out->sub, sizeof(out->sub), "%s", sub);
	out->main_pid = (pid_t)pid;
	out->exec_code = code;
	out->exec_status = status;
	out->active_enter_us = enter;
	out->memory = mem;
	return 0;
}

int ctr_unit_status_get(const char *unit, ctr_unit_status *out)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	return status_on(bus, unit, out);
}

static int append_exec(sd_bus_message *m, const char *prop, const char *path, char **argv)
{
	int r;

	if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd_bus_message_append(m, "s", prop)) < 0 ||
	    (r = sd_bus_message_open_container(m, 'v', "a(sasb)")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(sasb)")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'r', "sasb")) < 0 ||
	    (r = sd_bus_message_append(m, "s", path)) < 0 || (r = sd_bus_message_append_strv(m, argv)) < 0 ||
	    (r = sd_bus_message_append(m, "b", 0)) < 0 || (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0 || (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0)
		return r;
	return 0;
}

static int append_limits(sd_bus_message *m, const json_t *limits)
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
	int r;

	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		json_int_t v = json_integer_value(json_object_get(limits, map[i].key));

		if (v <= 0)
			continue;
		r = sd_bus_message_append(m, "(sv)", map[i].prop, "t", (uint64_t)v * map[i].scale);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Poll until the unit settles: active (running or exited) or failed. */
static int wait_started(sd_bus *bus, const char *unit)
{
	uint64_t deadline = now_usec() + 60ULL * 1000000;
	ctr_unit_status st;
	int r;

	for (;;) {
		r = status_on(bus, unit, &st);
		if (r < 0)
			return r;
		if (st.loaded && strcmp(st.active, "active") == 0)
			return 0;
		if (st.loaded && strcmp(st.active, "failed") == 0)
			return volt_error_set(EIO, "container unit %s failed to start; see 'journalctl -u %s'", unit,
					      unit);
		if (!st.loaded)
			return volt_error_set(EIO, "container unit %s ended at once; see 'journalctl -u %s'", unit,
					      unit);
		if (now_usec() > deadline)
			return volt_error_set(ETIMEDOUT, "container unit %s did not start within 60s", unit);
		usleep(1000);
	}
}

int ctr_unit_start(const ctr_record *rec)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *desc = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char unit[128];
	int r;

	if ((r = ctr_unit_name(unit, sizeof(unit), rec->name)) < 0 || (r = bus_open(&bus)) < 0 ||
	    (r = ctr_host_argv(rec, false, &argv)) < 0)
		return r;
	if (asprintf(&desc, "Volt container %s", rec->name) < 0)
		return volt_error_set(ENOMEM, NULL);

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r < 0)
		goto fail;
	if ((r = sd_bus_message_append(m, "ss", unit, "fail")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s", desc, "Type", "s",
				       "exec", "RemainAfterExit", "b", 1, "PrivateMounts", "b", 1, "Delegate",
				       "b", 1, "KillMode", "s", "control-group", "Slice", "s", "machine.slice")) < 0)
		goto fail;
	/* The launcher mounts the overlay in the unit's private mount namespace
	 * and then executes nspawn: a mount by ExecStartPre= would happen in
	 * a namespace of its own and be lost. */
	r = append_exec(m, "ExecStart", argv[0], argv);
	if (r < 0 ||
	    (r = append_limits(m, json_object_get(rec->config, "limits"))) < 0 ||
	    (r = sd_bus_message_close_container(m)) < 0 || (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0)
		goto fail;

	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		r = bus_fail(r, &e, "start container unit");
		sd_bus_error_free(&e);
		return r;
	}
	return wait_started(bus, unit);

fail:
	return volt_error_set_errno(r, "build the request to systemd");
}

static int call_unit(sd_bus *bus, const char *method, const char *what, const char *types, ...)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
	if (r < 0)
		return volt_error_set_errno(r, "%s", what);
	va_start(ap, types);
	r = sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	if (r < 0)
		return volt_error_set_errno(r, "%s", what);
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit") ||
		    sd_bus_error_has_name(&e, "org.freedesktop.systemd1.LoadFailed"))
			r = -ENOENT;
		r = bus_fail(r, &e, what);
		sd_bus_error_free(&e);
	}
	return r;
}

int ctr_unit_kill(const char *unit, int sig)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	return call_unit(bus, "KillUnit", "kill container unit", "ssi", unit, "all", sig);
}

int ctr_unit_reset(const char *unit)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	ctr_unit_status st;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	r = status_on(bus, unit, &st);
	if (r < 0 || !st.loaded)
		return r;
	/* An exited (RemainAfterExit) or failed unit must go before a new start. */
	if (strcmp(st.active, "active") == 0 || strcmp(st.active, "activating") == 0)
		(void)call_unit(bus, "StopUnit", "stop container unit", "ss", unit, "replace");
	(void)call_unit(bus, "ResetFailedUnit", "reset container unit", "s", unit);
	volt_error_clear();
	for (int i = 0; i < 5000; i++) {
		if (status_on(bus, unit, &st) < 0 || !st.loaded)
			return 0;
		if (strcmp(st.active, "failed") == 0)
			(void)call_unit(bus, "ResetFailedUnit", "reset container unit", "s", unit);
		usleep(1000);
	}
	return volt_error_set(EBUSY, "unit %s does not go away", unit);
}

int ctr_unit_stop(const char *unit, uint64_t timeout_ns)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	uint64_t deadline;
	ctr_unit_status st;
	bool killed = false;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	r = call_unit(bus, "StopUnit", "stop container unit", "ss", unit, "replace");
	if (r < 0)
		return r;
	deadline = now_usec() + timeout_ns / 1000;
	for (;;) {
		r = status_on(bus, unit, &st);
		if (r < 0)
			return r;
		if (!st.loaded || strcmp(st.active, "inactive") == 0)
			return 0;
		if (strcmp(st.active, "failed") == 0) {
			(void)call_unit(bus, "ResetFailedUnit", "reset container unit", "s", unit);
			volt_error_clear();
			return 0;
		}
		if (!killed && now_usec() > deadline) {
			volt_log(VOLT_LOG_NOTICE, "%s did not stop in time: killing it", unit);
			(void)call_unit(bus, "KillUnit", "kill container unit", "ssi", unit, "all", SIGKILL);
			killed = true;
			deadline = now_usec() + 10ULL * 1000000;
		} else if (killed && now_usec() > deadline) {
			return volt_error_set(ETIMEDOUT, "%s does not stop even after SIGKILL", unit);
		}
		usleep(2000);
	}
}
