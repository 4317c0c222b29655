/*
 * Containers of OCI images: the image named by a spec is looked up in
 * the store's image records first (then, by the caller, as a Stellarium
 * ref or hash), and its config fills what the spec leaves open, the way
 * Docker does: argv is Entrypoint + Cmd, a command given in the spec
 * replaces Cmd; Env comes first and the spec's entries win by name;
 * WorkingDir and User apply unless the spec sets them. What came from
 * the image is recorded in the container's config.json.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/img.h>
#include <volt/core.h>

#include "ctr-internal.h"
#include "image-run.h"
#include "shared/macro.h"

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

static int fill_spec(struct ctr_image_config *ic, const volt_ctr_spec *spec, volt_ctr_spec *eff)
{
	common_image_run run;
	int r = common_image_run_apply(&run, ic->img, spec->argv, spec->env, spec->workdir, spec->user);

	if (r < 0)
		return r;
	ic->argv = run.argv;
	ic->env = run.env;
	ic->user = run.user_buf;
	if (run.argv)
		eff->argv = run.argv;
	eff->env = run.env;
	eff->workdir = run.workdir;
	eff->user = run.user;
	return 0;
}

static json_t *image_record(const volt_img_image *img, bool user_cmd)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(img->name));
	json_object_set_new(o, "id", json_string(img->id));
	json_object_set_new(o, "entrypoint", strv_json(img->entrypoint));
	json_object_set_new(o, "cmd", strv_json(img->cmd));
	json_object_set_new(o, "cmd_replaced", json_boolean(user_cmd));
	json_object_set_new(o, "env", strv_json(img->env));
	json_object_set_new(o, "working_dir", img->working_dir ? json_string(img->working_dir) : json_null());
	json_object_set_new(o, "user", img->user ? json_string(img->user) : json_null());
	json_object_set_new(o, "exposed_ports", strv_json(img->exposed_ports));
	return o;
}

int ctr_image_config_apply(const volt_ctr *ctr, const volt_ctr_spec *spec, volt_ctr_spec *eff,
			   struct ctr_image_config *ic)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	_cleanup_free_ char *store = NULL;
	volt_cas *cas = NULL;
	int r;

	memset(ic, 0, sizeof(*ic));
	*eff = *spec;
	r = volt_root_subdir(&store, ctr->root, "cas", 0);
	if (r < 0)
		return r;
	r = volt_cas_open(&cas, store, &oo);
	if (r == -ENOENT) {
		volt_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	r = volt_img_image_get(&ic->img, cas, spec->image);
	volt_cas_close(cas);
	if (r == -ENOENT || r == -EINVAL) {
		/* Not an image record: maybe a ref or a hash, unless no ref can have that name. */
		if (strspn(spec->image, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    strlen(spec->image))
			return volt_error_set(ENOENT, "no image named '%s' (see 'volt image ls')", spec->image);
		volt_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	volt_cas_hash_to_hex(ic->root_hex, &ic->img->root);
	eff->image = ic->root_hex;
	r = fill_spec(ic, spec, eff);
	if (r < 0)
		return r;
	ic->record = image_record(ic->img, spec->argv && spec->argv[0]);
	if (!ic->record)
		return volt_error_set(ENOMEM, NULL);
	return 1;
}

void ctr_image_config_clear(struct ctr_image_config *ic)
{
	volt_img_image_free(ic->img);
	free(ic->argv);
	free(ic->env);
	free(ic->user);
	json_decref(ic->record);
	memset(ic, 0, sizeof(*ic));
}
