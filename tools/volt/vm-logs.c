/*
 * volt vm logs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <volt/core.h>

#include "vm-verbs.h"
#include "workload-args.h"

static const char logs_help[] =
	"Usage: volt vm logs [-f] [-n LINES] NAME\n"
	"\n"
	"Show the console output of VM NAME (kernel messages, the command's\n"
	"output, and the guest init's last line 'VOLT-GUEST-EXIT N'), from the\n"
	"journal of its unit (the same as 'journalctl -u volt-vm-NAME.service -o cat').\n"
	"Needs systemd; 'volt vm run' shows the console on the terminal instead.\n"
	"\n"
	"Options:\n"
	"  -f, --follow       keep printing new output until the VM ends\n"
	"  -n, --lines LINES  only the last LINES lines\n"
	"  -h, --help         show this help\n";

int vm_logs(const struct cli_global *g, int argc, char **argv)
{
	volt_vm *vm = NULL;
	unsigned lines;
	bool follow;
	int name, r;

	r = workload_parse_logs(g, argc, argv, logs_help, "VM", &lines, &follow, &name);
	if (r >= 0)
		return r;
	r = vm_open(g, &vm);
	if (r >= 0)
		return r;
	r = volt_vm_logs(vm, argv[name], STDOUT_FILENO, lines, follow);
	volt_vm_close(vm);
	return r < 0 ? cli_fail(g->program) : CLI_EXIT_OK;
}
