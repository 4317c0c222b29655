/*
 * volt image tag, volt image rm.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "image.h"

static const char tag_help[] =
	"Usage: volt image tag SRC DST\n"
	"\n"
	"Record the image SRC finds under the new name DST as well (DST without a tag\n"
	"gets :latest). An image already named DST is replaced. Both names share all\n"
	"data; removing one leaves the other.\n"
	"\n"
	"Exit status: 0 on success, 1 when SRC is not found or DST is not a valid\n"
	"name, 2 on a usage error.\n";

static const char rm_help[] =
	"Usage: volt image rm NAME...\n"
	"\n"
	"Remove image names. The data of an image goes at the next 'stellarium gc'\n"
	"once no name, ref or other image reaches it; containers created from it keep\n"
	"working (their base is a checkout). An id removes the image only when exactly\n"
	"one name has it.\n"
	"\n"
	"Options:\n"
	"  --json      print a JSON array of the removed names\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 when every NAME was removed, 1 when one could not be (the\n"
	"others are still removed), 2 on a usage error.\n";

int image_tag(const struct cli_global *g, int argc, char **argv)
{
	volt_cas *cas = NULL;
	int r;

	if (cli_verb_wants_help(argc, argv, tag_help))
		return CLI_EXIT_OK;
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cli_usage_error(g->program, "tag: give SRC and DST");
	r = image_store_open(g, false, &cas);
	if (r >= 0)
		return r;
	r = volt_img_image_tag(cas, argv[1], argv[2]);
	volt_cas_close(cas);
	return r < 0 ? cli_fail(g->program) : CLI_EXIT_OK;
}

int image_rm(const struct cli_global *g, int argc, char **argv)
{
	volt_cas *cas = NULL;
	json_t *removed;
	bool json = g->json;
	int r, ret = CLI_EXIT_OK, n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(rm_help, stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (argv[i][0] == '-') {
			return cli_usage_error(g->program, "rm: unknown option '%s'", argv[i]);
		} else {
			n++;
		}
	}
	if (n == 0)
		return cli_usage_error(g->program, "rm: give at least one image NAME");
	r = image_store_open(g, false, &cas);
	if (r >= 0)
		return r;
	removed = json_array();
	for (int i = 1; i < argc; i++) {
		char *full = NULL;

		if (argv[i][0] == '-')
			continue;
		if (volt_img_image_remove(&full, cas, argv[i]) < 0) {
			ret = cli_fail(g->program);
			continue;
		}
		if (json) {
			json_array_append_new(removed, json_string(full));
		} else {
			fputs("removed ", stdout);
			cli_fputs_escaped(full, stdout);
			putchar('\n');
		}
		free(full);
	}
	volt_cas_close(cas);
	if (json) {
		int pr = cli_print_json(g->program, removed);

		return ret != CLI_EXIT_OK ? ret : pr;
	}
	json_decref(removed);
	return ret;
}
