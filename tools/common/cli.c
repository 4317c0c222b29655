/*
 * Shared frontend code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdarg.h>
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
		case ':':
			return cli_usage_error(g->program, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_usage_error(g->program, "unknown option '%s'", argv[optind - 1]);
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
	return cli_usage_error(g->program, "unknown command '%s'", argv[optind]);
}
