/*
 * volt vm: micro-VMs on Neutron Stardust, managed like containers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "vm-verbs.h"

static const struct cli_verb verbs[] = {
	{ "create", "NAME --image REF [OPTIONS] [-- CMD...]", "Create a VM (nothing runs yet)", vm_create },
	{ "start", "NAME...", "Start VMs as systemd units", vm_start },
	{ "stop", "NAME... [-t DURATION]", "Stop VMs: SIGTERM to voltvm, then SIGKILL", vm_stop },
	{ "rm", "NAME... [--force]", "Remove VMs (not their image's disk)", vm_rm },
	{ "run", "NAME", "Run a VM in the foreground, its console on the terminal", vm_run },
	{ "list", "[--json]", "List VMs", vm_list },
	{ "inspect", "NAME", "Show everything about a VM, as JSON", vm_inspect },
	{ "logs", "NAME [-f] [-n LINES]", "Show a VM's console output from the journal", vm_logs },
	{ "console", "NAME", "Attach the terminal to a running VM's console (detach: Ctrl-])", vm_console },
	{},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: volt vm COMMAND [ARGS...]\n"
		"\n"
		"VMs run on Neutron Stardust (voltvm), each as the systemd unit\n"
		"volt-vm-NAME.service, or in the foreground with 'volt vm run'. A VM boots\n"
		"Volt's guest kernel from a root disk built once from a Stellarium image\n"
		"(the same images containers use) and shared by every VM of that image;\n"
		"each VM writes to its own overlay. The VM ends when its command exits.\n"
		"\n"
		"Commands:\n");
	cli_print_verbs(out, verbs);
	fprintf(out, "\nRun 'volt vm COMMAND --help' for a command's options.\n");
}

int verb_vm(const struct cli_global *g, int argc, char **argv)
{
	/* Not listed: what a VM's unit runs, not a user's command. */
	if (argc >= 2 && strcmp(argv[1], "console-relay") == 0)
		return vm_console_relay(g, argc - 1, argv + 1);
	return cli_dispatch_group(g, "vm command", verbs, usage, argc, argv);
}

int vm_open(const struct cli_global *g, volt_vm **out)
{
	char *root = NULL;
	int r;

	if (volt_root_resolve(&root, g->root) < 0)
		return cli_fail(g->program);
	r = volt_vm_open(out, root);
	free(root);
	if (r < 0)
		return cli_fail(g->program);
	return -1;
}
