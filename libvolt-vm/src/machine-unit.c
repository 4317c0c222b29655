/*
 * Running VMs: as the transient unit volt-vm-NAME.service (start, stop,
 * logs; the unit work is common/unit.c, shared with containers), or in
 * the foreground (volt_vm_run()).
 *
 * The unit runs voltvm with the console on its standard output, which
 * systemd sends to the journal: `volt vm logs` is the console. The guest
 * init's last line, "VOLT-GUEST-EXIT N", gives the workload's status
 * (voltvm itself exits 0 for any clean end of the guest).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include <volt/core.h>

#include "machine-state.h"
#include "shared/macro.h"

#define EXIT_MARKER "VOLT-GUEST-EXIT "
/* The status volt_vm_run() reports when the guest init reported none. */
#define EXIT_NO_REPORT 125

static void journal_closep(sd_journal **j)
{
	sd_journal_close(*j);
}

/* The workload's status from the last "VOLT-GUEST-EXIT N" of @unit's journal; -1 if none. */
static int guest_exit_from_journal(const char *unit)
{
	sd_journal *j __attribute__((cleanup(journal_closep))) = NULL;
	char match[160];
	int n = 0;

	if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
		return -1;
	snprintf(match, sizeof(match), "_SYSTEMD_UNIT=%s", unit);
	if (sd_journal_add_match(j, match, 0) < 0 || sd_journal_seek_tail(j) < 0)
		return -1;
	/* The marker is among the last lines: the kernel prints a few after it at most. */
	while (n++ < 64 && sd_journal_previous(j) > 0) {
		const void *data;
		size_t len;
		int status;
		char buf[64];

		if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0 || len < 8)
			continue;
		len -= 8;
		if (len >= sizeof(buf))
			continue;
		memcpy(buf, (const char *)data + 8, len);
		buf[len] = '\0';
		if (sscanf(buf, EXIT_MARKER "%d", &status) == 1)
			return status;
	}
	return -1;
}

int vm_live_state(const vm_record *rec, vm_live *out)
{
	common_unit_status st;
	pid_t pid;
	int r;

	memset(out, 0, sizeof(*out));
	out->state = VOLT_VM_CREATED;
	r = vm_unit_name(out->unit, sizeof(out->unit), rec->name);
	if (r < 0)
		return r;
	pid = vm_record_run_pid(rec);
	if (pid > 0) {
		struct stat s;
		char proc[64];

		out->foreground = true;
		out->state = VOLT_VM_RUNNING;
		out->main_pid = pid;
		snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
		if (stat(proc, &s) == 0)
			out->started_ns = (uint64_t)s.st_mtim.tv_sec * 1000000000ULL + (uint64_t)s.st_mtim.tv_nsec;
		return 0;
	}
	if (!common_have_systemd() || common_unit_status_get(out->unit, &st) < 0 || !st.loaded) {
		volt_error_clear();
		return 0;
	}
	out->unit_loaded = true;
	if (strcmp(st.active, "active") == 0 && strcmp(st.sub, "running") == 0) {
		out->state = VOLT_VM_RUNNING;
		out->main_pid = st.main_pid;
		out->started_ns = st.active_enter_us * 1000;
	} else if (strcmp(st.active, "failed") == 0) {
		out->state = VOLT_VM_FAILED;
		out->exit_status = st.exec_code == CLD_EXITED ? st.exec_status : 128 + st.exec_status;
	} else if (strcmp(st.active, "active") == 0 && strcmp(st.sub, "exited") == 0) {
		int guest = guest_exit_from_journal(out->unit);

		out->state = VOLT_VM_EXITED;
		out->exit_status = guest >= 0 ? guest : st.exec_status;
	} else if (strcmp(st.active, "activating") == 0 || strcmp(st.active, "deactivating") == 0) {
		out->state = VOLT_VM_RUNNING;
		out->main_pid = st.main_pid;
	}
	return 0;
}

int vm_kill(const vm_record *rec, const vm_live *live)
{
	if (live->foreground) {
		if (kill(live->main_pid, SIGKILL) < 0 && errno != ESRCH)
			return volt_error_set_errno(errno, "kill VM '%s'", rec->name);
		for (int i = 0; i < 1000 && kill(live->main_pid, 0) == 0; i++)
			usleep(10000);
		return 0;
	}
	return common_unit_stop(live->unit, 0);
}

