/*
 * stellarium(1): the command line of Volt's content-addressed store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "stellarium.h"

static const struct cli_verb verbs[] = {
	{ "import", "[--tag NAME] DIR|--image FILE|--tar FILE", "store a directory, disk image or tar stream", verb_import },
	{ "checkout", "SPEC[:PATH] DEST", "write a tree or image out of the store", verb_checkout },
	{ "cat", "[--offset N] [--length N] SPEC[:PATH]", "print a stored file or image", verb_cat },
	{ "ls", "SPEC[:PATH]", "list a stored directory", verb_ls },
	{ "stat", "SPEC[:PATH]", "describe one stored entry", verb_stat },
	{ "tag", "NAME SPEC", "point a ref at a root", verb_tag },
	{ "refs", "", "list refs", verb_refs },
	{ "untag", "NAME...", "delete refs", verb_untag },
	{ "gc", "[--dry-run] [--no-wait]", "delete blocks no ref reaches", verb_gc },
	{ "fsck", "[--quarantine]", "verify every block and ref", verb_fsck },
	{ "migrate", "[--no-wait]", "bring a store to the current format (packs, zstd)", verb_migrate },
	{ "stats", "", "logical, unique and stored bytes; ratios", verb_stats },
	{ "push", "SPEC REGISTRY/REPO:TAG", "send a root to an OCI registry (missing blocks only)", verb_push },
	{ "pull", "[--tag NAME] REGISTRY/REPO:TAG", "fetch a pushed root (missing blocks only)", verb_pull },
	{},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: stellarium [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Stellarium is Volt's block-level content-addressed store (libvolt-cas %s).\n"
		"The store lives in ROOT/cas. SPEC is a ref name or a 64-digit root hash;\n"
		"SPEC:PATH names an entry inside a tree.\n"
		"\n"
		"Commands:\n",
		volt_cas_version());
	if (verbs[0].name)
		cli_print_verbs(out, verbs);
	else
		fprintf(out, "  (none in this version)\n");
	fprintf(out,
		"\n"
		"Options:\n"
		"  --root PATH        state directory (default $VOLT_ROOT, else %s)\n"
		"  --json             print machine-readable JSON\n"
		"  --log-level LEVEL  error, warning, notice, info or debug\n"
		"  -v, --verbose      same as --log-level debug\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit status: 0 on success, 1 when the command failed, 2 on a usage error.\n",
		volt_root_default());
}

int main(int argc, char **argv)
{
	struct cli_global g = { .program = "stellarium" };

	cli_log_init(g.program);
	return cli_dispatch(&g, verbs, usage, argc, argv);
}
