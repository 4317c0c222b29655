/*
 * The reclaim behind `volt image prune` and `stellarium gc`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <volt/core.h>

#include "cli-reclaim.h"

int cli_reclaim(const struct cli_global *g, const char *verb, const char *help, int argc, char **argv,
		struct cli_reclaim *out)
{
	enum { OPT_NO_WAIT = 0x100, OPT_JSON };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	unsigned flags = 0, bflags = 0;
	char *root = NULL, *store = NULL;
	volt_cas *cas = NULL;
	int opt, r;

	*out = (struct cli_reclaim){ .json = g->json, .bases = VOLT_CAS_BASES_RESULT_INIT,
				     .blocks = VOLT_CAS_GC_RESULT_INIT };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+hn", options, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); out->help = true; return CLI_EXIT_OK;
		case 'n': flags |= VOLT_CAS_GC_DRY_RUN; bflags |= VOLT_CAS_BASES_DRY_RUN; break;
		case OPT_NO_WAIT: flags |= VOLT_CAS_GC_NO_WAIT; bflags |= VOLT_CAS_BASES_NO_WAIT; break;
		case OPT_JSON: out->json = true; break;
		default: return cli_usage_error(g->program, "%s: unknown option '%s'", verb, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(g->program, "%s: takes no arguments", verb);
	out->dry_run = flags & VOLT_CAS_GC_DRY_RUN;

	/* The bases first: they are the bigger part of what nothing uses, and
	 * --rootfs containers have bases without any store. */
	r = volt_root_resolve(&root, g->root);
	if (r >= 0)
		r = volt_cas_bases_gc(&out->bases, root, bflags);
	if (r >= 0)
		r = volt_root_subdir(&store, root, "cas", 0);
	if (r >= 0) {
		r = volt_cas_open(&cas, store, &oo);
		if (r == -ENOENT) {
			volt_error_clear(); /* no store: no blocks to free */
			r = 0;
		} else if (r >= 0) {
			/* Image records keep their data by refs: set them right first
			 * (the store's gc knows nothing of images). */
			r = volt_img_roots_repair(cas, (flags & VOLT_CAS_GC_DRY_RUN ? VOLT_IMG_ROOTS_DRY_RUN : 0) |
						       (flags & VOLT_CAS_GC_NO_WAIT ? VOLT_IMG_ROOTS_NO_WAIT : 0));
			if (r >= 0)
				r = volt_cas_gc(&out->blocks, cas, flags);
			volt_cas_close(cas);
		}
	}
	free(root);
	free(store);
	return r < 0 ? cli_fail(g->program) : CLI_EXIT_OK;
}
