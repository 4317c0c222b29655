/*
 * Workloads as transient systemd units over sd-bus, and their journal:
 * shared by containers (libvolt-ctr) and VMs (libvolt-vm).
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

int common_unit_name(char *buf, size_t size, const char *kind, const char *name)
{
	int n = snprintf(buf, size, "volt-%s-%s.service", kind, name);

	if (n < 0 || (size_t)n >= size)
		return volt_error_set(ENAMETOOLONG, "unit name for '%s' is too long", name);
	return 0;
}

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

/*
 * One connection to the system bus per process (and thread), kept for
 * every call: a start is a status, a reset and a start, and each
 * connection costs an authentication handshake with the broker. A
 * forked child opens its own: sd-bus refuses a parent's connection.
 */
static __thread sd_bus *shared_bus;
static __thread pid_t shared_pid;
static __thread bool shared_subscribed;

static void bus_unrefp(sd_bus **b)
{
	sd_bus_unref(*b);
}
static void msg_unrefp(sd_bus_message **m)
{
	sd_bus_message_unref(*m);
}
#define _cleanup_bus_ _cleanup_(bus_unrefp)
#define _cleanup_msg_ _cleanup_(msg_unrefp)

__attribute__((destructor)) static void bus_release(void)
{
	if (shared_bus && shared_pid == getpid())
		shared_bus = sd_bus_flush_close_unref(shared_bus);
}

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
	if (shared_bus && shared_pid == getpid() && sd_bus_is_open(shared_bus) > 0) {
		*out = sd_bus_ref(shared_bus);
		return 0;
	}
	if (shared_bus && shared_pid == getpid())
		sd_bus_flush_close_unref(shared_bus);
	/* A parent's connection is not this process's to close. */
	shared_bus = NULL;
	shared_subscribed = false;
	r = sd_bus_open_system(&shared_bus);
	if (r < 0) {
		shared_bus = NULL;
		return volt_error_set_errno(r, "connect to the system bus");
	}
	shared_pid = getpid();
	*out = sd_bus_ref(shared_bus);
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

/*
 * Waiting on the unit's own signals instead of polling: JobRemoved and
 * UnitRemoved of the manager for this unit, and PropertiesChanged of the
 * unit object (systemd sends them to subscribed clients). Each wait
 * handles what is queued, then sleeps in the bus until the next one; the
 * caller re-reads the unit's state after each. The matches are made
 * before the call that changes the unit, so no signal is missed.
 */
struct unit_watch {
	sd_bus_slot *slots[3];
	const char *unit;
	unsigned events;
};

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct unit_watch *w = userdata;
	const char *name = NULL;
	uint32_t id;
	const char *path;

	(void)error;
	if (sd_bus_message_is_signal(m, SD_MANAGER, "JobRemoved"))
		(void)sd_bus_message_read(m, "uos", &id, &path, &name);
	else
		(void)sd_bus_message_read(m, "s", &name);
	if (name && strcmp(name, w->unit) == 0)
		w->events++;
	return 0;
}

static int on_unit_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct unit_watch *w = userdata;

	(void)m;
	(void)error;
	w->events++;
	return 0;
}

static void watch_done(struct unit_watch *w)
{
	for (size_t i = 0; i < ELEMENTSOF(w->slots); i++)
		w->slots[i] = sd_bus_slot_unref(w->slots[i]);
}

