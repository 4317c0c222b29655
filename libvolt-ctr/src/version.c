/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/ctr.h>

VOLT_API const char *volt_ctr_version(void)
{
	return VOLT_VERSION;
}
