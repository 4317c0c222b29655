/*
 * volt policy attach / detach / attached: the policy of an image, which
 * its containers get instead of the container default.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <volt/core.h>
#include <volt/ctr.h>

#include "container.h"
#include "volt.h"

int verb_policy_attach(const struct cli_global *g, const char *sub, bool json, int argc, char **argv)
{
	volt_ctr *ctr = NULL;
	json_t *j = NULL;
	int r;

	if (strcmp(sub, "attach") == 0 && argc != 2)
		return cli_usage_error(g->program, "policy attach: needs IMAGE and FILE");
	if (strcmp(sub, "attach") != 0 && argc != 1)
		return cli_usage_error(g->program, "policy %s: needs exactly one IMAGE", sub);
	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	if (strcmp(sub, "attach") == 0) {
		r = volt_json_load_file(&j, argv[1]);
		if (r == 0)
			r = volt_ctr_image_policy_attach(ctr, argv[0], j);
		json_decref(j);
		j = NULL;
	}
	else if (strcmp(sub, "detach") == 0)
		r = volt_ctr_image_policy_detach(ctr, argv[0]);
	else
		r = volt_ctr_image_policy_get(&j, ctr, argv[0]);
	volt_ctr_close(ctr);
	if (r < 0)
		return cli_fail(g->program);
	/* attached: the policy is the output, in JSON either way. */
	if (j)
		return cli_print_json(g->program, j);
	if (!json)
		fprintf(stderr, "%s: %s\n", g->program,
			strcmp(sub, "attach") == 0 ? "attached the policy to the image" : "detached the image's policy");
	return CLI_EXIT_OK;
}

const char *image_policy_state(const struct cli_global *g, const char *image)
{
	volt_ctr *ctr = NULL;
	json_t *j = NULL;
	int r;

	if (container_open(g, &ctr) >= 0) {
		volt_error_clear();
		return "unknown";
	}
	r = volt_ctr_image_policy_get(&j, ctr, image);
	volt_ctr_close(ctr);
	json_decref(j);
	volt_error_clear();
	/* One that does not validate is refused at create: say so here too. */
	return r == 0 ? "attached" : r == -ENOENT ? "default" : "invalid";
}
