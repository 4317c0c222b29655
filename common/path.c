/*
 * Joining a workload's paths: record paths of containers and VMs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>

#include <volt/core.h>

#include "path.h"

int common_path_join(char **out, const char *dir, const char *leaf)
{
	if (asprintf(out, "%s/%s", dir, leaf) < 0) {
		*out = NULL;
		return volt_error_set(ENOMEM, NULL);
	}
	return 0;
}
