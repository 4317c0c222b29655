/*
 * volt container: the container lifecycle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"
#include "workload-args.h"

/* enable and disable: the boot unit volt-boot-NAME.service (libvolt-ctr's systemd.c). */
static int boot_units(const struct cli_global *g, int argc, char **argv, bool enable)
{
	static const char enable_help[] =
		"Usage: volt container enable NAME...\n"
		"\n"
		"Start containers when the host boots: each gets the unit file\n"
		"/etc/systemd/system/volt-boot-NAME.service, wanted by multi-user.target,\n"
		"which runs 'volt container start NAME' with this volt, state root and\n"
		"launcher. Nothing starts now. 'volt container disable' and 'volt rm'\n"
		"remove it. Needs systemd as PID 1.\n";
	static const char disable_help[] =
		"Usage: volt container disable NAME...\n"
		"\n"
		"Stop starting containers at boot: remove what 'volt container enable'\n"
		"made. A running container goes on running.\n";
	char program[PATH_MAX];
	volt_ctr *ctr = NULL;
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, enable ? enable_help : disable_help, "container", false,
					    false, &t, &f, &first);

	if (r >= 0)
		return r;
	/* The boot unit runs this very binary, by its real path. */
	if (enable && !realpath("/proc/self/exe", program)) {
		fprintf(stderr, "%s: cannot tell where this volt binary is (/proc/self/exe)\n", g->program);
		return CLI_EXIT_FAILURE;
	}
	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	r = CLI_EXIT_OK;
	for (int i = first; i < argc; i++) {
		int q = enable ? volt_ctr_enable(ctr, argv[i], program) : volt_ctr_disable(ctr, argv[i]);

		if (q < 0)
			r = cli_fail(g->program);
		else if (!enable && q == 0 && !g->json)
			fprintf(stderr, "%s: container '%s' was not enabled\n", g->program, argv[i]);
		else if (!g->json)
			printf("%s\n", argv[i]);
	}
	volt_ctr_close(ctr);
	return r;
}

static int container_enable(const struct cli_global *g, int argc, char **argv)
{
	return boot_units(g, argc, argv, true);
}

static int container_disable(const struct cli_global *g, int argc, char **argv)
{
	return boot_units(g, argc, argv, false);
}

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
	{ "enable", "NAME...", "Start containers when the host boots", container_enable },
	{ "disable", "NAME...", "Stop starting containers at boot", container_disable },
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
	return cli_dispatch_group(g, "container command", verbs, usage, argc, argv);
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
