/*
 * A small worker pool for hashing, compressing and writing blocks on all
 * cores. Jobs run in any order; the first failure is kept (code and
 * message, since the error slot is per thread) and later jobs are
 * skipped. The queue is bounded so a fast producer waits for workers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_POOL_H
#define VOLT_CAS_POOL_H

typedef int (*cas_job_fn)(void *arg);

struct cas_pool;

int cas_pool_new(struct cas_pool **out, unsigned workers, unsigned queue_max);
/* Queue @fn(@arg); @arg_free (may be NULL) is called on @arg afterwards, run or skipped. */
int cas_pool_submit(struct cas_pool *p, cas_job_fn fn, void *arg, void (*arg_free)(void *));
/* Wait until every queued job finished; returns the first failure (and sets the error slot). */
int cas_pool_wait(struct cas_pool *p);
/* Wait like cas_pool_wait() but leave the error slot alone (for cleanup after a failure). */
void cas_pool_drain(struct cas_pool *p);
/* Non-zero once a job failed: producers can stop early. */
int cas_pool_failed(struct cas_pool *p);
/* Jobs queued or running. */
unsigned cas_pool_pending(struct cas_pool *p);
void cas_pool_free(struct cas_pool *p);

#endif
