/*
 * The VM spec's options of 'volt vm create' and 'volt run --vm'
 * (vm-options.h). What the library checks (memory range, TAP names,
 * users) is left to it: one message for a bad value, whichever way it
 * came in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "vm-options.h"

int vm_spec_args_init(const struct cli_global *g, struct vm_spec_args *a, const char *verb, int argc)
{
	*a = (struct vm_spec_args){ .spec = VOLT_VM_SPEC_INIT, .verb = verb };
	a->env = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->env)
		return cli_usage_error(g->program, "out of memory");
	return -1;
}

static int parse_network(const struct cli_global *g, struct vm_spec_args *a, const char *arg)
{
	if (strcmp(arg, "none") == 0) {
		a->spec.network = VOLT_VM_NETWORK_NONE;
	} else if (strcmp(arg, "private") == 0) {
		a->spec.network = VOLT_VM_NETWORK_PRIVATE;
	} else if (strncmp(arg, "tap:", 4) == 0) {
		/* The name is the library's to check (vm_tap_name_check()). */
		a->spec.network = VOLT_VM_NETWORK_TAP;
		a->spec.tap = arg + 4;
	} else {
		return cli_usage_error(g->program, "%s: --network '%s': none, private or tap:IFNAME", a->verb, arg);
	}
	return -1;
}

static int parse_cpus(const struct cli_global *g, struct vm_spec_args *a, const char *arg)
{
	unsigned long cpus;
	char *end;

	errno = 0;
	cpus = strtoul(arg, &end, 10);
	if (errno || *end || !*arg || arg[0] == '-' || cpus == 0 || cpus > VOLT_VM_MAX_CPUS)
		return cli_usage_error(g->program, "%s: --cpus '%s': a whole number from 1 to %d", a->verb, arg,
				       VOLT_VM_MAX_CPUS);
	a->spec.cpus = (unsigned)cpus;
	return -1;
}

bool vm_spec_option(const struct cli_global *g, struct vm_spec_args *a, int c, const char *arg, int *r)
{
	switch (c) {
	case 'm':
		if (volt_parse_size(&a->spec.memory_bytes, arg) < 0)
			*r = cli_usage_error(g->program, "%s: --memory '%s': %s", a->verb, arg, volt_error_message());
		else if (a->spec.memory_bytes == 0)
			*r = cli_usage_error(g->program, "%s: --memory '%s': 0 is not a size of memory", a->verb, arg);
		return true;
	case 'c':
		*r = parse_cpus(g, a, arg);
		return true;
	case VM_OPT_NETWORK:
		*r = parse_network(g, a, arg);
		return true;
	case VM_OPT_KERNEL:
		a->spec.kernel = arg;
		return true;
	case VM_OPT_DISK_SIZE:
		if (volt_parse_size(&a->spec.disk_size, arg) < 0)
			*r = cli_usage_error(g->program, "%s: --disk-size '%s': %s", a->verb, arg, volt_error_message());
		else if (a->spec.disk_size == 0 || a->spec.disk_size % (1u << 20))
			*r = cli_usage_error(g->program, "%s: --disk-size '%s': a whole number of MiB, such as 512M",
					     a->verb, arg);
		return true;
	case 'e':
		a->env[a->n_env++] = arg;
		return true;
	case 'w':
		a->spec.workdir = arg;
		return true;
	case 'u':
		a->spec.user = arg;
		return true;
	}
	return false;
}

void vm_spec_args_finish(struct vm_spec_args *a)
{
	a->spec.env = a->n_env ? a->env : NULL;
}

void vm_spec_args_done(struct vm_spec_args *a)
{
	free(a->env);
	a->env = NULL;
}
