/* Learn mode (see volt/sec/learn.h). SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <volt/core.h>

#include "shared/macro.h"
#include "policy-internal.h"

VOLT_API int volt_sec_learn_run(volt_sec_policy **out, int *exit_status, char *const argv[],
				const volt_sec_learn_options *options)
{
	assert_return(out, -EINVAL);
	assert_return(argv && argv[0], -EINVAL);
	return volt_error_set(EOPNOTSUPP, "learn mode is not implemented yet");
}
