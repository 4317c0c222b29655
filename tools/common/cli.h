/*
 * What the three Volt frontends share: a table of verbs, the log
 * handler that prints to stderr, and the one place where an error
 * becomes a message and an exit code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TOOLS_CLI_H
#define VOLT_TOOLS_CLI_H

#include <stdbool.h>
#include <jansson.h>

/* Exit codes, documented in every tool's --help. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1, /* the operation failed */
	CLI_EXIT_USAGE = 2,   /* bad command line */
};

/* Options every verb sees, parsed before the verb name. */
struct cli_global {
	const char *program;   /* "volt", "stellarium", ... */
	const char *root;      /* --root, or NULL */
	bool json;             /* --json */
};

struct cli_verb {
	const char *name;
	const char *args;      /* e.g. "[--json]", shown in the verb list */
	const char *summary;   /* one line */
	/* argv[0] is the verb name; returns an exit code. */
	int (*run)(const struct cli_global *g, int argc, char **argv);
};

/* Install the stderr log handler; "VOLT_LOG_LEVEL" sets the initial level. */
void cli_log_init(const char *program);

/*
 * Parse the global options at the start of argv (stops at the first
 * non-option), then run the verb named next from @verbs. @usage prints
 * the program's help. Returns an exit code.
 */
int cli_dispatch(struct cli_global *g, const struct cli_verb *verbs, void (*usage)(FILE *out),
		 int argc, char **argv);

/*
 * Run the command of a group ("volt container CMD ..."): argv[0] is the
 * group, argv[1] the command looked up in @verbs, which gets argc - 1 and
 * argv + 1. With no command, or --help/-h, @usage prints the group's help;
 * an unknown command of @what ("container command") is a usage error
 * naming the closest one. Returns an exit code.
 */
int cli_dispatch_group(const struct cli_global *g, const char *what, const struct cli_verb *verbs,
		       void (*usage)(FILE *out), int argc, char **argv);

/* Print the verbs table, aligned, for --help. */
void cli_print_verbs(FILE *out, const struct cli_verb *verbs);

/* Print "PROGRAM: error: <volt_error_message()>" and return CLI_EXIT_FAILURE. */
int cli_fail(const char *program);
/*
 * Text from images, stores and registries for a terminal: controls and
 * bytes that are not UTF-8 as \xNN (see shared/escape.h). cli_escape()
 * returns a new string (NULL when out of memory).
 */
int cli_fputs_escaped(const char *s, FILE *f);
char *cli_escape(const char *s);

/* Print "PROGRAM: <formatted>" plus a --help hint and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *program, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The usage error for the option getopt_long() (run with opterr = 0 and
 * a leading ':' in its optstring) just refused with @c ('?' or ':'),
 * naming the option as typed ("-x" inside "-xyz", "--imgae") and, for an
 * unknown long option, the closest of @longopts ("did you mean
 * '--image'?"). @verb prefixes the message (NULL: none). Returns
 * CLI_EXIT_USAGE.
 */
struct option;
int cli_option_error(const char *program, const char *verb, int argc, char **argv, int c,
		     const struct option *longopts);

/*
 * Of the NULL-terminated @candidates, the one closest to @word (within
 * two edits: insertions, deletions, substitutions, swaps of neighbours,
 * and fewer than half its length), or NULL.
 */
const char *cli_closest(const char *word, const char *const *candidates);

/* The verb of @verbs closest to @word, as cli_closest(), or NULL. */
const char *cli_closest_verb(const char *word, const struct cli_verb *verbs);

/* The usage error for an unknown verb @word of @what ("command", "container command"). */
int cli_unknown_verb(const char *program, const char *what, const char *word, const struct cli_verb *verbs);

/* Print @value as pretty JSON on stdout, then decref it. Returns an exit code. */
int cli_print_json(const char *program, json_t *value);

/* True if argv holds only "-h"/"--help" after the verb: prints @help and returns true. */
bool cli_verb_wants_help(int argc, char **argv, const char *help);

#endif
