/* The container verbs of volt(1). SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_TOOLS_CONTAINER_H
#define VOLT_TOOLS_CONTAINER_H

#include <volt/ctr.h>

#include "volt.h"

/* A spec with the storage for the lists the options fill. */
struct spec_options {
	volt_ctr_spec spec;
	const char **env, **volumes, **ports, **argv, **dns;
	size_t n_env, n_volumes, n_ports, n_dns;
	char **env_owned;       /* "NAME=VALUE" strings made for -e NAME */
	size_t n_env_owned;
	const char *name;       /* --name (run) */
	bool rm, detach;        /* run only */
	bool interactive, tty;  /* -i, -t (run only) */
	bool learn, attach;     /* --learn[=FILE], --attach (run only) */
	const char *learn_file;
	const char *restart;    /* --restart: volt_ctr_set_restart() after create */
};

/* volt run --learn: run container @name observed, write/attach its policy (container-learn.c). */
int container_run_learn(const struct cli_global *g, volt_ctr *ctr, const char *name, const struct spec_options *o,
			volt_ctr_console console);

/* Open the containers of the state root chosen by --root / VOLT_ROOT. */
int container_open(const struct cli_global *g, volt_ctr **out);

/*
 * Parse create/run options into @o; @run enables --name, --rm, -d, -i
 * and -t. For create, options and arguments mix freely until "--":
 * positional arguments are argv[*first_arg] and the *n_args after it,
 * and the command after "--" goes to o->argv. For run, as in Docker,
 * options end at the first argument, the image (unless --image or
 * --rootfs named it): everything after it is the command (an "--" right
 * after the image is skipped), and *n_args is 0. Returns -1 to go on,
 * else an exit code.
 */
int container_parse_spec(const struct cli_global *g, struct spec_options *o, bool run, int argc, char **argv,
			 const char *help, int *first_arg, int *n_args);
void container_spec_done(struct spec_options *o);
/* Standard input becomes /dev/null (a foreground run without -i); false and the error set on failure. */
bool container_detach_stdin(void);
/* volt_ctr_create() of @name, then what the spec does not hold (--restart,
 * --dns); nothing is left if any fails. */
int container_create_spec(volt_ctr *ctr, const char *name, const struct spec_options *o);

int container_create(const struct cli_global *g, int argc, char **argv);
int container_run(const struct cli_global *g, int argc, char **argv);
int container_start(const struct cli_global *g, int argc, char **argv);
int container_stop(const struct cli_global *g, int argc, char **argv);
int container_restart(const struct cli_global *g, int argc, char **argv);
int container_rm(const struct cli_global *g, int argc, char **argv);
int container_list(const struct cli_global *g, int argc, char **argv);
int container_inspect(const struct cli_global *g, int argc, char **argv);
int container_logs(const struct cli_global *g, int argc, char **argv);
int container_exec(const struct cli_global *g, int argc, char **argv);

#endif