static int watch_unit(sd_bus *bus, const char *unit, struct unit_watch *w)
{
	_cleanup_free_ char *path = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	memset(w, 0, sizeof(*w));
	w->unit = unit;
	r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
	if (r < 0)
		return volt_error_set_errno(r, "watch unit %s", unit);
	/* Asynchronous: the broker handles the AddMatch calls before the
	 * request that follows them on this connection, so nothing is missed
	 * and no round trip is spent waiting for their replies. */
	if ((r = sd_bus_match_signal_async(bus, &w->slots[0], SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
					   on_manager_signal, NULL, w)) < 0 ||
	    (r = sd_bus_match_signal_async(bus, &w->slots[1], SD_DEST, SD_PATH, SD_MANAGER, "UnitRemoved",
					   on_manager_signal, NULL, w)) < 0 ||
	    (r = sd_bus_match_signal_async(bus, &w->slots[2], SD_DEST, path, "org.freedesktop.DBus.Properties",
					   "PropertiesChanged", on_unit_changed, NULL, w)) < 0) {
		watch_done(w);
		return volt_error_set_errno(r, "watch unit %s", unit);
	}
	/* systemd only signals unit changes to clients that subscribed, once
	 * per connection (a second Subscribe is an error). */
	if (bus == shared_bus && shared_subscribed)
		return 0;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &e, NULL, "");
	if (r < 0) {
		watch_done(w);
		r = bus_fail(r, &e, "subscribe to systemd's signals");
		sd_bus_error_free(&e);
		return r;
	}
	if (bus == shared_bus)
		shared_subscribed = true;
	return 0;
}

/*
 * Until a watched signal came after @seen (w->events when the caller
 * last read the unit's state: a status read handles signals too), or
 * @usec; 0 or -errno.
 */
static int watch_wait(sd_bus *bus, struct unit_watch *w, unsigned seen, uint64_t usec)
{
	uint64_t end = now_usec() + usec, now;
	int r;

	for (;;) {
		while ((r = sd_bus_process(bus, NULL)) > 0)
			;
		if (r < 0)
			return volt_error_set_errno(r, "read from the system bus");
		if (w->events != seen)
			return 0;
		now = now_usec();
		if (now >= end)
			return 0;
		r = sd_bus_wait(bus, end - now);
		if (r < 0 && r != -EINTR)
			return volt_error_set_errno(r, "wait on the system bus");
	}
}

/*
 * One property of a unit, asked for asynchronously: a status sends all
 * its Get calls at once and then waits for the replies, one round trip
 * through the broker instead of one a property.
 */
struct prop_get {
	const char *iface, *name;
	char type;           /* 's' (into a char[32]), 'u', 'i' or 't' */
	void *out;
	sd_bus_slot *slot;
	int r;               /* 1 answered, 0 pending, <0 error */
};

static int on_prop(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct prop_get *p = userdata;
	const char *str;
	char sig[2] = { p->type, 0 };
	int r;

	(void)error;
	if (sd_bus_message_is_method_error(m, NULL)) {
		p->r = -sd_bus_message_get_errno(m) ?: -EIO;
		return 0;
	}
	r = sd_bus_message_enter_container(m, 'v', sig);
	if (r >= 0 && p->type == 's') {
		r = sd_bus_message_read_basic(m, 's', &str);
		if (r >= 0)
			snprintf(p->out, 32, "%s", str);
	} else if (r >= 0) {
		r = sd_bus_message_read_basic(m, p->type, p->out);
	}
	p->r = r < 0 ? r : 1;
	return 0;
}

