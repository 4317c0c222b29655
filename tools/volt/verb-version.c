/*
 * volt version: the versions of the tool and of each library it loaded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include <volt/cas.h>
#include <volt/core.h>
#include <volt/ctr.h>
#include <volt/img.h>
#include <volt/sec.h>
#include <volt/vm.h>

#include "volt.h"

static const char help[] =
	"Usage: volt version [--json]\n"
	"\n"
	"Show the version of volt and of each Volt library loaded at run time.\n"
	"\n"
	"Options:\n"
	"  --json      print JSON instead of text\n"
	"  -h, --help  show this help\n";

int verb_version(const struct cli_global *g, int argc, char **argv)
{
	const struct {
		const char *name, *version;
	} libs[] = {
		{ "libvolt-core", volt_core_version() }, { "libvolt-cas", volt_cas_version() },
		{ "libvolt-img", volt_img_version() },   { "libvolt-sec", volt_sec_version() },
		{ "libvolt-ctr", volt_ctr_version() },   { "libvolt-vm", volt_vm_version() },
	};
	bool json;
	int r;

	r = volt_verb_common_options(g, &json, argc, argv, help);
	if (r >= 0)
		return r;

	if (json) {
		json_t *o = json_pack("{s:s, s:{}}", "volt", VOLT_VERSION_STRING, "libraries");

		if (!o)
			return cli_fail(g->program);
		for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
			json_object_set_new(json_object_get(o, "libraries"), libs[i].name,
					    json_string(libs[i].version));
		return cli_print_json(g->program, o);
	}

	printf("volt %s\n", VOLT_VERSION_STRING);
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		printf("%-13s %s\n", libs[i].name, libs[i].version);
	return CLI_EXIT_OK;
}
