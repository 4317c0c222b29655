/*
 * volt run / volt container run: create a container and run it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include <volt/core.h>

#include "container.h"

static const char run_help[] =
	"Usage: volt run [OPTIONS] IMAGE [-- CMD [ARGS...]]\n"
	"       volt run [OPTIONS] --rootfs DIR [-- CMD [ARGS...]]\n"
	"\n"
	"Create a container of IMAGE and run CMD in it. IMAGE is an image of 'volt\n"
	"image ls' (full or short name, or id), else a Stellarium tag or hash\n"
	"('busybox' is built in). An image's config applies as in Docker: the\n"
	"command is its Entrypoint followed by CMD, or by its Cmd when no CMD is\n"
	"given; its Env, WorkingDir and User apply unless -e, -w or -u say\n"
	"otherwise. Without an image command or CMD: /bin/sh. In the foreground\n"
	"(the default) the container is a child of volt: no systemd is needed, its\n"
	"output goes to this terminal, and volt exits with the workload's exit\n"
	"status. With --detach it starts as the systemd unit\n"
	"volt-container-NAME.service instead, and volt prints its name.\n"
	"\n"
	"Options:\n"
	"  --name NAME          the container's name (default: run-<random>)\n"
	"  --rm                 remove the container when it exits (foreground only)\n"
	"  -d, --detach         start it as a systemd unit and return\n"
	"  --image REF          the image, as an option rather than an argument\n"
	"  --rootfs DIR         a directory holding an OS tree (with /usr) as the image\n"
	"  -e, --env, -w, --workdir, --hostname, -u, --user, -v, --volume, --network,\n"
	"  -p, --publish,\n"
	"  -m, --memory, --cpus, --pids-limit, --io-weight, --policy, --strict:\n"
	"                       as for 'volt container create'\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: the workload's own in the foreground; 1 if volt failed before\n"
	"it ran; 2 on a usage error.\n";

int container_run(const struct cli_global *g, int argc, char **argv)
{
	struct spec_options o;
	volt_ctr *ctr = NULL;
	char generated[32];
	const char *name;
	int r, first, n, status = 0;

	r = container_parse_spec(g, &o, true, argc, argv, run_help, &first, &n);
	if (r >= 0)
		goto out;
	r = CLI_EXIT_USAGE;
	if (n > 0) {
		r = cli_usage_error(g->program, "run: unexpected argument '%s' (the command goes after '--')", argv[first]);
		goto out;
	}
	if (o.rm && o.detach) {
		r = cli_usage_error(g->program, "run: --rm works in the foreground only, not with --detach");
		goto out;
	}
	name = o.name;
	if (!name) {
		unsigned char rnd[4];

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			volt_error_set_errno(errno, "getrandom");
			r = cli_fail(g->program);
			goto out;
		}
		snprintf(generated, sizeof(generated), "run-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
		name = generated;
	}
	r = container_open(g, &ctr);
	if (r >= 0)
		goto out;
	if (volt_ctr_create(ctr, name, &o.spec) < 0) {
		r = cli_fail(g->program);
		goto out;
	}

	if (o.detach) {
		if (volt_ctr_start(ctr, name) < 0) {
			r = cli_fail(g->program);
			/* run made it, so run takes it away again: nothing half-done stays. */
			volt_ctr_remove(ctr, name, true);
			goto out;
		}
		printf("%s\n", name);
		r = CLI_EXIT_OK;
		goto out;
	}

	if (volt_ctr_run(ctr, name, &status) < 0)
		r = cli_fail(g->program);
	else
		r = status;
	if (o.rm && volt_ctr_remove(ctr, name, true) < 0)
		fprintf(stderr, "%s: warning: could not remove container %s: %s\n", g->program, name,
			volt_error_message());
out:
	volt_ctr_free(ctr);
	container_spec_done(&o);
	return r;
}