static int status_on(sd_bus *bus, const char *unit, common_unit_status *out)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;
	const char *path;
	uint32_t pid = 0;
	int32_t code = 0, status = 0;
	uint64_t enter = 0, mem = UINT64_MAX;
	struct prop_get props[] = {
		{ "Unit", "ActiveState", 's', out->active, NULL, 0 },
		{ "Unit", "SubState", 's', out->sub, NULL, 0 },
		{ "Unit", "ActiveEnterTimestamp", 't', &enter, NULL, 0 },
		{ "Service", "MainPID", 'u', &pid, NULL, 0 },
		{ "Service", "ExecMainCode", 'i', &code, NULL, 0 },
		{ "Service", "ExecMainStatus", 'i', &status, NULL, 0 },
		{ "Service", "MemoryCurrent", 't', &mem, NULL, 0 },
	};
	uint64_t deadline = now_usec() + 25ULL * 1000000;
	size_t pending;
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

	for (size_t i = 0; i < ELEMENTSOF(props); i++) {
		char iface[64];

		snprintf(iface, sizeof(iface), "org.freedesktop.systemd1.%s", props[i].iface);
		r = sd_bus_call_method_async(bus, &props[i].slot, SD_DEST, path, "org.freedesktop.DBus.Properties",
					     "Get", on_prop, &props[i], "ss", iface, props[i].name);
		if (r < 0) {
			r = volt_error_set_errno(r, "query systemd");
			goto done;
		}
	}
	for (;;) {
		pending = 0;
		for (size_t i = 0; i < ELEMENTSOF(props); i++)
			pending += props[i].r == 0;
		if (!pending)
			break;
		while ((r = sd_bus_process(bus, NULL)) > 0)
			;
		if (r < 0) {
			r = volt_error_set_errno(r, "read from the system bus");
			goto done;
		}
		pending = 0;
		for (size_t i = 0; i < ELEMENTSOF(props); i++)
			pending += props[i].r == 0;
		if (!pending)
			break;
		if (now_usec() >= deadline) {
			r = volt_error_set(ETIMEDOUT, "systemd does not answer");
			goto done;
		}
		r = sd_bus_wait(bus, deadline - now_usec());
		if (r < 0 && r != -EINTR) {
			r = volt_error_set_errno(r, "wait on the system bus");
			goto done;
		}
	}
	r = 0;
	/* The unit went away between GetUnit and the state: as if never there. */
	if (props[0].r < 0 || props[1].r < 0) {
		memset(out, 0, sizeof(*out));
		out->memory = UINT64_MAX;
		goto done;
	}
	out->loaded = true;
	out->main_pid = (pid_t)pid;
	out->exec_code = code;
	out->exec_status = status;
	out->active_enter_us = enter;
	out->memory = mem;
done:
	for (size_t i = 0; i < ELEMENTSOF(props); i++)
		sd_bus_slot_unref(props[i].slot);
	return r;
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

/* Until the unit settles, woken by its signals: active (running or exited) or failed. */
static int wait_started(sd_bus *bus, struct unit_watch *w, const char *unit, const char *kind)
{
	uint64_t deadline = now_usec() + 60ULL * 1000000;
	common_unit_status st;
	unsigned seen;
	int r;

	for (;;) {
		seen = w->events;
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
		r = watch_wait(bus, w, seen, deadline - now_usec() + 1);
		if (r < 0)
			return r;
	}
}

int common_unit_start(const char *unit, const char *kind, const char *description, char **argv,
		      const char *kill_mode, common_unit_props_fn props, void *userdata)
{
	return common_unit_start_full(unit, kind, description, argv, kill_mode, true, props, userdata);
}

int common_unit_start_full(const char *unit, const char *kind, const char *description, char **argv,
			   const char *kill_mode, bool remain_after_exit, common_unit_props_fn props,
			   void *userdata)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_free_ char *what = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct unit_watch w;
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
				       "exec", "RemainAfterExit", "b", (int)remain_after_exit, "KillMode", "s", kill_mode, "Slice", "s",
				       "machine.slice")) < 0)
		goto fail;
	r = append_exec(m, "ExecStart", argv[0], argv);
	if (r < 0 || (props && (r = props(m, userdata)) < 0) || (r = sd_bus_message_close_container(m)) < 0 ||
	    (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0)
		goto fail;

	r = watch_unit(bus, unit, &w);
	if (r < 0)
		return r;
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		r = bus_fail(r, &e, what);
		sd_bus_error_free(&e);
		watch_done(&w);
		return r;
	}
	r = wait_started(bus, &w, unit, kind);
	watch_done(&w);
	return r;

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
	struct unit_watch w;
	uint64_t deadline;

	r = status_on(bus, unit, &st);
	if (r < 0 || !st.loaded)
		return r;
	r = watch_unit(bus, unit, &w);
	if (r < 0)
		return r;
	/* An exited (RemainAfterExit) or failed unit must go before a new start. */
	if (strcmp(st.active, "active") == 0 || strcmp(st.active, "activating") == 0)
		(void)call_unit(bus, "StopUnit", "stop unit", "ss", unit, "replace");
	(void)call_unit(bus, "ResetFailedUnit", "reset unit", "s", unit);
	volt_error_clear();
	deadline = now_usec() + 5ULL * 1000000;
	while (now_usec() < deadline) {
		unsigned seen = w.events;

		if (status_on(bus, unit, &st) < 0 || !st.loaded) {
			watch_done(&w);
			volt_error_clear();
			return 0;
		}
		if (strcmp(st.active, "failed") == 0)
			(void)call_unit(bus, "ResetFailedUnit", "reset unit", "s", unit);
		/* Bounded: a unit that is gone sends nothing more to wait for. */
		if (watch_wait(bus, &w, seen, 100000) < 0)
			break;
	}
	watch_done(&w);
	return volt_error_set(EBUSY, "unit %s does not go away", unit);
}

