/*
 * volt container list (ps) and inspect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <volt/core.h>

#include "container.h"

static const char list_help[] =
	"Usage: volt container list [-a] [-q | --format FORMAT | --json]\n"
	"       volt ps [-a] [-q | --format FORMAT | --json]\n"
	"\n"
	"List containers: name, image, state in words, main PID, uptime, memory,\n"
	"published ports and address. States: created (not running), running,\n"
	"exited (with the workload's exit code), failed. Every container is listed,\n"
	"stopped ones too: with no daemon, a stopped container stays until 'volt rm'\n"
	"and is part of what there is to see. -a (Docker's \"all\") is accepted and\n"
	"changes nothing; --running lists only the running ones (what 'docker ps'\n"
	"lists without -a).\n"
	"\n"
	"Options:\n"
	"  -a, --all          every container (the default)\n"
	"      --running      only running containers\n"
	"  -q, --quiet        print only the names, one per line\n"
	"      --format FORMAT\n"
	"                     print FORMAT for each container, a text with fields in\n"
	"                     double braces, as Docker's Go templates:\n"
	"                     '{{.Name}} {{.State}}'; \\t and \\n are a tab and a\n"
	"                     newline. Fields: Name, Image, State (created, running,\n"
	"                     exited, failed), Status (as the STATE column), ExitCode,\n"
	"                     Pid, Uptime, Memory, Ports, IP, Unit (yes when run as a\n"
	"                     systemd unit)\n"
	"      --json         print a JSON array of objects with the fields\n"
	"  -h, --help         show this help\n"
	"\n"
	"PORTS reads HOSTIP:HOSTPORT->PORT/tcp per published port; IP is the\n"
	"container's address on its private network, 'host' on the host's network,\n"
	"'-' with loopback only.\n";

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

/* One container's columns, as strings. */
struct row {
	char name[256], image[512], state[16], status[32], exit_code[16], pid[16], uptime[VOLT_FORMAT_BUF_SIZE],
		memory[VOLT_FORMAT_BUF_SIZE], ports[512], ip[64], unit[8];
};

/* The fields of --format, in the order of --help. */
static const char *const format_fields[] = { "Name", "Image", "State", "Status", "ExitCode", "Pid",
					     "Uptime", "Memory", "Ports", "IP", "Unit", NULL };

static const char *row_field(const struct row *r, const char *field)
{
	const char *const values[] = { r->name, r->image, r->state, r->status, r->exit_code, r->pid,
				       r->uptime, r->memory, r->ports, r->ip, r->unit };

	for (size_t i = 0; format_fields[i]; i++)
		if (strcmp(format_fields[i], field) == 0)
			return values[i];
	return NULL;
}

/*
 * The address and published ports from the container's record, as
 * 'volt container inspect' shows it. The library records the network's
 * index; its /30 is VOLT_CTR_NETWORK_PREFIX's index-th, the container
 * being the second address of it. An "address" in the state or config,
 * should the library record one, is taken as it is.
 */
