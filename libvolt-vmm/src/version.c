/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/vmm.h>

VOLT_API const char *volt_vmm_version(void)
{
	return VOLT_VERSION;
}
