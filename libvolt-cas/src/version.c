/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/cas.h>

VOLT_API const char *volt_cas_version(void)
{
	return VOLT_VERSION;
}
