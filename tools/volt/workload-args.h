/*
 * Argument parsing shared by the verbs that act on containers and on VMs
 * by name (start, stop, rm, logs): the two kinds of workload take the
 * same options and differ only in the word used in messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TOOLS_WORKLOAD_ARGS_H
#define VOLT_TOOLS_WORKLOAD_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/*
 * Parse [-t DURATION] [-f] NAME... (-t and -f only where allowed; -t
 * defaults to 10 s). @what names the kind of workload ("container",
 * "VM"). Returns -1 to go on, with the first NAME at argv[*first];
 * otherwise the exit code (after --help, or a usage error).
 */
int workload_parse_names(const struct cli_global *g, int argc, char **argv, const char *help,
			 const char *what, bool allow_timeout, bool allow_force, uint64_t *timeout_ns,
			 bool *force, int *first);

/*
 * Parse [-f] [-n LINES] NAME for a logs verb. Returns -1 to go on, with
 * NAME at argv[*name]; otherwise the exit code.
 */
int workload_parse_logs(const struct cli_global *g, int argc, char **argv, const char *help,
			const char *what, unsigned *lines, bool *follow, int *name);

#endif
