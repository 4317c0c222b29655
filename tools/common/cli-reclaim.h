/*
 * What `volt image prune` and `stellarium gc` share: their options
 * (--dry-run, --no-wait, --json) and the reclaim itself, container bases
 * no container references first, then the store's unreachable blocks.
 * Each verb prints the counts its own way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TOOLS_CLI_RECLAIM_H
#define VOLT_TOOLS_CLI_RECLAIM_H

#include <stdbool.h>

#include <volt/img.h>

#include "cli.h"

struct cli_reclaim {
	bool help;  /* --help was shown: nothing was done */
	bool dry_run, json;
	volt_cas_bases_result bases;
	volt_cas_gc_result blocks;
};

/*
 * Parse the options of @verb (its name in messages) from @argv, then
 * reclaim under the state root of @g into @out. A missing store is no
 * error: there are no blocks to free. Returns CLI_EXIT_OK with @out
 * filled (or with out->help set: the help was shown, nothing done), or
 * the exit status of a usage error or a failure, already reported.
 */
int cli_reclaim(const struct cli_global *g, const char *verb, const char *help, int argc, char **argv,
		struct cli_reclaim *out);

#endif
