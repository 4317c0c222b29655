/*
 * stellarium cat, ls and stat: look inside stored trees and images
 * without a checkout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "stellarium.h"

static const char cat_help[] =
	"Usage: stellarium cat [OPTIONS] SPEC[:PATH]\n"
	"\n"
	"Write the bytes of a stored file (SPEC:PATH) or disk image (SPEC) to\n"
	"standard output, reading blocks at random without a checkout. Every\n"
	"block is verified against its hash; a corrupt block stops the output\n"
	"with an error.\n"
	"\n"
	"Options:\n"
	"      --offset N  start at byte N (sizes like 4K are accepted)\n"
	"      --length N  write at most N bytes\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_cat(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_OFFSET = 0x100, OPT_LENGTH };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "length", required_argument, NULL, OPT_LENGTH },
		{},
	};
	uint64_t offset = 0, length = UINT64_MAX;
	volt_cas *cas = NULL;
	volt_cas_image *img = NULL;
	char *buf;
	int opt, ret = CLI_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(cat_help, stdout); return CLI_EXIT_OK;
		case OPT_OFFSET:
			if (volt_parse_size(&offset, optarg) < 0)
				return cli_usage_error(g->program, "cat: invalid offset '%s'", optarg);
			break;
		case OPT_LENGTH:
			if (volt_parse_size(&length, optarg) < 0)
				return cli_usage_error(g->program, "cat: invalid length '%s'", optarg);
			break;
		default: return cli_usage_error(g->program, "cat: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(g->program, "cat: expected one SPEC[:PATH]");
	if (st_open(g, false, &cas) < 0 || volt_cas_image_open(&img, cas, argv[optind]) < 0) {
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	buf = malloc(1 << 20);
	while (buf && length > 0) {
		size_t want = length < (1u << 20) ? (size_t)length : (1u << 20);
		ssize_t n = volt_cas_image_read(img, buf, want, offset);

		if (n < 0) {
			ret = cli_fail(g->program);
			break;
		}
		if (n == 0)
			break;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			volt_error_set_errno(errno, "write standard output");
			ret = cli_fail(g->program);
			break;
		}
		offset += (uint64_t)n;
		length -= (uint64_t)n;
	}
	if (!buf) {
		volt_error_set(ENOMEM, NULL);
		ret = cli_fail(g->program);
	}
	free(buf);
	volt_cas_image_close(img);
	volt_cas_close(cas);
	if (ret == CLI_EXIT_OK && fflush(stdout) != 0)
		return CLI_EXIT_FAILURE;
	return ret;
}

static void mode_string(char out[11], const volt_cas_entry *e)
{
	static const char types[] = "?-dlcbps-";
	uint32_t m = e->mode;

	out[0] = types[e->type <= 8 ? e->type : 0];
	for (int i = 0; i < 9; i++)
		out[1 + i] = (m & (0400u >> i)) ? "rwxrwxrwx"[i] : '-';
	if (m & 04000)
		out[3] = (m & 0100) ? 's' : 'S';
	if (m & 02000)
		out[6] = (m & 010) ? 's' : 'S';
	if (m & 01000)
		out[9] = (m & 01) ? 't' : 'T';
	out[10] = 0;
}

static void print_long(const volt_cas_entry *e)
{
	char mode[11], when[32];
	time_t t = (time_t)e->mtime_sec;
	struct tm tm;

	mode_string(mode, e);
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	else
		snprintf(when, sizeof(when), "?");
	if (e->type == VOLT_CAS_ENTRY_CHAR_DEVICE || e->type == VOLT_CAS_ENTRY_BLOCK_DEVICE)
		printf("%s %5u %5u %5u,%4u %s ", mode, e->uid, e->gid, major((dev_t)e->rdev), minor((dev_t)e->rdev),
		       when);
	else
		printf("%s %5u %5u %10llu %s ", mode, e->uid, e->gid, (unsigned long long)e->size, when);
	/* Names and targets come from the image: a terminal must not act on them. */
	cli_fputs_escaped(e->name, stdout);
	if (e->target) {
		fputs(" -> ", stdout);
		cli_fputs_escaped(e->target, stdout);
	}
	putchar('\n');
}

struct ls_ctx {
	json_t *array;
	bool json;
};

