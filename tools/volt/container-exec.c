/*
 * volt container exec.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"

/* More -e than any command line needs; a fixed list, no allocation. */
#define EXEC_ENV_MAX 256

static const char exec_help[] =
	"Usage: volt container exec [OPTIONS] NAME [--] CMD [ARGS...]\n"
	"\n"
	"Run CMD inside the running container NAME: in its namespaces, as its\n"
	"user, under its sandbox policy, in a session of its own. When standard\n"
	"input and output are a terminal, CMD gets a new pty, relayed to this\n"
	"terminal; otherwise it has no controlling terminal and gets the\n"
	"standard streams as they are.\n"
	"\n"
	"Options:\n"
	"  -e, --env=NAME=VALUE  set a variable for CMD, over the container's\n"
	"                        (NAME alone: volt's own value, if it has one)\n"
	"  -w, --workdir=DIR     run CMD in DIR (absolute, inside the container;\n"
	"                        it must exist) instead of the container's\n"
	"  -u, --user=USER       run CMD as USER (a name of the container's\n"
	"                        /etc/passwd, UID or UID:GID) instead of the\n"
	"                        container's user\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: CMD's own; 1 if volt could not run it; 2 on a usage error.\n";

int container_exec(const struct cli_global *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	volt_ctr_exec_options opts = VOLT_CTR_EXEC_OPTIONS_INIT;
	const char *env[EXEC_ENV_MAX + 1] = {};
	char *owned[EXEC_ENV_MAX] = {};
	size_t n_env = 0, n_owned = 0;
	volt_ctr *ctr = NULL;
	int c, r, status = 0, cmd;

	opterr = 0;
	optind = 0;
	/* '+': getopt stops at NAME, so CMD's own options stay CMD's. */
	while ((c = getopt_long(argc, argv, "+:e:w:u:h", options, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (n_env >= EXEC_ENV_MAX) {
				r = cli_usage_error(g->program, "exec: more than %d -e options", EXEC_ENV_MAX);
				goto out;
			}
			if (!strchr(optarg, '=')) {
				const char *v = getenv(optarg);

				if (!v)
					break;
				if (asprintf(&owned[n_owned], "%s=%s", optarg, v) < 0) {
					r = cli_usage_error(g->program, "exec: out of memory");
					goto out;
				}
				env[n_env++] = owned[n_owned++];
			} else if (optarg[0] == '=') {
				r = cli_usage_error(g->program, "exec: -e '%s' has no variable name", optarg);
				goto out;
			} else
				env[n_env++] = optarg;
			break;
		case 'w':
			if (optarg[0] != '/') {
				r = cli_usage_error(g->program, "exec: -w '%s' must be an absolute path", optarg);
				goto out;
			}
			opts.workdir = optarg;
			break;
		case 'u':
			if (!optarg[0]) {
				r = cli_usage_error(g->program, "exec: -u needs a user");
				goto out;
			}
			opts.user = optarg;
			break;
		case 'h':
			fputs(exec_help, stdout);
			r = CLI_EXIT_OK;
			goto out;
		default:
			r = cli_option_error(g->program, argv[0], argc, argv, c, options);
			goto out;
		}
	}
	/* NAME, then "--" (optional), then the command. */
	if (argc - optind < 2) {
		r = cli_usage_error(g->program, "exec: give a container NAME and a command: exec NAME -- CMD");
		goto out;
	}
	cmd = strcmp(argv[optind + 1], "--") == 0 ? optind + 2 : optind + 1;
	if (cmd >= argc) {
		r = cli_usage_error(g->program, "exec: no command given after '--'");
		goto out;
	}
	if (n_env)
		opts.env = env;
	r = container_open(g, &ctr);
	if (r >= 0)
		goto out;
	r = volt_ctr_exec_with_options(&status, ctr, argv[optind], argv + cmd, &opts);
	volt_ctr_close(ctr);
	r = r < 0 ? cli_fail(g->program) : status;
out:
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	return r;
}
