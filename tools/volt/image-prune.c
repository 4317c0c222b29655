/*
 * volt image prune: free what nothing uses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <volt/core.h>

#include "image.h"

static const char prune_help[] =
	"Usage: volt image prune [OPTIONS]\n"
	"\n"
	"Free the disk space of what nothing uses:\n"
	"  - the container bases in STATE_ROOT/ctr-bases (the checkouts that\n"
	"    containers use as their read-only lower layer) that no container\n"
	"    references, created, running or exited; a base is made again when a\n"
	"    container needs it, and one being made or reused meanwhile stays;\n"
	"  - then the store's blocks that no image name or ref reaches (the data\n"
	"    of images removed by 'volt image rm'), as 'stellarium gc' does.\n"
	"Image names are never removed: every image in the store has a name (there\n"
	"are no untagged, dangling images); remove the ones you no longer want with\n"
	"'volt image rm' first.\n"
	"\n"
	"Options:\n"
	"  -n, --dry-run  count what would be removed, remove nothing\n"
	"      --no-wait  fail at once if an import or a create is running\n"
	"      --json     print the counts as JSON\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int image_prune(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_NO_WAIT = 0x100, OPT_JSON };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_bases_result bres = VOLT_CAS_BASES_RESULT_INIT;
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	char a[VOLT_FORMAT_BUF_SIZE], b[VOLT_FORMAT_BUF_SIZE];
	unsigned flags = 0, bflags = 0;
	bool json = g->json, dry;
	char *root = NULL, *store = NULL;
	volt_cas *cas = NULL;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+hn", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(prune_help, stdout); return CLI_EXIT_OK;
		case 'n': flags |= VOLT_CAS_GC_DRY_RUN; bflags |= VOLT_CAS_BASES_DRY_RUN; break;
		case OPT_NO_WAIT: flags |= VOLT_CAS_GC_NO_WAIT; bflags |= VOLT_CAS_BASES_NO_WAIT; break;
		case OPT_JSON: json = true; break;
		default: return cli_usage_error(g->program, "image prune: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(g->program, "image prune: takes no arguments");
	dry = flags & VOLT_CAS_GC_DRY_RUN;

	r = volt_root_resolve(&root, g->root);
	if (r >= 0)
		r = volt_cas_bases_gc(root, bflags, &bres);
	if (r >= 0)
		r = volt_root_subdir(&store, root, "cas", 0);
	if (r >= 0) {
		r = volt_cas_open(&cas, store, &oo);
		if (r == -ENOENT) {
			/* No store: no blocks to free. */
			volt_error_clear();
			r = 0;
		} else if (r >= 0) {
			r = volt_cas_gc(cas, flags, &res);
			volt_cas_close(cas);
		}
	}
	free(root);
	free(store);
	if (r < 0)
		return cli_fail(g->program);
	if (json)
		return cli_print_json(g->program,
				      json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run", dry,
						"bases_removed", (json_int_t)bres.bases_removed,
						"bases_kept", (json_int_t)bres.bases_kept,
						"base_bytes_removed", (json_int_t)bres.bytes_removed,
						"blocks_removed", (json_int_t)res.blocks_removed,
						"bytes_removed", (json_int_t)res.bytes_removed,
						"temp_removed", (json_int_t)(res.temp_removed + bres.temp_removed)));
	printf("%s %llu container bases (%s) and %llu blocks (%s); kept %llu bases in use\n",
	       dry ? "Would remove" : "Removed", (unsigned long long)bres.bases_removed,
	       volt_format_size(a, bres.bytes_removed), (unsigned long long)res.blocks_removed,
	       volt_format_size(b, res.bytes_removed), (unsigned long long)bres.bases_kept);
	return CLI_EXIT_OK;
}
