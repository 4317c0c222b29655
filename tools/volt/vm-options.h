/*
 * The options of a VM's spec (volt_vm_spec) that 'volt vm create' and
 * 'volt run --vm' share: one parser, so that an option means the same
 * and fails the same way in both (vm-options.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TOOLS_VM_OPTIONS_H
#define VOLT_TOOLS_VM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "vm-verbs.h"

/* getopt_long() values of the long-only ones (beyond any verb's own, which start at 0x100). */
enum { VM_OPT_NETWORK = 0x180, VM_OPT_KERNEL, VM_OPT_DISK_SIZE };

/* The rows of `struct option` both verbs take: -m, --cpus (-c in create), --network, --kernel, -e, -w, -u. */
#define VM_SPEC_OPTIONS                                                       \
	{ "memory", required_argument, NULL, 'm' },                           \
	{ "cpus", required_argument, NULL, 'c' },                             \
	{ "network", required_argument, NULL, VM_OPT_NETWORK },               \
	{ "kernel", required_argument, NULL, VM_OPT_KERNEL },                 \
	{ "env", required_argument, NULL, 'e' },                              \
	{ "workdir", required_argument, NULL, 'w' },                          \
	{ "user", required_argument, NULL, 'u' }
/* create's alone: the root disk's size. */
#define VM_DISK_SIZE_OPTION { "disk-size", required_argument, NULL, VM_OPT_DISK_SIZE }

struct vm_spec_args {
	volt_vm_spec spec;
	const char *verb; /* for messages: "create", "run --vm" */
	const char **env; /* the -e values (room for argc of them) */
	size_t n_env;
};

/* -1 to go on, else an exit code (out of memory). */
int vm_spec_args_init(const struct cli_global *g, struct vm_spec_args *a, const char *verb, int argc);
/*
 * getopt_long()'s @c with @arg, when it is one of the spec's options:
 * true, and *@r set to -1 (go on) or, for a bad value, the usage
 * error's exit code. False when @c is not one of them.
 */
bool vm_spec_option(const struct cli_global *g, struct vm_spec_args *a, int c, const char *arg, int *r);
/* After the parse: spec.env points at the -e values, if any. */
void vm_spec_args_finish(struct vm_spec_args *a);
void vm_spec_args_done(struct vm_spec_args *a);

#endif
