/*
 * The launcher's watch over a container's workload (supervise.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_LAUNCH_SUPERVISE_H
#define VOLT_LAUNCH_SUPERVISE_H

/*
 * Fork the workload off and stay behind as its parent: returns in the
 * child (which then executes the workload); the parent never returns and
 * exits with the workload's status, 128+N when signal N killed it.
 * Returns in the caller itself, unsupervised, when fork fails.
 */
void launch_supervise(void);

#endif