static int ls_one(const volt_cas_entry *e, void *userdata)
{
	struct ls_ctx *c = userdata;

	if (c->json) {
		json_t *o = st_entry_json(e);

		if (!o || json_array_append_new(c->array, o) < 0)
			return volt_error_set(ENOMEM, NULL);
		return 0;
	}
	print_long(e);
	return 0;
}

static const char ls_help[] =
	"Usage: stellarium ls [OPTIONS] SPEC[:PATH]\n"
	"\n"
	"List a stored directory in name order: type and mode, owner, size (or\n"
	"device numbers), mtime (UTC), name and symlink target.\n"
	"\n"
	"Options:\n"
	"      --json  print the entries as a JSON array\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_ls(const struct cli_global *g, int argc, char **argv)
{
	struct ls_ctx c = {};
	volt_cas *cas = NULL;
	int r;

	r = st_simple_options(g, argc, argv, ls_help, &c.json, 1, 1);
	if (r >= 0)
		return r;
	if (st_open(g, false, &cas) < 0)
		return cli_fail(g->program);
	c.array = json_array();
	r = volt_cas_list(cas, argv[optind], ls_one, &c);
	volt_cas_close(cas);
	if (r < 0) {
		json_decref(c.array);
		return cli_fail(g->program);
	}
	if (c.json)
		return cli_print_json(g->program, c.array);
	json_decref(c.array);
	return CLI_EXIT_OK;
}

static const char stat_help[] =
	"Usage: stellarium stat [OPTIONS] SPEC[:PATH]\n"
	"\n"
	"Show everything stored about one entry: type, mode, owner, size, mtime,\n"
	"block count, hard-link group, device numbers, symlink target, xattrs,\n"
	"and for a directory or image the hash of its object.\n"
	"\n"
	"Options:\n"
	"      --json  print the entry as JSON\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_stat(const struct cli_global *g, int argc, char **argv)
{
	volt_cas *cas = NULL;
	volt_cas_entry *e = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	bool json;
	int r;

	r = st_simple_options(g, argc, argv, stat_help, &json, 1, 1);
	if (r >= 0)
		return r;
	if (st_open(g, false, &cas) < 0 || volt_cas_stat(&e, cas, argv[optind]) < 0) {
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	volt_cas_close(cas);
	if (json) {
		json_t *o = st_entry_json(e);

		volt_cas_entry_free(e);
		return cli_print_json(g->program, o);
	}
	fputs("Name:        ", stdout);
	cli_fputs_escaped(*e->name ? e->name : "/", stdout);
	putchar('\n');
	printf("Type:        %s\n", st_type_name(e->type));
	printf("Mode:        %04o\n", e->mode);
	printf("Owner:       %u:%u\n", e->uid, e->gid);
	printf("Modified:    %lld.%09u\n", (long long)e->mtime_sec, e->mtime_nsec);
	if (e->type == VOLT_CAS_ENTRY_REGULAR || e->type == VOLT_CAS_ENTRY_IMAGE)
		printf("Size:        %llu bytes in %llu blocks\n", (unsigned long long)e->size,
		       (unsigned long long)e->blocks);
	if (e->block_size)
		printf("Block size:  %u\n", e->block_size);
	if (e->link_group)
		printf("Link group:  %u\n", e->link_group);
	if (e->type == VOLT_CAS_ENTRY_CHAR_DEVICE || e->type == VOLT_CAS_ENTRY_BLOCK_DEVICE)
		printf("Device:      %u,%u\n", major((dev_t)e->rdev), minor((dev_t)e->rdev));
	if (e->target) {
		fputs("Target:      ", stdout);
		cli_fputs_escaped(e->target, stdout);
		putchar('\n');
	}
	if (e->type == VOLT_CAS_ENTRY_DIRECTORY || e->type == VOLT_CAS_ENTRY_IMAGE)
		printf("Object:      %s\n", volt_cas_hash_to_hex(hex, &e->hash));
	for (size_t i = 0; i < e->n_xattrs; i++) {
		fputs("Xattr:       ", stdout);
		cli_fputs_escaped(e->xattrs[i].name, stdout);
		printf(" (%zu bytes)\n", e->xattrs[i].size);
	}
	volt_cas_entry_free(e);
	return CLI_EXIT_OK;
}
