/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "volt/core/strv.h"

VOLT_API char **volt_strv_free(char **strv)
{
	if (!strv)
		return NULL;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
	return NULL;
}

VOLT_API size_t volt_strv_length(char *const *strv)
{
	size_t n = 0;

	if (strv)
		while (strv[n])
			n++;
	return n;
}
