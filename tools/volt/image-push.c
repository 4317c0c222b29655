/*
 * volt image push: an image of the store to a registry, as an OCI image.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "cli-registry.h"
#include "image.h"

static const char help[] =
	"Usage: volt image push [OPTIONS] IMAGE [REGISTRY/REPOSITORY[:TAG]]\n"
	"\n"
	"Push an image of the store (pulled or imported) to a registry as an OCI\n"
	"image that any client can pull: one tar+gzip layer holding the image's\n"
	"file system (modes, owners, times, symlinks, hard links, devices, xattrs),\n"
	"the image's config (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts,\n"
	"Volumes, ...) naming that layer, and a manifest put under the tag (default\n"
	"latest). Blobs the registry already has are not sent: pushing the same\n"
	"image again sends only the manifest. Without a destination, the image is\n"
	"pushed to its own name, which must then start with a registry.\n"
	"\n"
	"The layer is written from the store (the original layer blobs of a pulled\n"
	"image are not kept) to a temporary file inside the store; the store\n"
	"remembers what it came out as, so a push the registry needs no blob for\n"
	"writes no layer at all.\n"
	"\n"
	"Options:\n"
	CLI_REGISTRY_HELP
	"      --json             print a summary as JSON: name, reference, digest, root,\n"
	"                         layers, layers_pushed, layers_skipped, bytes_pushed\n"
	"  -h, --help             show this help\n"
	"\n"
	"The manifest digest is printed on standard output. A progress line is drawn\n"
	"on standard error when it is a terminal.\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int image_push(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_JSON = 0x100 };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		CLI_REGISTRY_LONG_OPTIONS,
		{},
	};
	volt_img_registry_options o = VOLT_IMG_REGISTRY_OPTIONS_INIT;
	volt_img_registry_result res = VOLT_IMG_REGISTRY_RESULT_INIT;
	struct cli_registry_args ra = {};
	char hex[VOLT_CAS_HASH_HEX_SIZE], sz[VOLT_FORMAT_BUF_SIZE];
	volt_img_image *img = NULL;
	char *name = NULL, *dest = NULL;
	volt_cas *cas = NULL;
	bool json = g->json;
	int opt, r;

	opterr = 0;
	optind = 0; /* reinitialise getopt: options may follow the arguments */
	while ((opt = getopt_long(argc, argv, ":hu:", options, NULL)) != -1) {
		r = cli_registry_option(g->program, &ra, opt, optarg);
		if (r > 1)
			return r;
		if (r == 1)
			continue;
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case OPT_JSON: json = true; break;
		default: return cli_option_error(g->program, "image push", argc, argv, opt, options);
		}
	}
	if (argc - optind != 1 && argc - optind != 2)
		return cli_usage_error(g->program, "image push: give an IMAGE and a REGISTRY/REPOSITORY[:TAG]");
	r = cli_registry_finish(g->program, &ra, &o);
	if (r >= 0) {
		cli_registry_args_clear(&ra);
		return r;
	}
	r = image_store_open(g, false, &cas);
	if (r >= 0) {
		cli_registry_args_clear(&ra);
		return r;
	}
	/* The full name: what is pushed (an id or short form stays unambiguous
	 * between here and the push), and the default destination. */
	r = volt_img_image_get(&img, cas, argv[optind]);
	if (r >= 0 && (!(name = strdup(img->name)) || !(dest = strdup(argc - optind == 2 ? argv[optind + 1] : img->name))))
		r = volt_error_set(ENOMEM, NULL);
	volt_img_image_free(img);
	if (r >= 0) {
		o.progress = cli_registry_progress;
		o.userdata = (void *)"layers";
		r = volt_img_image_push(&res, cas, name, dest, &o);
		cli_registry_progress_end();
	}
	volt_cas_close(cas);
	cli_registry_args_clear(&ra);
	if (r < 0) {
		free(name);
		free(dest);
		return cli_fail(g->program);
	}

	volt_cas_hash_to_hex(hex, &res.root);
	if (json) {
		r = cli_print_json(g->program,
				      json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "name", name, "reference", dest,
						"digest", res.digest, "root", hex, "layers", (json_int_t)res.objects,
						"layers_pushed", (json_int_t)res.objects_transferred, "layers_skipped",
						(json_int_t)res.objects_skipped, "bytes_pushed",
						(json_int_t)res.bytes_transferred));
		free(name);
		free(dest);
		return r;
	}
	printf("%s\n", res.digest);
	fprintf(stderr, "pushed %s to %s: %llu layer, %llu sent (%s), %llu already there\n", name, dest,
		(unsigned long long)res.objects, (unsigned long long)res.objects_transferred,
		volt_format_size(sz, res.bytes_transferred), (unsigned long long)res.objects_skipped);
	free(name);
	free(dest);
	return CLI_EXIT_OK;
}
