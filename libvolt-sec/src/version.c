/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/sec.h>

VOLT_API const char *volt_sec_version(void)
{
	return VOLT_VERSION;
}
