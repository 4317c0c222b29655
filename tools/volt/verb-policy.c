/*
 * volt policy: validate, show, print the default, learn.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "volt.h"

static const char help[] =
	"Usage: volt policy validate FILE [--json]\n"
	"       volt policy show [FILE] [--json]\n"
	"       volt policy default\n"
	"       volt policy learn -o FILE [--force] -- COMMAND [ARGS...]\n"
	"       volt policy attach IMAGE FILE\n"
	"       volt policy detach IMAGE\n"
	"       volt policy attached IMAGE\n"
	"\n"
	"Work with sandbox policies: JSON files that say what a workload may read,\n"
	"write and execute (Landlock), which TCP ports it may bind and connect to\n"
	"(Landlock, ABI 4+), which syscalls it may make (seccomp), which capabilities\n"
	"it keeps, how its user namespace maps ids, and whether no_new_privs is set.\n"
	"The format is described in docs/sec-policy.md.\n"
	"\n"
	"Commands:\n"
	"  validate FILE   check FILE strictly; an unknown key, a wrong type, a relative\n"
	"                  path, a port out of range, an unknown syscall or capability\n"
	"                  is an error naming the key; a valid policy that defeats\n"
	"                  itself (allowing io_uring, say) gets a warning saying why\n"
	"  show [FILE]     the effective policy after defaults (the default policy when\n"
	"                  FILE is left out), what this kernel supports, and what of the\n"
	"                  policy this kernel cannot enforce\n"
	"  default         print the default policy as JSON, a starting point to edit\n"
	"  learn           run COMMAND once under observation (ptrace; it cannot escape\n"
	"                  it) and write a least-privilege policy for it to FILE; see\n"
	"                  docs/sec-learn.md for how to review and tighten the result\n"
	"                  (containers: volt run --learn=FILE [--attach] IMAGE)\n"
	"  attach IMAGE FILE  validate FILE and keep a copy as IMAGE's policy: containers\n"
	"                  of IMAGE made without --policy get it instead of the container\n"
	"                  default (--policy default overrides it); kept under the state\n"
	"                  root by image content, never read from the image\n"
	"  detach IMAGE    remove IMAGE's policy\n"
	"  attached IMAGE  print IMAGE's policy (JSON)\n"
	"\n"
	"Options:\n"
	"  --json          machine-readable output (validate, show)\n"
	"  -o, --output F  where learn writes the policy\n"
	"  --force         let learn replace an existing FILE\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status: 0 on success (validate: the file is valid), 1 when the policy is\n"
	"invalid or the command failed, 2 on a usage error.\n";

static int load_policy(const struct cli_global *g, const char *path, volt_sec_policy **out)
{
	int r = path ? volt_sec_policy_load_file(out, path) : volt_sec_policy_new_default(out);

	return r < 0 ? cli_fail(g->program) : -1;
}

static int policy_validate(const struct cli_global *g, bool json, const char *path)
{
	volt_sec_policy *p = NULL;
	json_t *warnings = NULL, *w;
	size_t i;
	int r;

	r = volt_sec_policy_load_file(&p, path);
	if (r == 0 && volt_sec_policy_warnings(&warnings, p) < 0) {
		volt_sec_policy_free(p);
		return cli_fail(g->program);
	}
	volt_sec_policy_free(p);
	if (json) {
		json_t *o = json_pack("{s:s, s:b, s:s?, s:o}", "path", path, "valid", r == 0, "error",
				      r < 0 ? volt_error_message() : NULL, "warnings",
				      warnings ? warnings : json_array());
		int ret;

		if (!o)
			return cli_fail(g->program);
		ret = cli_print_json(g->program, o);
		return r < 0 ? CLI_EXIT_FAILURE : ret;
	}
	if (r < 0)
		return cli_fail(g->program);
	json_array_foreach(warnings, i, w)
		fprintf(stderr, "%s: warning: %s: %s\n", g->program, path, json_string_value(w));
	printf("%s: valid%s\n", path, json_array_size(warnings) ? " (with warnings)" : "");
	json_decref(warnings);
	return CLI_EXIT_OK;
}

static void print_list(const char *label, const json_t *list, const char *unrestricted)
{
	const json_t *item;
	size_t i;

	printf("  %-12s", label);
	if (json_is_null(list)) {
		printf("%s\n", unrestricted);
		return;
	}
	if (json_array_size(list) == 0)
		printf("nothing");
	json_array_foreach(list, i, item) {
		if (json_is_string(item))
			printf("%s%s", i ? " " : "", json_string_value(item));
		else
			printf("%s%lld", i ? " " : "", (long long)json_integer_value(item));
	}
	printf("\n");
}

static void print_ranges(const char *label, const json_t *ranges)
{
	const json_t *r;
	size_t i;

	printf("  %-12s", label);
	json_array_foreach(ranges, i, r) {
		long long in = json_integer_value(json_object_get(r, "inside"));
		long long out = json_integer_value(json_object_get(r, "outside"));
		long long n = json_integer_value(json_object_get(r, "count"));

		printf("%s%lld-%lld -> %lld-%lld", i ? ", " : "", in, in + n - 1, out, out + n - 1);
	}
	printf("\n");
}

static void print_human(const char *path, const json_t *o)
{
	const json_t *pol = json_object_get(o, "policy"), *k = json_object_get(o, "kernel");
	const json_t *sc = json_object_get(pol, "seccomp"), *ns = json_object_get(pol, "user_namespace");
	const json_t *gaps = json_object_get(o, "not_enforceable"), *g;
	size_t i;

	printf("Policy: %s\n", path ? path : "(default)");
	printf("Filesystem (Landlock):\n");
	print_list("read", json_object_get(pol, "fs_read"), "anything (not restricted)");
	print_list("write", json_object_get(pol, "fs_write"), "anything (not restricted)");
	print_list("execute", json_object_get(pol, "fs_execute"), "anything (not restricted)");
	printf("Network (Landlock, TCP):\n");
	print_list("bind", json_object_get(pol, "net_bind"), "any port (not restricted)");
	print_list("connect", json_object_get(pol, "net_connect"), "any port (not restricted)");
	printf("Isolation (Landlock scope):\n");
	print_list("scoped", json_object_get(pol, "scope"), "");
	printf("Seccomp:\n");
	printf("  %-12s%s, refused calls %s\n", "profile", json_string_value(json_object_get(sc, "profile")),
	       strcmp(json_string_value(json_object_get(sc, "action")), "kill") == 0 ? "kill the process"
										     : "fail with EPERM");
	print_list("allow", json_object_get(sc, "allow"), "");
	print_list("deny", json_object_get(sc, "deny"), "");
	printf("Capabilities:\n");
	print_list("kept", json_object_get(pol, "capabilities"), "");
	printf("User namespace:\n");
	if (json_is_null(ns)) {
		printf("  %-12snone (ids are not remapped; as root, volt sandbox run maps root to uid 65534)\n", "");
	} else if (json_is_false(ns)) {
		printf("  %-12snever (as root, volt sandbox run stays host root)\n", "");
	} else {
		print_ranges("uids", json_object_get(ns, "uid_map"));
		print_ranges("gids", json_object_get(ns, "gid_map"));
	}
	printf("no_new_privs: %s\n", json_is_true(json_object_get(pol, "no_new_privs")) ? "yes" : "no");
	printf("\nThis kernel: Landlock ABI %lld%s, seccomp %s, user namespaces %s\n",
	       (long long)json_integer_value(json_object_get(k, "landlock_abi")),
	       json_integer_value(json_object_get(k, "landlock_abi")) ? "" : " (unavailable)",
	       json_is_true(json_object_get(k, "seccomp")) ? "yes" : "no",
	       json_is_true(json_object_get(k, "user_namespaces")) ? "yes" : "no");
	if (json_array_size(gaps) == 0) {
		printf("Enforceable: all of it\n");
		return;
	}
	printf("Not enforceable here (a warning by default, refused with --strict):\n");
	json_array_foreach(gaps, i, g)
		printf("  - %s\n", json_string_value(g));
}

static int policy_show(const struct cli_global *g, bool json, const char *path)
{
	volt_sec_support s = VOLT_SEC_SUPPORT_INIT;
	volt_sec_policy *p = NULL;
	json_t *pj = NULL, *gaps = NULL, *o;
	int r;

	r = load_policy(g, path, &p);
	if (r >= 0)
		return r;
	if (volt_sec_policy_to_json(&pj, p) < 0 || volt_sec_probe(&s) < 0 || volt_sec_policy_gaps(&gaps, p, &s) < 0) {
		volt_sec_policy_free(p);
		json_decref(pj);
		return cli_fail(g->program);
	}
	volt_sec_policy_free(p);
	o = json_pack("{s:o, s:{s:i, s:b, s:b}, s:o}", "policy", pj, "kernel", "landlock_abi", s.landlock_abi,
		      "seccomp", s.seccomp, "user_namespaces", s.user_namespaces, "not_enforceable", gaps);
	if (!o) {
		volt_error_set(ENOMEM, "cannot build JSON");
		return cli_fail(g->program);
	}
	if (json)
		return cli_print_json(g->program, o);
	print_human(path, o);
	json_decref(o);
	return CLI_EXIT_OK;
}

static int policy_default(const struct cli_global *g)
{
	volt_sec_policy *p = NULL;
	json_t *j = NULL;
	int r;

	r = load_policy(g, NULL, &p);
	if (r >= 0)
		return r;
	r = volt_sec_policy_to_json(&j, p);
	volt_sec_policy_free(p);
	if (r < 0)
		return cli_fail(g->program);
	return cli_print_json(g->program, j);
}

int verb_policy(const struct cli_global *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	const char *sub;
	bool json = g->json;
	int c;

	if (argc >= 2 && strcmp(argv[1], "learn") == 0)
		return verb_policy_learn(g, argc - 1, argv + 1);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'j':
			json = true;
			break;
		default:
			return cli_option_error(g->program, "policy", argc, argv, c, options);
		}
	}
	if (optind >= argc)
		return cli_usage_error(g->program, "policy: which command? validate, show, default, learn, attach, detach or attached");
	sub = argv[optind++];
	/* Options may also follow the subcommand. */
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'j':
			json = true;
			break;
		default: {
			char what[80];

			snprintf(what, sizeof(what), "policy %.60s", sub);
			return cli_option_error(g->program, what, argc, argv, c, options);
		}
		}
	}
	if (strcmp(sub, "validate") == 0) {
		if (argc - optind != 1)
			return cli_usage_error(g->program, "policy validate: needs exactly one FILE");
		return policy_validate(g, json, argv[optind]);
	}
	if (strcmp(sub, "show") == 0) {
		if (argc - optind > 1)
			return cli_usage_error(g->program, "policy show: takes at most one FILE");
		return policy_show(g, json, optind < argc ? argv[optind] : NULL);
	}
	if (strcmp(sub, "default") == 0) {
		if (optind != argc)
			return cli_usage_error(g->program, "policy default: unexpected argument '%s'", argv[optind]);
		return policy_default(g);
	}
	if (strcmp(sub, "attach") == 0 || strcmp(sub, "detach") == 0 || strcmp(sub, "attached") == 0)
		return verb_policy_attach(g, sub, json, argc - optind, argv + optind);
	return cli_usage_error(g->program, "policy: unknown command '%s'", sub);
}
