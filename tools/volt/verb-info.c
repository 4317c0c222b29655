/*
 * volt info: where state lives and what this host offers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <volt/core.h>

#include "volt.h"

static const char help[] =
	"Usage: volt info [--json]\n"
	"\n"
	"Show the state root that volt would use (from --root, $VOLT_ROOT or the\n"
	"built-in default), whether it exists, and the running kernel.\n"
	"\n"
	"Options:\n"
	"  --json      print JSON instead of text\n"
	"  -h, --help  show this help\n";

int verb_info(const struct cli_global *g, int argc, char **argv)
{
	char *root = NULL;
	struct utsname uts;
	struct stat st;
	bool json, exists;
	int r;

	r = volt_verb_common_options(g, &json, argc, argv, help);
	if (r >= 0)
		return r;

	if (volt_root_resolve(&root, g->root) < 0)
		return cli_fail(g->program);
	exists = stat(root, &st) == 0 && S_ISDIR(st.st_mode);
	if (uname(&uts) < 0) {
		free(root);
		volt_error_set_errno(errno, "uname");
		return cli_fail(g->program);
	}

	if (json) {
		json_t *o = json_pack("{s:s, s:{s:s, s:b}, s:{s:s, s:s}}", "version", VOLT_VERSION_STRING,
				      "root", "path", root, "exists", exists, "kernel", "release",
				      uts.release, "machine", uts.machine);
		free(root);
		if (!o) {
			volt_error_set(ENOMEM, "cannot build JSON");
			return cli_fail(g->program);
		}
		return cli_print_json(g->program, o);
	}

	printf("Version:     %s\n", VOLT_VERSION_STRING);
	printf("State root:  %s%s\n", root, exists ? "" : " (not created yet)");
	printf("Kernel:      %s %s\n", uts.release, uts.machine);
	free(root);
	return CLI_EXIT_OK;
}
