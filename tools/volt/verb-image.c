/*
 * volt image: OCI and Docker images in the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "image.h"

static const struct cli_verb verbs[] = {
	{ "pull", "REGISTRY/REPO[:TAG|@DIGEST] [--platform P] [--json]", "Pull an image from a registry", image_pull },
	{ "push", "IMAGE [REGISTRY/REPO[:TAG]] [--json]", "Push an image to a registry as an OCI image", image_push },
	{ "save", "IMAGE -o FILE|- [--json]", "Write an image as an OCI archive tar file", image_save },
	{ "import", "FILE [--name NAME] [--json]", "Import a docker-archive or OCI archive tar file", image_import },
	{ "ls", "[--json]", "List images", image_list },
	{ "list", "[--json]", "Same as ls", image_list },
	{ "inspect", "NAME [--json]", "Show an image's record and config", image_inspect },
	{ "tag", "SRC DST", "Give an image another name", image_tag },
	{ "rm", "NAME...", "Remove image names (gc frees their data)", image_rm },
	{ "prune", "[--dry-run] [--json]", "Free container bases and data nothing uses", image_prune },
	{},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: volt image COMMAND [ARGS...]\n"
		"\n"
		"OCI and Docker images, kept in the state root's Stellarium store\n"
		"(STATE_ROOT/cas): each layer once, their files cut into blocks that dedupe\n"
		"with everything else in the store, merged into one tree per image. 'volt run\n"
		"IMAGE' runs an image with its Entrypoint, Cmd, Env, WorkingDir and User.\n"
		"\n"
		"Commands:\n");
	cli_print_verbs(out, verbs);
	fprintf(out,
		"\n"
		"An image NAME is its full name (127.0.0.1:5000/library/demo:1.0), or a name\n"
		"without tag (demo means demo:latest), or the end of exactly one full name\n"
		"after a '/' (demo:1.0), or its id (sha256:HEX, or 12 or more leading hex\n"
		"digits). Run 'volt image COMMAND --help' for a command's options.\n");
}

int verb_image(const struct cli_global *g, int argc, char **argv)
{
	return cli_dispatch_group(g, "image command", verbs, usage, argc, argv);
}

int image_store_open(const struct cli_global *g, bool create, volt_cas **out)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	char *root = NULL, *store = NULL;
	int r;

	if (volt_root_resolve(&root, g->root) < 0)
		return cli_fail(g->program);
	r = volt_root_subdir(&store, root, "cas", 0);
	if (r >= 0 && create) {
		r = volt_mkdir_p(root, 0700);
		oo.flags |= VOLT_CAS_OPEN_CREATE;
	}
	if (r >= 0)
		r = volt_cas_open(out, store, &oo);
	if (r == -ENOENT && !create)
		volt_error_set(ENOENT, "no images: the store %s does not exist yet", store);
	free(root);
	free(store);
	return r < 0 ? cli_fail(g->program) : -1;
}

static json_t *strv_json(const char *const *v)
{
	json_t *a;

	if (!v)
		return json_null();
	a = json_array();
	for (; a && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

json_t *image_to_json(const volt_img_image *img, bool with_config)
{
	char root[VOLT_CAS_HASH_HEX_SIZE], rec[VOLT_CAS_HASH_HEX_SIZE];
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(img->name));
	json_object_set_new(o, "id", json_string(img->id));
	json_object_set_new(o, "manifest_digest", img->manifest_digest ? json_string(img->manifest_digest) : json_null());
	json_object_set_new(o, "root", json_string(volt_cas_hash_to_hex(root, &img->root)));
	json_object_set_new(o, "record", json_string(volt_cas_hash_to_hex(rec, &img->record)));
	json_object_set_new(o, "created", json_integer(img->created));
	json_object_set_new(o, "os", img->os ? json_string(img->os) : json_null());
	json_object_set_new(o, "architecture", img->architecture ? json_string(img->architecture) : json_null());
	json_object_set_new(o, "layers", strv_json(img->layers));
	json_object_set_new(o, "entrypoint", strv_json(img->entrypoint));
	json_object_set_new(o, "cmd", strv_json(img->cmd));
	json_object_set_new(o, "env", strv_json(img->env));
	json_object_set_new(o, "working_dir", img->working_dir ? json_string(img->working_dir) : json_null());
	json_object_set_new(o, "user", img->user ? json_string(img->user) : json_null());
	json_object_set_new(o, "exposed_ports", strv_json(img->exposed_ports));
	if (with_config) {
		json_t *c = NULL;

		if (volt_json_parse(&c, img->config_json, img->config_len) == 0)
			json_object_set_new(o, "config", c);
	}
	return o;
}
