/*
 * Workloads as transient systemd units over sd-bus, and their journal:
 * shared by containers (libvolt-ctr) and VMs (libvolt-vmm).
 *
 * Transient units rather than a unit file template: a workload's whole
 * command line is decided at create time, so there is nothing to
 * template, no daemon-reload on the start path, and nothing left on disk
 * in /etc or /run once a workload is gone. `systemctl status` and
 * `journalctl -u` see the units like any other.
 *
 * Type=exec, not notify: nspawn sends STOPPING=1 when its container
 * ends, which would make systemd stop the unit and forget
 * RemainAfterExit, and with it the workload's exit status.
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
#include <systemd/sd-journal.h>

#include <volt/core.h>

#include "unit.h"
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

bool common_have_systemd(void)
{
	return sd_booted() > 0;
}

static int bus_open(sd_bus **out)
{
	int r;

	if (!common_have_systemd())
		return volt_error_set(EOPNOTSUPP,
				      "this needs systemd as PID 1 (it is not here); without it, run in the foreground: 'volt run' for containers, 'volt vm run' for VMs");
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

static int status_on(sd_bus *bus, const char *unit, common_unit_status *out)
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

int common_unit_status_get(const char *unit, common_unit_status *out)
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

int common_unit_prop_u64(sd_bus_message *m, const char *name, uint64_t value)
{
	return sd_bus_message_append(m, "(sv)", name, "t", value);
}

/* Poll until the unit settles: active (running or exited) or failed. */
static int wait_started(sd_bus *bus, const char *unit, const char *kind)
{
	uint64_t deadline = now_usec() + 60ULL * 1000000;
	common_unit_status st;
	int r;

	for (;;) {
		r = status_on(bus, unit, &st);
		if (r < 0)
			return r;
		if (st.loaded && strcmp(st.active, "active") == 0)
			return 0;
		if (st.loaded && strcmp(st.active, "failed") == 0)
			return volt_error_set(EIO, "%s unit %s failed to start; see 'journalctl -u %s'", kind, unit,
					      unit);
		if (!st.loaded)
			return volt_error_set(EIO, "%s unit %s ended at once; see 'journalctl -u %s'", kind, unit,
					      unit);
		if (now_usec() > deadline)
			return volt_error_set(ETIMEDOUT, "%s unit %s did not start within 60s", kind, unit);
		usleep(1000);
	}
}

int common_unit_start(const char *unit, const char *kind, const char *description, char **argv,
		      const char *kill_mode, common_unit_props_fn props, void *userdata)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_free_ char *what = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if ((r = bus_open(&bus)) < 0)
		return r;
	if (asprintf(&what, "start %s unit", kind) < 0)
		return volt_error_set(ENOMEM, NULL);

	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r < 0)
		goto fail;
	if ((r = sd_bus_message_append(m, "ss", unit, "fail")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Type", "s",
				       "exec", "RemainAfterExit", "b", 1, "KillMode", "s", kill_mode, "Slice", "s",
				       "machine.slice")) < 0)
		goto fail;
	r = append_exec(m, "ExecStart", argv[0], argv);
	if (r < 0 || (props && (r = props(m, userdata)) < 0) || (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0)
		goto fail;

	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		r = bus_fail(r, &e, what);
		sd_bus_error_free(&e);
		return r;
	}
	return wait_started(bus, unit, kind);

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

int common_unit_kill(const char *unit, int sig)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	return call_unit(bus, "KillUnit", "kill unit", "ssi", unit, "all", sig);
}

int common_unit_reset(const char *unit)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	common_unit_status st;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	r = status_on(bus, unit, &st);
	if (r < 0 || !st.loaded)
		return r;
	/* An exited (RemainAfterExit) or failed unit must go before a new start. */
	if (strcmp(st.active, "active") == 0 || strcmp(st.active, "activating") == 0)
		(void)call_unit(bus, "StopUnit", "stop unit", "ss", unit, "replace");
	(void)call_unit(bus, "ResetFailedUnit", "reset unit", "s", unit);
	volt_error_clear();
	for (int i = 0; i < 5000; i++) {
		if (status_on(bus, unit, &st) < 0 || !st.loaded)
			return 0;
		if (strcmp(st.active, "failed") == 0)
			(void)call_unit(bus, "ResetFailedUnit", "reset unit", "s", unit);
		usleep(1000);
	}
	return volt_error_set(EBUSY, "unit %s does not go away", unit);
}

