/*
 * stellarium push and pull: move a root between stores through an OCI
 * registry, sending and fetching only the blocks the other side lacks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli-registry.h"
#include "stellarium.h"

static const char push_help[] =
	"Usage: stellarium push [OPTIONS] SPEC REGISTRY/REPOSITORY:TAG\n"
	"\n"
	"Send the tree or disk image SPEC (a ref or a root hash) and every block\n"
	"under it to an OCI registry, as an artifact that another store fetches\n"
	"with 'stellarium pull': the blocks, zstd-compressed, in pack blobs\n"
	"and one index blob. The indexes of the artifacts already in the\n"
	"repository say which blocks it holds: only packs of new blocks are sent.\n"
	"Image records of SPEC (img.image.* refs) travel with it. The manifest\n"
	"is put under TAG last. Prints the manifest digest.\n"
	"\n"
	"Options:\n"
	CLI_REGISTRY_HELP
	"      --json             print the result as JSON\n"
	"  -h, --help             show this help\n"
	"\n"
	"A progress line is drawn on standard error when it is a terminal.\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

static const char pull_help[] =
	"Usage: stellarium pull [OPTIONS] REGISTRY/REPOSITORY[:TAG|@sha256:DIGEST]\n"
	"\n"
	"Fetch a root pushed with 'stellarium push' into this store: only the\n"
	"blocks the store lacks are downloaded (HTTP Range requests on the pack\n"
	"blobs), each checked against its hash before it is stored; then the\n"
	"whole tree under the root is verified to be present, and only then is\n"
	"the ref set and are the image records that came with it written, all\n"
	"or nothing. A failed pull sets no ref. A ref or image of the same name\n"
	"that names other content here is an error unless --force. Prints the\n"
	"root hash.\n"
	"\n"
	"Options:\n"
	"  -t, --tag NAME         point ref NAME at the fetched root\n"
	"      --force            replace ref NAME and images of the same names\n"
	"                         that this store has with other content\n"
	CLI_REGISTRY_HELP
	"      --json             print the result as JSON\n"
	"  -h, --help             show this help\n"
	"\n"
	"Without --tag the fetched data is not referenced and the next gc removes it.\n"
	"A progress line is drawn on standard error when it is a terminal.\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

enum { OPT_JSON = 0x100, OPT_FORCE };

static int parse(const struct cli_global *g, int argc, char **argv, const char *help, bool pull,
		 struct cli_registry_args *ra, const char **tag, bool *json, bool *force)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "tag", required_argument, NULL, 't' },
		CLI_REGISTRY_LONG_OPTIONS,
		{},
	};
	int opt, r;

	*json = g->json;
	while ((opt = getopt_long(argc, argv, pull ? "ht:u:" : "hu:", options, NULL)) != -1) {
		r = cli_registry_option(g->program, ra, opt, optarg);
		if (r > 1)
			return r;
		if (r == 1)
			continue;
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case OPT_JSON: *json = true; break;
		case OPT_FORCE:
			if (!pull)
				return cli_usage_error(g->program, "%s: unknown option '%s'", argv[0], argv[optind - 1]);
			*force = true;
			break;
		case 't':
			if (pull) {
				*tag = optarg;
				break;
			}
			/* fall through */
		default: return cli_usage_error(g->program, "%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	if (argc - optind != (pull ? 1 : 2))
		return cli_usage_error(g->program, "%s: wrong number of arguments", argv[0]);
	return -1;
}

int verb_push(const struct cli_global *g, int argc, char **argv)
{
	volt_img_registry_options o = VOLT_IMG_REGISTRY_OPTIONS_INIT;
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct cli_registry_args ra = {};
	char hex[VOLT_CAS_HASH_HEX_SIZE], sz[VOLT_FORMAT_BUF_SIZE];
	const char *tag = NULL, *spec, *dest;
	volt_cas *cas = NULL;
	bool json, force = false;
	int r;

	r = parse(g, argc, argv, push_help, false, &ra, &tag, &json, &force);
	if (r < 0)
		r = cli_registry_finish(g->program, &ra, &o);
	if (r >= 0) {
		cli_registry_args_clear(&ra);
		return r;
	}
	spec = argv[optind];
	dest = argv[optind + 1];
	o.progress = cli_registry_progress;
	o.userdata = (void *)"blocks";
	r = st_open(g, false, &cas);
	if (r >= 0)
		r = volt_img_registry_push(&res, cas, spec, dest, &o);
	cli_registry_progress_end();
	volt_cas_close(cas);
	cli_registry_args_clear(&ra);
	if (r < 0)
		return cli_fail(g->program);
	volt_cas_hash_to_hex(hex, &res.root);
	if (json)
		return cli_print_json(g->program,
				      json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "root", hex, "destination", dest,
						"digest", res.digest, "blocks", (json_int_t)res.objects, "blocks_sent",
						(json_int_t)res.objects_transferred, "blocks_present",
						(json_int_t)res.objects_skipped, "bytes_sent",
						(json_int_t)res.bytes_transferred));
	printf("%s\n", res.digest);
	fprintf(stderr, "pushed %.12s to %s: %llu blocks, %llu sent (%s), %llu already there\n", hex, dest,
		(unsigned long long)res.objects, (unsigned long long)res.objects_transferred,
		volt_format_size(sz, res.bytes_transferred), (unsigned long long)res.objects_skipped);
	return CLI_EXIT_OK;
}

int verb_pull(const struct cli_global *g, int argc, char **argv)
{
	volt_img_registry_options o = VOLT_IMG_REGISTRY_OPTIONS_INIT;
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct cli_registry_args ra = {};
	char hex[VOLT_CAS_HASH_HEX_SIZE], sz[VOLT_FORMAT_BUF_SIZE];
	const char *tag = NULL, *src;
	volt_cas *cas = NULL;
	volt_cas_hash root;
	bool json, force = false;
	int r;

	r = parse(g, argc, argv, pull_help, true, &ra, &tag, &json, &force);
	if (r < 0)
		r = cli_registry_finish(g->program, &ra, &o);
	if (r >= 0) {
		cli_registry_args_clear(&ra);
		return r;
	}
	src = argv[optind];
	if (force)
		o.flags |= VOLT_IMG_REGISTRY_FORCE;
	o.progress = cli_registry_progress;
	o.userdata = (void *)"blocks";
	r = st_open(g, true, &cas);
	if (r >= 0)
		r = volt_img_registry_fetch(&root, &res, cas, src, tag, &o);
	cli_registry_progress_end();
	volt_cas_close(cas);
	cli_registry_args_clear(&ra);
	if (r < 0)
		return cli_fail(g->program);
	volt_cas_hash_to_hex(hex, &root);
	if (json)
		return cli_print_json(g->program,
				      json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I}", "root", hex, "source", src,
						"digest", res.digest, "tag", tag, "blocks", (json_int_t)res.objects,
						"blocks_fetched", (json_int_t)res.objects_transferred, "blocks_present",
						(json_int_t)res.objects_skipped, "bytes_fetched",
						(json_int_t)res.bytes_transferred));
	printf("%s\n", hex);
	fprintf(stderr, "pulled %s: %llu blocks, %llu fetched (%s), %llu already here%s%s\n", src,
		(unsigned long long)res.objects, (unsigned long long)res.objects_transferred,
		volt_format_size(sz, res.bytes_transferred), (unsigned long long)res.objects_skipped,
		tag ? ", tagged " : "", tag ? tag : "");
	return CLI_EXIT_OK;
}
