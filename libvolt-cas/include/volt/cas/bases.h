/*
 * Container bases: the uid-shifted checkouts of image trees (and copies of
 * --rootfs directories) that containers use as their read-only overlay
 * lower layer, kept in STATE_ROOT/ctr-bases. They are caches: a base that
 * no container record references can be deleted and is made again on the
 * next create. This is the reclaiming side and the lock both sides share.
 *
 * Part of <volt/cas.h>; do not include directly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_BASES_H
#define VOLT_CAS_BASES_H

#include <stdint.h>

#include <volt/core/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Hold a base while it is looked up or made, and until the container that
 * uses it has its record. Takes the lock file @bases_dir.lock (beside the
 * directory) shared, waiting for a running gc, and leaves a hold file
 * @bases_dir.holds/@name.PID, which keeps the base from gc for as long as
 * the calling process lives (a container record names the base by then).
 * The caller makes or checks the base, then closes the returned descriptor;
 * the hold file stays. Creates @bases_dir (mode 0700) when missing.
 *
 * @param bases_dir  STATE_ROOT/ctr-bases (no trailing '/')
 * @param name       the base's file name in @bases_dir (no '/', not hidden)
 * @return the lock's file descriptor (>= 0) on success; a negative errno.
 */
VOLT_API int volt_cas_bases_hold(const char *bases_dir, const char *name);

#define VOLT_CAS_BASES_DRY_RUN (1u << 0) /* count what would go, delete nothing */
#define VOLT_CAS_BASES_NO_WAIT (1u << 1) /* -EBUSY instead of waiting for a create */

typedef struct volt_cas_bases_result {
	unsigned int version;       /* VOLT_CAS_BASES_RESULT_VERSION */
	uint64_t bases_kept;        /* referenced by a container, or held */
	uint64_t bases_removed;
	uint64_t bytes_removed;     /* disk blocks of the removed bases (shared links counted once) */
	uint64_t temp_removed;      /* partial bases left by killed creators */
} volt_cas_bases_result;

#define VOLT_CAS_BASES_RESULT_VERSION 1
#define VOLT_CAS_BASES_RESULT_INIT { VOLT_CAS_BASES_RESULT_VERSION, 0, 0, 0, 0 }

/**
 * Delete every base in @state_root/ctr-bases that no container references
 * (the "base" of @state_root/containers/NAME/config.json, created, running
 * or exited alike) and that no live process holds (volt_cas_bases_hold()),
 * and the partial bases of creators that died. Takes the bases' lock
 * exclusively, so a base being made or reused meanwhile is never deleted.
 * A container record that exists but cannot be read stops the collection
 * (-EBADMSG) before anything is deleted: a base it may use stays.
 * No state root or no bases directory is not an error (nothing to do).
 *
 * @return 0 on success; -EBUSY with VOLT_CAS_BASES_NO_WAIT while a create
 *         holds the lock; -EBADMSG for an unreadable container record;
 *         another negative errno.
 */
VOLT_API int volt_cas_bases_gc(volt_cas_bases_result *out, const char *state_root, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif
