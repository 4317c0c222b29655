/*
 * volt policy learn: observe a program once, write a policy for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "volt.h"

static const char help[] =
	"Usage: volt policy learn -o FILE [--force] [--explain] -- COMMAND [ARGS...]\n"
	"\n"
	"Run COMMAND once, traced with ptrace (every thread and child it starts is\n"
	"traced from its first instruction, it cannot detach, and it is killed if\n"
	"volt dies), and write to FILE a least-privilege policy for it: the\n"
	"files it read, wrote and executed (directories only where it listed or\n"
	"created entries in them, or read many files in a system directory), the\n"
	"ports it bound and connected to, and the syscalls it made (the default\n"
	"seccomp profile, with its guards, minus every syscall it did not make).\n"
	"Failed probes for missing files grant nothing. Grants of /, /etc, $HOME\n"
	"and /proc are flagged with a warning.\n"
	"COMMAND runs in a session of its own (as under 'volt sandbox run'): the\n"
	"first SIGINT, SIGTERM or SIGHUP volt gets (Ctrl-C) is forwarded to it, and\n"
	"the policy is written when it has ended; a second one kills it at once,\n"
	"and what was learned so far is written.\n"
	"COMMAND runs without a sandbox while it is observed: learn only from a\n"
	"trusted run. Review the result before use: see docs/sec-learn.md.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  where to write the policy (required)\n"
	"  --force            replace FILE if it exists\n"
	"  --explain          print, for each rule, which accesses caused it, and\n"
	"                     what was touched but not granted\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 when the policy was written (a note on stderr says if COMMAND\n"
	"itself failed), 1 when learning failed, 2 on a usage error.\n";

static void print_accesses(json_t *item)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(item, "accesses"), i, a)
		printf("    %s\n", json_string_value(a));
}

/* The --explain text: each rule, then what got none, then the syscalls. */
static void print_explain(json_t *why)
{
	json_t *item, *sc = json_object_get(why, "seccomp"), *name;
	size_t i;

	json_array_foreach(json_object_get(why, "rules"), i, item) {
		const char *flag = json_string_value(json_object_get(item, "flag"));

		printf("%s %s (%s): %s\n", json_string_value(json_object_get(item, "key")),
		       json_string_value(json_object_get(item, "path")), json_string_value(json_object_get(item, "type")),
		       json_string_value(json_object_get(item, "reason")));
		if (flag)
			printf("  ! FLAGGED: %s\n", flag);
		print_accesses(item);
	}
	/* Failed probes are many and alike: one line each, the reason once. */
	json_array_foreach(json_object_get(why, "not_granted"), i, item) {
		json_t *first = json_array_get(json_object_get(item, "accesses"), 0);

		if (strcmp(json_string_value(json_object_get(item, "use")), "probe") == 0) {
			printf("not granted %s: %s\n", json_string_value(json_object_get(item, "path")),
			       first ? json_string_value(first) : "failed");
			continue;
		}
		printf("not granted %s (%s): %s\n", json_string_value(json_object_get(item, "path")),
		       json_string_value(json_object_get(item, "use")), json_string_value(json_object_get(item, "reason")));
		print_accesses(item);
	}
	if (json_array_size(json_object_get(why, "not_granted")))
		printf("(a failed call needs no grant: a missing file stays ENOENT under Landlock)\n");
	printf("seccomp: default profile (guards kept, clone3 answered ENOSYS), %d of its syscalls denied; used:",
	       (int)json_integer_value(json_object_get(sc, "denied")));
	json_array_foreach(json_object_get(sc, "used"), i, name)
		printf(" %s", json_string_value(name));
	printf("\n");
	if (json_array_size(json_object_get(sc, "beyond_default"))) {
		printf("  ! FLAGGED: allowed beyond the default profile:");
		json_array_foreach(json_object_get(sc, "beyond_default"), i, name)
			printf(" %s", json_string_value(name));
		printf("\n");
	}
	if (json_is_true(json_object_get(why, "abstract_unix_socket")))
		printf("scope: abstract_unix_socket left out: the run connected to an abstract unix socket\n");
	fflush(stdout);
}

int verb_policy_learn(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_FORCE = 0x100, OPT_EXPLAIN };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{},
	};
	const char *output = NULL;
	volt_sec_policy *p = NULL;
	volt_sec_learn_options lo = VOLT_SEC_LEARN_OPTIONS_INIT;
	json_t *j = NULL, *why = NULL;
	bool force = false, explain = false;
	struct stat st;
	int c, r, status = 0;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:ho:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'o':
			output = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_EXPLAIN:
			explain = true;
			break;
		default:
			return cli_option_error(g->program, "policy learn", argc, argv, c, options);
		}
	}
	if (!output)
		return cli_usage_error(g->program, "policy learn: -o FILE is required");
	if (optind >= argc)
		return cli_usage_error(g->program, "policy learn: no COMMAND given (use: volt policy learn -o FILE -- COMMAND)");
	if (!force && stat(output, &st) == 0) {
		volt_error_set(EEXIST, "%s exists (use --force to replace it)", output);
		return cli_fail(g->program);
	}

	lo.flags = VOLT_SEC_LEARN_FORWARD_SIGNALS;
	r = volt_sec_learn_run_explain(&p, explain ? &why : NULL, &status, argv + optind, NULL, &lo);
	if (r < 0)
		return cli_fail(g->program);
	if (why) {
		print_explain(why);
		json_decref(why);
	}
	r = volt_sec_policy_to_json(&j, p);
	volt_sec_policy_free(p);
	if (r < 0)
		return cli_fail(g->program);
	r = volt_json_write_file(output, j, VOLT_JSON_PRETTY, 0644);
	json_decref(j);
	if (r < 0)
		return cli_fail(g->program);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fprintf(stderr, "%s: note: '%s' exited with status %d; the policy covers that run\n", g->program,
			argv[optind], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "%s: note: '%s' was killed by signal %d; the policy covers that run\n", g->program,
			argv[optind], WTERMSIG(status));
	fprintf(stderr, "%s: wrote %s\n", g->program, output);
	return CLI_EXIT_OK;
}
