/*
 * A container's directory and its config.json (docs/ctr-state.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

int ctr_unit_name(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "volt-container-%s.service", name);

	if (n < 0 || (size_t)n >= size)
		return volt_error_set(ENAMETOOLONG, "unit name for '%s' is too long", name);
	return 0;
}

static int join(char **out, const char *dir, const char *leaf)
{
	if (asprintf(out, "%s/%s", dir, leaf) < 0) {
		*out = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}

int ctr_record_paths(ctr_record *rec, const volt_ctr *ctr, const char *name)
{
	int r;

	memset(rec, 0, sizeof(*rec));
	r = volt_name_validate(name);
	if (r < 0)
		return volt_error_prefix(r, "container name");
	rec->name = strdup(name);
	if (!rec->name)
		return volt_error_set(ENOMEM, NULL);
	if ((r = join(&rec->dir, ctr->containers, name)) < 0 ||
	    (r = join(&rec->upper, rec->dir, "upper")) < 0 ||
	    (r = join(&rec->work, rec->dir, "work")) < 0 ||
	    (r = join(&rec->rootfs, rec->dir, "rootfs")) < 0 ||
	    (r = join(&rec->policy, rec->dir, "policy.json")) < 0 ||
	    (r = join(&rec->run_file, rec->dir, "run.pid")) < 0)
		return r;
	return 0;
}

int ctr_record_load(ctr_record *rec, const volt_ctr *ctr, const char *name)
{
	_cleanup_free_ char *config = NULL;
	const char *base;
	int r;

	r = ctr_record_paths(rec, ctr, name);
	if (r < 0)
		return r;
	r = join(&config, rec->dir, "config.json");
	if (r < 0)
		return r;
	r = volt_json_load_file(&rec->config, config);
	if (r == -ENOENT)
		return volt_error_set(ENOENT, "no container named '%s'", name);
	if (r < 0)
		return volt_error_prefix(r, "container '%s'", name);
	r = volt_json_get_string(rec->config, "base", true, "config.json", &base);
	if (r < 0)
		return volt_error_prefix(r, "container '%s'", name);
	rec->base = strdup(base);
	if (!rec->base)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

void ctr_record_done(ctr_record *rec)
{
	free(rec->name);
	json_decref(rec->config);
	free(rec->dir);
	free(rec->upper);
	free(rec->work);
	free(rec->rootfs);
	free(rec->policy);
	free(rec->run_file);
	free(rec->base);
	memset(rec, 0, sizeof(*rec));
}
