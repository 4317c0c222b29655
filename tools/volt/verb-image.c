/*
 * volt image: a minimal dispatcher holding only `pull` until the image
 * verbs (ls, inspect, tag, rm, import) arrive.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include "volt.h"

static const struct cli_verb image_verbs[] = {
	{ "pull", "[OPTIONS] REGISTRY/REPO[:TAG|@DIGEST]", "Pull an image from a registry", image_pull },
	{},
};

static const char help[] =
	"Usage: volt image COMMAND [ARGS...]\n"
	"\n"
	"Manage OCI images in the store.\n"
	"\n"
	"Commands:\n";

int verb_image(const struct cli_global *g, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		cli_print_verbs(argc < 2 ? stderr : stdout, image_verbs);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	for (const struct cli_verb *v = image_verbs; v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			return v->run(g, argc - 1, argv + 1);
	return cli_usage_error(g->program, "image: unknown command '%s'", argv[1]);
}
