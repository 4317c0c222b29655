/*
 * stellarium checkout: write a tree or an image out of the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>

#include "stellarium.h"

static const char help[] =
	"Usage: stellarium checkout [OPTIONS] SPEC[:PATH] DEST\n"
	"\n"
	"Write the tree named by SPEC (a ref or a root hash), or its subdirectory\n"
	"PATH, into the directory DEST, which must not exist or be empty. Modes,\n"
	"mtimes, xattrs, symlinks, device nodes and hard links are restored, and\n"
	"owners too when running as root. An image is written as the sparse file\n"
	"DEST. The result is an independent copy: changing it never changes the\n"
	"store. Every block is verified before it is written.\n"
	"\n"
	"Options:\n"
	"      --no-owner  do not restore owners\n"
	"      --json      print the result as JSON\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_checkout(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_NO_OWNER = 0x100, OPT_JSON };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-owner", no_argument, NULL, OPT_NO_OWNER },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	bool json = g->json;
	volt_cas *cas = NULL;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case OPT_NO_OWNER: o.flags |= VOLT_CAS_CHECKOUT_NO_OWNER; break;
		case OPT_JSON: json = true; break;
		default: return cli_usage_error(g->program, "checkout: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(g->program, "checkout: expected SPEC and DEST");
	if (st_open(g, false, &cas) < 0)
		return cli_fail(g->program);
	o.progress = st_progress;
	r = volt_cas_checkout(cas, argv[optind], argv[optind + 1], &o);
	st_progress_end();
	volt_cas_close(cas);
	if (r < 0)
		return cli_fail(g->program);
	if (json)
		return cli_print_json(g->program, json_pack("{s:s, s:s}", "spec", argv[optind], "dest", argv[optind + 1]));
	return CLI_EXIT_OK;
}
