/*
 * volt vm create.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "vm-verbs.h"

static const char create_help[] =
	"Usage: volt vm create NAME --image REF [OPTIONS] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Create VM NAME from a Stellarium image: the image's root disk (an ext4\n"
	"file system of its tree, built on first use and kept in the store under\n"
	"volt-vm-disk-<tree hash>, shared by every VM of the image), a record under\n"
	"ROOT/vms/NAME, and a private network if asked for. Nothing runs until\n"
	"'volt vm start' or 'volt vm run'. The VM runs COMMAND (default /bin/sh) as\n"
	"its only workload and ends when it exits.\n"
	"\n"
	"Options:\n"
	"  --image REF          image: a ref or hash in ROOT/cas, or 'busybox' (built\n"
	"                       in); required\n"
	"  -m, --memory SIZE    guest memory, e.g. 128M or 1G: 64M to 3G, a multiple\n"
	"                       of 2M (default 256M); it must also hold the kernel and\n"
	"                       the unpacked initrd plus 32M for the guest to run\n"
	"  -c, --cpus N         vCPUs, 1 to 32 (default 1)\n"
	"  --network KIND       none (default), private (a TAP device vtapN made by\n"
	"                       Volt, with a /30 of 10.213.0.0/16: .1 on the host, .2\n"
	"                       the guest's eth0; needs CAP_NET_ADMIN at start), or\n"
	"                       tap:IFNAME (an existing TAP device, no addresses)\n"
	"  --kernel FILE        guest kernel (default $VOLT_GUEST_KERNEL, else the\n"
	"                       installed share/volt/guest-kernel/vmlinux)\n"
	"  --disk-size SIZE     root disk size (default: the image's content + 256M)\n"
	"  -e, --env NAME=VALUE environment variable of the command (repeatable)\n"
	"  -w, --workdir DIR    working directory of the command (default /)\n"
	"  -u, --user USER      user of the command: a name from the image's\n"
	"                       /etc/passwd, UID or UID:GID (default root)\n"
	"  --json               print the created VM as JSON\n"
	"  -h, --help           show this help\n";

enum { OPT_IMAGE = 256, OPT_NETWORK, OPT_KERNEL, OPT_DISK_SIZE, OPT_JSON };

static int parse_network(const struct cli_global *g, volt_vm_spec *spec, const char *arg)
{
	if (strcmp(arg, "none") == 0) {
		spec->network = VOLT_VM_NETWORK_NONE;
	} else if (strcmp(arg, "private") == 0) {
		spec->network = VOLT_VM_NETWORK_PRIVATE;
	} else if (strncmp(arg, "tap:", 4) == 0) {
		spec->network = VOLT_VM_NETWORK_TAP;
		spec->tap = arg + 4;
	} else {
		return cli_usage_error(g->program, "--network '%s': none, private or tap:IFNAME", arg);
	}
	return -1;
}

int vm_create(const struct cli_global *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "disk-size", required_argument, NULL, OPT_DISK_SIZE },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	volt_vm_spec spec = VOLT_VM_SPEC_INIT;
	const char **env = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_env = 0;
	bool json = g->json;
	volt_vm *vm = NULL;
	unsigned long cpus;
	char *end;
	const char *name;
	int c, r = -1;

	if (!env)
		return cli_usage_error(g->program, "out of memory");
	/* Everything after "--" is the command, untouched by getopt. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			if (i + 1 < argc)
				spec.argv = (const char *const *)argv + i + 1; /* argv is NULL-terminated */
			argc = i;
			break;
		}
	opterr = 0;
	optind = 0;
	while (r < 0 && (c = getopt_long(argc, argv, ":m:c:e:w:u:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_IMAGE:
			spec.image = optarg;
			break;
		case 'm':
			if (volt_parse_size(&spec.memory_bytes, optarg) < 0)
				r = cli_usage_error(g->program, "--memory: %s", volt_error_message());
			else if (spec.memory_bytes == 0)
				r = cli_usage_error(g->program, "--memory: 0 is not a size of memory");
			break;
		case 'c':
			errno = 0;
			cpus = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' || cpus == 0 || cpus > VOLT_VM_MAX_CPUS)
				r = cli_usage_error(g->program, "--cpus '%s': a number from 1 to %d", optarg,
						    VOLT_VM_MAX_CPUS);
			spec.cpus = (unsigned)cpus;
			break;
		case OPT_NETWORK:
			r = parse_network(g, &spec, optarg);
			break;
		case OPT_KERNEL:
			spec.kernel = optarg;
			break;
		case OPT_DISK_SIZE:
			if (volt_parse_size(&spec.disk_size, optarg) < 0)
				r = cli_usage_error(g->program, "--disk-size: %s", volt_error_message());
			else if (spec.disk_size == 0 || spec.disk_size % (1u << 20))
				r = cli_usage_error(g->program, "--disk-size '%s': a whole number of MiB, such as 512M",
						    optarg);
			break;
		case 'e':
			env[n_env++] = optarg;
			break;
		case 'w':
			spec.workdir = optarg;
			break;
		case 'u':
			spec.user = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			fputs(create_help, stdout);
			r = CLI_EXIT_OK;
			break;
		default:
			r = cli_option_error(g->program, "create", argc, argv, c, options);
			break;
		}
	}
	if (r >= 0)
		goto out;
	if (optind >= argc) {
		r = cli_usage_error(g->program, "create: give the VM a NAME");
		goto out;
	}
	name = argv[optind++];
	if (optind < argc) {
		r = cli_usage_error(g->program, "create: unexpected argument '%s' (a command goes after --)",
				    argv[optind]);
		goto out;
	}
	if (!spec.image) {
		r = cli_usage_error(g->program, "create: which image? Give --image REF (e.g. --image busybox)");
		goto out;
	}
	spec.env = n_env ? env : NULL;

	r = vm_open(g, &vm);
	if (r >= 0)
		goto out;
	if (volt_vm_create(vm, name, &spec) < 0) {
		r = cli_fail(g->program);
	} else if (json) {
		json_t *o = NULL;

		r = volt_vm_inspect(&o, vm, name) < 0 ? cli_fail(g->program) : cli_print_json(g->program, o);
	} else {
		printf("%s\n", name);
		r = CLI_EXIT_OK;
	}
out:
	volt_vm_close(vm);
	free(env);
	return r;
}
