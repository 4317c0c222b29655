/*
 * volt sandbox run: run any command under a policy on the host.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "volt.h"

static const char help[] =
	"Usage: volt sandbox run [--policy FILE] [--strict] [--seccomp-cache DIR] -- COMMAND [ARGS...]\n"
	"\n"
	"Run COMMAND in place of volt, sandboxed by a policy (the default policy, see\n"
	"'volt policy default', when --policy is left out), as one would with\n"
	"bubblewrap. The policy is applied in this order: user namespace, capabilities,\n"
	"no_new_privs, Landlock, seccomp; then COMMAND is executed (looked up in PATH).\n"
	"What this kernel cannot enforce is printed as a warning, or with --strict\n"
	"makes volt refuse to run COMMAND.\n"
	"\n"
	"Options:\n"
	"  -p, --policy FILE      the policy to apply\n"
	"  --strict               refuse to run unless every part of the policy is enforced\n"
	"  --seccomp-cache DIR    cache compiled seccomp programs in DIR\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: COMMAND's own, or 1 when the sandbox could not be set up,\n"
	"2 on a usage error, 126 when COMMAND cannot be executed (for example\n"
	"because the policy does not allow it), 127 when it is not found.\n";

int verb_sandbox(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_STRICT = 0x100, OPT_CACHE };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, 'p' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "seccomp-cache", required_argument, NULL, OPT_CACHE },
		{},
	};
	volt_sec_apply_options o = VOLT_SEC_APPLY_OPTIONS_INIT;
	const char *policy_path = NULL;
	volt_sec_policy *p = NULL;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "run") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(help, stdout);
			return CLI_EXIT_OK;
		}
		return cli_usage_error(g->program, "sandbox: the only command is 'run'");
	}
	argc--;
	argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hp:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'p':
			policy_path = optarg;
			break;
		case OPT_STRICT:
			o.flags |= VOLT_SEC_APPLY_STRICT;
			break;
		case OPT_CACHE:
			o.seccomp_cache_dir = optarg;
			break;
		case ':':
			return cli_usage_error(g->program, "sandbox run: option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_usage_error(g->program, "sandbox run: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(g->program, "sandbox run: no COMMAND given (use: volt sandbox run -- COMMAND)");

	r = policy_path ? volt_sec_policy_load_file(&p, policy_path) : volt_sec_policy_new_default(&p);
	if (r < 0)
		return cli_fail(g->program);
	fflush(NULL);
	r = volt_sec_policy_apply(p, &o);
	volt_sec_policy_free(p);
	if (r < 0) {
		volt_error_prefix(r, "sandbox");
		return cli_fail(g->program);
	}
	execvp(argv[optind], argv + optind);
	r = errno;
	fprintf(stderr, "%s: sandbox run: cannot execute '%s': %s\n", g->program, argv[optind], strerror(r));
	return r == ENOENT ? 127 : 126;
}
