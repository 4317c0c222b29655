/*
 * stellarium checkout: write a tree or an image out of the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stellarium.h"

static const char help[] =
	"Usage: stellarium checkout [OPTIONS] SPEC[:PATH] DEST\n"
	"\n"
	"Write the tree named by SPEC (a ref or a root hash), or its subdirectory\n"
	"PATH, into the directory DEST, which must not exist or be an empty\n"
	"directory of the caller's that nobody else may write. The tree is built\n"
	"in a private directory next to DEST and renamed to DEST only when it is\n"
	"complete: a failed checkout leaves nothing behind. Modes, mtimes, xattrs,\n"
	"symlinks, FIFOs and hard links are restored, and owners too when running\n"
	"as root. An image is written as the sparse file DEST. The result is an\n"
	"independent copy: changing it never changes the store. Every block is\n"
	"verified before it is written.\n"
	"\n"
	"By default the checkout is safe for data nobody vouches for: device\n"
	"nodes are skipped, set-user-ID and set-group-ID bits of files cleared,\n"
	"trusted.* and security.* xattrs (file capabilities) left out. --full\n"
	"restores all of them, for a tree you trust (a backup of your own).\n"
	"\n"
	"Options:\n"
	"      --safe             the default, said explicitly\n"
	"      --full             also restore device nodes, set-ID bits and\n"
	"                         trusted.*/security.* xattrs\n"
	"      --no-owner         do not restore owners\n"
	"      --max-entries N    refuse a tree of more than N entries, counting a\n"
	"                         shared subtree each time it is used (default\n"
	"                         10000000; 0: no limit)\n"
	"      --max-bytes SIZE   refuse a tree whose files add up to more than\n"
	"                         SIZE (default 256G; 0: no limit)\n"
	"      --json             print the result as JSON\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

static int parse_limit(const char *program, const char *opt, const char *s, bool size, uint64_t *out)
{
	uint64_t v;
	char *end;

	errno = 0;
	if (size) {
		if (volt_parse_size(&v, s) < 0)
			return cli_usage_error(program, "invalid size '%s' for %s", s, opt);
	} else {
		v = strtoull(s, &end, 10);
		if (errno || end == s || *end || *s == '-')
			return cli_usage_error(program, "invalid number '%s' for %s", s, opt);
	}
	*out = v ? v : VOLT_CAS_CHECKOUT_UNLIMITED;
	return 0;
}

int verb_checkout(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_NO_OWNER = 0x100, OPT_JSON, OPT_SAFE, OPT_FULL, OPT_MAX_ENTRIES, OPT_MAX_BYTES };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-owner", no_argument, NULL, OPT_NO_OWNER },
		{ "safe", no_argument, NULL, OPT_SAFE },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	bool json = g->json, full = false, safe = false;
	volt_cas *cas = NULL;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case OPT_NO_OWNER: o.flags |= VOLT_CAS_CHECKOUT_NO_OWNER; break;
		case OPT_SAFE: safe = true; break;
		case OPT_FULL: full = true; break;
		case OPT_MAX_ENTRIES:
			if (parse_limit(g->program, "--max-entries", optarg, false, &o.max_entries) < 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_MAX_BYTES:
			if (parse_limit(g->program, "--max-bytes", optarg, true, &o.max_bytes) < 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_JSON: json = true; break;
		default: return cli_usage_error(g->program, "checkout: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(g->program, "checkout: expected SPEC and DEST");
	if (safe && full)
		return cli_usage_error(g->program, "checkout: --safe and --full contradict each other");
	if (!full)
		o.flags |= VOLT_CAS_CHECKOUT_SAFE;
	if (st_open(g, false, &cas) < 0)
		return cli_fail(g->program);
	o.progress = st_progress;
	r = volt_cas_checkout(cas, argv[optind], argv[optind + 1], &o);
	st_progress_end();
	volt_cas_close(cas);
	if (r < 0)
		return cli_fail(g->program);
	if (json)
		return cli_print_json(g->program, json_pack("{s:s, s:s, s:b}", "spec", argv[optind], "dest",
							    argv[optind + 1], "safe", !full));
	return CLI_EXIT_OK;
}
