/*
 * Shared frontend code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "cli.h"
#include "shared/escape.h"

static void log_to_stderr(volt_log_level level, const char *msg, void *userdata)
{
	const char *program = userdata;

	/* Messages quote names from images and registries: never raw controls. */
	if (level <= VOLT_LOG_WARNING)
		fprintf(stderr, "%s: %s: ", program, volt_log_level_to_string(level));
	else
		fprintf(stderr, "%s: ", program);
	volt_fputs_escaped(msg, stderr);
	fputc('\n', stderr);
}

void cli_log_init(const char *program)
{
	const char *env = getenv("VOLT_LOG_LEVEL");
	volt_log_level level;

	volt_log_set_handler(log_to_stderr, (void *)program);
	if (env && *env) {
		if (volt_log_level_from_string(&level, env) == 0)
			volt_log_set_level(level);
		else
			fprintf(stderr, "%s: warning: VOLT_LOG_LEVEL: %s\n", program, volt_error_message());
	}
}

int cli_fputs_escaped(const char *s, FILE *f)
{
	return volt_fputs_escaped(s ? s : "", f);
}

char *cli_escape(const char *s)
{
	return volt_escape(s ? s : "");
}

int cli_fail(const char *program)
{
	fprintf(stderr, "%s: error: ", program);
	volt_fputs_escaped(volt_error_message(), stderr);
	fputc('\n', stderr);
	return CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *program, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", program);
	/* The message quotes the command line, which may quote an image. */
	volt_fputs_escaped(n >= 0 && msg ? msg : "(out of memory)", stderr);
	free(msg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program);
	return CLI_EXIT_USAGE;
}

/* Optimal string alignment distance, capped: nobody mistypes 60 letters. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

static bool closer(const char *word, const char *candidate, size_t *best)
{
	size_t d = edit_distance(word, candidate);

	if (d == 0 || d > 2 || 2 * d >= strlen(word) || d >= *best)
		return false;
	*best = d;
	return true;
}

const char *cli_closest(const char *word, const char *const *candidates)
{
	const char *found = NULL;
	size_t best = SIZE_MAX;

	for (; candidates && *candidates; candidates++)
		if (closer(word, *candidates, &best))
			found = *candidates;
	return found;
}

const char *cli_closest_verb(const char *word, const struct cli_verb *verbs)
{
	const char *found = NULL;
	size_t best = SIZE_MAX;

	for (const struct cli_verb *v = verbs; v->name; v++)
		if (closer(word, v->name, &best))
			found = v->name;
	return found;
}

int cli_unknown_verb(const char *program, const char *what, const char *word, const struct cli_verb *verbs)
{
	const char *near = cli_closest_verb(word, verbs);

	if (near)
		return cli_usage_error(program, "unknown %s '%s' (did you mean '%s'?)", what, word, near);
	return cli_usage_error(program, "unknown %s '%s'", what, word);
}

int cli_option_error(const char *program, const char *verb, int argc, char **argv, int c,
		     const struct option *longopts)
{
	const char *prev = optind > 0 ? argv[optind - 1] : NULL, *near = NULL;
	char name[64];
	bool is_long;

	/*
	 * getopt leaves optind on a bundle ("-it") until its last letter, so
	 * argv[optind - 1] may be another word; optopt names a short option.
	 * An unknown long option has optopt 0; a long option missing its
	 * argument has its own value there, and is the word just consumed.
	 */
	is_long = prev && strncmp(prev, "--", 2) == 0;
	if (c != ':' && is_long && optopt > 0 && optopt < 127) {
		/* A letter refused inside a bundle right after a long option (--rm -xq). */
		const char *next = optind < argc ? argv[optind] : NULL;

		if (next && next[0] == '-' && next[1] != '-' && strchr(next + 1, optopt))
			is_long = false;
	}
	if (c != ':' && !is_long && optopt == 0)
		is_long = prev != NULL;
	if (is_long) {
		size_t n = strcspn(prev, "=");

		snprintf(name, sizeof(name), "%.*s", (int)(n < 60 ? n : 60), prev);
		/* --rm=1: a known option that takes no argument. */
		for (const struct option *o = longopts; c != ':' && prev[n] == '=' && o && o->name; o++)
			if (strcmp(o->name, name + 2) == 0 && o->has_arg == no_argument)
				return cli_usage_error(program, "%s%soption '%s' takes no argument", verb ? verb : "",
						       verb ? ": " : "", name);
		if (c != ':' && longopts && strncmp(name, "--", 2) == 0) {
			size_t best = SIZE_MAX;

			for (const struct option *o = longopts; o->name; o++)
				if (closer(name + 2, o->name, &best))
					near = o->name;
		}
	} else {
		snprintf(name, sizeof(name), "-%c", optopt > 32 && optopt < 127 ? optopt : '?');
	}
	if (c == ':')
		return cli_usage_error(program, "%s%soption '%s' needs an argument", verb ? verb : "", verb ? ": " : "",
				       name);
	if (near)
		return cli_usage_error(program, "%s%sunknown option '%s' (did you mean '--%s'?)", verb ? verb : "",
				       verb ? ": " : "", name, near);
	return cli_usage_error(program, "%s%sunknown option '%s'", verb ? verb : "", verb ? ": " : "", name);
}

