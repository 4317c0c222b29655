/*
 * stellarium gc, fsck and stats.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "../common/cli-reclaim.h"
#include "stellarium.h"

static const char gc_help[] =
	"Usage: stellarium gc [OPTIONS]\n"
	"\n"
	"Delete every block that no ref reaches, and temporary files left by\n"
	"killed writers. gc takes the store's lock exclusively: it waits for\n"
	"running imports, and imports started meanwhile wait for it. A gc that\n"
	"is killed leaves a consistent store.\n"
	"\n"
	"First, the container bases in ROOT/ctr-bases (the checkouts containers\n"
	"use as their read-only lower layer) that no container record references\n"
	"are deleted: they are made again when a container needs one. A base being\n"
	"made or reused by a create running meanwhile is never deleted.\n"
	"\n"
	"Images (volt image) keep their data by refs img.image.* and img.layer.*:\n"
	"before collecting, gc gives every image and layer record its ref (stores\n"
	"of 0.3 had none) and drops the refs an interrupted import or removal\n"
	"left without a record.\n"
	"\n"
	"Options:\n"
	"  -n, --dry-run  count what would be removed, remove nothing\n"
	"      --no-wait  fail at once if an import or a create is running\n"
	"      --json     print the counts as JSON\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_gc(const struct cli_global *g, int argc, char **argv)
{
	char sz[VOLT_FORMAT_BUF_SIZE], bsz[VOLT_FORMAT_BUF_SIZE];
	struct cli_reclaim rc;
	int r = cli_reclaim(g, "gc", gc_help, argc, argv, &rc);
	const volt_cas_gc_result *res = &rc.blocks;
	const volt_cas_bases_result *bres = &rc.bases;

	if (r != CLI_EXIT_OK || rc.help)
		return r;
	if (rc.json)
		return cli_print_json(g->program,
				      json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run", rc.dry_run,
						"refs", (json_int_t)res->refs, "blocks_kept", (json_int_t)res->blocks_kept,
						"blocks_removed", (json_int_t)res->blocks_removed,
						"bytes_removed", (json_int_t)res->bytes_removed,
						"temp_removed", (json_int_t)(res->temp_removed + bres->temp_removed),
						"bases_kept", (json_int_t)bres->bases_kept,
						"bases_removed", (json_int_t)bres->bases_removed,
						"base_bytes_removed", (json_int_t)bres->bytes_removed));
	printf("%s %llu blocks (%s), kept %llu reachable from %llu refs, %llu temporary files\n",
	       rc.dry_run ? "Would remove" : "Removed", (unsigned long long)res->blocks_removed,
	       volt_format_size(sz, res->bytes_removed), (unsigned long long)res->blocks_kept,
	       (unsigned long long)res->refs, (unsigned long long)(res->temp_removed + bres->temp_removed));
	printf("%s %llu container bases (%s) no container uses, kept %llu\n",
	       rc.dry_run ? "Would remove" : "Removed", (unsigned long long)bres->bases_removed,
	       volt_format_size(bsz, bres->bytes_removed), (unsigned long long)bres->bases_kept);
	return CLI_EXIT_OK;
}

static const char *problem_name(volt_cas_problem p)
{
	switch (p) {
	case VOLT_CAS_PROBLEM_CORRUPT_BLOCK: return "corrupt-block";
	case VOLT_CAS_PROBLEM_MISSING_BLOCK: return "missing-block";
	case VOLT_CAS_PROBLEM_BAD_OBJECT: return "bad-object";
	case VOLT_CAS_PROBLEM_BAD_REF: return "bad-ref";
	case VOLT_CAS_PROBLEM_DAMAGED_REF: return "damaged-ref";
	}
	return "unknown";
}

struct fsck_ctx {
	json_t *problems;
	bool json;
};

static void on_problem(volt_cas_problem p, const volt_cas_hash *h, const char *detail, void *userdata)
{
	struct fsck_ctx *c = userdata;
	char hex[VOLT_CAS_HASH_HEX_SIZE] = "";

	if (h)
		volt_cas_hash_to_hex(hex, h);
	if (c->json)
		json_array_append_new(c->problems, json_pack("{s:s, s:s, s:s}", "problem", problem_name(p), "hash", hex,
							     "detail", detail));
	else
		printf("%s %s: %s\n", problem_name(p), h ? hex : "-", detail);
}

static const char fsck_help[] =
	"Usage: stellarium fsck [OPTIONS]\n"
	"\n"
	"Rehash every block in the store and walk every ref: report blocks whose\n"
	"content does not match their name, blocks that are referenced but\n"
	"missing, objects that do not parse and refs that are unreadable.\n"
	"\n"
	"Options:\n"
	"  -q, --quarantine  move corrupt blocks to quarantine/ in the store\n"
	"      --json        print the counts and problems as JSON\n"
	"  -h, --help        show this help\n"
	"\n"
	"Exit status: 0 when the store is sound, 1 when problems were found or\n"
	"fsck failed, 2 on a usage error.\n";

int verb_fsck(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_JSON = 0x100 };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quarantine", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_fsck_result res = VOLT_CAS_FSCK_RESULT_INIT;
	struct fsck_ctx c = { .json = g->json };
	unsigned flags = 0;
	volt_cas *cas = NULL;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "hq", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(fsck_help, stdout); return CLI_EXIT_OK;
		case 'q': flags |= VOLT_CAS_FSCK_QUARANTINE; break;
		case OPT_JSON: c.json = true; break;
		default: return cli_usage_error(g->program, "fsck: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(g->program, "fsck: takes no arguments");
	if (st_open(g, false, &cas) < 0)
		return cli_fail(g->program);
	c.problems = json_array();
	r = volt_cas_fsck(&res, cas, flags, on_problem, &c);
	volt_cas_close(cas);
	if (r < 0 && r != -EBADMSG) {
		json_decref(c.problems);
		return cli_fail(g->program);
	}
	if (c.json) {
		int e = cli_print_json(g->program,
				       json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "ok", r == 0,
						 "blocks", (json_int_t)res.blocks, "refs", (json_int_t)res.refs,
						 "corrupt", (json_int_t)res.corrupt, "missing", (json_int_t)res.missing,
						 "bad_objects", (json_int_t)res.bad_objects, "bad_refs", (json_int_t)res.bad_refs,
						 "quarantined", (json_int_t)res.quarantined, "problems", c.problems));
		return r < 0 ? CLI_EXIT_FAILURE : e;
	}
	json_decref(c.problems);
	printf("%llu blocks, %llu refs: %llu corrupt, %llu missing, %llu bad objects, %llu bad refs, %llu quarantined\n",
	       (unsigned long long)res.blocks, (unsigned long long)res.refs, (unsigned long long)res.corrupt,
	       (unsigned long long)res.missing, (unsigned long long)res.bad_objects, (unsigned long long)res.bad_refs,
	       (unsigned long long)res.quarantined);
	if (r < 0)
		return cli_fail(g->program);
	return CLI_EXIT_OK;
}

static const char stats_help[] =
	"Usage: stellarium stats [OPTIONS]\n"
	"\n"
	"Show the store's size: logical bytes (what every ref would check out),\n"
	"unique bytes (distinct blocks reachable from refs), stored bytes (block\n"
	"files after compression) and the disk space they take, with the\n"
	"deduplication ratio (logical / unique) and compression ratio (raw /\n"
	"stored).\n"
	"\n"
	"Options:\n"
	"      --json  print the figures as JSON\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_stats(const struct cli_global *g, int argc, char **argv)
{
	volt_cas_stats s = VOLT_CAS_STATS_INIT;
	char a[VOLT_FORMAT_BUF_SIZE];
	volt_cas *cas = NULL;
	bool json;
	int r;

	r = st_simple_options(g, argc, argv, stats_help, &json, 0, 0);
	if (r >= 0)
		return r;
	if (st_open(g, false, &cas) < 0 || volt_cas_get_stats(&s, cas) < 0) {
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	volt_cas_close(cas);
	if (json)
		return cli_print_json(g->program,
				      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "refs", (json_int_t)s.refs,
						"blocks", (json_int_t)s.blocks, "logical_bytes", (json_int_t)s.logical_bytes,
						"unique_bytes", (json_int_t)s.unique_bytes,
						"stored_bytes", (json_int_t)s.stored_bytes, "disk_bytes", (json_int_t)s.disk_bytes,
						"dedup_ratio", s.dedup_ratio, "compression_ratio", s.compression_ratio));
	printf("Refs:               %llu\n", (unsigned long long)s.refs);
	printf("Blocks:             %llu\n", (unsigned long long)s.blocks);
	printf("Logical bytes:      %s (%llu)\n", volt_format_size(a, s.logical_bytes), (unsigned long long)s.logical_bytes);
	printf("Unique bytes:       %s (%llu)\n", volt_format_size(a, s.unique_bytes), (unsigned long long)s.unique_bytes);
	printf("Stored bytes:       %s (%llu)\n", volt_format_size(a, s.stored_bytes), (unsigned long long)s.stored_bytes);
	printf("Disk usage:         %s\n", volt_format_size(a, s.disk_bytes));
	printf("Deduplication:      %.2fx\n", s.dedup_ratio);
	printf("Compression:        %.2fx\n", s.compression_ratio);
	return CLI_EXIT_OK;
}
