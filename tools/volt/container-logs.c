/*
 * volt container logs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <volt/core.h>

#include "container.h"
#include "workload-args.h"

static const char logs_help[] =
	"Usage: volt container logs [-f] [-n LINES] NAME\n"
	"\n"
	"Show the output of container NAME: from the journal of its unit (the same\n"
	"as 'journalctl -u volt-container-NAME.service -o cat') when it has one,\n"
	"else from the log volt keeps of its foreground runs ('volt run', 'volt\n"
	"start -a'; not with -it): their standard output and error, the last 1 to\n"
	"2 MiB of it.\n"
	"\n"
	"Options:\n"
	"  -f, --follow       keep printing new output until the container stops\n"
	"  -n, --lines LINES  only the last LINES lines\n"
	"  -h, --help         show this help\n";

int container_logs(const struct cli_global *g, int argc, char **argv)
{
	volt_ctr *ctr = NULL;
	unsigned lines;
	bool follow;
	int name, r;

	r = workload_parse_logs(g, argc, argv, logs_help, "container", &lines, &follow, &name);
	if (r >= 0)
		return r;
	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	r = volt_ctr_logs(ctr, argv[name], STDOUT_FILENO, lines, follow);
	volt_ctr_close(ctr);
	return r < 0 ? cli_fail(g->program) : CLI_EXIT_OK;
}
