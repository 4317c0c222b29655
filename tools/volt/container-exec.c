/*
 * volt container exec.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"

static const char exec_help[] =
	"Usage: volt container exec NAME -- CMD [ARGS...]\n"
	"\n"
	"Run CMD inside the running container NAME: in its namespaces, as its\n"
	"user, under its sandbox policy, in a session of its own. When standard\n"
	"input and output are a terminal, CMD gets a new pty, relayed to this\n"
	"terminal; otherwise it has no controlling terminal and gets the\n"
	"standard streams as they are.\n"
	"\n"
	"Exit status: CMD's own; 1 if volt could not run it; 2 on a usage error.\n";

int container_exec(const struct cli_global *g, int argc, char **argv)
{
	volt_ctr *ctr = NULL;
	int r, status = 0, cmd;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(exec_help, stdout);
		return CLI_EXIT_OK;
	}
	/* NAME, then "--" (optional), then the command. */
	if (argc < 3 || argv[1][0] == '-')
		return cli_usage_error(g->program, "exec: give a container NAME and a command: exec NAME -- CMD");
	cmd = strcmp(argv[2], "--") == 0 ? 3 : 2;
	if (cmd >= argc)
		return cli_usage_error(g->program, "exec: no command given after '--'");
	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	r = volt_ctr_exec(&status, ctr, argv[1], argv + cmd);
	volt_ctr_close(ctr);
	return r < 0 ? cli_fail(g->program) : status;
}
