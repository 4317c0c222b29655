/*
 * Durable or throw-away container state (volt_ctr_set_durable()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

VOLT_API int volt_ctr_set_durable(volt_ctr *ctr, bool durable)
{
	assert_return(ctr, EINVAL);

	ctr->json_sync = durable ? 0 : VOLT_JSON_NO_SYNC;
	return 0;
}
