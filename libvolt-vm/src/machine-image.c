/*
 * A VM of an OCI image runs what a container of it runs: the image's
 * Entrypoint, Cmd, Env, WorkingDir and User fill what the spec leaves
 * open, through the one function containers use (common/image-run.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <volt/cas.h>
#include <volt/img.h>

#include "image-run.h"
#include "machine-internal.h"

int vm_image_apply(vm_image_config *out, const volt_vm *vm, const volt_vm_spec *spec)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	volt_cas *cas = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	out->spec = *spec;
	r = volt_cas_open(&cas, vm->store, &oo);
	if (r == -ENOENT) {
		volt_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	r = volt_img_image_get(&out->img, cas, spec->image);
	volt_cas_close(cas);
	if (r == -ENOENT || r == -EINVAL) {
		/* Not an OCI image record: a Stellarium ref or hash, or the built-in image. */
		volt_error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	r = common_image_run_apply(&out->run, out->img, spec->argv, spec->env, spec->workdir, spec->user);
	if (r < 0)
		return r;
	if (out->run.argv)
		out->spec.argv = out->run.argv;
	out->spec.env = out->run.env;
	out->spec.workdir = out->run.workdir;
	out->spec.user = out->run.user;
	return 1;
}

void vm_image_config_clear(vm_image_config *c)
{
	common_image_run_clear(&c->run);
	volt_img_image_free(c->img);
	memset(c, 0, sizeof(*c));
}
