/*
 * stellarium tag, refs and untag: named references to roots.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include "stellarium.h"

static const char tag_help[] =
	"Usage: stellarium tag [OPTIONS] NAME SPEC\n"
	"\n"
	"Point ref NAME at the root named by SPEC (a hash or another ref),\n"
	"replacing its earlier value atomically. NAME is 1 to 128 characters of\n"
	"[A-Za-z0-9._-], not starting with '.'. Data reachable from a ref is\n"
	"kept by gc.\n"
	"\n"
	"Options:\n"
	"      --json  print the result as JSON\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_tag(const struct cli_global *g, int argc, char **argv)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas *cas = NULL;
	volt_cas_hash h;
	bool json;
	int r;

	r = st_simple_options(g, argc, argv, tag_help, &json, 2, 2);
	if (r >= 0)
		return r;
	if (st_open(g, false, &cas) < 0 || volt_cas_resolve(&h, cas, argv[optind + 1]) < 0 ||
	    volt_cas_ref_set(cas, argv[optind], &h) < 0) {
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	volt_cas_close(cas);
	volt_cas_hash_to_hex(hex, &h);
	if (json)
		return cli_print_json(g->program, json_pack("{s:s, s:s}", "name", argv[optind], "root", hex));
	return CLI_EXIT_OK;
}

static const char refs_help[] =
	"Usage: stellarium refs [OPTIONS]\n"
	"\n"
	"List the refs and the roots they point at, sorted by name.\n"
	"\n"
	"Options:\n"
	"      --json  print a JSON array of {name, root}\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_refs(const struct cli_global *g, int argc, char **argv)
{
	volt_cas *cas = NULL;
	char **names = NULL;
	json_t *array;
	bool json;
	int r, ret = CLI_EXIT_OK;

	r = st_simple_options(g, argc, argv, refs_help, &json, 0, 0);
	if (r >= 0)
		return r;
	if (st_open(g, false, &cas) < 0 || volt_cas_ref_list(&names, NULL, cas) < 0) {
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	array = json_array();
	for (char **n = names; *n; n++) {
		char hex[VOLT_CAS_HASH_HEX_SIZE] = "(corrupt)";
		volt_cas_hash h;

		if (volt_cas_ref_get(&h, cas, *n) == 0)
			volt_cas_hash_to_hex(hex, &h);
		else
			ret = CLI_EXIT_FAILURE;
		if (json)
			json_array_append_new(array, json_pack("{s:s, s:s}", "name", *n, "root", hex));
		else
			printf("%-30s %s\n", *n, hex);
	}
	volt_strv_free(names);
	volt_cas_close(cas);
	if (json) {
		r = cli_print_json(g->program, array);
		return ret ? ret : r;
	}
	json_decref(array);
	return ret;
}

static const char untag_help[] =
	"Usage: stellarium untag [OPTIONS] NAME...\n"
	"\n"
	"Delete refs. The data they kept becomes garbage for the next gc unless\n"
	"another ref reaches it.\n"
	"\n"
	"Options:\n"
	"      --json  print the deleted names as JSON\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

int verb_untag(const struct cli_global *g, int argc, char **argv)
{
	volt_cas *cas = NULL;
	json_t *array;
	bool json;
	int r;

	r = st_simple_options(g, argc, argv, untag_help, &json, 1, 1000);
	if (r >= 0)
		return r;
	if (st_open(g, false, &cas) < 0)
		return cli_fail(g->program);
	array = json_array();
	for (int i = optind; i < argc; i++) {
		if (volt_cas_ref_delete(cas, argv[i]) < 0) {
			json_decref(array);
			volt_cas_close(cas);
			return cli_fail(g->program);
		}
		json_array_append_new(array, json_string(argv[i]));
	}
	volt_cas_close(cas);
	if (json)
		return cli_print_json(g->program, json_pack("{s:o}", "deleted", array));
	json_decref(array);
	return CLI_EXIT_OK;
}
