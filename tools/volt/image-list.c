/*
 * volt image ls, volt image inspect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <volt/core.h>

#include "image.h"

static const char list_help[] =
	"Usage: volt image ls [--json]\n"
	"\n"
	"List the images of the store, by name: the image id (the first 12 hex digits\n"
	"of the config's SHA-256; names of one image share it), the number of layers,\n"
	"the platform and when the name was recorded.\n"
	"\n"
	"Options:\n"
	"  --json      print a JSON array of objects (name, id, manifest_digest, root,\n"
	"              record, created, os, architecture, layers, entrypoint, cmd, env,\n"
	"              working_dir, user, exposed_ports)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

static const char inspect_help[] =
	"Usage: volt image inspect NAME [--json]\n"
	"\n"
	"Show image NAME: its full name, id, manifest digest, root tree (a Stellarium\n"
	"hash: 'stellarium ls HASH' browses it), layers, platform, and what its config\n"
	"says a container runs: Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts;\n"
	"and Policy, what its containers get without --policy: 'attached' (volt policy\n"
	"attach, volt run --learn --attach) or 'default' (the container default).\n"
	"NAME may be short (see 'volt image --help').\n"
	"\n"
	"Options:\n"
	"  --json      print the same as JSON, with the whole image config under \"config\"\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 on success, 1 when there is no such image, 2 on a usage error.\n";

int image_list(const struct cli_global *g, int argc, char **argv)
{
	volt_cas *cas = NULL;
	char **names = NULL;
	json_t *arr = NULL;
	bool json;
	int r;

	r = volt_verb_common_options(g, &json, argc, argv, list_help);
	if (r >= 0)
		return r;
	r = image_store_open(g, true, &cas);
	if (r >= 0)
		return r;
	if (volt_img_image_list(&names, NULL, cas) < 0) {
		volt_cas_close(cas);
		return cli_fail(g->program);
	}
	if (json)
		arr = json_array();
	else
		printf("%-48s %-12s %6s %-12s %s\n", "NAME", "ID", "LAYERS", "PLATFORM", "CREATED");
	for (char **n = names; *n; n++) {
		volt_img_image *img = NULL;

		if (volt_img_image_get(&img, cas, *n) < 0) {
			volt_strv_free(names);
			volt_cas_close(cas);
			json_decref(arr);
			return cli_fail(g->program);
		}
		if (json) {
			json_array_append_new(arr, image_to_json(img, false));
		} else {
			char when[32] = "-", plat[64];
			time_t t = (time_t)img->created;
			struct tm tm;
			char *ename, *eplat;

			if (localtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
			snprintf(plat, sizeof(plat), "%s/%s", img->os ? img->os : "?",
				 img->architecture ? img->architecture : "?");
			/* Names and platforms come from archives and registries: escaped for the terminal. */
			ename = cli_escape(img->name);
			eplat = cli_escape(plat);
			printf("%-48s %-12.12s %6zu %-12s %s\n", ename ? ename : "?", img->id + 7, img->n_layers,
			       eplat ? eplat : "?", when);
			free(ename);
			free(eplat);
		}
		volt_img_image_free(img);
	}
	volt_strv_free(names);
	volt_cas_close(cas);
	return json ? cli_print_json(g->program, arr) : CLI_EXIT_OK;
}

/* An image's config is whatever its author wrote: every string of it is printed escaped. */
static void print_line(const char *prefix, const char *value)
{
	fputs(prefix, stdout);
	cli_fputs_escaped(value, stdout);
	putchar('\n');
}

static void print_field(const char *label, const char *value)
{
	printf("%-14s", label);
	print_line("", value);
}

static void print_strv(const char *label, const char *const *v)
{
	printf("%-14s", label);
	if (!v) {
		printf("-\n");
		return;
	}
	printf("[");
	for (size_t i = 0; v[i]; i++) {
		printf("%s\"", i ? ", " : "");
		cli_fputs_escaped(v[i], stdout);
		putchar('"');
	}
	printf("]\n");
}

int image_inspect(const struct cli_global *g, int argc, char **argv)
{
	volt_img_image *img = NULL;
	volt_cas *cas = NULL;
	const char *name = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	bool json = g->json;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(inspect_help, stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (argv[i][0] == '-') {
			return cli_usage_error(g->program, "inspect: unknown option '%s'", argv[i]);
		} else if (name) {
			return cli_usage_error(g->program, "inspect: give exactly one image NAME");
		} else {
			name = argv[i];
		}
	}
	if (!name)
		return cli_usage_error(g->program, "inspect: give an image NAME");
	r = image_store_open(g, false, &cas);
	if (r >= 0)
		return r;
	r = volt_img_image_get(&img, cas, name);
	volt_cas_close(cas);
	if (r < 0)
		return cli_fail(g->program);
	if (json) {
		json_t *o = image_to_json(img, true);

		/* What its containers get without --policy (volt policy attach). */
		json_object_set_new(o, "policy", json_string(image_policy_state(g, name)));
		volt_img_image_free(img);
		return cli_print_json(g->program, o);
	}
	print_field("Name:", img->name);
	print_field("Id:", img->id);
	print_field("Manifest:", img->manifest_digest ? img->manifest_digest : "-");
	printf("%-14s%s\n", "Root:", volt_cas_hash_to_hex(hex, &img->root));
	printf("%-14s", "Platform:");
	cli_fputs_escaped(img->os ? img->os : "?", stdout);
	print_line("/", img->architecture ? img->architecture : "?");
	printf("%-14s%zu\n", "Layers:", img->n_layers);
	for (size_t i = 0; i < img->n_layers; i++)
		print_line("  ", img->layers[i]);
	print_strv("Entrypoint:", img->entrypoint);
	print_strv("Cmd:", img->cmd);
	print_field("WorkingDir:", img->working_dir && *img->working_dir ? img->working_dir : "-");
	print_field("User:", img->user && *img->user ? img->user : "-");
	print_field("Policy:", image_policy_state(g, name));
	printf("Env:\n");
	for (const char *const *e = img->env; e && *e; e++)
		print_line("  ", *e);
	printf("ExposedPorts:\n");
	for (const char *const *p = img->exposed_ports; p && *p; p++)
		print_line("  ", *p);
	volt_img_image_free(img);
	return CLI_EXIT_OK;
}
