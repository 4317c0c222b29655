/*
 * Joining a workload's paths (libvolt-workload).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_COMMON_PATH_H
#define VOLT_COMMON_PATH_H

/* *@out = "@dir/@leaf" (freed by the caller); NULL and -ENOMEM on failure. */
int common_path_join(char **out, const char *dir, const char *leaf);

#endif