int common_unit_stop(const char *unit, uint64_t timeout_ns)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	uint64_t deadline;
	common_unit_status st;
	struct unit_watch w;
	bool killed = false;
	int r = bus_open(&bus);

	if (r < 0)
		return r;
	r = watch_unit(bus, unit, &w);
	if (r < 0)
		return r;
	r = call_unit(bus, "StopUnit", "stop unit", "ss", unit, "replace");
	if (r < 0) {
		watch_done(&w);
		return r;
	}
	deadline = now_usec() + timeout_ns / 1000;
	for (;;) {
		unsigned seen = w.events;

		r = status_on(bus, unit, &st);
		if (r < 0)
			break;
		if (!st.loaded || strcmp(st.active, "inactive") == 0)
			break;
		if (strcmp(st.active, "failed") == 0) {
			(void)call_unit(bus, "ResetFailedUnit", "reset unit", "s", unit);
			volt_error_clear();
			break;
		}
		if (!killed && now_usec() > deadline) {
			volt_log(VOLT_LOG_NOTICE, "%s did not stop in time: killing it", unit);
			(void)call_unit(bus, "KillUnit", "kill unit", "ssi", unit, "all", SIGKILL);
			killed = true;
			deadline = now_usec() + 10ULL * 1000000;
		} else if (killed && now_usec() > deadline) {
			r = volt_error_set(ETIMEDOUT, "%s does not stop even after SIGKILL", unit);
			break;
		}
		/* Woken by the unit's signals; the deadline still counts. */
		r = watch_wait(bus, &w, seen, deadline > now_usec() ? deadline - now_usec() + 1 : 1000);
		if (r < 0)
			break;
	}
	watch_done(&w);
	return r;
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

/* ---- Unit files, for what starts at boot ---- */

int common_unit_file_install(const char *unit, const char *content)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_free_ char *path = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if ((r = bus_open(&bus)) < 0)
		return r;
	if (asprintf(&path, "%s/%s", COMMON_UNIT_DIR, unit) < 0)
		return volt_error_set(ENOMEM, NULL);
	/* Atomic: systemd at boot sees the old file or the new, never half. */
	r = volt_file_write_atomic(path, content, strlen(content), 0644);
	if (r < 0)
		return volt_error_prefix(r, "write %s", path);
	/* EnableUnitFiles makes the [Install] symlinks; Reload makes PID 1
	 * load them, so that its targets want the unit from now on. */
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "EnableUnitFiles", &e, NULL, "asbb", 1, unit, 0,
			       1);
	if (r >= 0)
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Reload", &e, NULL, "");
	if (r < 0) {
		r = bus_fail(r, &e, "enable unit file");
		sd_bus_error_free(&e);
		(void)unlink(path);
		return r;
	}
	return 0;
}

int common_unit_file_remove(const char *unit)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_free_ char *path = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (asprintf(&path, "%s/%s", COMMON_UNIT_DIR, unit) < 0)
		return volt_error_set(ENOMEM, NULL);
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : volt_error_set_errno(errno, "%s", path);
	if ((r = bus_open(&bus)) < 0)
		return r;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "DisableUnitFiles", &e, NULL, "asb", 1, unit, 0);
	if (r >= 0 && unlink(path) < 0 && errno != ENOENT)
		return volt_error_set_errno(errno, "remove %s", path);
	if (r >= 0)
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Reload", &e, NULL, "");
	if (r < 0) {
		r = bus_fail(r, &e, "disable unit file");
		sd_bus_error_free(&e);
		return r;
	}
	return 1;
}