int cli_print_json(const char *program, json_t *value)
{
	char *s = NULL;
	int r;

	r = volt_json_dump(&s, value, VOLT_JSON_PRETTY);
	json_decref(value);
	if (r < 0)
		return cli_fail(program);
	/*
	 * jansson writes C0 controls as \uNNNN but DEL and the C1 controls
	 * (U+0080..U+009F, CSI among them) as they are; outside strings JSON
	 * is ASCII, so these bytes are in strings, where \u escapes mean the same.
	 */
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)p[0], d = (unsigned char)p[1];

		if (c == 0x7f) {
			fputs("\\u007f", stdout);
		} else if (c == 0xc2 && d >= 0x80 && d <= 0x9f) {
			printf("\\u%04x", d);
			p++;
		} else {
			putchar(c);
		}
	}
	putchar('\n');
	free(s);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_dispatch_group(const struct cli_global *g, const char *what, const struct cli_verb *verbs,
		       void (*usage)(FILE *out), int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (const struct cli_verb *v = verbs; v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			return v->run(g, argc - 1, argv + 1);
	return cli_unknown_verb(g->program, what, argv[1], verbs);
}

void cli_print_verbs(FILE *out, const struct cli_verb *verbs)
{
	int width = 0;

	for (const struct cli_verb *v = verbs; v->name; v++) {
		int w = (int)(strlen(v->name) + 1 + strlen(v->args));

		if (w > width)
			width = w;
	}
	for (const struct cli_verb *v = verbs; v->name; v++) {
		char left[128];

		snprintf(left, sizeof(left), "%s %s", v->name, v->args);
		fprintf(out, "  %-*s  %s\n", width, left, v->summary);
	}
}

bool cli_verb_wants_help(int argc, char **argv, const char *help)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(help, stdout);
			return true;
		}
	}
	return false;
}

int cli_dispatch(struct cli_global *g, const struct cli_verb *verbs, void (*usage)(FILE *out),
		 int argc, char **argv)
{
	enum { OPT_ROOT = 0x100, OPT_JSON, OPT_LOG_LEVEL };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "verbose", no_argument, NULL, 'v' },
		{},
	};
	volt_log_level level;
	int c;

	/* '+': stop at the verb; ':' lets us word missing-argument errors ourselves. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hVv", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("%s %s\n", g->program, volt_core_version());
			return CLI_EXIT_OK;
		case 'v':
			volt_log_set_level(VOLT_LOG_DEBUG);
			break;
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_JSON:
			g->json = true;
			break;
		case OPT_LOG_LEVEL:
			if (volt_log_level_from_string(&level, optarg) < 0)
				return cli_usage_error(g->program, "%s", volt_error_message());
			volt_log_set_level(level);
			break;
		default:
			return cli_option_error(g->program, NULL, argc, argv, c, options);
		}
	}

	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	for (const struct cli_verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, argv[optind]) == 0) {
			/* Verbs parse their own options from a fresh getopt state. */
			char **vargv = argv + optind;
			int vargc = argc - optind;

			optind = 0;
			return v->run(g, vargc, vargv);
		}
	}
	return cli_unknown_verb(g->program, "command", argv[optind], verbs);
}
