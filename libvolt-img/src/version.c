/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <volt/img.h>

VOLT_API const char *volt_img_version(void)
{
	return VOLT_VERSION;
}
