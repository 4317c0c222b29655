/*
 * volt container: the container lifecycle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"

static const struct cli_verb verbs[] = {
	{ "create", "NAME --image REF [OPTIONS] [-- CMD...]", "Create a container (nothing runs yet)", container_create },
	{ "start", "NAME", "Start a container as a systemd unit", container_start },
	{ "stop", "NAME [-t SECONDS]", "Stop a container: SIGTERM, then SIGKILL", container_stop },
	{ "restart", "NAME [-t SECONDS]", "Stop, then start a container", container_restart },
	{ "rm", "NAME... [--force]", "Remove containers (not their image)", container_rm },
	{ "list", "[-a] [-q] [--format FORMAT] [--json]", "List containers (alias: ps)", container_list },
	{ "ps", "[-a] [-q] [--format FORMAT] [--json]", "Same as list", container_list },
	{ "inspect", "NAME", "Show everything about a container, as JSON", container_inspect },
	{ "logs", "NAME [-f] [-n LINES]", "Show a container's output from the journal", container_logs },
	{ "exec", "NAME -- CMD...", "Run a command inside a running container", container_exec },
	{ "run", "[OPTIONS] IMAGE [CMD...]", "Create and run a container", container_run },
	{},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: volt container COMMAND [ARGS...]\n"
		"\n"
		"Containers run on systemd-nspawn, each as the systemd unit\n"
		"volt-container-NAME.service, or in the foreground with 'volt run'. Root\n"
		"inside a container is an unprivileged uid outside; a sandbox policy\n"
		"(Landlock, seccomp, capabilities) applies to its workload.\n"
		"\n"
		"Commands:\n");
	cli_print_verbs(out, verbs);
	fprintf(out, "\nRun 'volt container COMMAND --help' for a command's options.\n");
}

int verb_container(const struct cli_global *g, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (const struct cli_verb *v = verbs; v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			return v->run(g, argc - 1, argv + 1);
	return cli_unknown_verb(g->program, "container command", argv[1], verbs);
}

int container_open(const struct cli_global *g, volt_ctr **out)
{
	char *root = NULL;
	int r;

	if (volt_root_resolve(&root, g->root) < 0)
		return cli_fail(g->program);
	r = volt_ctr_open(out, root);
	free(root);
	if (r < 0)
		return cli_fail(g->program);
	return -1;
}
