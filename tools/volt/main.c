/*
 * volt(1): the unified Volt command line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"
#include "volt.h"

static const struct cli_verb verbs[] = {
	{ "container", "create|start|stop|rm|list|logs|exec|run ...", "Manage containers", verb_container },
	{ "vm", "create|start|stop|rm|list|logs|run|inspect ...", "Manage micro-VMs", verb_vm },
	{ "run", "[OPTIONS] IMAGE [CMD...]", "Create and run a container (volt container run)", container_run },
	{ "create", "NAME --image REF [OPTIONS] [-- CMD...]", "Create a container (volt container create)",
	  container_create },
	{ "start", "NAME", "Start a container (volt container start)", container_start },
	{ "restart", "NAME [-t SECONDS]", "Restart a container (volt container restart)", container_restart },
	{ "ps", "[-a] [-q] [--format FORMAT] [--json]", "List containers (volt container list)", container_list },
	{ "inspect", "NAME", "Show a container as JSON (volt container inspect)", container_inspect },
	{ "logs", "NAME [-f] [-n LINES]", "Show a container's output (volt container logs)", container_logs },
	{ "exec", "NAME -- CMD...", "Run a command in a container (volt container exec)", container_exec },
	{ "stop", "NAME... [-t DURATION]", "Stop containers (volt container stop)", container_stop },
	{ "rm", "NAME... [--force]", "Remove containers (volt container rm)", container_rm },
	{ "image", "pull|import|ls|inspect|tag|rm ...", "Manage OCI and Docker images", verb_image },
	{ "info", "[--json]", "Show the state root and the running kernel", verb_info },
	{ "version", "[--json]", "Show the versions of volt and its libraries", verb_version },
	{ "policy", "validate|show|default|learn ...", "Check, show, print or learn sandbox policies", verb_policy },
	{ "sandbox", "run [--policy FILE] -- CMD...", "Run a command under a sandbox policy", verb_sandbox },
	{},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: volt [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Volt runs containers and micro virtual machines on Linux, with one store,\n"
		"one security model and no daemon.\n"
		"\n"
		"Commands:\n");
	cli_print_verbs(out, verbs);
	fprintf(out,
		"\n"
		"Options:\n"
		"  --root PATH        state directory (default $VOLT_ROOT, else %s)\n"
		"  --json             print machine-readable JSON instead of tables\n"
		"  --log-level LEVEL  error, warning, notice, info or debug (default warning)\n"
		"  -v, --verbose      same as --log-level debug\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Environment:\n"
		"  VOLT_ROOT          state directory, when --root is not given\n"
		"  VOLT_LOG_LEVEL     initial log level\n"
		"\n"
		"Exit status: 0 on success, 1 when the command failed, 2 on a usage error.\n"
		"Run 'volt COMMAND --help' for a command's own options.\n",
		volt_root_default());
}

int volt_verb_common_options(const struct cli_global *g, bool *json, int argc, char **argv, const char *help)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	int c;

	*json = g->json;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'j':
			*json = true;
			break;
		default:
			return cli_option_error(g->program, argv[0], argc, argv, c, options);
		}
	}
	if (optind < argc)
		return cli_usage_error(g->program, "%s: unexpected argument '%s'", argv[0], argv[optind]);
	return -1;
}

int main(int argc, char **argv)
{
	struct cli_global g = { .program = "volt" };

	cli_log_init(g.program);
	return cli_dispatch(&g, verbs, usage, argc, argv);
}
