/*
 * Applying a policy to the calling process: prepare everything that can
 * fail for a bad policy, then change the process in the documented
 * order, seccomp last.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <volt/core.h>

#include "caps.h"
#include "filter-internal.h"
#include "shared/json-cleanup.h"
#include "landlock.h"
#include "shared/macro.h"
#include "policy-internal.h"
#include "seccomp-cache.h"

int policy_build_filter(const volt_sec_policy *p, volt_sec_filter **out)
{
	volt_sec_filter *f = NULL;
	int r;

	*out = NULL;
	switch (p->profile) {
	case SECCOMP_PROFILE_NONE:
		return 0;
	case SECCOMP_PROFILE_DEFAULT:
		r = volt_sec_filter_new_default(&f, p->action);
		break;
	default:
		r = volt_sec_filter_new(&f, p->action);
		/* A learned or hand-made list never needs to type into a terminal. */
		if (r == 0)
			filter_set_guard_tty(f, true);
		break;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->sc_allow.n; i++)
		if ((r = volt_sec_filter_allow(f, p->sc_allow.items[i])) < 0)
			goto fail;
	for (size_t i = 0; i < p->sc_deny.n; i++)
		if ((r = volt_sec_filter_deny(f, p->sc_deny.items[i])) < 0)
			goto fail;
	*out = f;
	return 0;
fail:
	volt_sec_filter_free(f);
	return r;
}

/* Warn about, or in strict mode refuse, what this kernel cannot enforce. */
static int check_gaps(const volt_sec_policy *p, const volt_sec_support *support, bool strict)
{
	_cleanup_json_ json_t *gaps = NULL;
	json_t *g;
	size_t i;
	int r;

	r = volt_sec_policy_gaps(&gaps, p, support);
	if (r < 0)
		return r;
	if (json_array_size(gaps) == 0)
		return 0;
	if (strict)
		return volt_error_set(EOPNOTSUPP, "strict mode: %s%s", json_string_value(json_array_get(gaps, 0)),
				      json_array_size(gaps) > 1 ? " (and more: see 'volt policy show')" : "");
	json_array_foreach(gaps, i, g)
		volt_log(VOLT_LOG_WARNING, "not enforced: %s", json_string_value(g));
	return 0;
}

/*
 * Capabilities, Landlock and seccomp are per thread: other threads would
 * keep their privileges, so refuse rather than half-sandbox. The count
 * comes from /proc, so say so when /proc is what is missing.
 */
static int check_threads(void)
{
	int n = count_threads();

	if (n == 1)
		return 0;
	if (n < 0)
		return volt_error_set(ENOENT, "apply: cannot count the threads of this process: /proc/self/status "
					      "cannot be read (is /proc mounted?)");
	return volt_error_set(EINVAL, "apply: the calling process must have a single thread, it has %d "
				      "(sandbox before starting threads)", n);
}

VOLT_API int volt_sec_policy_apply(const volt_sec_policy *p, const volt_sec_apply_options *opts)
{
	static const volt_sec_apply_options defaults = VOLT_SEC_APPLY_OPTIONS_INIT;
	volt_sec_support support = VOLT_SEC_SUPPORT_INIT;
	volt_sec_filter *filter = NULL;
	_cleanup_free_ void *bpf = NULL;
	_cleanup_close_ int ruleset = -1;
	size_t bpf_len = 0;
	bool strict, root_userns, hit = false;
	int r;

	assert_return(p, -EINVAL);
	if (!opts)
		opts = &defaults;
	if (!VERSION_SUPPORTED(opts->version, VOLT_SEC_APPLY_OPTIONS_VERSION))
		return volt_error_set(EINVAL, "apply: options version %u is not 1 to %u", opts->version,
				      VOLT_SEC_APPLY_OPTIONS_VERSION);
	if (opts->flags & ~(VOLT_SEC_APPLY_STRICT | VOLT_SEC_APPLY_ROOT_USERNS))
		return volt_error_set(EINVAL, "apply: unknown flags %#x", opts->flags);
	strict = opts->flags & VOLT_SEC_APPLY_STRICT;

	root_userns = (opts->flags & VOLT_SEC_APPLY_ROOT_USERNS) && geteuid() == 0 && !p->userns;
	if (root_userns && p->userns_off) {
		root_userns = false;
		volt_log(VOLT_LOG_WARNING, "the policy says \"user_namespace\": false: the sandbox runs as host root, "
					   "and Landlock does not stop it from connecting to root's unix sockets "
					   "nor from changing modes and owners of root's files");
	}
	r = check_threads();
	if (r < 0)
		return r;
	probe_fill(&support, p->userns || root_userns);
	r = check_gaps(p, &support, strict);
	if (r < 0)
		return r;
	/* Best effort must not leave root as host root: neither the default namespace nor the policy's. */
	if ((root_userns || (p->userns && (opts->flags & VOLT_SEC_APPLY_ROOT_USERNS) && geteuid() == 0)) &&
	    !support.user_namespaces)
		return volt_error_set(EPERM, "running as root needs a user namespace for the sandbox (root inside, "
					     "uid %u outside), and none can be made here; a policy with "
					     "\"user_namespace\": false runs as host root instead",
				      VOLT_SEC_ROOT_USERNS_ID);

	/* Everything a bad policy can break, before the process changes. */
	if (support.seccomp) {
		r = policy_build_filter(p, &filter);
		if (r < 0)
			return r;
		if (filter) {
			r = seccomp_cache_compile(filter, opts->seccomp_cache_dir, &bpf, &bpf_len, &hit);
			volt_sec_filter_free(filter);
			if (r < 0)
				return r;
			volt_log(VOLT_LOG_DEBUG, "seccomp: %zu instructions%s", bpf_len / 8, hit ? " (cached)" : "");
		}
	}
	if (support.landlock_abi >= 1) {
		r = landlock_prepare(p, support.landlock_abi, &ruleset);
		if (r < 0)
			return r;
	}

	if (p->userns && support.user_namespaces) {
		r = userns_enter(p);
		if (r < 0)
			return r;
	} else if (root_userns) {
		static const struct id_range nobody = { 0, VOLT_SEC_ROOT_USERNS_ID, 1 };

		r = userns_enter_maps(&nobody, 1, &nobody, 1);
		if (r < 0)
			return r;
	}
	r = caps_apply(p->caps_mask, strict);
	if (r < 0)
		return r;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return volt_error_set_errno(errno, "no_new_privs");
	if (ruleset >= 0) {
		r = landlock_enforce(TAKE_FD(ruleset));
		if (r < 0)
			return r;
	}
	if (bpf) {
		r = volt_sec_bpf_load(bpf, bpf_len, 0);
		if (r < 0)
			return r;
	}
	return 0;
}
