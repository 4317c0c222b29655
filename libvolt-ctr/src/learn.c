/*
 * Learning a container's policy: `volt run --learn`.
 *
 * The container runs in the foreground as always, but its launcher
 * observes the workload (volt_sec_learn_run, inside the container, so
 * every path it records is the container's) instead of sandboxing it, and
 * writes the learned policy to a memfd the host passed in as descriptor 3
 * (the way the precompiled seccomp program comes in otherwise). What comes
 * back is written by code inside the container, so it is hostile input:
 * it is read with a size limit and parsed and validated like any policy
 * file before the caller sees it, as JSON Volt serialised itself.
 *
 * Signals: without a terminal of its own, the terminal's Ctrl-C would
 * reach nspawn, which halts the container and kills the learner with it.
 * So the foreground child gets a process group of its own, and volt passes
 * SIGINT, SIGTERM and SIGHUP to the processes below the container's PID 1
 * (nspawn's stub init): the learner, which forwards the first to the
 * workload and writes the policy when it has ended, as `volt policy learn`
 * does; a second kills it and writes what was learned so far.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "ctr-internal.h"
#include "shared/json-cleanup.h"
#include "shared/macro.h"

int ctr_learn_argv(char ***argv)
{
	char **v = *argv, **grown, *opt;
	size_t n = volt_strv_length(v), at = n;

	/* The payload: the first word that is the launcher's path itself (a --bind-ro only contains it). */
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], CTR_LAUNCH_PATH) == 0) {
			at = i + 1;
			break;
		}
	if (at == n)
		return volt_error_set(EINVAL, "no launcher in the nspawn command line");
	opt = strdup("--learn-fd=3");
	grown = realloc(v, (n + 2) * sizeof(*grown));
	if (!opt || !grown) {
		free(opt);
		if (grown)
			*argv = grown;
		return volt_error_set(ENOMEM, NULL);
	}
	memmove(grown + at + 1, grown + at, (n - at + 1) * sizeof(*grown));
	grown[at] = opt;
	*argv = grown;
	return 0;
}

/* The policy the launcher left in @fd: at most VOLT_SEC_POLICY_FILE_MAX bytes, validated. */
static int read_learned(int fd, json_t **out)
{
	_cleanup_free_ char *text = NULL;
	volt_sec_policy *p = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fstat(fd, &st) < 0)
		return volt_error_set_errno(errno, "learn: the policy's descriptor");
	if (st.st_size == 0)
		return volt_error_set(ENODATA, "learn: the container wrote no policy (did the launcher run?)");
	if (st.st_size > (off_t)VOLT_SEC_POLICY_FILE_MAX)
		return volt_error_set(EFBIG, "learn: the learned policy is larger than %u bytes",
				      VOLT_SEC_POLICY_FILE_MAX);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return volt_error_set(ENOMEM, NULL);
	while (len < (size_t)st.st_size) {
		ssize_t n = pread(fd, text + len, (size_t)st.st_size - len, (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return volt_error_set_errno(errno, "learn: read the policy");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	r = volt_sec_policy_parse(&p, text, len);
	if (r < 0)
		return volt_error_prefix(r, "learn: the policy the container wrote");
	r = volt_sec_policy_to_json(out, p);
	volt_sec_policy_free(p);
	/*
	 * The learner keeps the host default's fs_deny (/etc/shadow, ...); a
	 * container's /etc is the image's own, as for the container default
	 * (docs/ctr-policy.md), and withholding it would break what the run did.
	 */
	if (r == 0 && json_object_set_new(*out, "fs_deny", json_array()) < 0) {
		json_decref(*out);
		*out = NULL;
		r = volt_error_set(ENOMEM, NULL);
	}
	return r;
}

VOLT_API int volt_ctr_learn(json_t **out, int *exit_status, volt_ctr *ctr, const char *name,
			    volt_ctr_console console)
{
	_cleanup_close_ int fd = -1;
	int r;

	assert_return(ctr, EINVAL);
	assert_return(exit_status, EINVAL);
	assert_return(out, EINVAL);

	fd = memfd_create("volt-learn", MFD_CLOEXEC);
	if (fd < 0)
		return volt_error_set_errno(errno, "learn: memfd");
	r = ctr_run_foreground(ctr, name, console, fd, exit_status);
	if (r < 0)
		return r;
	return read_learned(fd, out);
}
