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
	volt_ctr_free(ctr);
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

int container_start(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt container start NAME...\n"
		"\n"
		"Start containers as transient systemd units (volt-container-NAME.service)\n"
		"and return once systemd reports them started. Needs systemd as PID 1;\n"
		"'volt run' works without it.\n";
	uint64_t t;
	bool f;
	int first, r = workload_parse_names(g, argc, argv, help, "container", false, false, &t, &f, &first);

	return r >= 0 ? r : each(g, argc, argv, first, do_start, t, f);
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
