/*
 * The kernel's cgroup-move grace period, started early (cgroup-warm.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CTR_CGROUP_WARM_H
#define VOLT_CTR_CGROUP_WARM_H

typedef struct ctr_cgroup_warm ctr_cgroup_warm;

/*
 * Start a move of this process into the cgroup it is in (a move that
 * changes nothing) in a thread of its own, so that the grace period a
 * cgroup move waits for runs while the caller prepares the container.
 * NULL when there is nothing to start (no cgroup file system, no thread):
 * the start is only slower then.
 */
ctr_cgroup_warm *ctr_cgroup_warm_start(void);

/* Wait for that thread (long done by then) and free it; NULL is fine. */
void ctr_cgroup_warm_done(ctr_cgroup_warm *w);

static inline void ctr_cgroup_warm_donep(ctr_cgroup_warm **w)
{
	ctr_cgroup_warm_done(*w);
}

#endif
