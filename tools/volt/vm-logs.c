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

#include "vm.h"

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
	static const struct option options[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long lines = 0;
	volt_vm *vm = NULL;
	bool follow = false;
	char *end;
	int c, r;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":fn:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 'n':
			errno = 0;
			lines = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' || lines > 1000000)
				return cli_usage_error(g->program, "--lines '%s' is not a number of lines", optarg);
			break;
		case 'h':
			fputs(logs_help, stdout);
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error(g->program, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_usage_error(g->program, "logs: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(g->program, "logs: give exactly one VM NAME");
	r = vm_open(g, &vm);
	if (r >= 0)
		return r;
	r = volt_vm_logs(vm, argv[optind], STDOUT_FILENO, (unsigned)lines, follow);
	volt_vm_free(vm);
	return r < 0 ? cli_fail(g->program) : CLI_EXIT_OK;
}
