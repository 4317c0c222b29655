/*
 * An OCI image's config applied to a request (common/image-run.h):
 * argv is Entrypoint + Cmd, and an argv given replaces Cmd (never the
 * Entrypoint); Env comes first and the request's entries win by name;
 * WorkingDir and User apply unless the request sets them; a "user:group"
 * keeps its user only (nspawn takes a user and applies its primary
 * group, and a VM does the same so both run the image alike).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "image-run.h"

static size_t strv_len(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static bool env_has(const char *const *env, const char *entry)
{
	size_t klen = strcspn(entry, "=");

	for (; env && *env; env++)
		if (strncmp(*env, entry, klen) == 0 && (*env)[klen] == '=')
			return true;
	return false;
}

int common_image_run_apply(common_image_run *out, const volt_img_image *img, const char *const *argv,
			   const char *const *env, const char *workdir, const char *user)
{
	bool user_cmd = argv && argv[0];
	const char *const *cmd = user_cmd ? argv : img->cmd;
	size_t ne = strv_len(img->entrypoint), nc = strv_len(cmd), n = 0;

	memset(out, 0, sizeof(*out));
	out->cmd_replaced = user_cmd;
	if (ne + nc > 0) {
		out->argv = calloc(ne + nc + 1, sizeof(*out->argv));
		if (!out->argv)
			goto nomem;
		for (size_t i = 0; i < ne; i++)
			out->argv[n++] = img->entrypoint[i];
		for (size_t i = 0; i < nc; i++)
			out->argv[n++] = cmd[i];
	}
	n = 0;
	out->env = calloc(strv_len(img->env) + strv_len(env) + 1, sizeof(*out->env));
	if (!out->env)
		goto nomem;
	for (const char *const *e = img->env; e && *e; e++)
		if (!env_has(env, *e))
			out->env[n++] = *e;
	for (const char *const *e = env; e && *e; e++)
		out->env[n++] = *e;
	out->workdir = workdir ? workdir : img->working_dir && img->working_dir[0] ? img->working_dir : NULL;
	out->user = user;
	if (!user && img->user && img->user[0]) {
		out->user_buf = strndup(img->user, strcspn(img->user, ":"));
		if (!out->user_buf)
			goto nomem;
		if (strchr(img->user, ':'))
			volt_log(VOLT_LOG_NOTICE, "image user '%s': the group part is not applied", img->user);
		out->user = out->user_buf;
	}
	return 0;
nomem:
	common_image_run_clear(out);
	return volt_error_set(ENOMEM, NULL);
}

void common_image_run_clear(common_image_run *r)
{
	free(r->argv);
	free(r->env);
	free(r->user_buf);
	memset(r, 0, sizeof(*r));
}