static void network_columns(volt_ctr *ctr, const char *name, struct row *r)
{
	json_t *o = NULL, *config, *port, *addr;
	const char *network;
	size_t i, len = 0;

	snprintf(r->ip, sizeof(r->ip), "-");
	snprintf(r->ports, sizeof(r->ports), "-");
	if (volt_ctr_inspect(&o, ctr, name) < 0) {
		volt_error_clear();
		return;
	}
	config = json_object_get(o, "config");
	network = json_string_value(json_object_get(config, "network"));
	addr = json_object_get(json_object_get(o, "state"), "address");
	if (!json_is_string(addr))
		addr = json_object_get(config, "address");
	if (json_is_string(addr)) {
		snprintf(r->ip, sizeof(r->ip), "%s", json_string_value(addr));
	} else if (network && strcmp(network, "host") == 0) {
		snprintf(r->ip, sizeof(r->ip), "host");
	} else if (network && strcmp(network, "private") == 0 &&
		   json_is_integer(json_object_get(config, "network_index"))) {
		json_int_t idx = json_integer_value(json_object_get(config, "network_index"));
		unsigned base = (unsigned)idx * 4;

		if (idx >= 0 && idx < 16384)
			snprintf(r->ip, sizeof(r->ip), "10.213.%u.%u", (base >> 8) & 255, (base & 255) + 2);
	}
	json_array_foreach(json_object_get(config, "ports"), i, port) {
		const char *ip = json_string_value(json_object_get(port, "host_ip"));
		const char *proto = json_string_value(json_object_get(port, "protocol"));
		int n = snprintf(r->ports + len, sizeof(r->ports) - len, "%s%s:%lld->%lld/%s", i ? ", " : "",
				 ip ? ip : "0.0.0.0", (long long)json_integer_value(json_object_get(port, "host")),
				 (long long)json_integer_value(json_object_get(port, "container")),
				 proto ? proto : "tcp");

		if (n < 0 || (size_t)n >= sizeof(r->ports) - len)
			break;
		len += (size_t)n;
	}
	json_decref(o);
}

static void fill_row(volt_ctr *ctr, const volt_ctr_info *info, struct row *r)
{
	char *image = cli_escape(info->image);

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", info->name);
	/* The image column is an image's name, or a --rootfs path: anyone's bytes. */
	snprintf(r->image, sizeof(r->image), "%s", image ? image : "?");
	free(image);
	snprintf(r->state, sizeof(r->state), "%s", volt_ctr_state_to_string(info->state));
	if (info->state == VOLT_CTR_EXITED) {
		snprintf(r->status, sizeof(r->status), "exited (%d)", info->exit_status);
		snprintf(r->exit_code, sizeof(r->exit_code), "%d", info->exit_status);
	} else {
		snprintf(r->status, sizeof(r->status), "%s", r->state);
		snprintf(r->exit_code, sizeof(r->exit_code), "-");
	}
	snprintf(r->pid, sizeof(r->pid), "-");
	if (info->main_pid)
		snprintf(r->pid, sizeof(r->pid), "%d", (int)info->main_pid);
	snprintf(r->uptime, sizeof(r->uptime), "-");
	if (info->started_ns)
		volt_format_duration(r->uptime, now_ns() - info->started_ns);
	snprintf(r->memory, sizeof(r->memory), "-");
	if (info->memory_bytes != UINT64_MAX)
		volt_format_size(r->memory, info->memory_bytes);
	snprintf(r->unit, sizeof(r->unit), "%s", info->unit ? "yes" : "no");
	network_columns(ctr, info->name, r);
}

/* Check --format: every {{.Field}} known. Returns -1 to go on, else an exit code. */
static int format_check(const struct cli_global *g, const char *format)
{
	for (const char *p = format; (p = strstr(p, "{{"));) {
		const char *close = strstr(p, "}}"), *f = p + 2, *e;
		char field[64];

		if (!close)
			return cli_usage_error(g->program, "ps: --format: '{{' without '}}'");
		while (f < close && *f == ' ')
			f++;
		for (e = close; e > f && e[-1] == ' '; e--)
			;
		if (f >= e || *f != '.' || e - f - 1 >= (ptrdiff_t)sizeof(field))
			return cli_usage_error(g->program, "ps: --format: '%.*s' is not {{.Field}}",
					       (int)(close + 2 - p), p);
		snprintf(field, sizeof(field), "%.*s", (int)(e - f - 1), f + 1);
		if (!row_field(&(struct row){}, field)) {
			const char *near = cli_closest(field, format_fields);

			if (near)
				return cli_usage_error(g->program, "ps: --format: unknown field '%s' (did you mean '%s'?)",
						       field, near);
			return cli_usage_error(g->program, "ps: --format: unknown field '%s'; fields: Name, Image, "
					       "State, Status, ExitCode, Pid, Uptime, Memory, Ports, IP, Unit", field);
		}
		p = close + 2;
	}
	return -1;
}

