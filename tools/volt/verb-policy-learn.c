/*
 * volt policy learn: observe a program once, write a policy for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "volt.h"

static const char help[] =
	"Usage: volt policy learn -o FILE [--force] -- COMMAND [ARGS...]\n"
	"\n"
	"Run COMMAND once, traced with ptrace (every thread and child it starts is\n"
	"traced from its first instruction, it cannot detach, and it is killed if\n"
	"volt dies), and write to FILE a least-privilege policy for it: the\n"
	"directories it read, wrote and executed from, the ports it bound and\n"
	"connected to, and the syscalls it made (a custom seccomp profile).\n"
	"COMMAND runs without a sandbox while it is observed: learn only from a\n"
	"trusted run. Review the result before use: see docs/sec-learn.md.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  where to write the policy (required)\n"
	"  --force            replace FILE if it exists\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 when the policy was written (a note on stderr says if COMMAND\n"
	"itself failed), 1 when learning failed, 2 on a usage error.\n";

int verb_policy_learn(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_FORCE = 0x100 };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{},
	};
	const char *output = NULL;
	volt_sec_policy *p = NULL;
	json_t *j = NULL;
	bool force = false;
	struct stat st;
	int c, r, status = 0;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:ho:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'o':
			output = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case ':':
			return cli_usage_error(g->program, "policy learn: option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_usage_error(g->program, "policy learn: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!output)
		return cli_usage_error(g->program, "policy learn: -o FILE is required");
	if (optind >= argc)
		return cli_usage_error(g->program, "policy learn: no COMMAND given (use: volt policy learn -o FILE -- COMMAND)");
	if (!force && stat(output, &st) == 0) {
		volt_error_set(EEXIST, "%s exists (use --force to replace it)", output);
		return cli_fail(g->program);
	}

	r = volt_sec_learn_run(&p, &status, argv + optind, NULL);
	if (r < 0)
		return cli_fail(g->program);
	r = volt_sec_policy_to_json(p, &j);
	volt_sec_policy_free(p);
	if (r < 0)
		return cli_fail(g->program);
	r = volt_json_write_file(output, j, VOLT_JSON_PRETTY, 0644);
	json_decref(j);
	if (r < 0)
		return cli_fail(g->program);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fprintf(stderr, "%s: note: '%s' exited with status %d; the policy covers that run\n", g->program,
			argv[optind], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "%s: note: '%s' was killed by signal %d; the policy covers that run\n", g->program,
			argv[optind], WTERMSIG(status));
	fprintf(stderr, "%s: wrote %s\n", g->program, output);
	return CLI_EXIT_OK;
}
