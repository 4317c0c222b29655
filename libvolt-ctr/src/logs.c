/*
 * A container's output, from its unit's journal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include <volt/core.h>

#include "ctr-internal.h"
#include "shared/macro.h"

static void journal_closep(sd_journal **j)
{
	sd_journal_close(*j);
}

/* Write the current entry's MESSAGE and a newline. */
static int emit(sd_journal *j, int fd)
{
	const void *data;
	size_t len;
	int r;

	r = sd_journal_get_data(j, "MESSAGE", &data, &len);
	if (r < 0)
		return 0; /* entries without a message carry nothing to show */
	if (len < 8)
		return 0;
	r = volt_write_all(fd, (const char *)data + 8, len - 8);
	if (r == 0)
		r = volt_write_all(fd, "\n", 1);
	if (r < 0)
		return volt_error_set_errno(r, "write the log");
	return 0;
}

VOLT_API int volt_ctr_logs(volt_ctr *ctr, const char *name, int fd, unsigned lines, bool follow)
{
	_cleanup_record_ ctr_record rec = {};
	sd_journal *j __attribute__((cleanup(journal_closep))) = NULL;
	char unit[128], match[160];
	int r;

	assert_return(ctr, EINVAL);
	assert_return(fd >= 0, EINVAL);

	r = ctr_record_load(&rec, ctr, name);
	if (r < 0 || (r = ctr_unit_name(unit, sizeof(unit), name)) < 0)
		return r;
	if (!volt_ctr_have_systemd())
		return volt_error_set(EOPNOTSUPP,
				      "logs come from the systemd journal, and systemd is not PID 1 here; foreground containers write to the terminal");
	/* Not SD_JOURNAL_SYSTEM: the workload runs as uid VOLT_CTR_UID_BASE on
	 * the host, and journald files its output in user-524288.journal. */
	r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0)
		return volt_error_set_errno(r, "open the journal");
	snprintf(match, sizeof(match), "_SYSTEMD_UNIT=%s", unit);
	if ((r = sd_journal_add_match(j, match, 0)) < 0)
		return volt_error_set_errno(r, "filter the journal");

	if (lines > 0) {
		unsigned back = 0;

		/* Step back @lines entries from the end; read forward from there. */
		if ((r = sd_journal_seek_tail(j)) < 0)
			return volt_error_set_errno(r, "seek the journal");
		while (back < lines && (r = sd_journal_previous(j)) > 0)
			back++;
		if (r < 0)
			return volt_error_set_errno(r, "read the journal");
		if (back > 0 && (r = emit(j, fd)) < 0)
			return r;
	} else if ((r = sd_journal_seek_head(j)) < 0) {
		return volt_error_set_errno(r, "seek the journal");
	}

	for (;;) {
		r = sd_journal_next(j);
		if (r < 0)
			return volt_error_set_errno(r, "read the journal");
		if (r > 0) {
			r = emit(j, fd);
			if (r < 0)
				return r;
			continue;
		}
		if (!follow)
			return 0;
		{
			ctr_unit_status st;

			/* Follow while the container runs; its unit's end ends the stream. */
			if (ctr_unit_status_get(unit, &st) == 0 &&
			    (!st.loaded || strcmp(st.sub, "exited") == 0 || strcmp(st.active, "failed") == 0)) {
				/* Drain what arrived after the last wait, then stop. */
				while ((r = sd_journal_next(j)) > 0)
					if ((r = emit(j, fd)) < 0)
						return r;
				return 0;
			}
		}
		r = sd_journal_wait(j, 250000);
		if (r < 0)
			return volt_error_set_errno(r, "wait for the journal");
	}
}