static int check_systemd(const char *what)
{
	if (!common_have_systemd())
		return volt_error_set(EOPNOTSUPP,
				      "%s needs systemd as PID 1, and it is not PID 1 here; 'volt vm run' runs a VM in the foreground without it",
				      what);
	return 0;
}

/* Make (or re-make, after a host reboot) a private network's TAP device. */
static int network_up(const vm_record *rec)
{
	const char *tap = json_string_value(json_object_get(rec->config, "tap"));
	const char *host = json_string_value(json_object_get(rec->config, "host_address"));
	int r;

	if (!json_object_get(rec->config, "network_index"))
		return 0;
	if (!tap || !host)
		return volt_error_set(EBADMSG, "VM '%s': vm.json has a network without a TAP or an address", rec->name);
	r = vm_tap_setup(tap, host);
	if (r < 0)
		return volt_error_prefix(r, "VM '%s'", rec->name);
	return 0;
}

static int unit_properties(sd_bus_message *m, void *userdata)
{
	(void)userdata;
	return sd_bus_message_append(m, "(sv)", "MemoryAccounting", "b", 1);
}

/*
 * The unit runs "volt vm console-relay DIR -- VOLTVM...": the console goes
 * to the journal and to 'volt vm console' through DIR/console.sock. Without
 * volt(1) installed the unit runs voltvm alone, with no console to attach.
 */
static int console_relay_argv(const vm_record *rec, char ***argv)
{
	_cleanup_free_ char *cli = realpath(vm_cli_path(), NULL);
	size_t n = 0;
	char **v;

	if (!cli || access(cli, X_OK) < 0) {
		volt_log(VOLT_LOG_NOTICE, "VM '%s': %s is not there: the VM runs without a console to attach",
			 rec->name, vm_cli_path());
		return 0;
	}
	while ((*argv)[n])
		n++;
	v = calloc(n + 6, sizeof(*v));
	if (!v)
		return volt_error_set(ENOMEM, NULL);
	v[0] = TAKE_PTR(cli);
	v[1] = strdup("vm");
	v[2] = strdup("console-relay");
	v[3] = strdup(rec->dir);
	v[4] = strdup("--");
	if (!v[1] || !v[2] || !v[3] || !v[4]) {
		volt_strv_free(v);
		return volt_error_set(ENOMEM, NULL);
	}
	memcpy(v + 5, *argv, n * sizeof(*v));
	free(*argv);
	*argv = v;
	return 0;
}

VOLT_API int volt_vm_start(volt_vm *vm, const char *name)
{
	_cleanup_vm_record_ vm_record rec = {};
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *desc = NULL;
	vm_live live;
	int r;

	assert_return(vm, EINVAL);
	r = vm_record_load(&rec, vm, name);
	if (r < 0 || (r = check_systemd("starting a VM as a unit")) < 0 || (r = vm_live_state(&rec, &live)) < 0)
		return r;
	if (live.state == VOLT_VM_RUNNING)
		return volt_error_set(EALREADY, "VM '%s' is running already", name);
	if (live.unit_loaded && (r = common_unit_reset(live.unit)) < 0)
		return r;
	/* Never boot a guest that cannot find its root disk. */
	if ((r = vm_kernel_check(rec.config, rec.name)) < 0 || (r = network_up(&rec)) < 0 ||
	    (r = vm_voltvm_argv(&rec, vm, "stdio", &argv)) < 0)
		return r;
	if (asprintf(&desc, "Volt VM %s", name) < 0)
		return volt_error_set(ENOMEM, NULL);
	r = console_relay_argv(&rec, &argv);
	if (r < 0)
		return r;
	return common_unit_start(live.unit, "VM", desc, argv, "control-group", unit_properties, NULL);
}

