/*
 * volt run --learn[=FILE] [--attach]: a container's run observed, and
 * the policy learned from it written to FILE and/or attached to the image.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include <volt/core.h>
#include <volt/ctr.h>

#include "container.h"

int container_run_learn(const struct cli_global *g, volt_ctr *ctr, const char *name, const struct spec_options *o,
			volt_ctr_console console)
{
	json_t *policy = NULL;
	int status = 0, r = CLI_EXIT_OK;

	if (volt_ctr_learn(&policy, &status, ctr, name, console) < 0)
		return cli_fail(g->program);
	if (o->learn_file && volt_json_write_file(o->learn_file, policy, VOLT_JSON_PRETTY, 0644) < 0)
		r = cli_fail(g->program);
	if (r == CLI_EXIT_OK && o->attach && volt_ctr_image_policy_attach(ctr, o->spec.image, policy) < 0)
		r = cli_fail(g->program);
	json_decref(policy);
	if (r != CLI_EXIT_OK)
		return r;
	/* As volt policy learn: 0 once the policy is kept, the workload's end as a note. */
	if (status != 0)
		fprintf(stderr, "%s: note: the workload ended with status %d; the policy covers that run\n", g->program,
			status);
	if (o->learn_file)
		fprintf(stderr, "%s: wrote %s\n", g->program, o->learn_file);
	if (o->attach)
		fprintf(stderr, "%s: attached the policy to image %s ('volt run %s' uses it)\n", g->program,
			o->spec.image, o->spec.image);
	return CLI_EXIT_OK;
}
