/*
 * What the stellarium verbs share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef STELLARIUM_H
#define STELLARIUM_H

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>

#include <volt/cas.h>
#include <volt/core.h>

#include "cli.h"

/* Open the store at <root>/cas (created when @create). Prints nothing. */
int st_open(const struct cli_global *g, bool create, volt_cas **out);

/* A progress callback that redraws one line on stderr when it is a terminal. */
void st_progress(const volt_cas_progress *p, void *userdata);
/* Clear the progress line, if one was drawn. */
void st_progress_end(void);

/*
 * For verbs whose only options are --json and --help: parse them, check
 * that @min..@max positional arguments follow (from argv[optind]).
 * Returns -1 to go on, or an exit code.
 */
int st_simple_options(const struct cli_global *g, int argc, char **argv, const char *help, bool *json,
		      int min, int max);
json_t *st_entry_json(const volt_cas_entry *e);
const char *st_type_name(volt_cas_entry_type t);

int verb_import(const struct cli_global *g, int argc, char **argv);
int verb_checkout(const struct cli_global *g, int argc, char **argv);
int verb_cat(const struct cli_global *g, int argc, char **argv);
int verb_ls(const struct cli_global *g, int argc, char **argv);
int verb_stat(const struct cli_global *g, int argc, char **argv);
int verb_tag(const struct cli_global *g, int argc, char **argv);
int verb_refs(const struct cli_global *g, int argc, char **argv);
int verb_untag(const struct cli_global *g, int argc, char **argv);
int verb_gc(const struct cli_global *g, int argc, char **argv);
int verb_fsck(const struct cli_global *g, int argc, char **argv);
int verb_migrate(const struct cli_global *g, int argc, char **argv);
int verb_stats(const struct cli_global *g, int argc, char **argv);
int verb_push(const struct cli_global *g, int argc, char **argv);
int verb_pull(const struct cli_global *g, int argc, char **argv);

#endif
