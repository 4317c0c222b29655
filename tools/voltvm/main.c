/*
 * voltvm(1): one Neutron Stardust micro-VM per process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>

#include <volt/core.h>
#include <volt/vmm.h>

#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: voltvm [OPTIONS]\n"
		"\n"
		"voltvm runs one KVM micro-VM (Neutron Stardust, libvolt-vmm %s).\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Booting a kernel is not available in this version.\n"
		"\n"
		"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n",
		volt_vmm_version());
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	int c;

	cli_log_init("voltvm");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hV", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("voltvm %s\n", volt_vmm_version());
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("voltvm", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("voltvm", "unexpected argument '%s'", argv[optind]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
