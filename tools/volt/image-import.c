/*
 * volt image import FILE: docker-archive and OCI archive tar files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "image.h"

static const char help[] =
	"Usage: volt image import FILE [--name NAME] [--json] [--quiet]\n"
	"\n"
	"Import the images of FILE into the store: a docker-archive tar (manifest.json\n"
	"and layer tars, as 'docker save' and 'skopeo copy ... docker-archive:FILE'\n"
	"write it) or an OCI image layout tar (oci-layout, index.json, blobs/sha256/,\n"
	"as 'skopeo copy ... oci-archive:FILE' writes it). For a multi-platform image\n"
	"the linux image of this machine's architecture is taken.\n"
	"\n"
	"Every blob is verified: OCI blobs against their digests and sizes, Docker\n"
	"configs against their file names, and each layer's content against the\n"
	"config's diff_ids. Layers already in the store are not read again. Layers\n"
	"are plain tar, gzip or zstd. An image whose import fails is not recorded.\n"
	"Images are named as the archive names them (RepoTags, or the\n"
	"org.opencontainers.image.ref.name annotation).\n"
	"\n"
	"Options:\n"
	"  --name NAME   record the image as NAME (the archive must hold one image)\n"
	"  --json        print a JSON array of the imported images (as 'volt image ls --json')\n"
	"  -q, --quiet   no progress display (it is shown only on a terminal anyway)\n"
	"  -h, --help    show this help\n"
	"\n"
	"Exit status: 0 on success, 1 when the archive is malformed, a digest does not\n"
	"match or the store cannot be written, 2 on a usage error.\n";

static void progress(const volt_cas_progress *p, void *userdata)
{
	char done[VOLT_FORMAT_BUF_SIZE], total[VOLT_FORMAT_BUF_SIZE];

	(void)userdata;
	volt_format_size(done, p->bytes);
	volt_format_size(total, p->bytes_total);
	fprintf(stderr, "\r\033[Kimporting: %s of %s, %llu layers%s", done, total, (unsigned long long)p->files,
		p->done ? "\n" : "");
	fflush(stderr);
}

int image_import(const struct cli_global *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "name", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	volt_img_import_options o = VOLT_IMG_IMPORT_OPTIONS_INIT;
	volt_cas *cas = NULL;
	char **names = NULL;
	bool json = g->json, quiet = false;
	json_t *arr;
	int c, r;

	opterr = 0;
	optind = 0; /* reinitialise getopt: options may follow FILE */
	while ((c = getopt_long(argc, argv, ":hqn:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'j':
			json = true;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return cli_option_error(g->program, "import", argc, argv, c, options);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(g->program, "import: give exactly one FILE");
	if (!quiet && !json && isatty(STDERR_FILENO))
		o.progress = progress;
	r = image_store_open(g, true, &cas);
	if (r >= 0)
		return r;
	r = volt_img_archive_import(&names, cas, argv[optind], &o);
	if (r < 0) {
		if (o.progress)
			fputc('\n', stderr);
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	arr = json_array();
	for (char **n = names; *n; n++) {
		volt_img_image *img = NULL;

		if (json && volt_img_image_get(&img, cas, *n) == 0) {
			json_array_append_new(arr, image_to_json(img, false));
			volt_img_image_free(img);
		} else if (!json) {
			/* The archive names its images: escaped for the terminal. */
			fputs("imported ", stdout);
			cli_fputs_escaped(*n, stdout);
			putchar('\n');
		}
	}
	volt_strv_free(names);
	volt_cas_close(cas);
	if (json)
		return cli_print_json(g->program, arr);
	json_decref(arr);
	return CLI_EXIT_OK;
}
