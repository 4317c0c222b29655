/*
 * A container's output, from its unit's journal (common/unit.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

VOLT_API int volt_ctr_logs(volt_ctr *ctr, const char *name, int fd, unsigned lines, bool follow)
{
	_cleanup_record_ ctr_record rec = {};
	char unit[128];
	int r;

	assert_return(ctr, EINVAL);
	assert_return(fd >= 0, EINVAL);

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0 || (r = ctr_unit_name(unit, sizeof(unit), name)) < 0)
		return r;
	if (!volt_ctr_have_systemd())
		return volt_error_set(EOPNOTSUPP,
				      "logs come from the systemd journal, and systemd is not PID 1 here; foreground containers write to the terminal");
	return common_unit_logs(unit, fd, lines, follow);
}
