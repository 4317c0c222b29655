/*
 * volt run / volt container run: create a container and run it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include <volt/core.h>

#include "container.h"
#include "vm-verbs.h"

static const char run_help[] =
	"Usage: volt run [OPTIONS] IMAGE [CMD [ARGS...]]\n"
	"       volt run [OPTIONS] --rootfs DIR [CMD [ARGS...]]\n"
	"\n"
	"Create a container of IMAGE and run CMD in it. IMAGE is an image of 'volt\n"
	"image ls' (full or short name, or id), else a Stellarium tag or hash\n"
	"('busybox' is built in). As in Docker, volt's options end at IMAGE: every\n"
	"word after it is the command, those that look like options too ('volt run\n"
	"busybox ls -l' runs 'ls -l'); an '--' right after IMAGE is skipped. With\n"
	"--image or --rootfs, the command follows the options (or an '--').\n"
	"An image's config applies as in Docker: the command is its Entrypoint\n"
	"followed by CMD, or by its Cmd when no CMD is given; its Env, WorkingDir\n"
	"and User apply unless -e, -w or -u say otherwise. Without an image command\n"
	"or CMD: /bin/sh. In the foreground (the default) the container is a child\n"
	"of volt: no systemd is needed, its output goes to volt's, and volt exits\n"
	"with the workload's exit status. With --detach it starts as the systemd\n"
	"unit volt-container-NAME.service instead, and volt prints its name.\n"
	"With --vm, IMAGE runs as a VM instead ('volt run --vm --help').\n"
	"\n"
	"Standard input and terminal, as in Docker:\n"
	"  (neither)  the workload's standard input is /dev/null; its output goes\n"
	"             straight to volt's standard output and error\n"
	"  -i         volt's standard input is the workload's, as it is (a pipe, a\n"
	"             file, or the terminal itself, which it then reads in\n"
	"             line mode): no terminal of its own, no job control\n"
	"  -t         a new pseudo-terminal for the workload, its output relayed to\n"
	"             volt's; no input is read (stdin is /dev/null)\n"
	"  -it        a new pseudo-terminal relayed both ways, for an interactive\n"
	"             shell: needs a terminal on standard input\n"
	"\n"
	"Options:\n"
	"  --name NAME          the container's name (default: run-<random>)\n"
	"  --rm                 remove the container when it exits (foreground only)\n"
	"  -d, --detach         start it as a systemd unit and return\n"
	"  -i, --interactive    keep standard input open for the workload\n"
	"  -t, --tty            give the workload a pseudo-terminal\n"
	"  --image REF          the image, as an option rather than an argument\n"
	"  --rootfs DIR         a directory holding an OS tree (with /usr) as the image\n"
	"  -e, --env NAME=VAL   set a variable; -e NAME passes volt's own NAME on\n"
	"                       (nothing when it is unset)\n"
	"  -w, --workdir, --hostname, -u, --user, -v, --volume, --network,\n"
	"  -p, --publish, --dns,\n"
	"  -m, --memory, --cpus, --pids-limit, --io-weight, --policy, --strict,\n"
	"  --restart:           as for 'volt container create' (--restart: not with --rm)\n"
	"  --learn[=FILE]       run the workload observed instead of sandboxed and write\n"
	"                       a least-privilege policy for it to FILE (container paths;\n"
	"                       Ctrl-C ends a server and writes it); docs/sec-learn.md\n"
	"  --attach             with --learn: attach the learned policy to IMAGE, so that\n"
	"                       later 'volt run IMAGE' uses it (see 'volt policy attach')\n"
	"  -h, --help           show this help\n"
	"\n"
	"In the foreground, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to volt go to the\n"
	"workload, and its output (but with -it) is also kept for 'volt logs NAME'.\n"
	"Without --rm the container stays, exited with its status ('volt ps -a'), and\n"
	"'volt start -a NAME' runs it again.\n"
	"\n"
	"Exit status: the workload's own in the foreground, 128+N when signal N ended\n"
	"it (137: SIGKILL or out of memory, 143: SIGTERM, 130: SIGINT); 1 if volt\n"
	"failed before it ran; 2 on a usage error.\n";

bool container_detach_stdin(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
		volt_error_set_errno(errno, "/dev/null");
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

int container_run(const struct cli_global *g, int argc, char **argv)
{
	struct spec_options o;
	volt_ctr *ctr = NULL;
	char generated[32];
	volt_ctr_console console = VOLT_CTR_CONSOLE_PIPE;
	const char *name;
	int r, first, n, status = 0;

	if (vm_run_image_wanted(argc, argv))
		return vm_run_image(g, argc, argv); /* volt run --vm: tools/volt/vm-run-image.c */
	r = container_parse_spec(g, &o, true, argc, argv, run_help, &first, &n);
	if (r >= 0)
		goto out;
	(void)first;
	(void)n;
	if ((o.learn || o.attach) && (o.detach || !o.learn || (!o.learn_file && !o.attach) ||
				      (o.attach && !o.spec.image) || o.spec.policy_file)) {
		r = cli_usage_error(g->program, "run: --learn[=FILE] runs in the foreground without --policy, and needs "
				    "FILE or --attach (which needs an IMAGE, not --rootfs)");
		goto out;
	}
	if (o.rm && o.detach) {
		r = cli_usage_error(g->program, "run: --rm works in the foreground only, not with --detach");
		goto out;
	}
	if ((o.interactive || o.tty) && o.detach) {
		r = cli_usage_error(g->program, "run: -i and -t are for the foreground: a detached container has no "
				    "standard input or terminal");
		goto out;
	}
	if (o.interactive && o.tty && !isatty(STDIN_FILENO)) {
		r = cli_usage_error(g->program, "run: -it needs a terminal on standard input (use -i alone to read "
				    "from a pipe or file)");
		goto out;
	}
	if (o.interactive && o.tty)
		console = VOLT_CTR_CONSOLE_INTERACTIVE;
	else if (o.tty)
		console = VOLT_CTR_CONSOLE_READ_ONLY;
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
	/* A foreground --rm container's record lives as long as this run: no fsync. */
	if (o.rm && !o.detach)
		volt_ctr_set_durable(ctr, false);
	if (container_create_spec(ctr, name, &o) < 0) {
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

	/* Without -i the workload reads nothing of ours, as in Docker: not even a terminal. */
	if (!o.interactive && !container_detach_stdin()) {
		r = cli_fail(g->program);
		if (o.rm)
			volt_ctr_remove(ctr, name, true);
		goto out;
	}
	if (o.learn)
		r = container_run_learn(g, ctr, name, &o, console);
	else if (volt_ctr_run_console(&status, ctr, name, console) < 0)
		r = cli_fail(g->program);
	else
		r = status;
	if (o.rm && volt_ctr_remove(ctr, name, true) < 0)
		fprintf(stderr, "%s: warning: could not remove container %s: %s\n", g->program, name,
			volt_error_message());
out:
	volt_ctr_close(ctr);
	container_spec_done(&o);
	return r;
}
