/*
 * volt vm start / stop / rm / run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "vm-verbs.h"
#include "workload-args.h"

/* Apply @fn to every NAME; the exit status is 1 if any failed. */
static int each(const struct cli_global *g, int argc, char **argv, int first,
		int (*fn)(volt_vm *vm, const char *name, uint64_t t, bool f), uint64_t t, bool f)
{
	volt_vm *vm = NULL;
	int r = vm_open(g, &vm);

	if (r >= 0)
		return r;
	r = CLI_EXIT_OK;
	for (int i = first; i < argc; i++)
		if (fn(vm, argv[i], t, f) < 0)
			r = cli_fail(g->program);
	volt_vm_close(vm);
	return r;
}

static int do_start(volt_vm *vm, const char *name, uint64_t t, bool f)
{
	return volt_vm_start(vm, name);
}

static int do_stop(volt_vm *vm, const char *name, uint64_t t, bool f)
{
	return volt_vm_stop(vm, name, t);
}

static int do_rm(volt_vm *vm, const char *name, uint64_t t, bool f)
{
	return volt_vm_remove(vm, name, f);
}

int vm_start(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt vm start NAME...\n"
		"\n"
		"Start VMs as transient systemd units (volt-vm-NAME.service) running\n"
		"voltvm, and return once systemd reports them started. The console goes\n"
		"to the journal ('volt vm logs'). Needs systemd as PID 1; 'volt vm run'\n"
		"works without it. A private network's TAP device is (re)made here.\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "VM", false, false, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_start, t, f);
}

int vm_stop(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt vm stop [-t DURATION] NAME...\n"
		"\n"
		"Stop running VMs: SIGTERM to voltvm, SIGKILL after the timeout. The\n"
		"guest gets no shutdown of its own (it has no ACPI): its disk is left as\n"
		"after a power cut, which ext4's journal recovers at the next boot. A VM\n"
		"whose command exits ends by itself. Stopping a VM that is not running is\n"
		"an error.\n"
		"\n"
		"Options:\n"
		"  -t, --time DURATION  how long to wait before SIGKILL (default 10s; e.g. 500ms)\n"
		"  -h, --help           show this help\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "VM", true, false, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_stop, t, f);
}

int vm_rm(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt vm rm [--force] NAME...\n"
		"\n"
		"Remove VMs: their overlay (everything the guest wrote), their TAP device\n"
		"and their record. The image's disk stays in the store for other VMs\n"
		"('stellarium gc' reclaims it once its ref is gone). A running VM is\n"
		"refused unless --force, which kills it.\n"
		"\n"
		"Options:\n"
		"  -f, --force  kill (SIGKILL) a running VM first; remove an entry that is\n"
		"               no readable VM (a symlink, a broken vm.json) by itself\n"
		"  -h, --help   show this help\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "VM", false, true, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_rm, t, f);
}

/* Take -i, -t, -it, -ti, --interactive and --tty out of @argv. */
static int take_tty_flags(int *argc, char **argv, bool *interactive, bool *tty)
{
	int n = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0') {
			argv[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--interactive") == 0) {
			*interactive = true;
		} else if (strcmp(a, "--tty") == 0) {
			*tty = true;
		} else if (a[1] != '-' && strspn(a + 1, "it") == strlen(a + 1)) {
			*interactive |= strchr(a, 'i') != NULL;
			*tty |= strchr(a, 't') != NULL;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
}

int vm_run(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt vm run [-i] [-t] NAME\n"
		"\n"
		"Run VM NAME in the foreground, without systemd: voltvm as a child of\n"
		"volt, the guest's console on this terminal. Returns when the guest ends,\n"
		"with the exit status of the VM's command as the guest init reported it\n"
		"(a line 'VOLT-GUEST-EXIT N' on the console), or 125 when the guest\n"
		"reported none (voltvm failed, or the guest did not get that far).\n"
		"\n"
		"  -i, --interactive  keystrokes go to the guest (without it the guest's\n"
		"                     console reads nothing)\n"
		"  -t, --tty          standard input must be a terminal (raw while the VM\n"
		"                     runs; Ctrl-C stops the VM)\n";
	volt_vm *vm = NULL;
	uint64_t t;
	bool f, interactive = false, tty = false;
	int first, status = 0, r;

	take_tty_flags(&argc, argv, &interactive, &tty);
	r = workload_parse_names(g, argc, argv, help, "VM", false, false, &t, &f, &first);
	if (r >= 0)
		return r;
	if (argc - first != 1)
		return cli_usage_error(g->program, "run: give exactly one VM NAME");
	if (tty && !isatty(STDIN_FILENO))
		return cli_usage_error(g->program, "run: -t: standard input is not a terminal");
	if (!interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0) {
			fprintf(stderr, "%s: /dev/null: %s\n", g->program, strerror(errno));
			return CLI_EXIT_FAILURE;
		}
		if (null != STDIN_FILENO)
			close(null);
	} else if (tty) {
		fprintf(stderr, "Console of VM '%s' on this terminal; Ctrl-C stops the VM.\r\n", argv[first]);
	}
	r = vm_open(g, &vm);
	if (r >= 0)
		return r;
	r = volt_vm_run(&status, vm, argv[first]);
	volt_vm_close(vm);
	if (r < 0)
		return cli_fail(g->program);
	return status;
}
