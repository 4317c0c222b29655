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

#include "../common/cli-reclaim.h"
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
	char a[VOLT_FORMAT_BUF_SIZE], b[VOLT_FORMAT_BUF_SIZE];
	struct cli_reclaim rc;
	int r = cli_reclaim(g, "image prune", prune_help, argc, argv, &rc);

	if (r != CLI_EXIT_OK || rc.help)
		return r;
	if (rc.json)
		return cli_print_json(g->program,
				      json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run", rc.dry_run,
						"bases_removed", (json_int_t)rc.bases.bases_removed,
						"bases_kept", (json_int_t)rc.bases.bases_kept,
						"base_bytes_removed", (json_int_t)rc.bases.bytes_removed,
						"blocks_removed", (json_int_t)rc.blocks.blocks_removed,
						"bytes_removed", (json_int_t)rc.blocks.bytes_removed,
						"temp_removed",
						(json_int_t)(rc.blocks.temp_removed + rc.bases.temp_removed)));
	printf("%s %llu container bases (%s) and %llu blocks (%s); kept %llu bases in use\n",
	       rc.dry_run ? "Would remove" : "Removed", (unsigned long long)rc.bases.bases_removed,
	       volt_format_size(a, rc.bases.bytes_removed), (unsigned long long)rc.blocks.blocks_removed,
	       volt_format_size(b, rc.blocks.bytes_removed), (unsigned long long)rc.bases.bases_kept);
	return CLI_EXIT_OK;
}
