/*
 * volt run --vm IMAGE [CMD...]: one image run as a VM by one flag, with
 * the options of 'volt run' that apply to a VM: create the VM (a
 * generated name unless --name), run it in the foreground, and remove it
 * afterwards with --rm. The image's config applies as for a container.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <volt/core.h>

#include "vm-options.h"

static const char run_vm_help[] =
	"Usage: volt run --vm [OPTIONS] IMAGE [CMD [ARG...]]\n"
	"\n"
	"Run IMAGE as a VM in the foreground (voltvm as a child of volt, the\n"
	"console on this terminal) instead of a container: the VM is created as\n"
	"by 'volt vm create', run as by 'volt vm run', and its exit status is the\n"
	"command's. The image's Entrypoint, Cmd, Env, WorkingDir and User apply as\n"
	"for a container; CMD replaces Cmd.\n"
	"\n"
	"  --rm                 remove the VM when it ends\n"
	"  --name NAME          the VM's name (default: vm-<8 hex digits>)\n"
	"  -e, --env NAME=VALUE add to the environment (repeatable)\n"
	"  -w, --workdir DIR    working directory in the guest\n"
	"  -u, --user USER      user in the guest: a name, UID or UID:GID\n"
	"  -m, --memory SIZE    guest memory, 64M to 3G (default 256M)\n"
	"  --cpus N             vCPUs, 1 to 32 (default 1)\n"
	"  --network KIND       none (default), private or tap:IFNAME\n"
	"  --kernel FILE        the guest kernel (see 'volt vm create --help')\n"
	"  -i, --interactive    keystrokes go to the guest\n"
	"  -t, --tty            standard input must be a terminal\n";

/* Options of 'volt run' that take a value, to find the IMAGE word. */
static bool takes_value(const char *a)
{
	static const char *const with_value[] = { "--name", "-e", "--env", "-w", "--workdir", "--hostname", "-u",
						  "--user", "-v", "--volume", "-p", "--publish", "--network",
						  "--dns", "-m", "--memory", "--cpus", "--pids-limit", "--io-weight",
						  "--policy", "--restart", "--image", "--rootfs", "--kernel", NULL };

	for (const char *const *w = with_value; *w; w++)
		if (strcmp(a, *w) == 0)
			return true;
	return false;
}

bool vm_run_image_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-')
			return false; /* the IMAGE or the command: a --vm later is the workload's */
		if (strcmp(argv[i], "--vm") == 0)
			return true;
		if (takes_value(argv[i]))
			i++;
	}
	return false;
}

enum { OPT_VM = 0x100, OPT_RM, OPT_NAME };

int vm_run_image(const struct cli_global *g, int argc, char **argv)
{
	static const struct option options[] = {
		{ "vm", no_argument, NULL, OPT_VM },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "name", required_argument, NULL, OPT_NAME },
		VM_SPEC_OPTIONS,
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct vm_spec_args a;
	const char *name = NULL;
	char generated[16];
	bool rm = false, interactive = false, tty = false;
	volt_vm *vm = NULL;
	int c, r, status = 0;

	r = vm_spec_args_init(g, &a, "run --vm", argc);
	if (r >= 0)
		return r;
	opterr = 0;
	optind = 0;
	/* "+": stop at IMAGE, the command's words are not ours. */
	while (r < 0 && (c = getopt_long(argc, argv, "+:e:w:u:m:ith", options, NULL)) != -1) {
		if (vm_spec_option(g, &a, c, optarg, &r))
			continue;
		switch (c) {
		case OPT_VM:
			break;
		case OPT_RM:
			rm = true;
			break;
		case OPT_NAME:
			name = optarg;
			break;
		case 'i':
			interactive = true;
			break;
		case 't':
			tty = true;
			break;
		case 'h':
			fputs(run_vm_help, stdout);
			r = CLI_EXIT_OK;
			break;
		case '?':
			r = cli_usage_error(g->program, "run --vm: %s is not an option for a VM (see 'volt run --vm --help')",
					    argv[optind - 1]);
			break;
		default:
			r = cli_option_error(g->program, "run", argc, argv, c, options);
			break;
		}
	}
	if (r >= 0)
		goto out;
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc) {
		r = cli_usage_error(g->program, "run --vm: which image? (e.g. volt run --vm busybox)");
		goto out;
	}
	a.spec.image = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind < argc)
		a.spec.argv = (const char *const *)argv + optind; /* argv is NULL-terminated */
	vm_spec_args_finish(&a);
	if (tty && !isatty(STDIN_FILENO)) {
		r = cli_usage_error(g->program, "run --vm: -t: standard input is not a terminal");
		goto out;
	}
	if (!name) {
		unsigned char b[4];

		if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
			r = cli_usage_error(g->program, "run --vm: getrandom: %s", strerror(errno));
			goto out;
		}
		snprintf(generated, sizeof(generated), "vm-%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
		name = generated;
	}
	if (!interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0) {
			fprintf(stderr, "%s: /dev/null: %s\n", g->program, strerror(errno));
			r = CLI_EXIT_FAILURE;
			goto out;
		}
		if (null != STDIN_FILENO)
			close(null);
	}

	r = vm_open(g, &vm);
	if (r >= 0)
		goto out;
	if (volt_vm_create(vm, name, &a.spec) < 0) {
		r = cli_fail(g->program);
		goto out;
	}
	if (volt_vm_run(&status, vm, name) < 0)
		r = cli_fail(g->program);
	else
		r = status;
	if (rm && volt_vm_remove(vm, name, true) < 0) {
		int f = cli_fail(g->program);

		r = r ? r : f;
	}
out:
	volt_vm_close(vm);
	vm_spec_args_done(&a);
	return r;
}
