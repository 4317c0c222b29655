/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/vm.h>

VOLT_API const char *volt_vm_version(void)
{
	return VOLT_VERSION;
}
