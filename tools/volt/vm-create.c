/*
 * volt vm create.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "vm-options.h"

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

enum { OPT_IMAGE = 256, OPT_JSON };

int vm_create(const struct cli_global *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "image", required_argument, NULL, OPT_IMAGE },
		VM_SPEC_OPTIONS,
		VM_DISK_SIZE_OPTION,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct vm_spec_args a;
	bool json = g->json;
	volt_vm *vm = NULL;
	const char *name;
	int c, r;

	r = vm_spec_args_init(g, &a, "create", argc);
	if (r >= 0)
		return r;
	/* Everything after "--" is the command, untouched by getopt. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			if (i + 1 < argc)
				a.spec.argv = (const char *const *)argv + i + 1; /* argv is NULL-terminated */
			argc = i;
			break;
		}
	opterr = 0;
	optind = 0;
	while (r < 0 && (c = getopt_long(argc, argv, ":m:c:e:w:u:h", options, NULL)) != -1) {
		if (vm_spec_option(g, &a, c, optarg, &r))
			continue;
		switch (c) {
		case OPT_IMAGE:
			a.spec.image = optarg;
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
	if (!a.spec.image) {
		r = cli_usage_error(g->program, "create: which image? Give --image REF (e.g. --image busybox)");
		goto out;
	}
	vm_spec_args_finish(&a);

	r = vm_open(g, &vm);
	if (r >= 0)
		goto out;
	if (volt_vm_create(vm, name, &a.spec) < 0) {
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
	vm_spec_args_done(&a);
	return r;
}
