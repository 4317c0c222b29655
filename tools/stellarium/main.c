/*
 * stellarium(1): the command line of Volt's content-addressed store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "cli.h"

/* Store commands join this table as libvolt-cas implements them. */
static const struct cli_verb verbs[] = {
	{},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: stellarium [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Stellarium is Volt's block-level content-addressed store (libvolt-cas %s).\n"
		"\n"
		"Commands:\n",
		volt_cas_version());
	if (verbs[0].name)
		cli_print_verbs(out, verbs);
	else
		fprintf(out, "  (none in this version)\n");
	fprintf(out,
		"\n"
		"Options:\n"
		"  --root PATH        state directory (default $VOLT_ROOT, else %s)\n"
		"  --json             print machine-readable JSON\n"
		"  --log-level LEVEL  error, warning, notice, info or debug\n"
		"  -v, --verbose      same as --log-level debug\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit status: 0 on success, 1 when the command failed, 2 on a usage error.\n",
		volt_root_default());
}

int main(int argc, char **argv)
{
	struct cli_global g = { .program = "stellarium" };

	cli_log_init(g.program);
	return cli_dispatch(&g, verbs, usage, argc, argv);
}
