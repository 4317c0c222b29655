/*
 * stellarium migrate: bring a store to the current format (packs, zstd blocks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "stellarium.h"

static const char migrate_help[] =
	"Usage: stellarium migrate [OPTIONS]\n"
	"\n"
	"Bring a store to format 3: blocks in pack files with indexes, new\n"
	"blocks compressed with zstd. From format 1 (one file per block under\n"
	"blocks/), every block is verified and copied into packs, the packs are\n"
	"synced, the store's format file is rewritten, and only then are the\n"
	"block files removed. From format 2 (packs of LZ4 blocks) only the format\n"
	"file changes: old blocks stay LZ4 (every codec is read), new ones are\n"
	"zstd. The store's lock is held exclusively, like gc: running imports\n"
	"are waited for. A migration that is interrupted leaves a store that\n"
	"works; run it again to finish it. A store with a corrupt block is not\n"
	"migrated: run fsck --quarantine first. Binaries that know only formats\n"
	"1 and 2 refuse a store of format 3 (\"unsupported store format\").\n"
	"\n"
	"Options:\n"
	"      --no-wait  fail at once if an import is running\n"
	"      --json     print the counts as JSON\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_migrate(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_JSON = 0x100, OPT_NO_WAIT };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_migrate_result res = VOLT_CAS_MIGRATE_RESULT_INIT;
	char sz[VOLT_FORMAT_BUF_SIZE];
	bool json = g->json;
	unsigned flags = 0;
	volt_cas *cas = NULL;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(migrate_help, stdout); return CLI_EXIT_OK;
		case OPT_NO_WAIT: flags |= VOLT_CAS_MIGRATE_NO_WAIT; break;
		case OPT_JSON: json = true; break;
		default: return cli_usage_error(g->program, "migrate: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(g->program, "migrate: takes no arguments");
	if (st_open(g, false, &cas) < 0)
		return cli_fail(g->program);
	r = volt_cas_migrate(&res, cas, flags);
	volt_cas_close(cas);
	if (r < 0)
		return cli_fail(g->program);
	if (json)
		return cli_print_json(g->program,
				      json_pack("{s:i, s:i, s:I, s:I, s:I}", "format_before", (int)res.format_before,
						"format", 3, "blocks_packed", (json_int_t)res.blocks_packed,
						"blocks_dropped", (json_int_t)res.blocks_dropped,
						"bytes_packed", (json_int_t)res.bytes_packed));
	if (res.format_before == 3 && !res.blocks_packed && !res.blocks_dropped)
		printf("The store is already of format 3 (packs, zstd blocks)\n");
	else
		printf("Migrated from format %u to 3: %llu blocks packed (%s), %llu already in packs\n",
		       res.format_before, (unsigned long long)res.blocks_packed, volt_format_size(sz, res.bytes_packed),
		       (unsigned long long)res.blocks_dropped);
	return CLI_EXIT_OK;
}
