/*
 * volt vm list and inspect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <time.h>

#include <volt/core.h>

#include "vm-verbs.h"

static const char list_help[] =
	"Usage: volt vm list [--json]\n"
	"\n"
	"List every VM: name, image, state in words, how long ago it was created,\n"
	"its memory, vCPUs and the guest's address on a private network. States:\n"
	"created (not running), running, exited (with the exit status of the VM's\n"
	"command), failed (voltvm failed; with its exit status).\n"
	"\n"
	"Options:\n"
	"  --json      print a JSON array of objects with the same fields\n"
	"  -h, --help  show this help\n";

static const char inspect_help[] =
	"Usage: volt vm inspect NAME\n"
	"\n"
	"Print everything known about VM NAME as JSON: its record (image, disk,\n"
	"memory, network, kernel, command line), its unit, its live state and the\n"
	"voltvm command it runs.\n";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * VOLT_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static json_t *info_json(const volt_vm_info *info)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:I}", "name", info->name, "image", info->image, "state",
			      volt_vm_state_to_string(info->state), "created_ns", (json_int_t)info->created_ns,
			      "memory_bytes", (json_int_t)info->memory_bytes, "cpus", (int)info->cpus, "main_pid",
			      (json_int_t)info->main_pid);

	if (!o)
		return NULL;
	if (info->state == VOLT_VM_EXITED || info->state == VOLT_VM_FAILED)
		json_object_set_new(o, "exit_status", json_integer(info->exit_status));
	if (info->started_ns)
		json_object_set_new(o, "uptime_ns", json_integer((json_int_t)(now_ns() - info->started_ns)));
	json_object_set_new(o, "address", info->address ? json_string(info->address) : json_null());
	return o;
}

int vm_list(const struct cli_global *g, int argc, char **argv)
{
	volt_vm_info **infos = NULL;
	volt_vm *vm = NULL;
	size_t n = 0;
	bool json;
	int r;

	r = volt_verb_common_options(g, &json, argc, argv, list_help);
	if (r >= 0)
		return r;
	r = vm_open(g, &vm);
	if (r >= 0)
		return r;
	if (volt_vm_list(&infos, &n, vm) < 0) {
		volt_vm_close(vm);
		return cli_fail(g->program);
	}
	volt_vm_close(vm);

	if (json) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < n; i++)
			json_array_append_new(a, info_json(infos[i]));
		volt_vm_info_list_free(infos);
		return cli_print_json(g->program, a);
	}

	printf("%-20s %-24s %-12s %-14s %8s %4s %-15s\n", "NAME", "IMAGE", "STATE", "CREATED", "MEMORY", "CPUS",
	       "ADDRESS");
	for (size_t i = 0; i < n; i++) {
		char state[32], created[VOLT_FORMAT_BUF_SIZE + 8] = "-", age[VOLT_FORMAT_BUF_SIZE],
								  mem[VOLT_FORMAT_BUF_SIZE];
		uint64_t now = now_ns();

		if (infos[i]->state == VOLT_VM_EXITED || infos[i]->state == VOLT_VM_FAILED)
			snprintf(state, sizeof(state), "%s (%d)", volt_vm_state_to_string(infos[i]->state),
				 infos[i]->exit_status);
		else
			snprintf(state, sizeof(state), "%s", volt_vm_state_to_string(infos[i]->state));
		if (infos[i]->created_ns && infos[i]->created_ns <= now)
			snprintf(created, sizeof(created), "%s ago", volt_format_duration(age, now - infos[i]->created_ns));
		volt_format_size(mem, infos[i]->memory_bytes);
		printf("%-20s %-24s %-12s %-14s %8s %4u %-15s\n", infos[i]->name, infos[i]->image, state, created, mem,
		       infos[i]->cpus, infos[i]->address ? infos[i]->address : "-");
	}
	volt_vm_info_list_free(infos);
	return CLI_EXIT_OK;
}

int vm_inspect(const struct cli_global *g, int argc, char **argv)
{
	volt_vm *vm = NULL;
	json_t *o = NULL;
	int r;

	if (cli_verb_wants_help(argc, argv, inspect_help))
		return CLI_EXIT_OK;
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error(g->program, "inspect: give exactly one VM NAME");
	r = vm_open(g, &vm);
	if (r >= 0)
		return r;
	r = volt_vm_inspect(&o, vm, argv[1]);
	volt_vm_close(vm);
	if (r < 0)
		return cli_fail(g->program);
	return cli_print_json(g->program, o);
}
