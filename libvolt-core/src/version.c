/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/core/version.h>

VOLT_API const char *volt_core_version(void)
{
	return VOLT_VERSION;
}
