/*
 * Capabilities: everything dropped unless the policy keeps it by name.
 *
 * The bounding set goes first (it needs CAP_SETPCAP, which the next step
 * drops), then libcap-ng sets effective, permitted and inheritable, then
 * the kept ones are raised in the ambient set, so that they survive exec
 * for a non-root user too. The result is read back from the kernel:
 * a set that did not shrink is an error, never a silent success.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <cap-ng.h>
#include <volt/core.h>

#include "caps.h"
#include "shared/macro.h"

static int last_cap(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n;

	if (!f || fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
		return CAP_LAST_CAP;
	return n;
}

int count_threads(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int n = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	return n;
}

int caps_read(struct cap_sets *out)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int seen = 0;

	if (!f)
		return volt_error_set_errno(errno, "capabilities: open /proc/self/status");
	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		static const struct {
			const char *key;
			size_t off;
		} fields[] = {
			{ "CapInh:", offsetof(struct cap_sets, inheritable) },
			{ "CapPrm:", offsetof(struct cap_sets, permitted) },
			{ "CapEff:", offsetof(struct cap_sets, effective) },
			{ "CapBnd:", offsetof(struct cap_sets, bounding) },
			{ "CapAmb:", offsetof(struct cap_sets, ambient) },
		};
		for (size_t i = 0; i < ELEMENTSOF(fields); i++)
			if (strncmp(line, fields[i].key, 7) == 0 &&
			    sscanf(line + 7, "%" SCNx64, (uint64_t *)((char *)out + fields[i].off)) == 1)
				seen++;
	}
	if (seen != 5)
		return volt_error_set(EIO, "capabilities: /proc/self/status lacks the Cap* lines");
	return 0;
}

int caps_apply(uint64_t keep, bool strict)
{
	int last = last_cap(), r;
	uint64_t all = last >= 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1;
	struct cap_sets now;
	bool bounding_kept = false;

	keep &= all;
	for (int cap = 0; cap <= last; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				continue; /* not known to this kernel */
			if (errno != EPERM)
				return volt_error_set_errno(errno, "capabilities: drop %d from the bounding set", cap);
			if (strict)
				return volt_error_set(EPERM, "capabilities: cannot shrink the bounding set without CAP_SETPCAP");
			volt_log(VOLT_LOG_WARNING, "capabilities: bounding set left as it is (no CAP_SETPCAP); "
						   "no_new_privs keeps setuid programs from using it");
			bounding_kept = true;
			break;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return volt_error_set_errno(errno, "capabilities: clear the ambient set");

	capng_clear(CAPNG_SELECT_CAPS);
	for (int cap = 0; cap <= last; cap++)
		if (keep & (1ULL << cap))
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE, (unsigned)cap);
	r = capng_apply(CAPNG_SELECT_CAPS);
	if (r < 0)
		return volt_error_set(EPERM, "capabilities: libcap-ng could not set the capability sets (error %d)", r);
	for (int cap = 0; cap <= last; cap++)
		if ((keep & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return volt_error_set_errno(errno, "capabilities: raise %d in the ambient set", cap);

	r = caps_read(&now);
	if (r < 0)
		return r;
	if ((now.effective | now.permitted | now.inheritable | now.ambient) & ~keep ||
	    (!bounding_kept && (now.bounding & ~keep)))
		return volt_error_set(EPERM,
				      "capabilities: still held after dropping: eff %016" PRIx64 " prm %016" PRIx64
				      " inh %016" PRIx64 " bnd %016" PRIx64 " amb %016" PRIx64,
				      now.effective, now.permitted, now.inheritable, now.bounding, now.ambient);
	return 0;
}