VOLT_API int volt_vm_stop(volt_vm *vm, const char *name, uint64_t timeout_ns)
{
	_cleanup_vm_record_ vm_record rec = {};
	vm_live live;
	int r;

	assert_return(vm, EINVAL);
	r = vm_record_load(&rec, vm, name);
	if (r < 0 || (r = vm_live_state(&rec, &live)) < 0)
		return r;
	if (live.state != VOLT_VM_RUNNING)
		return volt_error_set(ESRCH, "VM '%s' is not running", name);
	if (live.foreground) {
		/* SIGTERM ends voltvm; volt_vm_run() in its parent then returns. */
		uint64_t waited = 0;

		kill(live.main_pid, SIGTERM);
		while (kill(live.main_pid, 0) == 0 && waited < timeout_ns) {
			usleep(10000);
			waited += 10000000ULL;
		}
		return vm_kill(&rec, &live);
	}
	return common_unit_stop(live.unit, timeout_ns);
}

VOLT_API int volt_vm_logs(volt_vm *vm, const char *name, int fd, unsigned lines, bool follow)
{
	_cleanup_vm_record_ vm_record rec = {};
	char unit[128];
	int r;

	assert_return(vm, EINVAL);
	assert_return(fd >= 0, EINVAL);
	r = vm_record_load(&rec, vm, name);
	if (r < 0 || (r = vm_unit_name(unit, sizeof(unit), name)) < 0)
		return r;
	if (!common_have_systemd())
		return volt_error_set(EOPNOTSUPP,
				      "logs come from the systemd journal, and systemd is not PID 1 here; 'volt vm run' shows the console on the terminal");
	return common_unit_logs(unit, fd, lines, follow);
}

/* Pass the console through to @out, watching its lines for the exit marker. */
static void relay_console(int in, int out, int *guest_status)
{
	char buf[4096], line[128];
	size_t line_len = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (out >= 0 && volt_write_all(out, buf, (size_t)n) < 0) {
			volt_error_clear();
			out = -1; /* the reader went away: keep draining for the marker */
		}
		for (ssize_t i = 0; i < n; i++) {
			int status;

			if (buf[i] != '\n') {
				if (line_len < sizeof(line) - 1)
					line[line_len++] = buf[i];
				continue;
			}
			line[line_len] = '\0';
			if (sscanf(line, EXIT_MARKER "%d", &status) == 1)
				*guest_status = status;
			line_len = 0;
		}
	}
}

VOLT_API int volt_vm_run(int *out_status, volt_vm *vm, const char *name)
{
	_cleanup_vm_record_ vm_record rec = {};
	_cleanup_strv_ char **argv = NULL;
	int pipefd[2], status, guest_status = -1, r;
	vm_live live;
	pid_t pid;

	assert_return(vm, EINVAL);
	assert_return(out_status, EINVAL);
	r = vm_record_load(&rec, vm, name);
	if (r < 0 || (r = vm_live_state(&rec, &live)) < 0)
		return r;
	if (live.state == VOLT_VM_RUNNING)
		return volt_error_set(EALREADY, "VM '%s' is running already", name);
	/* Never boot a guest that cannot find its root disk. */
	if ((r = vm_kernel_check(rec.config, rec.name)) < 0 || (r = network_up(&rec)) < 0 ||
	    (r = vm_voltvm_argv(&rec, vm, "stdio", &argv)) < 0)
		return r;
	if (access(argv[0], X_OK) < 0)
		return volt_error_set_errno(errno, "voltvm %s", argv[0]);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return volt_error_set_errno(errno, "pipe");
	pid = fork();
	if (pid < 0) {
		r = volt_error_set_errno(errno, "fork");
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	if (vm_record_run_pid_write(&rec, pid) < 0)
		volt_error_clear(); /* list shows it as not running: nothing worse */
	relay_console(pipefd[0], STDOUT_FILENO, &guest_status);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 0;
			break;
		}
	vm_record_run_pid_remove(&rec);
	if (guest_status >= 0) {
		*out_status = guest_status;
		return 0;
	}
	/* No report from the guest init: voltvm failed, or the guest never got that far. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return volt_error_set(ENOENT, "could not run %s", argv[0]);
	volt_log(VOLT_LOG_WARNING, "VM '%s' ended without a status from its guest init (voltvm %s %d)", name,
		 WIFEXITED(status) ? "exit status" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	*out_status = EXIT_NO_REPORT;
	return 0;
}
