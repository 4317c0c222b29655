/*
 * Private code shared by libvolt-ctr and libvolt-vm: workloads as
 * transient systemd units over sd-bus, and their journal.
 *
 * Compiled into each library with hidden visibility (common/meson.build);
 * never part of an ABI.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_UNIT_H
#define VOLT_COMMON_UNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>

typedef struct common_unit_status {
	bool loaded;            /* the unit exists */
	char active[32];        /* ActiveState */
	char sub[32];           /* SubState */
	pid_t main_pid;
	int exec_code, exec_status;  /* ExecMainCode (CLD_*), ExecMainStatus */
	uint64_t active_enter_us;    /* ActiveEnterTimestamp, CLOCK_REALTIME µs */
	uint64_t memory;             /* MemoryCurrent, UINT64_MAX if unknown */
} common_unit_status;

/* True if PID 1 is systemd. */
/* The unit of workload @name of @kind ("container", "vm"): volt-KIND-NAME.service. */
int common_unit_name(char *buf, size_t size, const char *kind, const char *name);

bool common_have_systemd(void);

/* Adds the caller's own properties to a StartTransientUnit request. */
typedef int (*common_unit_props_fn)(sd_bus_message *m, void *userdata);

/*
 * Start the transient service @unit running @argv (argv[0] an absolute
 * path) with Type=exec, RemainAfterExit, Slice=machine.slice and
 * KillMode=@kill_mode, plus what @props adds, and wait until systemd
 * reports it active. @kind ("container", "VM") goes into messages.
 */
int common_unit_start(const char *unit, const char *kind, const char *description, char **argv,
		      const char *kill_mode, common_unit_props_fn props, void *userdata);
/*
 * The same; @remain_after_exit false for a unit that systemd restarts
 * after a clean exit too (Restart=always ignores an exit that
 * RemainAfterExit keeps).
 */
int common_unit_start_full(const char *unit, const char *kind, const char *description, char **argv,
			   const char *kill_mode, bool remain_after_exit, common_unit_props_fn props,
			   void *userdata);
/* Status of @unit; out->loaded is false when systemd does not know it. */
int common_unit_status_get(const char *unit, common_unit_status *out);
/* StopUnit, then SIGKILL to what is left after @timeout_ns. */
int common_unit_stop(const char *unit, uint64_t timeout_ns);
int common_unit_kill(const char *unit, int sig);
/* Make an exited or failed @unit go away so that its name can start again. */
int common_unit_reset(const char *unit);

/*
 * Write @unit's journal to @fd, one message a line: the last @lines (0:
 * all), then with @follow new ones until the unit ends.
 */
int common_unit_logs(const char *unit, int fd, unsigned lines, bool follow);

/* Append ("Name", "t", value) to a property array; for common_unit_props_fn. */
int common_unit_prop_u64(sd_bus_message *m, const char *name, uint64_t value);

/* Where unit files of what starts at boot go. */
#define COMMON_UNIT_DIR "/etc/systemd/system"

/*
 * Write @content as the unit file COMMON_UNIT_DIR/@unit (atomically),
 * enable it (its [Install] section) and make systemd reload.
 */
int common_unit_file_install(const char *unit, const char *content);
/* Disable and remove what common_unit_file_install() made; 1, or 0 if there was none. */
int common_unit_file_remove(const char *unit);

#endif
