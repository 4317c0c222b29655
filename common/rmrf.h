/*
 * Removing a workload's directory tree (libvolt-workload).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_RMRF_H
#define VOLT_COMMON_RMRF_H

/*
 * Remove @path and everything below it. Never follows a symlink (one is
 * removed, its target left alone, @path itself included) and never
 * crosses a mount point: a mount anywhere below @path fails with -EBUSY
 * before anything is removed. 0 when @path does not exist.
 */
int common_rm_rf(const char *path);
/* The same for @name under the directory @dfd (@path names it in messages). */
int common_rm_rf_at(int dfd, const char *name, const char *path);

#endif
