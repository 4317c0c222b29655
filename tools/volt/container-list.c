/*
 * volt container list (ps) and inspect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <volt/core.h>

#include "container.h"

static const char list_help[] =
	"Usage: volt container list [--json]\n"
	"\n"
	"List every container: name, image, state in words, main PID, uptime and\n"
	"memory. States: created (not running), running, exited (with the\n"
	"workload's exit code), failed.\n"
	"\n"
	"Options:\n"
	"  --json      print a JSON array of objects with the same fields\n"
	"  -h, --help  show this help\n";

static const char inspect_help[] =
	"Usage: volt container inspect NAME\n"
	"\n"
	"Print everything known about container NAME as JSON: its configuration,\n"
	"its effective sandbox policy, its paths and its live state.\n";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * VOLT_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

int container_list(const struct cli_global *g, int argc, char **argv)
{
	volt_ctr_info *infos = NULL;
	volt_ctr *ctr = NULL;
	size_t n = 0;
	bool json;
	int r;

	r = volt_verb_common_options(g, &json, argc, argv, list_help);
	if (r >= 0)
		return r;
	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	if (volt_ctr_list(ctr, &infos, &n) < 0) {
		volt_ctr_free(ctr);
		return cli_fail(g->program);
	}
	volt_ctr_free(ctr);

	if (json) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < n; i++) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "name", infos[i].name, "image", infos[i].image,
					      "state", volt_ctr_state_to_string(infos[i].state), "main_pid",
					      (json_int_t)infos[i].main_pid, "unit", infos[i].unit);

			if (infos[i].state == VOLT_CTR_EXITED)
				json_object_set_new(o, "exit_status", json_integer(infos[i].exit_status));
			if (infos[i].started_ns)
				json_object_set_new(o, "uptime_ns",
						    json_integer((json_int_t)(now_ns() - infos[i].started_ns)));
			if (infos[i].memory_bytes != UINT64_MAX)
				json_object_set_new(o, "memory_bytes", json_integer((json_int_t)infos[i].memory_bytes));
			json_array_append_new(a, o);
		}
		volt_ctr_info_free(infos, n);
		return cli_print_json(g->program, a);
	}

	printf("%-20s %-28s %-12s %8s %10s %10s\n", "NAME", "IMAGE", "STATE", "PID", "UPTIME", "MEMORY");
	for (size_t i = 0; i < n; i++) {
		char state[32], up[VOLT_FORMAT_BUF_SIZE] = "-", mem[VOLT_FORMAT_BUF_SIZE] = "-", pid[16] = "-";
		char *image;

		if (infos[i].state == VOLT_CTR_EXITED)
			snprintf(state, sizeof(state), "exited (%d)", infos[i].exit_status);
		else
			snprintf(state, sizeof(state), "%s", volt_ctr_state_to_string(infos[i].state));
		if (infos[i].started_ns)
			volt_format_duration(up, now_ns() - infos[i].started_ns);
		if (infos[i].memory_bytes != UINT64_MAX)
			volt_format_size(mem, infos[i].memory_bytes);
		if (infos[i].main_pid)
			snprintf(pid, sizeof(pid), "%d", (int)infos[i].main_pid);
		/* The image column is an image's name, or a --rootfs path: anyone's bytes. */
		image = cli_escape(infos[i].image);

		printf("%-20s %-28s %-12s %8s %10s %10s\n", infos[i].name, image ? image : "?", state, pid, up, mem);
		free(image);
	}
	volt_ctr_info_free(infos, n);
	return CLI_EXIT_OK;
}

int container_inspect(const struct cli_global *g, int argc, char **argv)
{
	volt_ctr *ctr = NULL;
	json_t *o = NULL;
	int r;

	if (cli_verb_wants_help(argc, argv, inspect_help))
		return CLI_EXIT_OK;
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error(g->program, "inspect: give exactly one container NAME");
	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	r = volt_ctr_inspect(ctr, argv[1], &o);
	volt_ctr_free(ctr);
	if (r < 0)
		return cli_fail(g->program);
	return cli_print_json(g->program, o);
}