static void format_print(const char *format, const struct row *r)
{
	for (const char *p = format; *p;) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			putchar(p[1] == 't' ? '\t' : '\n');
			p += 2;
		} else if (p[0] == '{' && p[1] == '{') {
			const char *close = strstr(p, "}}"), *f = p + 2, *e;
			char field[64];

			while (*f == ' ')
				f++;
			for (e = close; e > f && e[-1] == ' '; e--)
				;
			snprintf(field, sizeof(field), "%.*s", (int)(e - f - 1), f + 1);
			fputs(row_field(r, field), stdout);
			p = close + 2;
		} else {
			putchar(*p++);
		}
	}
	putchar('\n');
}

int container_list(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_FORMAT = 0x100, OPT_RUNNING, OPT_JSON };
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "running", no_argument, NULL, OPT_RUNNING },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	volt_ctr_info **infos = NULL;
	volt_ctr *ctr = NULL;
	const char *format = NULL;
	bool json = g->json, quiet = false, running = false;
	size_t n = 0;
	int c, r;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:aqh", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_RUNNING:
			running = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			fputs(list_help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_option_error(g->program, argv[0], argc, argv, c, options);
		}
	}
	if (optind < argc)
		return cli_usage_error(g->program, "%s: unexpected argument '%s'", argv[0], argv[optind]);
	if ((quiet && format) || (json && (quiet || format)))
		return cli_usage_error(g->program, "%s: give one of -q, --format and --json", argv[0]);
	if (format && (r = format_check(g, format)) >= 0)
		return r;

	r = container_open(g, &ctr);
	if (r >= 0)
		return r;
	if (volt_ctr_list(&infos, &n, ctr) < 0) {
		volt_ctr_close(ctr);
		return cli_fail(g->program);
	}

	if (json) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < n; i++) {
			json_t *o;
			struct row row;

			if (running && infos[i]->state != VOLT_CTR_RUNNING)
				continue;
			o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "name", infos[i]->name, "image", infos[i]->image,
				      "state", volt_ctr_state_to_string(infos[i]->state), "main_pid",
				      (json_int_t)infos[i]->main_pid, "unit", infos[i]->unit);
			if (infos[i]->state == VOLT_CTR_EXITED)
				json_object_set_new(o, "exit_status", json_integer(infos[i]->exit_status));
			if (infos[i]->started_ns)
				json_object_set_new(o, "uptime_ns",
						    json_integer((json_int_t)(now_ns() - infos[i]->started_ns)));
			if (infos[i]->memory_bytes != UINT64_MAX)
				json_object_set_new(o, "memory_bytes", json_integer((json_int_t)infos[i]->memory_bytes));
			network_columns(ctr, infos[i]->name, &row);
			json_object_set_new(o, "ports", json_string(row.ports));
			json_object_set_new(o, "ip", json_string(row.ip));
			json_array_append_new(a, o);
		}
		volt_ctr_info_list_free(infos);
		volt_ctr_close(ctr);
		return cli_print_json(g->program, a);
	}

	if (!quiet && !format)
		printf("%-20s %-28s %-12s %8s %10s %10s %-15s %s\n", "NAME", "IMAGE", "STATE", "PID", "UPTIME",
		       "MEMORY", "IP", "PORTS");
	for (size_t i = 0; i < n; i++) {
		struct row row;

		if (running && infos[i]->state != VOLT_CTR_RUNNING)
			continue;
		if (quiet) {
			printf("%s\n", infos[i]->name);
			continue;
		}
		fill_row(ctr, infos[i], &row);
		if (format)
			format_print(format, &row);
		else
			printf("%-20s %-28s %-12s %8s %10s %10s %-15s %s\n", row.name, row.image, row.status, row.pid,
			       row.uptime, row.memory, row.ip, row.ports);
	}
	volt_ctr_info_list_free(infos);
	volt_ctr_close(ctr);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
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
	r = volt_ctr_inspect(&o, ctr, argv[1]);
	volt_ctr_close(ctr);
	if (r < 0)
		return cli_fail(g->program);
	return cli_print_json(g->program, o);
}
