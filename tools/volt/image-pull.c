/*
 * volt image pull: an OCI or Docker image from a registry into the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "cli-registry.h"
#include "image.h"

static const char help[] =
	"Usage: volt image pull [OPTIONS] REGISTRY/REPOSITORY[:TAG|@sha256:DIGEST]\n"
	"\n"
	"Pull an image over the OCI distribution API into the store: resolve the\n"
	"tag (default latest) or take the digest, pick the platform's manifest\n"
	"from an image index, fetch the config, then fetch each layer the store\n"
	"has not imported before, check its size and SHA-256 digest, and import\n"
	"it. The layers are merged (whiteouts and opaque directories applied) into\n"
	"one tree whose blocks deduplicate against everything already stored, and\n"
	"the image is recorded under its reference (or --name), ready for\n"
	"'volt run'. On failure no image is recorded and no temporary file stays.\n"
	"\n"
	"REGISTRY is a host with a dot or a port, localhost, or an IP address;\n"
	"localhost and 127.0.0.0/8 are reached over plain HTTP, others over HTTPS.\n"
	"Anonymous token authentication happens as the registry asks.\n"
	"\n"
	"Options:\n"
	"      --platform OS/ARCH[/VARIANT]\n"
	"                         the platform to pick from an index, and to check the\n"
	"                         image's config against (default: this host's)\n"
	"      --name NAME        record the image under NAME instead of the reference\n"
	CLI_REGISTRY_HELP
	"      --json             print a summary as JSON: name, digest, root, layers,\n"
	"                         layers_fetched, layers_skipped, bytes_fetched\n"
	"  -h, --help             show this help\n"
	"\n"
	"A progress line (layers and bytes) is drawn on standard error when it is a\n"
	"terminal; otherwise the pull is quiet until its summary.\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int image_pull(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_JSON = 0x100, OPT_PLATFORM, OPT_NAME };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "platform", required_argument, NULL, OPT_PLATFORM },
		{ "name", required_argument, NULL, OPT_NAME },
		CLI_REGISTRY_LONG_OPTIONS,
		{},
	};
	volt_img_registry_options o = VOLT_IMG_REGISTRY_OPTIONS_INIT;
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct cli_registry_args ra = {};
	char hex[VOLT_CAS_HASH_HEX_SIZE], sz[VOLT_FORMAT_BUF_SIZE];
	const char *ref;
	char *latest = NULL;
	volt_cas *cas = NULL;
	bool json = g->json;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":hu:", options, NULL)) != -1) {
		r = cli_registry_option(g->program, &ra, opt, optarg);
		if (r > 1)
			return r;
		if (r == 1)
			continue;
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case OPT_JSON: json = true; break;
		case OPT_PLATFORM: o.platform = optarg; break;
		case OPT_NAME: o.name = optarg; break;
		default: return cli_option_error(g->program, "image pull", argc, argv, opt, options);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(g->program, "image pull: give one image reference");
	ref = argv[optind];
	r = cli_registry_finish(g->program, &ra, &o);
	if (r >= 0) {
		cli_registry_args_clear(&ra);
		return r;
	}
	o.progress = cli_registry_progress;
	o.userdata = (void *)"layers";
	r = image_store_open(g, true, &cas);
	if (r >= 0) {
		cli_registry_args_clear(&ra);
		return r;
	}
	r = volt_img_registry_pull(&res, cas, ref, &o);
	cli_registry_progress_end();
	volt_cas_close(cas);
	cli_registry_args_clear(&ra);
	if (r < 0)
		return cli_fail(g->program);

	/* The library records a reference without tag or digest as :latest. */
	if (!o.name) {
		const char *last = strrchr(ref, '/');

		if (last && !strchr(last, ':') && !strchr(last, '@') && asprintf(&latest, "%s:latest", ref) >= 0)
			o.name = latest;
	}
	volt_cas_hash_to_hex(hex, &res.root);
	if (json) {
		r = cli_print_json(g->program,
				      json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "name", o.name ? o.name : ref,
						"reference", ref, "digest", res.digest, "root", hex, "layers",
						(json_int_t)res.objects, "layers_fetched", (json_int_t)res.objects_transferred,
						"layers_skipped", (json_int_t)res.objects_skipped, "bytes_fetched",
						(json_int_t)res.bytes_transferred));
		free(latest);
		return r;
	}
	printf("%s\n", res.digest);
	fprintf(stderr, "pulled %s: %llu layers, %llu fetched (%s), %llu already in the store\n", o.name ? o.name : ref,
		(unsigned long long)res.objects, (unsigned long long)res.objects_transferred,
		volt_format_size(sz, res.bytes_transferred), (unsigned long long)res.objects_skipped);
	free(latest);
	return CLI_EXIT_OK;
}
