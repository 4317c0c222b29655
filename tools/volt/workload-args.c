/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <volt/core.h>

#include "workload-args.h"

int workload_parse_names(const struct cli_global *g, int argc, char **argv, const char *help,
			 const char *what, bool allow_timeout, bool allow_force, uint64_t *timeout_ns,
			 bool *force, int *first)
{
	static const struct option options[] = {
		{ "time", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	*timeout_ns = 10 * VOLT_NSEC_PER_SEC;
	*force = false;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":t:fh", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!allow_timeout)
				goto unknown;
			if (volt_parse_duration(timeout_ns, optarg) < 0)
				return cli_usage_error(g->program, "--time: %s", volt_error_message());
			break;
		case 'f':
			if (!allow_force)
				goto unknown;
			*force = true;
			break;
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_option_error(g->program, argv[0], argc, argv, c, options);
		unknown:
			/* An option of the table this verb does not take (-t for rm). */
			return cli_usage_error(g->program, "%s: unknown option '%s'", argv[0],
					       c == 't' ? "-t (--time)" : "-f (--force)");
		}
	}
	if (optind >= argc)
		return cli_usage_error(g->program, "%s: which %s? Give its NAME", argv[0], what);
	*first = optind;
	return -1;
}

int workload_parse_logs(const struct cli_global *g, int argc, char **argv, const char *help,
			const char *what, unsigned *lines, bool *follow, int *name)
{
	static const struct option options[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long n = 0;
	char *end;
	int c;

	*follow = false;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":fn:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			*follow = true;
			break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' || n > 1000000)
				return cli_usage_error(g->program, "--lines '%s' is not a number of lines", optarg);
			break;
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_option_error(g->program, "logs", argc, argv, c, options);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(g->program, "logs: give exactly one %s NAME", what);
	*lines = (unsigned)n;
	*name = optind;
	return -1;
}
