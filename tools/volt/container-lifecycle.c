/*
 * volt container start / stop / restart / rm.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <volt/core.h>

#include "container.h"
#include "workload-args.h"

/* Apply @fn to every NAME; the exit status is 1 if any failed. */
static int each(const struct cli_global *g, int argc, char **argv, int first,
		int (*fn)(volt_ctr *ctr, const char *name, uint64_t t, bool f), uint64_t t, bool f)
{
	volt_ctr *ctr = NULL;
	int r = container_open(g, &ctr);

	if (r >= 0)
		return r;
	r = CLI_EXIT_OK;
	for (int i = first; i < argc; i++)
		if (fn(ctr, argv[i], t, f) < 0)
			r = cli_fail(g->program);
	volt_ctr_close(ctr);
	return r;
}

static int do_start(volt_ctr *ctr, const char *name, uint64_t t, bool f)
{
	return volt_ctr_start(ctr, name);
}

static int do_stop(volt_ctr *ctr, const char *name, uint64_t t, bool f)
{
	return volt_ctr_stop(ctr, name, t);
}

static int do_restart(volt_ctr *ctr, const char *name, uint64_t t, bool f)
{
	int r = volt_ctr_stop(ctr, name, t);

	if (r < 0 && r != -ESRCH)
		return r;
	return volt_ctr_start(ctr, name);
}

static int do_rm(volt_ctr *ctr, const char *name, uint64_t t, bool f)
{
	return volt_ctr_remove(ctr, name, f);
}

/* volt start -a NAME: one run in the foreground, as volt run gives it. */
static int start_attached(const struct cli_global *g, const char *name, bool interactive)
{
	volt_ctr *ctr = NULL;
	int r = container_open(g, &ctr), status = 0;

	if (r >= 0)
		return r;
	if (!interactive && !container_detach_stdin())
		r = cli_fail(g->program);
	else if (volt_ctr_run_console(&status, ctr, name, VOLT_CTR_CONSOLE_PIPE) < 0)
		r = cli_fail(g->program);
	else
		r = status;
	volt_ctr_close(ctr);
	return r;
}

int container_start(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt container start NAME...\n"
		"       volt container start -a [-i] NAME\n"
		"\n"
		"Start containers as transient systemd units (volt-container-NAME.service)\n"
		"and return once systemd reports them started. Needs systemd as PID 1.\n"
		"\n"
		"With -a (--attach), run container NAME once more in the foreground instead,\n"
		"as 'volt run' does: no systemd needed, its output goes to volt's (and to\n"
		"the log 'volt logs NAME' shows), and volt exits with the workload's exit\n"
		"status (128+N when signal N ended it). A container made by 'volt\n"
		"container create', or one that ran and exited, can run again this way,\n"
		"with its writable layer as the last run left it.\n"
		"\n"
		"Options:\n"
		"  -a, --attach       run in the foreground, attached to volt's output\n"
		"  -i, --interactive  with -a: volt's standard input is the workload's\n"
		"                     (without it, the workload's is /dev/null)\n"
		"  -h, --help         show this help\n";
	static const struct option options[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool attach = false, interactive = false;
	int c, r;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":aih", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			attach = true;
			break;
		case 'i':
			interactive = true;
			break;
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_option_error(g->program, argv[0], argc, argv, c, options);
		}
	}
	if (optind >= argc)
		return cli_usage_error(g->program, "%s: which container? Give its NAME", argv[0]);
	if (interactive && !attach)
		return cli_usage_error(g->program, "%s: -i needs -a (a unit has no standard input)", argv[0]);
	if (attach) {
		if (argc - optind != 1)
			return cli_usage_error(g->program, "%s: -a runs one container: give exactly one NAME", argv[0]);
		return start_attached(g, argv[optind], interactive);
	}
	r = each(g, argc, argv, optind, do_start, 0, false);
	if (r != CLI_EXIT_OK && !volt_ctr_have_systemd())
		fprintf(stderr, "%s: without systemd, 'volt start -a NAME' runs a container in the foreground\n",
			g->program);
	return r;
}

int container_stop(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt container stop [-t DURATION] NAME...\n"
		"\n"
		"Stop running containers: SIGTERM to the workload, SIGKILL after the\n"
		"timeout. Stopping a container that is not running is an error.\n"
		"\n"
		"Options:\n"
		"  -t, --time DURATION  how long to wait before SIGKILL (default 10s; e.g. 500ms, 1min)\n"
		"  -h, --help           show this help\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "container", true, false, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_stop, t, f);
}

int container_restart(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt container restart [-t DURATION] NAME...\n"
		"\n"
		"Stop containers (if running), then start them as systemd units.\n"
		"\n"
		"Options:\n"
		"  -t, --time DURATION  how long to wait before SIGKILL (default 10s)\n"
		"  -h, --help           show this help\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "container", true, false, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_restart, t, f);
}

int container_rm(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt container rm [--force] NAME...\n"
		"\n"
		"Remove containers: their writable layer and state. Their image's shared\n"
		"base stays. A running container is refused unless --force, which kills it.\n"
		"\n"
		"Options:\n"
		"  -f, --force  stop (SIGKILL) a running container first\n"
		"  -h, --help   show this help\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "container", false, true, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_rm, t, f);
}