int common_unit_stop(const char *unit, uint64_t timeout_ns)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	uint64_t deadline;
	common_unit_status st;
	bool killed = false;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	r = call_unit(bus, "StopUnit", "stop unit", "ss", unit, "replace");
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
			(void)call_unit(bus, "ResetFailedUnit", "reset unit", "s", unit);
			volt_error_clear();
			return 0;
		}
		if (!killed && now_usec() > deadline) {
			volt_log(VOLT_LOG_NOTICE, "%s did not stop in time: killing it", unit);
			(void)call_unit(bus, "KillUnit", "kill unit", "ssi", unit, "all", SIGKILL);
			killed = true;
			deadline = now_usec() + 10ULL * 1000000;
		} else if (killed && now_usec() > deadline) {
			return volt_error_set(ETIMEDOUT, "%s does not stop even after SIGKILL", unit);
		}
		usleep(2000);
	}
}

/* ---- The journal ---- */

static void journal_closep(sd_journal **j)
{
	sd_journal_close(*j);
}

/* Write the current entry's MESSAGE and a newline. */
static int emit(sd_journal *j, int fd)
{
	const void *data;
	size_t len;
	int r;

	r = sd_journal_get_data(j, "MESSAGE", &data, &len);
	if (r < 0)
		return 0; /* entries without a message carry nothing to show */
	if (len < 8)
		return 0;
	r = volt_write_all(fd, (const char *)data + 8, len - 8);
	if (r == 0)
		r = volt_write_all(fd, "\n", 1);
	if (r < 0)
		return volt_error_set_errno(r, "write the log");
	return 0;
}


int common_unit_logs(const char *unit, int fd, unsigned lines, bool follow)
{
	sd_journal *j __attribute__((cleanup(journal_closep))) = NULL;
	char match[160];
	int r;

	/* Not SD_JOURNAL_SYSTEM: a container's workload runs as uid
	 * VOLT_CTR_UID_BASE on the host, and journald files its output in
	 * user-524288.journal. */
	r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0)
		return volt_error_set_errno(r, "open the journal");
	snprintf(match, sizeof(match), "_SYSTEMD_UNIT=%s", unit);
	if ((r = sd_journal_add_match(j, match, 0)) < 0)
		return volt_error_set_errno(r, "filter the journal");

	if (lines > 0) {
		unsigned back = 0;

		/* Step back @lines entries from the end; read forward from there. */
		if ((r = sd_journal_seek_tail(j)) < 0)
			return volt_error_set_errno(r, "seek the journal");
		while (back < lines && (r = sd_journal_previous(j)) > 0)
			back++;
		if (r < 0)
			return volt_error_set_errno(r, "read the journal");
		if (back > 0 && (r = emit(j, fd)) < 0)
			return r;
	} else if ((r = sd_journal_seek_head(j)) < 0) {
		return volt_error_set_errno(r, "seek the journal");
	}

	for (;;) {
		r = sd_journal_next(j);
		if (r < 0)
			return volt_error_set_errno(r, "read the journal");
		if (r > 0) {
			r = emit(j, fd);
			if (r < 0)
				return r;
			continue;
		}
		if (!follow)
			return 0;
		{
			common_unit_status st;

			/* Follow while the workload runs; its unit's end ends the stream. */
			if (common_unit_status_get(unit, &st) == 0 &&
			    (!st.loaded || strcmp(st.sub, "exited") == 0 || strcmp(st.active, "failed") == 0)) {
				/* Drain what arrived after the last wait, then stop. */
				while ((r = sd_journal_next(j)) > 0)
					if ((r = emit(j, fd)) < 0)
						return r;
				return 0;
			}
		}
		r = sd_journal_wait(j, 250000);
		if (r < 0)
			return volt_error_set_errno(r, "wait for the journal");
	}
}
