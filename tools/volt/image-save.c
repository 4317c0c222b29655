/*
 * volt image save: an image of the store as an OCI image layout tar.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "image.h"

static const char help[] =
	"Usage: volt image save [OPTIONS] IMAGE -o FILE|-\n"
	"\n"
	"Write an image of the store to FILE as an OCI image layout tar (oci-layout,\n"
	"index.json, blobs/sha256/), the form 'skopeo copy oci-archive:FILE ...' and\n"
	"'volt image import FILE' read: one tar+gzip layer holding the image's file\n"
	"system, its config naming that layer, and a manifest (the same blobs as\n"
	"'volt image push'). The index names the image by its full name (the\n"
	"org.opencontainers.image.ref.name annotation), which import records.\n"
	"\n"
	"FILE is written next to itself under a temporary name and renamed when\n"
	"complete, so a failed save leaves no partial FILE. '-o -' writes the\n"
	"archive to standard output, which must not be a terminal.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   where to write the archive ('-': standard output)\n"
	"      --json          print {\"name\", \"file\", \"digest\"} (not with -o -)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

/* A temporary file next to @path, renamed over it on success. */
static int save_to_file(volt_cas *cas, const char *name, const char *path, char digest[VOLT_IMG_DIGEST_SIZE])
{
	char *tmp = NULL;
	int fd, r;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return volt_error_set(ENOMEM, NULL);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = volt_error_set_errno(errno, "create a temporary file next to %s", path);
		free(tmp);
		return r;
	}
	r = volt_img_image_save(digest, cas, name, fd);
	if (r >= 0 && fchmod(fd, 0644) < 0)
		r = volt_error_set_errno(errno, "chmod %s", tmp);
	if (r >= 0 && fsync(fd) < 0)
		r = volt_error_set_errno(errno, "write %s", tmp);
	if (close(fd) < 0 && r >= 0)
		r = volt_error_set_errno(errno, "write %s", tmp);
	if (r >= 0 && rename(tmp, path) < 0)
		r = volt_error_set_errno(errno, "rename %s to %s", tmp, path);
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

int image_save(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_JSON = 0x100 };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{},
	};
	char digest[VOLT_IMG_DIGEST_SIZE] = "";
	const char *output = NULL, *name;
	volt_cas *cas = NULL;
	bool json = g->json;
	int opt, r;

	opterr = 0;
	optind = 0; /* options may follow IMAGE */
	while ((opt = getopt_long(argc, argv, ":ho:", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case 'o': output = optarg; break;
		case OPT_JSON: json = true; break;
		default: return cli_option_error(g->program, "image save", argc, argv, opt, options);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(g->program, "image save: give one IMAGE");
	if (!output || !*output)
		return cli_usage_error(g->program, "image save: give the archive to write with -o FILE (or -o - for standard output)");
	name = argv[optind];
	if (strcmp(output, "-") == 0) {
		if (json)
			return cli_usage_error(g->program, "image save: --json needs -o FILE (standard output holds the archive)");
		if (isatty(STDOUT_FILENO))
			return cli_usage_error(g->program,
					       "image save: standard output is a terminal; redirect it or give -o FILE");
	}
	r = image_store_open(g, false, &cas);
	if (r >= 0)
		return r;
	if (strcmp(output, "-") == 0)
		r = volt_img_image_save(digest, cas, name, STDOUT_FILENO);
	else
		r = save_to_file(cas, name, output, digest);
	volt_cas_close(cas);
	if (r < 0)
		return cli_fail(g->program);
	if (json)
		return cli_print_json(g->program, json_pack("{s:s, s:s, s:s}", "name", name, "file", output, "digest", digest));
	if (strcmp(output, "-") != 0)
		fprintf(stderr, "saved %s to %s (manifest %s)\n", name, output, digest);
	return CLI_EXIT_OK;
}
